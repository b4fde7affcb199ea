// Acme.Http: a (fictional) NuGet HTTP client. Built with -pathmap so its
// frames show deterministic-build paths (/_/src/Acme.Http/...).
using System;

namespace Acme.Http
{
    public class HttpRequestFailedException : Exception
    {
        public int StatusCode { get; private set; }

        public HttpRequestFailedException(string message, int statusCode) : base(message)
        {
            StatusCode = statusCode;
        }
    }

    public class AcmeClient
    {
        readonly string baseUri;

        public AcmeClient(string baseUri)
        {
            this.baseUri = baseUri;
        }

        public string Post(string path, int simulateStatus)
        {
            return Send("POST", path, simulateStatus);
        }

        string Send(string verb, string path, int status)
        {
            var response = new Pipeline().Invoke(verb, baseUri + path, status);
            return response;
        }
    }

    internal class Pipeline
    {
        public string Invoke(string verb, string uri, int status)
        {
            if (status >= 400)
                throw new HttpRequestFailedException(
                    string.Format("{0} {1} failed with status {2}", verb, uri, status), status);
            return "ok";
        }
    }
}
