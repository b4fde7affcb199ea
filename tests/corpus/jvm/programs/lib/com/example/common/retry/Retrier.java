package com.example.common.retry;

import java.util.function.Supplier;

/** Calls a supplier up to N times (no sleeping: this is a test fixture). */
public final class Retrier {
    private final int attempts;

    public Retrier(int attempts) {
        this.attempts = attempts;
    }

    public <T> T call(String what, Supplier<T> action) {
        RuntimeException last = null;
        for (int i = 1; i <= attempts; i++) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new RetryExhaustedException(what + ": gave up after " + attempts + " attempts", last);
    }
}
