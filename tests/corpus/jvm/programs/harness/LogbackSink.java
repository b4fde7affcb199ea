package tf.harness;

/** slf4j -> logback-classic (Debian's logback 1.2.11). */
final class LogbackSink {
    private LogbackSink() {
    }

    static void error(String logger, String message, Throwable error) {
        org.slf4j.LoggerFactory.getLogger(logger).error(message, error);
    }
}
