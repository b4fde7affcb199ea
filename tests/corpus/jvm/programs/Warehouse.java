package com.example.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Inner, nested and anonymous classes; the exception type is itself a nested class. */
public class Warehouse {
    public static class OutOfStockException extends RuntimeException {
        public OutOfStockException(String message) {
            super(message);
        }
    }

    interface Picker {
        void pick(String sku, int qty);
    }

    private final Map<String, Integer> levels = new HashMap<>();

    class Shelf {
        private final String aisle;

        Shelf(String aisle) {
            this.aisle = aisle;
        }

        void take(String sku, int qty) {
            int have = levels.getOrDefault(sku, 0);
            if (have < qty) {
                throw new OutOfStockException(sku + ": requested " + qty + ", available " + have + " (aisle " + aisle + ")");
            }
            levels.put(sku, have - qty);
        }
    }

    Picker pickerFor(String aisle) {
        Shelf shelf = new Shelf(aisle);
        return new Picker() {
            @Override
            public void pick(String sku, int qty) {
                shelf.take(sku, qty);
            }
        };
    }

    public static void main(String[] args) {
        Warehouse w = new Warehouse();
        w.levels.put("SKU-1001", 10);
        w.levels.put(args[0], 2);
        List<String[]> picks = new ArrayList<>();
        picks.add(new String[] {"SKU-1001", "3"});
        picks.add(new String[] {args[0], args[1]});
        Picker picker = w.pickerFor("B7");
        for (String[] p : picks) {
            picker.pick(p[0], Integer.parseInt(p[1]));
        }
    }
}
