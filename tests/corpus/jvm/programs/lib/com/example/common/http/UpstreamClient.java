package com.example.common.http;

/** A pretend HTTP client: every call to an "unavailable" host answers 503. */
public class UpstreamClient {
    private final String baseUrl;

    public UpstreamClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public String post(String path, String body) {
        if (baseUrl.contains("unavailable")) {
            throw new HttpStatusException(503, "Service Unavailable from " + baseUrl + path);
        }
        return "{\"status\":\"ok\"}";
    }
}
