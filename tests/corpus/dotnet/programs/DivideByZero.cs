// Daily report: the average basket of a day without orders.
using System;
using System.Collections.Generic;

namespace Shop.Reports
{
    public class DailyReport
    {
        readonly List<int> totals;

        public DailyReport(List<int> totals)
        {
            this.totals = totals;
        }

        public int AverageCents()
        {
            int sum = 0;
            foreach (var t in totals)
                sum += t;
            return sum / totals.Count;
        }
    }

    public static class Program
    {
        public static void Main(string[] args)
        {
            Console.WriteLine("report for {0}", args[0]);
            Console.WriteLine(new DailyReport(new List<int>()).AverageCents());
        }
    }
}
