package tf.harness;

/**
 * Java agent used by generate.py to get the logback and log4j2 renderings of
 * the very same uncaught exception (same Throwable, same frames) that the
 * plain run prints on stderr.
 *
 *   java -javaagent:tf-agent.jar=logback|log4j2 -Dtf.logger=NAME -Dtf.msg=TEXT ...
 *
 * premain only installs a default uncaught-exception handler; the logging
 * framework is initialised lazily, when the handler runs, so nothing it does
 * (class loading, lambdas, reflection) shifts the program's own frames,
 * hidden-class numbers or reflection accessors. The handler then does
 * exactly what an application does: logger.error(message, throwable).
 * No lambdas in this file on purpose.
 */
public final class LogAgent implements Thread.UncaughtExceptionHandler {
    private final String mode;

    private LogAgent(String mode) {
        this.mode = mode;
    }

    public static void premain(String args) {
        Thread.setDefaultUncaughtExceptionHandler(new LogAgent(args));
    }

    @Override
    public void uncaughtException(Thread thread, Throwable error) {
        String logger = System.getProperty("tf.logger");
        String message = System.getProperty("tf.msg");
        if ("logback".equals(mode)) {
            LogbackSink.error(logger, message, error);
        } else {
            Log4jSink.error(logger, message, error);
        }
    }
}
