package com.example.billing;

import java.util.concurrent.CountDownLatch;

/** A named billing worker thread computes unit prices; a line with zero units kills it. */
public class BillingWorker implements Runnable {
    private final long invoice;
    private final int[][] lines;
    private final CountDownLatch done;

    BillingWorker(long invoice, int[][] lines, CountDownLatch done) {
        this.invoice = invoice;
        this.lines = lines;
        this.done = done;
    }

    static int unitPrice(int totalCents, int units) {
        return totalCents / units;
    }

    @Override
    public void run() {
        for (int[] line : lines) {
            int unit = unitPrice(line[0], line[1]);
            System.out.println("invoice " + invoice + ": unit price " + unit);
        }
        done.countDown();
    }

    public static void main(String[] args) throws InterruptedException {
        long invoice = Long.parseLong(args[0]);
        CountDownLatch done = new CountDownLatch(1);
        Thread worker = new Thread(new BillingWorker(invoice, new int[][] {{4000, 2}, {999, 0}}, done),
                "billing-worker-3");
        worker.start();
        worker.join();
    }
}
