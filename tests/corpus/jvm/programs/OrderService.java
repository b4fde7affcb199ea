package com.example.orders;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** orders-service: charges every line of an order against the price book. */
public class OrderService {
    private final PriceBook prices;

    OrderService(PriceBook prices) {
        this.prices = prices;
    }

    long charge(long orderId, List<String> skus) {
        long total = 0;
        for (String sku : skus) {
            total += prices.priceOf(orderId, sku);
        }
        return total;
    }

    void checkout(long orderId, List<String> skus) {
        long cents = charge(orderId, skus);
        System.out.println("order " + orderId + " charged " + cents + " cents");
    }

    public static void main(String[] args) {
        long orderId = Long.parseLong(args[0]);
        PriceBook book = PriceBook.load();
        System.out.println("orders-service starting, price book has " + book.size() + " entries");
        new OrderService(book).checkout(orderId, List.of("SKU-1001", "SKU-1002", args[1]));
    }
}

final class PriceBook {
    private final Map<String, Long> cents = new HashMap<>();

    static PriceBook load() {
        PriceBook book = new PriceBook();
        book.cents.put("SKU-1001", 1999L);
        book.cents.put("SKU-1002", 4550L);
        return book;
    }

    int size() {
        return cents.size();
    }

    long priceOf(long orderId, String sku) {
        Long price = cents.get(sku);
        if (price == null) {
            throw new IllegalStateException("no price for " + sku + " in order " + orderId);
        }
        return price;
    }
}
