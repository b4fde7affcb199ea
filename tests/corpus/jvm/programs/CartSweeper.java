package com.example.cart;

import java.util.ArrayList;
import java.util.List;

/** Removes expired items while iterating the same list. */
public class CartSweeper {
    record Item(String sku, long expiresAt) {
    }

    static int sweep(List<Item> items, long now) {
        int removed = 0;
        for (Item item : items) {
            if (item.expiresAt() < now) {
                items.remove(item);
                removed++;
            }
        }
        return removed;
    }

    public static void main(String[] args) {
        List<Item> items = new ArrayList<>();
        items.add(new Item("SKU-1001", 100));
        items.add(new Item("SKU-" + args[0], 50));
        items.add(new Item("SKU-1003", 300));
        items.add(new Item("SKU-1004", 10));
        System.out.println("removed " + sweep(items, 200));
    }
}
