package com.example.archive;

import java.io.IOException;

/** Uploads a report archive; the upload fails and the connection cannot be closed either. */
public class ArchiveUploader {
    static final class Connection implements AutoCloseable {
        private final String host;

        Connection(String host) {
            this.host = host;
        }

        void put(String name, int bytes) throws IOException {
            throw new IOException("Connection reset by peer while sending " + name + " to " + host);
        }

        @Override
        public void close() {
            throw new IllegalStateException("cannot close " + host + ": connection pool shut down");
        }
    }

    static void send(String name, int bytes) throws IOException {
        try (Connection c = new Connection("archive.internal:9443")) {
            c.put(name, bytes);
        }
    }

    static void upload(String name) throws ArchiveException {
        try {
            send(name, 48_213);
        } catch (IOException e) {
            throw new ArchiveException("upload of " + name + " failed", e);
        }
    }

    public static void main(String[] args) throws ArchiveException {
        upload("report-" + args[0] + ".zip");
    }
}

class ArchiveException extends Exception {
    ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
