// Settings come back as objects; one is boxed as a string, not an int.
using System;
using System.Collections.Generic;

namespace Shop.Config
{
    public class SettingsBag
    {
        readonly Dictionary<string, object> values = new Dictionary<string, object>();

        public SettingsBag(string port)
        {
            values["Http:Port"] = port;
            values["Http:Workers"] = 4;
        }

        public int GetInt(string key)
        {
            return (int)values[key];
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            var bag = new SettingsBag(args[0]);
            Console.WriteLine("workers={0}", bag.GetInt("Http:Workers"));
            Console.WriteLine("port={0}", bag.GetInt("Http:Port"));
        }
    }
}
