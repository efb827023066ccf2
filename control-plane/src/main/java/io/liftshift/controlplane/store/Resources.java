package io.liftshift.controlplane.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Resources stored as JSON documents, by type and id, in creation order. */
public final class Resources {
  private Resources() {}

  /** A stored resource. */
  public record Row(String id, long createdAt, String body) {}

  public static void insert(Connection c, String type, String id, String body) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("INSERT INTO resources(type, id, created_at, body) VALUES (?,?,?,?)")) {
      p.setString(1, type);
      p.setString(2, id);
      p.setLong(3, System.nanoTime());
      p.setString(4, body);
      p.executeUpdate();
    }
  }

  public static boolean update(Connection c, String type, String id, String body)
      throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("UPDATE resources SET body=? WHERE type=? AND id=?")) {
      p.setString(1, body);
      p.setString(2, type);
      p.setString(3, id);
      return p.executeUpdate() == 1;
    }
  }

  public static boolean delete(Connection c, String type, String id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement("DELETE FROM resources WHERE type=? AND id=?")) {
      p.setString(1, type);
      p.setString(2, id);
      return p.executeUpdate() == 1;
    }
  }

  public static Optional<String> get(Connection c, String type, String id) throws SQLException {
    try (PreparedStatement p =
        c.prepareStatement("SELECT body FROM resources WHERE type=? AND id=?")) {
      p.setString(1, type);
      p.setString(2, id);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
      }
    }
  }

  public static List<Row> list(Connection c, String type) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT id, created_at, body FROM resources WHERE type=? ORDER BY rowid")) {
      p.setString(1, type);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new Row(r.getString(1), r.getLong(2), r.getString(3)));
        }
      }
    }
    return out;
  }
}
