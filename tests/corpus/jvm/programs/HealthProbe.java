package com.example.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Start-up probe: connects to the database port and reports the failure the
 * old-fashioned way, with e.printStackTrace() (a bare trace on stderr, no
 * "Exception in thread" line). Under the logging harness the same exception
 * goes to the installed handler instead.
 */
public class HealthProbe {
    static void probe(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
        }
    }

    public static void main(String[] args) {
        System.out.println("probing database at 127.0.0.1:1");
        try {
            probe("127.0.0.1", 1);
        } catch (IOException e) {
            Thread.UncaughtExceptionHandler handler = Thread.getDefaultUncaughtExceptionHandler();
            if (handler != null) {
                handler.uncaughtException(Thread.currentThread(), e);
            } else {
                e.printStackTrace();
            }
            System.exit(2);
        }
    }
}
