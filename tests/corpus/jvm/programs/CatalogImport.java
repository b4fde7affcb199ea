package com.example.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Imports stock levels; a lambda parses each quantity. */
public class CatalogImport {
    private final Map<String, Integer> stock = new java.util.TreeMap<>();

    void importAll(List<String> lines) {
        lines.forEach(line -> {
            String[] parts = line.split(";");
            stock.merge(parts[0], Integer.parseInt(parts[1].trim()), Integer::sum);
        });
    }

    public static void main(String[] args) {
        List<String> lines = new ArrayList<>(List.of("SKU-1001; 12", "SKU-1002; 7"));
        lines.add("SKU-" + args[0] + "; " + args[1]);
        List<List<String>> batches = List.of(lines);
        CatalogImport importer = new CatalogImport();
        batches.forEach(batch -> importer.importAll(batch));
        System.out.println("imported " + importer.stock.size() + " SKUs");
    }
}
