// Payment capture through Acme.Http; its exception becomes the InnerException.
using System;
using Acme.Http;

namespace Shop.Payments
{
    public class CaptureFailedException : Exception
    {
        public CaptureFailedException(string message, Exception inner) : base(message, inner) { }
    }

    public class CaptureService
    {
        readonly AcmeClient client = new AcmeClient("https://payments.internal");

        public string Capture(string chargeId)
        {
            try
            {
                return client.Post("/v1/charges/" + chargeId + "/capture", 502);
            }
            catch (HttpRequestFailedException e)
            {
                throw new CaptureFailedException("capture of " + chargeId + " failed: upstream said " + e.StatusCode, e);
            }
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            Console.WriteLine(new CaptureService().Capture(args[0]));
        }
    }
}
