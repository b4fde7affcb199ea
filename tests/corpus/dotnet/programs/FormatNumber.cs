// Quantity parsing in an order import, not caught anywhere.
using System;

namespace Shop.Import
{
    public struct Line
    {
        public string Sku;
        public int Qty;
    }

    public static class LineParser
    {
        public static Line Parse(string csv)
        {
            var cells = csv.Split(';');
            return new Line { Sku = cells[0], Qty = int.Parse(cells[1]) };
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            foreach (var row in new[] { "SKU-1;2", "SKU-2;" + args[0] + "x" })
                Console.WriteLine(LineParser.Parse(row).Qty);
        }
    }
}
