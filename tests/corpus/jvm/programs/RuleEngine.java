package com.example.rules;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/** Evaluates a discount rule by reflection (first call: native accessor) and wraps the failure. */
public class RuleEngine {
    public static class DiscountRules {
        public static int vipDiscount(String tier, int cents) {
            if (!tier.equals("gold") && !tier.equals("silver")) {
                throw new IllegalArgumentException("unknown loyalty tier '" + tier + "'");
            }
            return tier.equals("gold") ? cents / 10 : cents / 20;
        }
    }

    static int evaluate(String rule, String tier, int cents) throws RuleException {
        try {
            Method m = DiscountRules.class.getMethod(rule, String.class, int.class);
            return (Integer) m.invoke(null, tier, cents);
        } catch (InvocationTargetException | NoSuchMethodException | IllegalAccessException e) {
            throw new RuleException("rule " + rule + " failed for tier " + tier, e);
        }
    }

    public static void main(String[] args) throws RuleException {
        System.out.println("discount: " + evaluate("vipDiscount", args[0], 12_000));
    }
}

class RuleException extends Exception {
    RuleException(String message, Throwable cause) {
        super(message, cause);
    }
}
