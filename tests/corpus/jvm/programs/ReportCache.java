package com.example.reports;

/** Buffers a whole report in memory, sized from an untrusted header (run with -Xmx32m). */
public class ReportCache {
    static byte[] buffer(long declaredLength) {
        return new byte[(int) declaredLength];
    }

    static int load(String reportId, long declaredLength) {
        byte[] data = buffer(declaredLength);
        return data.length;
    }

    public static void main(String[] args) {
        System.out.println("loading report " + args[0]);
        load(args[0], 256L * 1024 * 1024);
    }
}
