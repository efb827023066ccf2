package io.liftshift.controlplane.store;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The store port's contract on the embedded SQLite adapter. */
class SqliteStoreContractTest extends ControlPlaneStoreContract {
  @TempDir Path dir;

  @Override
  protected ControlPlaneStore open(List<Index> indexes) throws Exception {
    return SqliteStore.open(dir.resolve("store.db"), indexes);
  }
}
