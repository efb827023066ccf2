package io.liftshift.cli;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One-line log records on stderr; level from LIFTSHIFT_LOG (default WARNING). */
final class Logging {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private Logging() {}

  static void configure() {
    String level = System.getenv().getOrDefault("LIFTSHIFT_LOG", "WARNING");
    configure(Level.parse(level.toUpperCase(java.util.Locale.ROOT)));
  }

  static void configure(Level level) {
    Logger root = Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(level);
    h.setFormatter(
        new Formatter() {
          @Override
          public String format(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            name = name.substring(name.lastIndexOf('.') + 1);
            String msg = formatMessage(r);
            if (r.getThrown() != null) {
              msg += " (" + r.getThrown() + ")";
            }
            return TIME.format(LocalTime.now())
                + " "
                + r.getLevel()
                + " "
                + name
                + ": "
                + msg
                + System.lineSeparator();
          }
        });
    root.addHandler(h);
    root.setLevel(level);
  }
}
