package com.example.imports;

import java.util.ArrayList;
import java.util.List;

/** Validates an import row and reports every problem in one multi-line message. */
public class ImportValidator {
    static void validate(int batch, int rowNo, String name, int qty, String sku) {
        List<String> problems = new ArrayList<>();
        if (qty <= 0) {
            problems.add("  qty: must be positive (was " + qty + ")");
        }
        if (!sku.matches("SKU-\\d{4}")) {
            problems.add("  sku: '" + sku + "' is not a known SKU");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid row " + rowNo + " in batch " + batch + " (customer "
                    + name + "):\n" + String.join("\n", problems));
        }
    }

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[0]);
        validate(batch, 1, "Ada Lovelace", 2, "SKU-1001");
        validate(batch, 17, "Zo\u00eb M\u00fcller", -3, "SKU-00x1");
    }
}
