// Checkout: the customer lookup misses and returns null; nobody catches it.
using System;
using System.Collections.Generic;

namespace Shop.Orders
{
    public class Customer
    {
        public int Id;
        public string Email;
    }

    public class CustomerRepository
    {
        readonly Dictionary<int, Customer> rows = new Dictionary<int, Customer> {
            { 100001, new Customer { Id = 100001, Email = "ada@example.com" } },
        };

        public Customer Find(int id)
        {
            Customer c;
            return rows.TryGetValue(id, out c) ? c : null;
        }
    }

    public class CheckoutService
    {
        readonly CustomerRepository customers = new CustomerRepository();

        public string Charge(int orderId, int customerId)
        {
            var customer = customers.Find(customerId);
            var receiptTo = customer.Email.ToLowerInvariant();
            return string.Format("charged order {0}, receipt to {1}", orderId, receiptTo);
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            var orderId = int.Parse(args[0]);
            Console.WriteLine("processing order {0}", orderId);
            Console.WriteLine(new CheckoutService().Charge(orderId, int.Parse(args[1])));
        }
    }
}
