package com.example.webhooks;

/**
 * Rejects an oversized webhook and, like many JSON libraries, quotes the whole
 * payload in the exception message: the exception line is longer than 16 KiB,
 * so docker json-file and CRI split it into partial records.
 */
public class WebhookParser {
    static String payload(String delivery, int items) {
        StringBuilder sb = new StringBuilder("{\"delivery\":\"").append(delivery).append("\",\"items\":[");
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"sku\":\"SKU-").append(1000 + i).append("\",\"qty\":").append(i % 7 + 1)
                    .append(",\"note\":\"gift wrap requested\"}");
        }
        return sb.append("]}").toString();
    }

    static void parse(String body) {
        if (body.length() > 16_000) {
            throw new IllegalArgumentException("webhook payload too large (" + body.length() + " chars): " + body);
        }
    }

    public static void main(String[] args) {
        String body = payload(args[0], 360);
        System.out.println("received webhook " + args[0]);
        parse(body);
    }
}
