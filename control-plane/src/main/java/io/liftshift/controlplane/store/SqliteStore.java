package io.liftshift.controlplane.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded {@link ControlPlaneStore}: one SQLite file ({@link Database}). Transactions are
 * serialized on its one connection, so inside one control plane a conflict cannot happen; the
 * version checks still guard against a second process on the same file (the admin CLI) and keep the
 * contract a shared store must honour.
 */
public final class SqliteStore implements ControlPlaneStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ITEM_COLUMNS = "id, version, rowid, body";

  private final Database database;
  private final List<Index> indexes;

  private SqliteStore(Database database, List<Index> indexes) {
    this.database = database;
    this.indexes = List.copyOf(indexes);
  }

  /**
   * Opens (creating or upgrading in place) the store at {@code file}, with the control plane's
   * indexes.
   */
  public static SqliteStore open(Path file) throws IOException {
    return open(file, INDEXES);
  }

  /** Opens the store with other index definitions (the contract tests use their own). */
  public static SqliteStore open(Path file, List<Index> indexes) throws IOException {
    Database database = Database.open(file);
    SqliteStore store = new SqliteStore(database, indexes);
    try {
      store.reindexIfChanged();
    } catch (StoreException e) {
      try {
        database.close();
      } catch (SQLException closing) {
        e.addSuppressed(closing);
      }
      throw new IOException("cannot index the control plane database " + file + ": " + e, e);
    }
    return store;
  }

  @Override
  public int schemaVersion() throws StoreException {
    synchronized (database) {
      try {
        return database.schemaVersion();
      } catch (SQLException e) {
        throw new StoreException("reading the schema version: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public <T> T transaction(Work<T> work) throws StoreException {
    synchronized (database) {
      Connection c = database.connection();
      Transaction tx = new Transaction(c);
      boolean committed = false;
      try {
        c.setAutoCommit(false);
        T result = work.run(tx);
        c.commit();
        committed = true;
        return result;
      } catch (SQLException e) {
        throw new StoreException("control plane database: " + e.getMessage(), e);
      } finally {
        tx.open = false;
        try {
          if (!committed) {
            c.rollback();
          }
          c.setAutoCommit(true);
        } catch (SQLException e) {
          // The connection is broken; the next transaction reports it.
        }
      }
    }
  }

  @Override
  public void close() throws StoreException {
    synchronized (database) {
      try {
        database.close();
      } catch (SQLException e) {
        throw new StoreException("closing the control plane database: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Rebuilds item_index when the definitions differ from those it was built for (the first open
   * after the upgrade that added it, or a release that adds an index).
   */
  private void reindexIfChanged() throws StoreException {
    String signature = indexes.toString();
    transaction(
        tx -> {
          Transaction t = (Transaction) tx;
          if (signature.equals(t.meta("indexes"))) {
            return null;
          }
          t.execute("DELETE FROM item_index");
          Set<String> types = new LinkedHashSet<>();
          indexes.forEach(i -> types.add(i.type()));
          for (String type : types) {
            for (Item item : t.list(type)) {
              t.index(type, item.id(), item.body());
            }
          }
          t.setMeta("indexes", signature);
          return null;
        });
  }

  /** The values of an index in a body: the texts found along its path. */
  static List<String> values(Index index, String body) throws StoreException {
    List<JsonNode> at = new ArrayList<>();
    try {
      at.add(JSON.readTree(body));
    } catch (IOException e) {
      throw new StoreException("a stored " + index.type() + " is not JSON", e);
    }
    for (String step : index.path()) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode n : at) {
        if (step.equals("*")) {
          n.forEach(next::add);
        } else if (n.has(step)) {
          next.add(n.get(step));
        }
      }
      at = next;
    }
    List<String> out = new ArrayList<>();
    for (JsonNode n : at) {
      if (n.isValueNode() && !n.isNull()) {
        out.add(n.asText());
      }
    }
    return out;
  }

  /** One transaction on the connection; remembers the versions it read, for {@link #update}. */
  private final class Transaction implements StoreTransaction {
    private final Connection c;
    private final Map<String, Long> versionsSeen = new HashMap<>();
    private boolean open = true;

    Transaction(Connection c) {
      this.c = c;
    }

    private void checkOpen() {
      if (!open) {
        throw new IllegalStateException("the store transaction has ended");
      }
    }

    private static String key(String type, String id) {
      return type + '\u0000' + id;
    }

    private Item seen(String type, ResultSet r) throws SQLException {
      Item item = new Item(type, r.getString(1), r.getLong(2), r.getLong(3), r.getString(4));
      versionsSeen.put(key(type, item.id()), item.version());
      return item;
    }

    @Override
    public Optional<Item> get(String type, String id) throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement("SELECT " + ITEM_COLUMNS + " FROM resources WHERE type=? AND id=?")) {
        p.setString(1, type);
        p.setString(2, id);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? Optional.of(seen(type, r)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw failed("reading " + type + " " + id, e);
      }
    }

    @Override
    public List<Item> list(String type) throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT " + ITEM_COLUMNS + " FROM resources WHERE type=? ORDER BY rowid")) {
        p.setString(1, type);
        return items(type, p);
      } catch (SQLException e) {
        throw failed("listing " + type, e);
      }
    }

    @Override
    public List<Item> query(String type, String attribute, String value) throws StoreException {
      checkOpen();
      if (indexes.stream()
          .noneMatch(i -> i.type().equals(type) && i.attribute().equals(attribute))) {
        throw new IllegalArgumentException(type + " has no index on " + attribute);
      }
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT r.id, r.version, r.rowid, r.body FROM item_index x JOIN resources r"
                  + " ON r.type=x.type AND r.id=x.id"
                  + " WHERE x.type=? AND x.attribute=? AND x.value=? ORDER BY r.rowid")) {
        p.setString(1, type);
        p.setString(2, attribute);
        p.setString(3, value);
        return items(type, p);
      } catch (SQLException e) {
        throw failed("querying " + type + " by " + attribute, e);
      }
    }

    private List<Item> items(String type, PreparedStatement p) throws SQLException {
      List<Item> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(seen(type, r));
        }
      }
      return out;
    }

    @Override
    public Item insert(String type, String id, String body) throws StoreException {
      checkOpen();
      try {
        if (exists(type, id)) {
          throw new StoreConflictException(type + " " + id + " exists already");
        }
        long rowid;
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO resources(type, id, created_at, body, version) VALUES (?,?,?,?,1)")) {
          p.setString(1, type);
          p.setString(2, id);
          p.setLong(3, System.currentTimeMillis());
          p.setString(4, body);
          p.executeUpdate();
        }
        try (PreparedStatement p =
                c.prepareStatement("SELECT rowid FROM resources WHERE type=? AND id=?");
            ResultSet r = bind(p, type, id).executeQuery()) {
          rowid = r.next() ? r.getLong(1) : 0;
        }
        index(type, id, body);
        versionsSeen.put(key(type, id), 1L);
        return new Item(type, id, 1, rowid, body);
      } catch (SQLException e) {
        throw failed("inserting " + type + " " + id, e);
      }
    }

    @Override
    public Item put(String type, String id, String body, long expectedVersion)
        throws StoreException {
      checkOpen();
      try {
        try (PreparedStatement p =
            c.prepareStatement(
                "UPDATE resources SET body=?, version=version+1"
                    + " WHERE type=? AND id=? AND version=?")) {
          p.setString(1, body);
          p.setString(2, type);
          p.setString(3, id);
          p.setLong(4, expectedVersion);
          if (p.executeUpdate() != 1) {
            throw new StoreConflictException(
                type
                    + " "
                    + id
                    + " changed since version "
                    + expectedVersion
                    + " was read, or was deleted; read it again");
          }
        }
        index(type, id, body);
        long version = expectedVersion + 1;
        versionsSeen.put(key(type, id), version);
        return get(type, id).orElseThrow();
      } catch (SQLException e) {
        throw failed("writing " + type + " " + id, e);
      }
    }

    @Override
    public Item update(String type, String id, String body) throws StoreException {
      Long read = versionsSeen.get(key(type, id));
      if (read == null) {
        throw new IllegalStateException(
            "update of " + type + " " + id + " that this transaction never read");
      }
      return put(type, id, body, read);
    }

    @Override
    public boolean delete(String type, String id) throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement("DELETE FROM resources WHERE type=? AND id=?")) {
        versionsSeen.remove(key(type, id));
        return bind(p, type, id).executeUpdate() == 1;
      } catch (SQLException e) {
        throw failed("deleting " + type + " " + id, e);
      }
    }

    private boolean exists(String type, String id) throws SQLException {
      try (PreparedStatement p =
              c.prepareStatement("SELECT 1 FROM resources WHERE type=? AND id=?");
          ResultSet r = bind(p, type, id).executeQuery()) {
        return r.next();
      }
    }

    /** Replaces the item's index entries with those of {@code body}. */
    void index(String type, String id, String body) throws StoreException {
      try {
        try (PreparedStatement p =
            c.prepareStatement("DELETE FROM item_index WHERE type=? AND id=?")) {
          bind(p, type, id).executeUpdate();
        }
        for (Index index : indexes) {
          if (!index.type().equals(type)) {
            continue;
          }
          for (String value : new LinkedHashSet<>(values(index, body))) {
            try (PreparedStatement p =
                c.prepareStatement(
                    "INSERT INTO item_index(type, attribute, value, id) VALUES (?,?,?,?)")) {
              p.setString(1, type);
              p.setString(2, index.attribute());
              p.setString(3, value);
              p.setString(4, id);
              p.executeUpdate();
            }
          }
        }
      } catch (SQLException e) {
        throw failed("indexing " + type + " " + id, e);
      }
    }

    @Override
    public Optional<String> setting(String name) throws StoreException {
      return text("SELECT value FROM service WHERE name=?", name, "reading setting " + name);
    }

    @Override
    public void setSetting(String name, String value) throws StoreException {
      change(
          "INSERT OR REPLACE INTO service(name, value) VALUES (?,?)",
          "writing setting " + name,
          name,
          value);
    }

    String meta(String name) throws StoreException {
      return text("SELECT value FROM store_meta WHERE name=?", name, "reading " + name)
          .orElse(null);
    }

    void setMeta(String name, String value) throws StoreException {
      change(
          "INSERT OR REPLACE INTO store_meta(name, value) VALUES (?,?)",
          "writing " + name,
          name,
          value);
    }

    void execute(String sql) throws StoreException {
      change(sql, sql);
    }

    @Override
    public void insertAccessKey(String accessKeyId, byte[] sealedSecret, long createdAtEpochMillis)
        throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO access_keys(access_key_id, sealed_secret, created_at) VALUES (?,?,?)")) {
        p.setString(1, accessKeyId);
        p.setBytes(2, sealedSecret);
        p.setLong(3, createdAtEpochMillis);
        p.executeUpdate();
      } catch (SQLException e) {
        throw failed("storing access key " + accessKeyId, e);
      }
    }

    @Override
    public Optional<byte[]> activeAccessKey(String accessKeyId) throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT sealed_secret FROM access_keys WHERE access_key_id=? AND revoked=0")) {
        p.setString(1, accessKeyId);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw failed("reading access key " + accessKeyId, e);
      }
    }

    @Override
    public boolean revokeAccessKey(String accessKeyId) throws StoreException {
      return change(
              "UPDATE access_keys SET revoked=1 WHERE access_key_id=?",
              "revoking access key " + accessKeyId,
              accessKeyId)
          == 1;
    }

    @Override
    public void insertInstallToken(String tokenSha256, String role, long createdAtEpochMillis)
        throws StoreException {
      checkOpen();
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO install_tokens(token_sha256, created_at, role) VALUES (?,?,?)")) {
        p.setString(1, tokenSha256);
        p.setLong(2, createdAtEpochMillis);
        p.setString(3, role);
        p.executeUpdate();
      } catch (SQLException e) {
        throw failed("storing an install token", e);
      }
    }

    @Override
    public Optional<String> activeInstallTokenRole(String tokenSha256) throws StoreException {
      return text(
          "SELECT role FROM install_tokens WHERE token_sha256=? AND revoked=0",
          tokenSha256,
          "reading an install token");
    }

    @Override
    public boolean revokeInstallToken(String tokenSha256) throws StoreException {
      return change(
              "UPDATE install_tokens SET revoked=1 WHERE token_sha256=?",
              "revoking an install token",
              tokenSha256)
          == 1;
    }

    private Optional<String> text(String sql, String key, String what) throws StoreException {
      checkOpen();
      try (PreparedStatement p = c.prepareStatement(sql)) {
        p.setString(1, key);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
        }
      } catch (SQLException e) {
        throw failed(what, e);
      }
    }

    private int change(String sql, String what, String... args) throws StoreException {
      checkOpen();
      try (PreparedStatement p = c.prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) {
          p.setString(i + 1, args[i]);
        }
        return p.executeUpdate();
      } catch (SQLException e) {
        throw failed(what, e);
      }
    }
  }

  private static PreparedStatement bind(PreparedStatement p, String type, String id)
      throws SQLException {
    p.setString(1, type);
    p.setString(2, id);
    return p;
  }

  private static StoreException failed(String what, SQLException e) {
    return new StoreException(what + ": " + e.getMessage(), e);
  }
}
