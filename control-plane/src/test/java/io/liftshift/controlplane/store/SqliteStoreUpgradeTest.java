package io.liftshift.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A control plane database written before the store port (schema 3) upgrades in place. */
class SqliteStoreUpgradeTest {
  @TempDir Path dir;

  @Test
  void aSchemaThreeDatabaseKeepsItsDataAndGainsVersionsAndIndexes() throws Exception {
    Path file = dir.resolve("control-plane.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      // Schema 3 exactly as migrations 1 to 3 left it.
      s.execute(
          "CREATE TABLE resources (type TEXT NOT NULL, id TEXT NOT NULL,"
              + " created_at INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (type, id))");
      s.execute(
          "CREATE TABLE access_keys (access_key_id TEXT PRIMARY KEY, sealed_secret BLOB NOT NULL,"
              + " created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)");
      s.execute("CREATE TABLE service (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE install_tokens (token_sha256 TEXT PRIMARY KEY,"
              + " created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)");
      s.execute(
          "ALTER TABLE install_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'AGENT'"
              + " CHECK (role IN ('AGENT', 'REPLICATION_SERVER'))");
      s.execute(
          "INSERT INTO resources VALUES ('source-server', 's-2', 5,"
              + " '{\"sourceServerID\":\"s-2\",\"_private\":{\"replicationServerID\":\"rs-1\"}}')");
      s.execute(
          "INSERT INTO resources VALUES ('source-server', 's-1', 9,"
              + " '{\"sourceServerID\":\"s-1\",\"_private\":{\"replicationServerID\":\"rs-1\"}}')");
      s.execute("INSERT INTO resources VALUES ('job', 'j-1', 7, '{\"status\":\"STARTED\"}')");
      s.execute("INSERT INTO service VALUES ('accountId', '111122223333')");
      s.execute(
          "INSERT INTO access_keys(access_key_id, sealed_secret, created_at) VALUES"
              + " ('AKLS1', X'0102', 1)");
      s.execute(
          "INSERT INTO install_tokens(token_sha256, created_at, role) VALUES"
              + " ('digest', 1, 'REPLICATION_SERVER')");
      s.execute("PRAGMA user_version = 3");
    }

    try (ControlPlaneStore store = SqliteStore.open(file)) {
      assertThat(store.schemaVersion()).isEqualTo(4);
      store.transaction(
          tx -> {
            assertThat(tx.list("source-server"))
                .extracting(Item::id, Item::version)
                .containsExactly(
                    org.assertj.core.groups.Tuple.tuple("s-2", 1L),
                    org.assertj.core.groups.Tuple.tuple("s-1", 1L));
            // Existing items are indexed on the first open.
            assertThat(tx.query("source-server", "replicationServerID", "rs-1"))
                .extracting(Item::id)
                .containsExactly("s-2", "s-1");
            assertThat(tx.query("job", "status", "STARTED")).extracting(Item::id).contains("j-1");
            assertThat(tx.setting("accountId")).contains("111122223333");
            assertThat(tx.activeAccessKey("AKLS1").orElseThrow()).containsExactly(1, 2);
            assertThat(tx.activeInstallTokenRole("digest")).contains("REPLICATION_SERVER");
            tx.get("job", "j-1");
            tx.update("job", "j-1", "{\"status\":\"COMPLETED\"}");
            return null;
          });
    }

    try (ControlPlaneStore store = SqliteStore.open(file)) {
      assertThat(store.schemaVersion()).isEqualTo(4);
      Item job = store.transaction(tx -> tx.get("job", "j-1")).orElseThrow();
      assertThat(job.version()).isEqualTo(2);
      List<Item> started = store.transaction(tx -> tx.query("job", "status", "STARTED"));
      assertThat(started).isEmpty();
      List<Item> completed = store.transaction(tx -> tx.query("job", "status", "COMPLETED"));
      assertThat(completed).extracting(Item::id).containsExactly("j-1");
    }
  }
}
