package io.liftshift.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ControlPlaneStore} adapter must do (the port's javadoc states it): extend this
 * class with one that opens a fresh, empty store of the adapter. {@link SqliteStoreContractTest}
 * runs it on SQLite; the PostgreSQL adapter runs it too.
 */
public abstract class ControlPlaneStoreContract {
  /** The indexes the contract queries by: one scalar, one over an array's elements. */
  protected static final List<Index> INDEXES =
      List.of(Index.of("thing", "owner", "owner"), Index.of("thing", "member", "members", "*"));

  protected ControlPlaneStore store;

  /** A fresh, empty store of the adapter under test, with {@code indexes}. */
  protected abstract ControlPlaneStore open(List<Index> indexes) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open(INDEXES);
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  // Typed reads, each in its own transaction (assertThat cannot infer a generic transaction's
  // type).
  private Optional<Item> inGet(String type, String id) throws StoreException {
    return store.transaction(tx -> tx.get(type, id));
  }

  private List<Item> inList(String type) throws StoreException {
    return store.transaction(tx -> tx.list(type));
  }

  private List<Item> inQuery(String type, String attribute, String value) throws StoreException {
    return store.transaction(tx -> tx.query(type, attribute, value));
  }

  private boolean inDelete(String type, String id) throws StoreException {
    return store.transaction(tx -> tx.delete(type, id));
  }

  private Optional<String> inSetting(String name) throws StoreException {
    return store.transaction(tx -> tx.setting(name));
  }

  private Optional<byte[]> inActiveAccessKey(String id) throws StoreException {
    return store.transaction(tx -> tx.activeAccessKey(id));
  }

  private Optional<String> inActiveInstallTokenRole(String digest) throws StoreException {
    return store.transaction(tx -> tx.activeInstallTokenRole(digest));
  }

  private boolean inRevokeAccessKey(String id) throws StoreException {
    return store.transaction(tx -> tx.revokeAccessKey(id));
  }

  private boolean inRevokeInstallToken(String digest) throws StoreException {
    return store.transaction(tx -> tx.revokeInstallToken(digest));
  }

  private Item insert(String id, String body) throws StoreException {
    return store.transaction(tx -> tx.insert("thing", id, body));
  }

  private Item read(String id) throws StoreException {
    return inGet("thing", id).orElseThrow();
  }

  @Test
  void itemsStartAtVersionOneAndListInCreationOrder() throws Exception {
    insert("b", "{\"n\":1}");
    insert("a", "{\"n\":2}");
    insert("c", "{\"n\":3}");
    List<Item> all = inList("thing");
    assertThat(all).extracting(Item::id).containsExactly("b", "a", "c");
    assertThat(all).extracting(Item::version).containsOnly(1L);
    assertThat(read("a").body()).isEqualTo("{\"n\":2}");
    assertThat(inGet("thing", "zz")).isEmpty();
    assertThat(inList("other")).isEmpty();
  }

  @Test
  void anInsertOfATakenIdIsAConflict() throws Exception {
    insert("a", "{}");
    assertThatThrownBy(() -> insert("a", "{\"again\":true}"))
        .isInstanceOf(StoreConflictException.class);
    assertThat(read("a").body()).isEqualTo("{}");
  }

  @Test
  void aPutWithAStaleVersionIsAConflictAndChangesNothing() throws Exception {
    insert("a", "{\"n\":1}");
    Item two = store.transaction(tx -> tx.put("thing", "a", "{\"n\":2}", 1));
    assertThat(two.version()).isEqualTo(2);
    assertThatThrownBy(() -> store.transaction(tx -> tx.put("thing", "a", "{\"n\":99}", 1)))
        .isInstanceOf(StoreConflictException.class)
        .hasMessageContaining("version 1");
    assertThat(read("a").body()).isEqualTo("{\"n\":2}");
    assertThat(read("a").version()).isEqualTo(2);
  }

  @Test
  void aPutOfADeletedItemIsAConflict() throws Exception {
    insert("a", "{}");
    assertThat(inDelete("thing", "a")).isTrue();
    assertThat(inDelete("thing", "a")).isFalse();
    assertThatThrownBy(() -> store.transaction(tx -> tx.put("thing", "a", "{}", 1)))
        .isInstanceOf(StoreConflictException.class);
  }

  @Test
  void anUpdateIsConditionalOnTheVersionTheTransactionRead() throws Exception {
    insert("a", "{\"n\":1}");
    assertThatThrownBy(() -> store.transaction(tx -> tx.update("thing", "a", "{}")))
        .isInstanceOf(IllegalStateException.class);
    Item after =
        store.transaction(
            tx -> {
              tx.get("thing", "a");
              tx.update("thing", "a", "{\"n\":2}");
              // Its own write is what the next update is conditional on.
              return tx.update("thing", "a", "{\"n\":3}");
            });
    assertThat(after.version()).isEqualTo(3);
    assertThat(read("a").body()).isEqualTo("{\"n\":3}");
  }

  @Test
  void twoWritersThatReadTheSameVersionCannotBothWin() throws Exception {
    insert("a", "{\"n\":0}");
    long seenByFirst = read("a").version();
    long seenBySecond = read("a").version();
    store.transaction(tx -> tx.put("thing", "a", "{\"n\":1}", seenByFirst));
    assertThatThrownBy(
            () -> store.transaction(tx -> tx.put("thing", "a", "{\"n\":-1}", seenBySecond)))
        .isInstanceOf(StoreConflictException.class);
    assertThat(read("a").body()).isEqualTo("{\"n\":1}");
  }

  @Test
  void concurrentWritersNeverLoseAChange() throws Exception {
    insert("counter", "{\"n\":0}");
    int writers = 4;
    int increments = 25;
    AtomicInteger conflicts = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < increments; i++) {
                    while (true) {
                      try {
                        store.transaction(
                            tx -> {
                              Item c = tx.get("thing", "counter").orElseThrow();
                              int n = Integer.parseInt(c.body().replaceAll("\\D", ""));
                              return tx.update("thing", "counter", "{\"n\":" + (n + 1) + "}");
                            });
                        break;
                      } catch (StoreConflictException e) {
                        conflicts.incrementAndGet(); // another writer won: read again, retry
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Item counter = read("counter");
    assertThat(counter.body()).isEqualTo("{\"n\":" + writers * increments + "}");
    assertThat(counter.version()).isEqualTo(1L + writers * increments);
  }

  @Test
  void anExceptionRollsTheWholeTransactionBack() throws Exception {
    insert("a", "{\"n\":1}");
    assertThatThrownBy(
            () ->
                store.transaction(
                    tx -> {
                      tx.get("thing", "a");
                      tx.update("thing", "a", "{\"n\":2}");
                      tx.insert("thing", "b", "{}");
                      tx.setSetting("s", "v");
                      throw new IllegalStateException("the work failed");
                    }))
        .hasMessage("the work failed");
    assertThatThrownBy(
            () ->
                store.transaction(
                    tx -> {
                      tx.insert("thing", "c", "{}");
                      throw new StoreException("checked too");
                    }))
        .hasMessage("checked too");
    assertThat(read("a").body()).isEqualTo("{\"n\":1}");
    assertThat(read("a").version()).isEqualTo(1);
    assertThat(inList("thing")).extracting(Item::id).containsExactly("a");
    assertThat(inSetting("s")).isEmpty();
  }

  @Test
  void queriesFollowTheIndexedAttributesThroughInsertPutAndDelete() throws Exception {
    insert("a", "{\"owner\":\"ann\",\"members\":[\"x\",\"y\"]}");
    insert("b", "{\"owner\":\"bob\",\"members\":[\"y\"]}");
    insert("c", "{\"owner\":\"ann\"}");
    insert("d", "{\"members\":[]}");
    assertThat(inQuery("thing", "owner", "ann")).extracting(Item::id).containsExactly("a", "c");
    assertThat(inQuery("thing", "member", "y")).extracting(Item::id).containsExactly("a", "b");
    store.transaction(tx -> tx.put("thing", "a", "{\"owner\":\"bob\",\"members\":[\"z\"]}", 1));
    assertThat(inQuery("thing", "owner", "bob")).extracting(Item::id).containsExactly("a", "b");
    assertThat(inQuery("thing", "member", "y")).extracting(Item::id).containsExactly("b");
    inDelete("thing", "b");
    assertThat(inQuery("thing", "owner", "bob")).extracting(Item::id).containsExactly("a");
    assertThat(inQuery("thing", "owner", "nobody")).isEmpty();
    assertThatThrownBy(() -> inQuery("thing", "colour", "red"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void settingsAccessKeysAndInstallTokensKeepWhatIsWritten() throws Exception {
    store.transaction(
        tx -> {
          tx.setSetting("accountId", "111122223333");
          tx.setSetting("accountId", "444455556666");
          tx.insertAccessKey("AKLS1", new byte[] {1, 2, 3}, 10);
          tx.insertInstallToken("digest", "AGENT", 20);
          return null;
        });
    assertThat(inSetting("accountId")).contains("444455556666");
    assertThat(inActiveAccessKey("AKLS1").orElseThrow()).containsExactly(1, 2, 3);
    assertThat(inActiveInstallTokenRole("digest")).contains("AGENT");
    assertThat(inRevokeAccessKey("AKLS1")).isTrue();
    assertThat(inRevokeAccessKey("AKLS9")).isFalse();
    assertThat(inRevokeInstallToken("digest")).isTrue();
    assertThat(inActiveAccessKey("AKLS1")).isEmpty();
    assertThat(inActiveInstallTokenRole("digest")).isEmpty();
  }
}
