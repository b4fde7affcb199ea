package com.example.sessions;

import java.util.HashMap;
import java.util.Map;

/** An untyped session map: the cart count was stored as a String. */
public class SessionStore {
    private final Map<String, Object> attributes = new HashMap<>();

    @SuppressWarnings("unchecked")
    <T> T get(String key) {
        return (T) attributes.get(key);
    }

    static int cartCount(SessionStore s) {
        Integer count = s.get("cart.count");
        return count;
    }

    public static void main(String[] args) {
        SessionStore s = new SessionStore();
        s.attributes.put("user.id", Long.parseLong(args[0]));
        s.attributes.put("cart.count", "3");
        System.out.println("items in cart: " + cartCount(s));
    }
}
