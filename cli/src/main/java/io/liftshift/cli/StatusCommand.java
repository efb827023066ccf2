package io.liftshift.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liftshift.contract.ContractJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.mgn.MgnClient;
import software.amazon.awssdk.services.mgn.model.DataReplicationInfoReplicatedDisk;
import software.amazon.awssdk.services.mgn.model.SourceServer;

/**
 * A live table of source servers, their disks, states, lag, backlog and throughput, read from the
 * control plane through the official MGN client (credentials from the usual AWS chain).
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show source servers and their disks: replication state, lag, backlog, ETA, throughput.",
      "Refreshes in place on a terminal; prints plain blocks when piped. Credentials come from",
      "the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, ...)."
    })
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = ContractJson.MAPPER;

  @picocli.CommandLine.Mixin ControlPlaneClient controlPlane;

  @Option(
      names = "--interval-seconds",
      defaultValue = "2",
      description = "Refresh interval (default: ${DEFAULT-VALUE}).")
  int intervalSeconds;

  @Option(names = "--once", description = "Print once and exit.")
  boolean once;

  /** The raw JSON of the last DescribeSourceServers pages: liftshift's own members are in it. */
  private final Map<String, JsonNode> extras = new HashMap<>();

  @Override
  public Integer call() throws Exception {
    boolean terminal = System.console() != null && !once;
    try (MgnClient mgn = controlPlane.open(new KeepRawJson())) {
      while (true) {
        List<SourceServer> servers =
            mgn
                .describeSourceServersPaginator(b -> b.filters(f -> f.isArchived(false)))
                .items()
                .stream()
                .toList();
        String table = render(servers);
        PrintStream out = System.out;
        if (terminal) {
          out.print("\033[H\033[2J" + table);
        } else {
          out.print(table);
          out.println();
        }
        out.flush();
        if (once) {
          return 0;
        }
        Thread.sleep(intervalSeconds * 1000L);
      }
    }
  }

  String render(List<SourceServer> servers) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-20s %-24s %-18s %-13s %6s %10s %9s %10s  %s%n",
            "SOURCE SERVER",
            "HOSTNAME",
            "LIFECYCLE",
            "REPLICATION",
            "LAG",
            "BACKLOG",
            "ETA",
            "MB/s",
            "TRACKER / ERROR"));
    for (SourceServer s : servers) {
      var dri = s.dataReplicationInfo();
      JsonNode extra = extras.getOrDefault(s.sourceServerID(), JSON.createObjectNode());
      long backlog = 0;
      if (dri != null && dri.replicatedDisks() != null) {
        for (DataReplicationInfoReplicatedDisk d : dri.replicatedDisks()) {
          backlog += d.backloggedStorageBytes() == null ? 0 : d.backloggedStorageBytes();
        }
      }
      String error =
          dri != null && dri.dataReplicationError() != null
              ? dri.dataReplicationError().errorAsString()
                  + ": "
                  + Optional.ofNullable(dri.dataReplicationError().rawError()).orElse("")
              : extra.path("tracker").asText("");
      String host =
          s.sourceProperties() != null && s.sourceProperties().identificationHints() != null
              ? Optional.ofNullable(s.sourceProperties().identificationHints().hostname())
                  .orElse("")
              : "";
      b.append(
          String.format(
              Locale.ROOT,
              "%-20s %-24s %-18s %-13s %6s %10s %9s %10.1f  %s%n",
              s.sourceServerID(),
              truncate(host, 24),
              s.lifeCycle() == null ? "" : s.lifeCycle().stateAsString(),
              dri == null ? "" : dri.dataReplicationStateAsString(),
              dri == null || dri.lagDuration() == null ? "-" : lag(dri.lagDuration()),
              Sizes.bytes(backlog),
              dri == null || dri.etaDateTime() == null ? "-" : eta(dri.etaDateTime()),
              extra.path("throughputBytesPerSecond").asLong(0) / 1e6,
              error));
      if (dri != null && dri.replicatedDisks() != null) {
        Map<String, JsonNode> diskExtras = new HashMap<>();
        for (JsonNode d : extra.path("disks")) {
          diskExtras.put(d.path("deviceName").asText(), d);
        }
        for (DataReplicationInfoReplicatedDisk d : dri.replicatedDisks()) {
          JsonNode de = diskExtras.getOrDefault(d.deviceName(), JSON.createObjectNode());
          b.append(
              String.format(
                  Locale.ROOT,
                  "    %-40s %-13s %s / %s replicated, backlog %s, rescanned %s%s%n",
                  truncate(d.deviceName(), 40),
                  de.path("state").asText(""),
                  Sizes.bytes(nz(d.replicatedStorageBytes())),
                  Sizes.bytes(nz(d.totalStorageBytes())),
                  Sizes.bytes(nz(d.backloggedStorageBytes())),
                  Sizes.bytes(nz(d.rescannedStorageBytes())),
                  de.path("error").asText("").isEmpty() ? "" : "  " + de.path("error").asText()));
        }
      }
    }
    if (servers.isEmpty()) {
      b.append("(no source servers: install an agent with 'liftshift agent install')\n");
    }
    return b.toString();
  }

  private static long nz(Long v) {
    return v == null ? 0 : v;
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : "…" + s.substring(s.length() - n + 1);
  }

  private static String lag(String isoDuration) {
    try {
      return Sizes.seconds(java.time.Duration.parse(isoDuration).toSeconds());
    } catch (RuntimeException e) {
      return isoDuration;
    }
  }

  private static String eta(String isoInstant) {
    try {
      long s =
          java.time.Duration.between(java.time.Instant.now(), java.time.Instant.parse(isoInstant))
              .toSeconds();
      return Sizes.seconds(Math.max(0, s));
    } catch (RuntimeException e) {
      return isoInstant;
    }
  }

  /** Keeps the response body of DescribeSourceServers, whose extra members the SDK drops. */
  private final class KeepRawJson implements ExecutionInterceptor {
    @Override
    public Optional<InputStream> modifyHttpResponseContent(
        Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      Optional<InputStream> body = context.responseBody();
      if (body.isEmpty()) {
        return body;
      }
      try {
        byte[] bytes = body.get().readAllBytes();
        JsonNode root = JSON.readTree(bytes);
        for (JsonNode item : root.path("items")) {
          extras.put(item.path("sourceServerID").asText(), item.path("liftshift"));
        }
        return Optional.of(new ByteArrayInputStream(bytes));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }
}
