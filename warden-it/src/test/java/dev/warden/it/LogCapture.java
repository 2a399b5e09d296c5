package dev.warden.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Every log line of the process, at every level, while open — message, key-value pairs and stack
 * trace as text — for tests that must show something never reaches the logs. Levels are restored on
 * close.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Map<Logger, Level> levels;

  LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger audit = context.getLogger("warden.audit");
    Logger warden = context.getLogger("dev.warden");
    levels = new java.util.HashMap<>();
    for (Logger logger : List.of(root, audit, warden)) {
      levels.put(logger, logger.getLevel());
      logger.setLevel(Level.ALL);
    }
    root.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getFormattedMessage());
    if (event.getKeyValuePairs() != null) {
      event
          .getKeyValuePairs()
          .forEach(kv -> line.append(' ').append(kv.key).append('=').append(kv.value));
    }
    if (event.getThrowableProxy() != null) {
      line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }
    lines.add(line.toString());
  }

  List<String> lines() {
    return new ArrayList<>(lines);
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
    levels.forEach(Logger::setLevel);
    stop();
  }
}
