package com.example.export;

import java.io.IOException;
import java.util.List;

/** Writes an export batch; the write fails and so do both resources when closed. */
public class ExportJob {
    static final class CsvSink implements AutoCloseable {
        private final String path;

        CsvSink(String path) {
            this.path = path;
        }

        void write(List<String> rows) throws IOException {
            if (rows.size() > 2) {
                throw new IOException("Disk quota exceeded while writing " + path);
            }
        }

        @Override
        public void close() throws IOException {
            throw new IOException("close failed for " + path, new IllegalStateException("stream already closed"));
        }
    }

    static final class AuditTrail implements AutoCloseable {
        private final int batch;

        AuditTrail(int batch) {
            this.batch = batch;
        }

        @Override
        public void close() {
            throw new IllegalStateException("audit trail for batch " + batch + " not flushed");
        }
    }

    static void export(int batch, List<String> rows) throws IOException {
        String path = "/var/exports/batch-" + batch + ".csv";
        try (CsvSink csv = new CsvSink(path); AuditTrail audit = new AuditTrail(batch)) {
            csv.write(rows);
        }
    }

    public static void main(String[] args) throws IOException {
        int batch = Integer.parseInt(args[0]);
        System.out.println("exporting batch " + batch);
        export(batch, List.of("id,sku,qty", "1,SKU-1001,2", "2,SKU-1002,1"));
    }
}
