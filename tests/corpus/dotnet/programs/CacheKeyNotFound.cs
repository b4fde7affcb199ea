// A generic cache: a missing currency key throws from Dictionary's indexer.
using System;
using System.Collections.Generic;

namespace Shop.Caching
{
    public class LruCache<TKey, TValue>
    {
        readonly Dictionary<TKey, TValue> items = new Dictionary<TKey, TValue>();

        public void Put(TKey key, TValue value)
        {
            items[key] = value;
        }

        public TValue Get(TKey key)
        {
            return items[key];
        }
    }

    public class FxRates
    {
        readonly LruCache<string, decimal> cache = new LruCache<string, decimal>();

        public FxRates()
        {
            cache.Put("EUR", 1m);
            cache.Put("USD", 1.08m);
        }

        public decimal Convert(decimal amount, string currency)
        {
            return amount * cache.Get(currency);
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            Console.WriteLine(new FxRates().Convert(10m, args[0]));
        }
    }
}
