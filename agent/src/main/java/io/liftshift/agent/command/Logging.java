package io.liftshift.agent.command;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One backend for every role, the slim agent included (which is why it lives here, not in the cli):
 * java.util.logging, one line per record on stderr. Under systemd ({@code JOURNAL_STREAM} set) the
 * journal stamps time and unit itself, so a line is {@code LEVEL source: message} and the default
 * level is INFO; on a terminal it starts with the time of day and the default is WARNING. Code of
 * the project logs through JUL; SLF4J users (the AWS SDK, Netty) reach it through slf4j-jdk14, and
 * Vert.x through its JUL delegate, so no library prints its own fallback warning.
 *
 * <p>{@code LIFTSHIFT_LOG} (or {@code --log}) sets the levels: {@code WARNING} (the default, quiet
 * on a terminal), or a list such as {@code INFO,io.netty=WARNING,io.liftshift.replicator=FINE}.
 * SLF4J's and Log4j's names ({@code DEBUG}, {@code WARN}, {@code ERROR}, {@code TRACE}) are
 * accepted.
 */
public final class Logging {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  /** Names other logging systems use, mapped to JUL's. */
  private static final Map<String, Level> ALIASES =
      Map.of(
          "TRACE", Level.FINEST,
          "DEBUG", Level.FINE,
          "WARN", Level.WARNING,
          "ERROR", Level.SEVERE,
          "OFF", Level.OFF);

  /** Loggers kept strong: JUL holds configured loggers only weakly. */
  private static final java.util.List<Logger> CONFIGURED = new java.util.ArrayList<>();

  private Logging() {}

  private static final boolean JOURNAL = System.getenv("JOURNAL_STREAM") != null;

  public static void configure() {
    configure(System.getenv().getOrDefault("LIFTSHIFT_LOG", JOURNAL ? "INFO" : "WARNING"));
  }

  /**
   * Applies a level spec: a root level, then {@code logger=level} pairs, comma-separated.
   *
   * @throws IllegalArgumentException naming the part that is not a level
   */
  public static void configure(String spec) {
    // Vert.x picks SLF4J when it finds a provider; naming JUL keeps one path whatever the
    // classpath.
    System.setProperty(
        "vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
    Level root = Level.WARNING;
    Map<String, Level> perLogger = new java.util.LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq < 0) {
        root = level(p);
      } else {
        perLogger.put(p.substring(0, eq).trim(), level(p.substring(eq + 1)));
      }
    }
    Level lowest = root;
    for (Level l : perLogger.values()) {
      if (l.intValue() < lowest.intValue()) {
        lowest = l;
      }
    }
    Logger rootLogger = Logger.getLogger("");
    for (var h : rootLogger.getHandlers()) {
      rootLogger.removeHandler(h);
    }
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(lowest);
    h.setFormatter(new OneLine());
    rootLogger.addHandler(h);
    rootLogger.setLevel(root);
    CONFIGURED.clear();
    for (var e : perLogger.entrySet()) {
      Logger l = Logger.getLogger(e.getKey());
      l.setLevel(e.getValue());
      CONFIGURED.add(l);
    }
  }

  static Level level(String name) {
    String n = name.trim().toUpperCase(Locale.ROOT);
    Level alias = ALIASES.get(n);
    if (alias != null) {
      return alias;
    }
    try {
      return Level.parse(n);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "LIFTSHIFT_LOG: '"
              + name.trim()
              + "' is not a level: use SEVERE/ERROR, WARNING/WARN, INFO, FINE/DEBUG, FINEST/TRACE"
              + " or OFF, optionally per logger as name=LEVEL");
    }
  }

  /**
   * {@code HH:mm:ss.SSS LEVEL Logger: message (exception)} on one line (no time in the journal).
   */
  private static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      String name = r.getLoggerName() == null ? "" : r.getLoggerName();
      name = name.substring(name.lastIndexOf('.') + 1);
      String msg = formatMessage(r);
      if (r.getThrown() != null) {
        msg += " (" + r.getThrown() + ")";
      }
      return (JOURNAL ? "" : TIME.format(LocalTime.now()) + " ")
          + r.getLevel()
          + " "
          + name
          + ": "
          + msg
          + System.lineSeparator();
    }
  }
}
