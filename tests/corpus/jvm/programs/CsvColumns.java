package com.example.imports;

import java.util.List;

/** Reads the price column of a CSV export; one line is missing a column. */
public class CsvColumns {
    static final int PRICE = 3;

    static long price(String line) {
        String[] cols = line.split(",");
        return Long.parseLong(cols[PRICE]);
    }

    public static void main(String[] args) {
        List<String> lines = List.of("1,SKU-1001,2,1999", "2,SKU-" + args[0] + ",1");
        long sum = 0;
        for (String line : lines) {
            sum += price(line);
        }
        System.out.println("sum " + sum);
    }
}
