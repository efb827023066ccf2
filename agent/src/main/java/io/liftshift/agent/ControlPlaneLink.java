package io.liftshift.agent;

import io.liftshift.contract.AgentContract;
import io.liftshift.contract.PrivateApiClient;
import io.liftshift.trust.CaFingerprint;
import io.liftshift.trust.ServerRole;
import io.liftshift.trust.TlsPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's side of the control plane's private API (docs/control-plane.md, "Agent API"):
 * registration, which needs no reboot and survives restarts through a small state file, and
 * heartbeats. The paths and bodies are {@link AgentContract}'s; JSON is written by hand, as the
 * agent carries no JSON library for three small messages (the agent's tests read them with the
 * contract's records).
 */
public final class ControlPlaneLink {
  /** What registration left on disk: enough to re-register as the same server and to report. */
  public record Identity(
      String endpoint, CaFingerprint ca, String sourceServerId, String agentToken) {}

  private static final String STATE_FILE = "agent.properties";

  private final HttpClient http;
  private final Identity identity;
  private volatile java.util.function.Consumer<String> agentVersions = v -> {};

  private ControlPlaneLink(HttpClient http, Identity identity) {
    this.http = http;
    this.identity = identity;
  }

  public Identity identity() {
    return identity;
  }

  /** Hears the agent version the control plane serves, from every heartbeat's answer. */
  public void onAgentVersion(java.util.function.Consumer<String> listener) {
    agentVersions = listener;
  }

  private static HttpClient client(CaFingerprint ca) {
    return HttpClient.newBuilder()
        .sslContext(TlsPolicy.pinnedClientContext(ca, ServerRole.CONTROL_PLANE))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /**
   * Registers this machine and its disks, and stores the identity in {@code stateDir}. Running it
   * again re-registers the same machine as the same source server.
   */
  public static ControlPlaneLink install(
      String endpoint, String installToken, CaFingerprint ca, List<Path> disks, Path stateDir)
      throws IOException {
    return install(endpoint, installToken, ca, disks, java.util.Map.of(), stateDir);
  }

  /** As {@link #install}, with the source server's tags (MGN's installer's {@code --tags}). */
  public static ControlPlaneLink install(
      String endpoint,
      String installToken,
      CaFingerprint ca,
      List<Path> disks,
      java.util.Map<String, String> tags,
      Path stateDir)
      throws IOException {
    HttpClient http = client(ca);
    String body = registration(disks, tags);
    HttpResponse<String> r = post(http, endpoint, AgentContract.REGISTER, installToken, body);
    if (r.statusCode() != 200) {
      throw new IOException("registration refused (" + r.statusCode() + "): " + r.body());
    }
    String id = field(r.body(), "sourceServerID");
    String token = field(r.body(), "agentToken");
    Identity identity = new Identity(endpoint, ca, id, token);
    save(stateDir, identity);
    return new ControlPlaneLink(http, identity);
  }

  /** Loads the identity that {@link #install} stored; empty when the agent is not installed. */
  public static java.util.Optional<ControlPlaneLink> load(Path stateDir) throws IOException {
    Path f = stateDir.resolve(STATE_FILE);
    if (!Files.exists(f)) {
      return java.util.Optional.empty();
    }
    Properties p = new Properties();
    try (var in = Files.newInputStream(f)) {
      p.load(in);
    }
    CaFingerprint ca = CaFingerprint.parse(p.getProperty("caFingerprint", ""));
    Identity id =
        new Identity(
            p.getProperty("endpoint"),
            ca,
            p.getProperty("sourceServerID"),
            p.getProperty("agentToken"));
    return java.util.Optional.of(new ControlPlaneLink(client(ca), id));
  }

  private static void save(Path dir, Identity id) throws IOException {
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("endpoint", id.endpoint());
    p.setProperty("caFingerprint", id.ca().toString());
    p.setProperty("sourceServerID", id.sourceServerId());
    p.setProperty("agentToken", id.agentToken());
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (var out = Files.newOutputStream(tmp)) {
      p.store(out, "liftshift agent identity: keep private");
    }
    Files.move(
        tmp,
        dir.resolve(STATE_FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * What the control plane answers a heartbeat with: the replication server this source server is
   * placed on (empty host until one has room), and the operator's wishes, which the agent applies
   * without reconnecting.
   */
  public record Instructions(
      String replicationServerHost,
      int replicationServerPort,
      String replication,
      long bandwidthThrottlingMbps,
      long version) {
    public boolean placed() {
      return !replicationServerHost.isEmpty() && replicationServerPort > 0;
    }

    static Instructions parse(String json) {
      return new Instructions(
          optional(json, "host").orElse(""),
          (int) number(json, "port", 0),
          optional(json, "replication").orElse("RUNNING"),
          number(json, "bandwidthThrottlingMbps", 0),
          number(json, "instructionsVersion", 0));
    }
  }

  /**
   * Heartbeats until the control plane has placed this server on a replication server (the fleet
   * may be scaling up), then returns where to replicate to.
   */
  public Instructions awaitReplicationServer(long timeoutMillis, long pollMillis)
      throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      Instructions i =
          report(new ReplicationStatus("INITIATING", 0, -1, "", "", "none", 0, 0, List.of(), 0));
      if (i.placed()) {
        return i;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException(
            "no replication server has room for source server "
                + identity.sourceServerId()
                + " after "
                + timeoutMillis / 1000
                + " s (is a replicator registered with the control plane?)");
      }
      Thread.sleep(pollMillis);
    }
  }

  /** Reports replication state and per-disk figures; returns the control plane's instructions. */
  public Instructions report(ReplicationStatus st) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("{\"sourceServerID\":").append(quote(identity.sourceServerId()));
    b.append(",\"dataReplicationState\":").append(quote(st.state()));
    b.append(",\"lagSeconds\":").append(st.lagSeconds());
    if (st.etaSeconds() >= 0) {
      b.append(",\"etaSeconds\":").append(st.etaSeconds());
    }
    if (!st.errorCode().isEmpty()) {
      b.append(",\"dataReplicationError\":{\"error\":")
          .append(quote(st.errorCode()))
          .append(",\"rawError\":")
          .append(quote(st.errorDetail()))
          .append('}');
    }
    b.append(",\"tracker\":").append(quote(st.tracker()));
    if (st.lastSnapshotEpochMillis() > 0) {
      b.append(",\"lastSnapshotEpochMillis\":").append(st.lastSnapshotEpochMillis());
    }
    b.append(",\"throughputBytesPerSecond\":").append(st.throughputBytesPerSecond());
    b.append(",\"writeRateBytesPerSecond\":").append(st.writeRateBytesPerSecond());
    b.append(",\"replicatedDisks\":[");
    for (int i = 0; i < st.disks().size(); i++) {
      ReplicationStatus.Disk d = st.disks().get(i);
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"deviceName\":")
          .append(quote(d.deviceName()))
          .append(",\"state\":")
          .append(quote(d.state()))
          .append(",\"totalStorageBytes\":")
          .append(d.totalBytes())
          .append(",\"replicatedStorageBytes\":")
          .append(d.replicatedBytes())
          .append(",\"backloggedStorageBytes\":")
          .append(d.backlogBytes())
          .append(",\"rescannedStorageBytes\":")
          .append(d.rescannedBytes())
          .append(",\"error\":")
          .append(quote(d.error()))
          .append('}');
    }
    b.append("]}");
    HttpResponse<String> r =
        post(
            http,
            identity.endpoint(),
            AgentContract.HEARTBEAT,
            identity.agentToken(),
            b.toString());
    if (r.statusCode() == AgentContract.DISCONNECTED_STATUS) {
      throw new DisconnectedFromServiceException(r.body());
    }
    if (r.statusCode() != 200) {
      throw new IOException("heartbeat refused (" + r.statusCode() + "): " + r.body());
    }
    optional(r.body(), "agentVersion").ifPresent(agentVersions);
    return Instructions.parse(r.body());
  }

  /**
   * Long-polls for the operator's wishes: answers at once when they differ from {@code
   * knownVersion}, else when they change, or after about 25 s with the current ones.
   */
  public Instructions awaitInstructions(long knownVersion) throws IOException {
    HttpResponse<String> r =
        post(
            http,
            identity.endpoint(),
            AgentContract.INSTRUCTIONS,
            identity.agentToken(),
            "{\"sourceServerID\":"
                + quote(identity.sourceServerId())
                + ",\"knownVersion\":"
                + knownVersion
                + "}",
            Duration.ofSeconds(60));
    if (r.statusCode() == AgentContract.DISCONNECTED_STATUS) {
      throw new DisconnectedFromServiceException(r.body());
    }
    if (r.statusCode() != 200) {
      throw new IOException("instructions refused (" + r.statusCode() + "): " + r.body());
    }
    return Instructions.parse(r.body());
  }

  private static HttpResponse<String> post(
      HttpClient http, String endpoint, String path, String bearer, String body)
      throws IOException {
    return post(http, endpoint, path, bearer, body, Duration.ofSeconds(30));
  }

  private static HttpResponse<String> post(
      HttpClient http, String endpoint, String path, String bearer, String body, Duration timeout)
      throws IOException {
    return new PrivateApiClient(http, endpoint).post(path, bearer, body, timeout);
  }

  /** The machine's facts as MGN's SourceProperties expect them. */
  static String registration(List<Path> disks) throws IOException {
    return registration(disks, java.util.Map.of());
  }

  static String registration(List<Path> disks, java.util.Map<String, String> tags)
      throws IOException {
    StringBuilder b = new StringBuilder("{");
    if (!tags.isEmpty()) {
      b.append("\"tags\":{");
      boolean firstTag = true;
      for (var e : tags.entrySet()) {
        b.append(firstTag ? "" : ",")
            .append(quote(e.getKey()))
            .append(':')
            .append(quote(e.getValue()));
        firstTag = false;
      }
      b.append("},");
    }
    b.append("\"machineId\":").append(quote(machineId()));
    String host = InetAddress.getLocalHost().getHostName();
    String fqdn = InetAddress.getLocalHost().getCanonicalHostName();
    b.append(",\"identificationHints\":{\"fqdn\":")
        .append(quote(fqdn))
        .append(",\"hostname\":")
        .append(quote(host))
        .append('}');
    b.append(",\"disks\":[");
    for (int i = 0; i < disks.size(); i++) {
      Path d = disks.get(i);
      long size;
      try (var ch = java.nio.channels.FileChannel.open(d)) {
        size = ch.size();
      }
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"deviceName\":")
          .append(quote(d.toRealPath().toString()))
          .append(",\"bytes\":")
          .append(size)
          .append('}');
    }
    b.append(']');
    int cores = Runtime.getRuntime().availableProcessors();
    b.append(",\"cpus\":[{\"cores\":")
        .append(cores)
        .append(",\"modelName\":")
        .append(quote(cpuModel()))
        .append("}]");
    b.append(",\"ramBytes\":").append(ramBytes());
    // How the source booted, for a launch whose boot mode is USE_SOURCE.
    b.append(",\"firmware\":")
        .append(quote(Files.isDirectory(Path.of("/sys/firmware/efi")) ? "UEFI" : "BIOS"));
    b.append(",\"os\":{\"fullString\":").append(quote(osName())).append('}');
    b.append(",\"networkInterfaces\":[");
    boolean first = true;
    for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (n.isLoopback() || !n.isUp() || n.getHardwareAddress() == null) {
        continue;
      }
      List<String> ips = new ArrayList<>();
      n.getInterfaceAddresses()
          .forEach(a -> ips.add(quote(a.getAddress().getHostAddress().replaceAll("%.*", ""))));
      b.append(first ? "" : ",")
          .append("{\"macAddress\":")
          .append(quote(HexFormat.ofDelimiter(":").formatHex(n.getHardwareAddress())))
          .append(",\"ips\":[")
          .append(String.join(",", ips))
          .append("],\"isPrimary\":")
          .append(first)
          .append('}');
      first = false;
    }
    b.append("]}");
    return b.toString();
  }

  private static String machineId() {
    try {
      return Files.readString(Path.of("/etc/machine-id")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static String cpuModel() {
    try {
      Matcher m =
          Pattern.compile("model name\\s*:\\s*(.+)")
              .matcher(Files.readString(Path.of("/proc/cpuinfo")));
      return m.find() ? m.group(1).trim() : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static long ramBytes() {
    try {
      Matcher m =
          Pattern.compile("MemTotal:\\s*(\\d+) kB")
              .matcher(Files.readString(Path.of("/proc/meminfo")));
      return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static String osName() {
    try {
      Matcher m =
          Pattern.compile("PRETTY_NAME=\"?([^\"\\n]+)")
              .matcher(Files.readString(Path.of("/etc/os-release")));
      return m.find() ? m.group(1) : System.getProperty("os.name");
    } catch (IOException e) {
      return System.getProperty("os.name");
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static java.util.Optional<String> optional(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
  }

  private static long number(String json, String name, long otherwise) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\\d+)").matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) : otherwise;
  }

  /** Reads a string field from a flat JSON answer. */
  static String field(String json, String name) throws IOException {
    return optional(json, name)
        .orElseThrow(() -> new IOException("answer has no " + name + ": " + json));
  }
}
