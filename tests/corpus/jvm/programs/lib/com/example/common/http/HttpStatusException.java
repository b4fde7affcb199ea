package com.example.common.http;

/** A non-2xx answer from an upstream service. */
public class HttpStatusException extends RuntimeException {
    private final int status;

    public HttpStatusException(int status, String message) {
        super("HTTP " + status + " " + message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
