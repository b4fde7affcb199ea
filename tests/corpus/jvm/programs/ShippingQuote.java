package com.example.orders;

import java.util.Map;

/** Quotes shipping for an order; a different bug in the same service as OrderService. */
public class ShippingQuote {
    private static final Map<String, String> ZONES = Map.of("DE", "EU-1", "FR", "EU-1", "US", "NA-1");

    static String zoneFor(String country) {
        String zone = ZONES.get(country);
        if (zone == null) {
            throw new IllegalStateException("no shipping zone for country " + country);
        }
        return zone;
    }

    static long quote(long orderId, String country, int grams) {
        String zone = zoneFor(country);
        return zone.startsWith("EU") ? 490 + grams / 100 : 1290 + grams / 50;
    }

    public static void main(String[] args) {
        long orderId = Long.parseLong(args[0]);
        System.out.println("quoting shipping for order " + orderId);
        long cents = quote(orderId, args[1], 2300);
        System.out.println("shipping: " + cents);
    }
}
