// Shipment labels are built in a LINQ projection that indexes past the end.
using System;
using System.Linq;

namespace Shop.Shipping
{
    public class LabelBuilder
    {
        readonly string[] carriers = { "dhl", "ups" };

        public string[] Labels(int[] parcelIds)
        {
            return parcelIds.Select((id, i) => carriers[i] + "-" + id).ToArray();
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            var labels = new LabelBuilder().Labels(new[] { 1, 2, int.Parse(args[0]) });
            Console.WriteLine(string.Join(",", labels));
        }
    }
}
