package io.liftshift.cli;

import io.liftshift.cloud.PointInTimeSnapshot;
import io.liftshift.cloud.VolumeSnapshot;
import io.liftshift.cloud.local.LocalSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Point-in-time snapshots kept by a replication server (local store). */
@Command(
    name = "snapshots",
    mixinStandardHelpOptions = true,
    description = "List, show and export the point-in-time snapshots of a source server.",
    subcommands = {
      SnapshotsCommand.ListSnapshots.class,
      SnapshotsCommand.Show.class,
      SnapshotsCommand.Export.class,
      SnapshotsCommand.Policy.class
    })
final class SnapshotsCommand {
  static LocalSnapshots open(Path dataDir) throws Exception {
    Path dir = (dataDir != null ? dataDir : Home.dir().resolve("replicator")).resolve("snapshots");
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "no snapshot store in " + dir + " (give the replicator's --data-dir)");
    }
    // Read-only: the replicator owns the store and may be writing a snapshot right now.
    return LocalSnapshots.readOnly(dir, dir.resolve("volumes"));
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per snapshot.")
  static final class ListSnapshots implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Override
    public Integer call() throws Exception {
      List<PointInTimeSnapshot> all = open(dataDir).list(sourceServerId);
      System.out.printf(
          Locale.ROOT,
          "%-21s %-22s %6s %12s %12s %12s%n",
          "SNAPSHOT",
          "TAKEN AT",
          "DISKS",
          "SIZE",
          "CHANGED",
          "STORED");
      for (PointInTimeSnapshot s : all) {
        System.out.printf(
            Locale.ROOT,
            "%-21s %-22s %6d %12s %12s %12s%n",
            s.snapshotSetId(),
            s.takenAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
            s.volumes().size(),
            Sizes.bytes(s.sizeBytes()),
            Sizes.bytes(s.changedBytes()),
            Sizes.bytes(s.storedBytes()));
      }
      if (all.isEmpty()) {
        System.out.println("(no snapshots of " + sourceServerId + ")");
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A snapshot's volumes.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Parameters(index = "1", description = "Snapshot id (pit-...), or 'latest'.")
    String snapshotId;

    @Override
    public Integer call() throws Exception {
      LocalSnapshots store = open(dataDir);
      PointInTimeSnapshot s = pick(store, sourceServerId, snapshotId);
      System.out.println(s.snapshotSetId() + " of " + s.sourceServerId() + " at " + s.takenAt());
      for (VolumeSnapshot v : s.volumes()) {
        System.out.printf(
            Locale.ROOT,
            "  %s  %s  %s, %s changed, %s stored, %d deep%s%n",
            v.snapshotId(),
            v.volumeName(),
            Sizes.bytes(v.sizeBytes()),
            Sizes.bytes(v.changedBytes()),
            Sizes.bytes(v.storedBytes()),
            store.depth(v.snapshotId()),
            v.parentSnapshotId().isEmpty() ? " (full)" : ", parent " + v.parentSnapshotId());
      }
      return 0;
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Write each volume of a snapshot as a raw image: <out-dir>/<volume>.img.")
  static final class Export implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The replicator's data directory.")
    Path dataDir;

    @Option(names = "--out-dir", required = true, description = "Where the images go.")
    Path outDir;

    @Parameters(index = "0", description = "Source server id (s-...).")
    String sourceServerId;

    @Parameters(index = "1", defaultValue = "latest", description = "Snapshot id, or 'latest'.")
    String snapshotId;

    @Override
    public Integer call() throws Exception {
      LocalSnapshots store = open(dataDir);
      PointInTimeSnapshot s = pick(store, sourceServerId, snapshotId);
      Files.createDirectories(outDir);
      for (VolumeSnapshot v : s.volumes()) {
        Path out = outDir.resolve(v.volumeName() + ".img");
        Files.deleteIfExists(out);
        long t0 = System.nanoTime();
        store.restore(v, out);
        System.out.printf(
            Locale.ROOT,
            "%s -> %s (%s, %.2f s, every chunk checked)%n",
            v.snapshotId(),
            out,
            Sizes.bytes(v.sizeBytes()),
            (System.nanoTime() - t0) / 1e9);
      }
      return 0;
    }
  }

  static PointInTimeSnapshot pick(LocalSnapshots store, String server, String id) throws Exception {
    List<PointInTimeSnapshot> all = store.list(server);
    if (all.isEmpty()) {
      throw new IllegalArgumentException("no snapshots of " + server);
    }
    if (id.equals("latest")) {
      return all.get(all.size() - 1);
    }
    return all.stream()
        .filter(s -> s.snapshotSetId().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no snapshot " + id + " of " + server));
  }

  @Command(
      name = "policy",
      mixinStandardHelpOptions = true,
      description = {
        "Show or set a source server's point-in-time policy (when snapshots are taken and how",
        "long each is kept), through the control plane. Each --rule is UNITS:INTERVAL:RETENTION",
        "with UNITS MINUTE, HOUR or DAY: MINUTE:10:60 takes one every 10 minutes and keeps them",
        "for 60 minutes. Without --rule, prints the policy in force."
      })
  static final class Policy implements Callable<Integer> {
    @picocli.CommandLine.Mixin ControlPlaneClient controlPlane;

    @Parameters(index = "0", paramLabel = "SOURCE_SERVER", description = "s-...")
    String sourceServerId;

    @Option(names = "--rule", description = "UNITS:INTERVAL:RETENTION (repeatable).")
    List<String> rules = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      com.fasterxml.jackson.databind.ObjectMapper json = io.liftshift.contract.ContractJson.MAPPER;
      java.util.List<java.util.Map<String, Object>> wanted = new java.util.ArrayList<>();
      for (String r : rules) {
        String[] p = r.split(":");
        if (p.length != 3) {
          throw new IllegalArgumentException(
              "--rule " + r + ": expected UNITS:INTERVAL:RETENTION, like HOUR:1:24");
        }
        wanted.add(
            java.util.Map.of(
                "ruleID", wanted.size() + 1,
                "units", p[0].toUpperCase(Locale.ROOT),
                "interval", Integer.parseInt(p[1]),
                "retentionDuration", Integer.parseInt(p[2]),
                "enabled", true));
      }
      if (!wanted.isEmpty()) {
        io.liftshift.cloud.PointInTimePolicy.fromRules(wanted); // says what is wrong before sending
      }
      String[] seen = new String[1];
      var extension =
          new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            private byte[] body;

            /** The body with pitPolicy added (the SDK may ask for the headers or body first). */
            private byte[] rewritten(
                software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest context) {
              if (body != null || wanted.isEmpty() || context.requestBody().isEmpty()) {
                return body;
              }
              try (var in = context.requestBody().get().contentStreamProvider().newStream()) {
                var request = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
                request.set("pitPolicy", json.valueToTree(wanted));
                body = json.writeValueAsBytes(request);
                return body;
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }

            @Override
            public software.amazon.awssdk.http.SdkHttpRequest modifyHttpRequest(
                software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest context,
                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
              // pitPolicy is liftshift's member of the replication configuration: MGN's model,
              // and so the SDK, has no place for it, so it is added to the JSON body here (and
              // the length with it), before the request is signed.
              if (rewritten(context) == null) {
                return context.httpRequest();
              }
              return context.httpRequest().toBuilder()
                  .putHeader("Content-Length", Integer.toString(body.length))
                  .build();
            }

            @Override
            public java.util.Optional<software.amazon.awssdk.core.sync.RequestBody>
                modifyHttpContent(
                    software.amazon.awssdk.core.interceptor.Context.ModifyHttpRequest context,
                    software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
              return rewritten(context) == null
                  ? context.requestBody()
                  : java.util.Optional.of(
                      software.amazon.awssdk.core.sync.RequestBody.fromBytes(body));
            }

            @Override
            public java.util.Optional<java.io.InputStream> modifyHttpResponseContent(
                software.amazon.awssdk.core.interceptor.Context.ModifyHttpResponse context,
                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
              try {
                byte[] b = context.responseBody().orElseThrow().readAllBytes();
                seen[0] = json.readTree(b).path("pitPolicy").toString();
                return java.util.Optional.of(new java.io.ByteArrayInputStream(b));
              } catch (java.io.IOException | RuntimeException e) {
                return context.responseBody();
              }
            }
          };
      try (var mgn = controlPlane.open(extension)) {
        if (wanted.isEmpty()) {
          mgn.getReplicationConfiguration(b -> b.sourceServerID(sourceServerId));
        } else {
          mgn.updateReplicationConfiguration(b -> b.sourceServerID(sourceServerId));
        }
      }
      System.out.printf("%-8s %-6s %-9s %s%n", "RULE", "UNITS", "INTERVAL", "RETENTION");
      for (com.fasterxml.jackson.databind.JsonNode r : json.readTree(seen[0])) {
        System.out.printf(
            "%-8d %-6s %-9d %d%s%n",
            r.path("ruleID").asInt(),
            r.path("units").asText(),
            r.path("interval").asInt(),
            r.path("retentionDuration").asInt(),
            r.path("enabled").asBoolean(true) ? "" : " (disabled)");
      }
      return 0;
    }
  }
}
