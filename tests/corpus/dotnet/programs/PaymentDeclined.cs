// A custom exception type with a custom Message, thrown from a static helper.
using System;

namespace Shop.Payments
{
    [Serializable]
    public class PaymentDeclinedException : Exception
    {
        public string Reason { get; private set; }

        public PaymentDeclinedException(string chargeId, string reason)
            : base("payment " + chargeId + " was declined")
        {
            Reason = reason;
        }

        public override string Message
        {
            get { return base.Message + " (reason: " + Reason + ")"; }
        }
    }

    public static class Gateway
    {
        public static string Capture(string chargeId, long amountCents)
        {
            if (amountCents > 10000)
                throw new PaymentDeclinedException(chargeId, "insufficient_funds");
            return "captured " + chargeId;
        }
    }

    public class CaptureJob
    {
        public void Run(string chargeId)
        {
            Console.WriteLine(Gateway.Capture(chargeId, 12500));
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            new CaptureJob().Run(args[0]);
        }
    }
}
