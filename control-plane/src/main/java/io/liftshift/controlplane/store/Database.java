package io.liftshift.controlplane.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The control plane's SQLite file: its connection and schema migrations. One connection,
 * serialized: the control plane's write rate is small, and SQLite serializes writers anyway. WAL
 * mode with synchronous=FULL, so a committed transaction survives a crash. Only {@link SqliteStore}
 * uses it; nothing outside this package sees SQL.
 */
final class Database implements AutoCloseable {
  /** Migrations in order; the schema version is the number applied. Never edit a shipped one. */
  private static final List<String> MIGRATIONS =
      List.of(
          // 1: resources as JSON documents keyed by type and id, and operator access keys.
          """
          CREATE TABLE resources (
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (type, id));
          CREATE TABLE access_keys (
            access_key_id TEXT PRIMARY KEY,
            sealed_secret BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0);
          CREATE TABLE service (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL);
          """,
          // 2: install tokens agents register with, kept only as SHA-256 digests.
          """
          CREATE TABLE install_tokens (
            token_sha256 TEXT PRIMARY KEY,
            created_at INTEGER NOT NULL,
            revoked INTEGER NOT NULL DEFAULT 0);
          """,
          // 3: each install token admits one role. Tokens issued before roles existed were handed
          // to every source server, so they keep admitting agents only (docs/control-plane.md).
          """
          ALTER TABLE install_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'AGENT'
            CHECK (role IN ('AGENT', 'REPLICATION_SERVER'));
          """,
          // 4: the store port (ControlPlaneStore). Items carry a version for conditional puts
          // (existing ones start at 1), indexed attributes live in item_index (filled by
          // SqliteStore when it opens, as the index definitions change), and store_meta keeps
          // which definitions the index was built for.
          """
          ALTER TABLE resources ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
          CREATE TABLE item_index (
            type TEXT NOT NULL,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            id TEXT NOT NULL,
            PRIMARY KEY (type, attribute, value, id),
            FOREIGN KEY (type, id) REFERENCES resources(type, id) ON DELETE CASCADE);
          CREATE INDEX item_index_by_item ON item_index(type, id);
          CREATE TABLE store_meta (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL);
          """);

  /** Work inside one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final Connection connection;

  private Database(Connection connection) {
    this.connection = connection;
  }

  static Database open(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=5000");
      }
      Database db = new Database(c);
      db.migrate();
      return db;
    } catch (SQLException e) {
      throw new IOException("cannot open the control plane database " + file + ": " + e, e);
    }
  }

  int schemaVersion() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("PRAGMA user_version")) {
      return r.next() ? r.getInt(1) : 0;
    }
  }

  private void migrate() throws SQLException {
    int version = schemaVersion();
    if (version > MIGRATIONS.size()) {
      throw new SQLException(
          "database schema version "
              + version
              + " is newer than this liftshift ("
              + MIGRATIONS.size()
              + "); upgrade liftshift");
    }
    for (int v = version; v < MIGRATIONS.size(); v++) {
      final int next = v + 1;
      final String sql = MIGRATIONS.get(v);
      transaction(
          c -> {
            try (Statement s = c.createStatement()) {
              for (String stmt : sql.split(";")) {
                if (!stmt.isBlank()) {
                  s.execute(stmt);
                }
              }
              s.execute("PRAGMA user_version = " + next);
            }
            return null;
          });
    }
  }

  /** Runs {@code work} in a transaction: all of it is committed, or none of it. */
  synchronized <T> T transaction(Work<T> work) throws SQLException {
    connection.setAutoCommit(false);
    try {
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  synchronized Connection connection() {
    return connection;
  }

  @Override
  public synchronized void close() throws SQLException {
    connection.close();
  }
}
