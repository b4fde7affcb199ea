// Price refresh: two tasks fail; Task.WaitAll throws an AggregateException.
using System;
using System.Threading.Tasks;

namespace Shop.Pricing
{
    public class RateSource
    {
        public decimal Fetch(string currency)
        {
            if (currency == "JPY")
                throw new ArgumentException("no rate for currency " + currency, "currency");
            throw new InvalidOperationException("rate feed for " + currency + " is stale");
        }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            var source = new RateSource();
            var a = Task.Run(() => source.Fetch("JPY"));
            var b = Task.Run(() => source.Fetch(args[0]));
            try
            {
                Task.WaitAll(a, b);
                return 0;
            }
            catch (AggregateException e)
            {
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
