// Billing: an amount that does not parse is wrapped into InvalidOperationException.
// The host catches everything at the top and writes exception.ToString() to stderr.
using System;
using System.Globalization;

namespace Shop.Billing
{
    public class AmountParser
    {
        public decimal Parse(string raw)
        {
            return decimal.Parse(raw, NumberStyles.Number, CultureInfo.InvariantCulture);
        }
    }

    public class InvoiceService
    {
        readonly AmountParser parser = new AmountParser();

        public decimal Total(string invoiceId, string[] amounts)
        {
            decimal sum = 0;
            try
            {
                foreach (var a in amounts)
                    sum += parser.Parse(a);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException("cannot total invoice INV-" + invoiceId, e);
            }
            return sum;
        }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            try
            {
                Console.WriteLine(new InvoiceService().Total(args[0], new[] { "19.99", "4,99 EUR" }));
                return 0;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine(e);
                return 1;
            }
        }
    }
}
