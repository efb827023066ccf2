package io.liftshift.agent.command;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The agent's log records, one line each on stderr, level from {@code LIFTSHIFT_LOG} (default INFO
 * under systemd, WARNING on a terminal). Under systemd ({@code JOURNAL_STREAM} set) the journal
 * stamps time and unit itself, so a line is just {@code LEVEL source: message}; on a terminal it
 * starts with the time of day. The agent uses java.util.logging only, so the slim bundle needs no
 * logging library.
 */
final class JournalLogging {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private JournalLogging() {}

  static void configure() {
    boolean journal = System.getenv("JOURNAL_STREAM") != null;
    String level = System.getenv().getOrDefault("LIFTSHIFT_LOG", journal ? "INFO" : "WARNING");
    Logger root = Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    Level l = Level.parse(level.toUpperCase(Locale.ROOT));
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(l);
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
            return (journal ? "" : TIME.format(LocalTime.now()) + " ")
                + r.getLevel()
                + " "
                + name
                + ": "
                + msg
                + System.lineSeparator();
          }
        });
    root.addHandler(h);
    root.setLevel(l);
  }
}
