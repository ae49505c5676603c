package dev.distill.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/** The messages one logger of the service under test writes at a level and above, while it is attached. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger, Level level) {
        this.logger = logger;
        setLevel(level);
    }

    /** Captures what the logger named after {@code source} writes at {@code level} and above. */
    public static LogCapture of(Class<?> source, Level level) {
        LogCapture capture = new LogCapture(Logger.getLogger(source.getName()), level);
        capture.logger.addHandler(capture);
        return capture;
    }

    /** The messages so far, formatted. */
    public List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            messages.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
