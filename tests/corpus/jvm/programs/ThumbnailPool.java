package com.example.images;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Resizes images on a fixed pool; execute() lets the failure reach the pool thread's handler. */
public class ThumbnailPool {
    static int[] scale(int width, int height, int targetWidth) {
        if (targetWidth <= 0) {
            throw new IllegalArgumentException("target width must be > 0 (was " + targetWidth + ")");
        }
        return new int[] {targetWidth, height * targetWidth / width};
    }

    public static void main(String[] args) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        int image = Integer.parseInt(args[0]);
        pool.execute(() -> {
            int[] size = scale(1920, 1080, 0);
            System.out.println("image " + image + " -> " + size[0] + "x" + size[1]);
        });
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
