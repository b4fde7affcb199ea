package com.example.common.retry;

/** Thrown by {@link Retrier} when every attempt failed; the cause is the last failure. */
public class RetryExhaustedException extends RuntimeException {
    public RetryExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
