package com.example.billing;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Computes tax on the common pool; join() rethrows the failure as a CompletionException. */
public class InvoiceAsync {
    private static final Map<String, Integer> TAX_PERMILLE = Map.of("DE", 190, "FR", 200);

    static long tax(String region, long net) {
        Integer rate = TAX_PERMILLE.get(region);
        if (rate == null) {
            throw new IllegalArgumentException("tax rate missing for region " + region);
        }
        return net * rate / 1000;
    }

    public static void main(String[] args) {
        String region = args[1];
        CompletableFuture<Long> total = CompletableFuture
                .supplyAsync(() -> tax(region, 10_000))
                .thenApply(t -> t + 10_000);
        System.out.println("invoice " + args[0] + " total " + total.join());
    }
}
