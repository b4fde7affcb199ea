// Inventory sync: async methods awaiting each other; the innermost one times out.
using System;
using System.Threading.Tasks;

namespace Shop.Inventory
{
    public class StockClient
    {
        public async Task<int> FetchAsync(string sku)
        {
            await Task.Delay(1);
            throw new TimeoutException("inventory service did not answer within 2000 ms for " + sku);
        }
    }

    public class SyncJob
    {
        readonly StockClient client = new StockClient();

        public async Task<int> RunAsync(string sku)
        {
            var qty = await client.FetchAsync(sku);
            return qty * 2;
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            MainAsync(args).GetAwaiter().GetResult();
        }

        static async Task MainAsync(string[] args)
        {
            var n = await new SyncJob().RunAsync(args[0]);
            Console.WriteLine(n);
        }
    }
}
