// Startup: a missing file, wrapped by the config loader, wrapped by the host.
// The host writes exception.ToString() to stderr and exits 1.
using System;
using System.IO;

namespace Shop.Hosting
{
    public class ConfigurationException : Exception
    {
        public ConfigurationException(string message, Exception inner) : base(message, inner) { }
    }

    public class ConfigLoader
    {
        public string Load(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException e)
            {
                throw new ConfigurationException("cannot read settings from " + path, e);
            }
        }
    }

    public class Host
    {
        public void Start(string environment)
        {
            try
            {
                new ConfigLoader().Load("/etc/shop/appsettings." + environment + ".json");
            }
            catch (ConfigurationException e)
            {
                throw new ApplicationException("host startup failed for environment " + environment, e);
            }
        }
    }

    public static class Program
    {
        public static int Main(string[] args)
        {
            try
            {
                new Host().Start(args[0]);
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
