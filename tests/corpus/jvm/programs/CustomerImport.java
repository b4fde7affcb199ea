package com.example.customers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Imports customer rows; one row has no "name" column. */
public class CustomerImport {
    static int nameLength(Map<String, String> row) {
        String name = row.get("name");
        return name.length();
    }

    static Map<String, String> row(String id, String name, String email) {
        Map<String, String> row = new HashMap<>();
        row.put("id", id);
        if (name != null) {
            row.put("name", name);
        }
        row.put("email", email);
        return row;
    }

    public static void main(String[] args) {
        List<Map<String, String>> rows = List.of(
                row("c-1", "Ada Lovelace", "ada@example.com"),
                row(args[0], null, "unknown@example.com"));
        int width = 0;
        for (Map<String, String> r : rows) {
            width = Math.max(width, nameLength(r));
        }
        System.out.println("name column width " + width);
    }
}
