package tf.harness;

/** log4j-api -> log4j-core (Debian's log4j 2.19). */
final class Log4jSink {
    private Log4jSink() {
    }

    static void error(String logger, String message, Throwable error) {
        org.apache.logging.log4j.LogManager.getLogger(logger).error(message, error);
    }
}
