// Acme.Json: a (fictional) JSON reader shipped without debug symbols, so its
// frames show "<module id>:0" instead of file and line.
using System;

namespace Acme.Json
{
    public class JsonParseException : FormatException
    {
        public int Position { get; private set; }

        public JsonParseException(string message, int position)
            : base(message + " at position " + position)
        {
            Position = position;
        }
    }

    public static class JsonReader
    {
        public static object Parse(string text)
        {
            var lexer = new Lexer(text);
            return lexer.ReadValue();
        }
    }

    internal class Lexer
    {
        readonly string text;
        int pos;

        public Lexer(string text)
        {
            this.text = text;
        }

        public object ReadValue()
        {
            for (pos = 0; pos < text.Length; pos++)
            {
                if (text[pos] == ',' && pos + 1 < text.Length && text[pos + 1] == '}')
                    throw new JsonParseException("unexpected '}' after ','", pos + 1);
            }
            return text;
        }
    }
}
