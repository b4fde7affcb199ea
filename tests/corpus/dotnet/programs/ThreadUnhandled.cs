// A background mailer thread throws; the runtime reports it and exits.
using System;
using System.Collections.Generic;
using System.Threading;

namespace Shop.Mail
{
    public class MailQueue
    {
        readonly Queue<string> recipients = new Queue<string>();

        public MailQueue(string first)
        {
            recipients.Enqueue(first);
        }

        public void Drain()
        {
            while (true)
            {
                var to = recipients.Dequeue();
                Console.WriteLine("sent to {0}", to);
            }
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            var queue = new MailQueue(args[0] + "@example.com");
            var t = new Thread(queue.Drain) { Name = "mailer" };
            t.Start();
            t.Join();
        }
    }
}
