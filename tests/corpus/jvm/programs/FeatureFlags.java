package com.example.flags;

/** A static initializer parses a malformed rollout percentage. */
public class FeatureFlags {
    static final class Rollout {
        static final int NEW_CHECKOUT_PERCENT = Integer.parseInt(System.getProperty("rollout.new-checkout", "25%"));

        static boolean enabledFor(long customer) {
            return customer % 100 < NEW_CHECKOUT_PERCENT;
        }
    }

    public static void main(String[] args) {
        long customer = Long.parseLong(args[0]);
        System.out.println("checking flags for customer " + customer);
        System.out.println("new checkout: " + Rollout.enabledFor(customer));
    }
}
