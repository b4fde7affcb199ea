package com.example.pricing;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/** Splits bundle prices with a stream pipeline; 10.00 / 3 has no exact decimal result. */
public class PriceStream {
    record Bundle(String sku, BigDecimal price, int parts) {
    }

    static BigDecimal perPart(Bundle b) {
        return b.price().divide(BigDecimal.valueOf(b.parts()));
    }

    public static void main(String[] args) {
        List<Bundle> bundles = List.of(
                new Bundle("BND-1", new BigDecimal("20.00"), 4),
                new Bundle("BND-" + args[0], new BigDecimal("10.00"), 3));
        List<String> lines = bundles.stream()
                .map(PriceStream::perPart)
                .map(BigDecimal::toPlainString)
                .collect(Collectors.toList());
        System.out.println(lines);
    }
}
