// Webhook intake: the payload is parsed by Acme.Json (no symbols) and crashes.
using System;
using Acme.Json;

namespace Shop.Webhooks
{
    public class WebhookHandler
    {
        public void Handle(string deliveryId, string body)
        {
            var doc = JsonReader.Parse(body);
            Console.WriteLine("delivery {0}: {1}", deliveryId, doc);
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            new WebhookHandler().Handle(args[0], "{\"order\": 42, \"status\": \"paid\",}");
        }
    }
}
