// A page fetched on a worker thread fails; the error is rethrown on the main
// thread with ExceptionDispatchInfo, and written out by the top-level handler.
using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace Shop.Api
{
    public static class Paging
    {
        public static int Offset(int page, int size)
        {
            if (page < 1)
                throw new ArgumentOutOfRangeException("page", page, "page must be 1 or greater");
            return (page - 1) * size;
        }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            ExceptionDispatchInfo failure = null;
            var worker = new Thread(() =>
            {
                try { Paging.Offset(int.Parse(args[0]) - 1000, 50); }
                catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            });
            worker.Start();
            worker.Join();
            try
            {
                if (failure != null)
                    failure.Throw();
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
