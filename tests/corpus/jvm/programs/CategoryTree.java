package com.example.catalog;

import java.util.HashMap;
import java.util.Map;

/** Category depth by recursion; a parent cycle overflows the stack (the JVM prints 1024 frames). */
public class CategoryTree {
    static final class Category {
        final String name;
        Category parent;

        Category(String name) {
            this.name = name;
        }
    }

    static int depth(Category c) {
        return c.parent == null ? 0 : 1 + depth(c.parent);
    }

    public static void main(String[] args) {
        Map<String, Category> byName = new HashMap<>();
        for (String n : new String[] {"shoes", "apparel", args[0]}) {
            byName.put(n, new Category(n));
        }
        byName.get("shoes").parent = byName.get("apparel");
        byName.get("apparel").parent = byName.get(args[0]);
        byName.get(args[0]).parent = byName.get("shoes");
        System.out.println("depth of shoes: " + depth(byName.get("shoes")));
    }
}
