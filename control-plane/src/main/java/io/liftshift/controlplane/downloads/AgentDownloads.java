package io.liftshift.controlplane.downloads;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves the agent's downloads on the control plane's port 443 (docs/agent-install.md):
 *
 * <ul>
 *   <li>{@code GET /agent/v1/installer}: the POSIX sh installer, and {@code installer.sha256}, to
 *       check a copy fetched from the CDK's software bucket;
 *   <li>{@code GET /agent/v1/bundle/liftshift-agent-V-linux-ARCH.tar.gz} and its {@code .sha256};
 *   <li>{@code GET /agent/v1/ca.pem}, {@code /agent/v1/ca.der}: the installation CA, whose DER's
 *       SHA-256 is the fingerprint {@code liftshift ca show} prints;
 *   <li>{@code GET /agent/v1/version}: {@code {"agentVersion":V,"bundles":{ARCH:FILE}}}.
 * </ul>
 *
 * <p>The files come from the bundle directory ({@link #locate}), read at each request so that an
 * operator publishes a new agent version by copying files, without a restart.
 */
public final class AgentDownloads {
  private static final Logger LOG = Logger.getLogger(AgentDownloads.class.getName());

  /** Names the bundle directory; the {@code control-plane --agent-bundle-dir} option sets it. */
  public static final String BUNDLE_DIR_PROPERTY = "liftshift.agent.bundleDir";

  /** Names the bundle directory when neither option nor property does. */
  public static final String BUNDLE_DIR_ENV = "LIFTSHIFT_AGENT_BUNDLE_DIR";

  /** The installer script's name in the bundle directory. */
  public static final String INSTALLER_FILE = "liftshift-agent-installer.sh";

  /** Names the version the control plane serves when the directory holds several. */
  public static final String LATEST_FILE = "LATEST";

  static final String PREFIX = "/agent/v1/";
  private static final Pattern BUNDLE =
      Pattern.compile(
          "liftshift-agent-([0-9A-Za-z][0-9A-Za-z._+-]*)-linux-(x86_64|aarch64)\\.tar\\.gz");
  private static final Pattern SERVED = Pattern.compile(BUNDLE.pattern() + "(\\.sha256)?");

  private final X509Certificate ca;
  private final Optional<Path> bundleDir;

  public AgentDownloads(X509Certificate ca, Optional<Path> bundleDir) {
    this.ca = ca;
    this.bundleDir = bundleDir;
  }

  /**
   * The bundle directory: the {@value #BUNDLE_DIR_PROPERTY} system property, else {@value
   * #BUNDLE_DIR_ENV}, else next to the running jar: {@code agent-bundle/} beside it (a release), or
   * {@code agent-bundle/target/dist} of the source tree it was built in ({@code
   * cli/target/liftshift.jar}).
   */
  public static AgentDownloads locate(X509Certificate ca) {
    Optional<Path> dir = configured();
    if (dir.isEmpty()) {
      dir = besideJar();
    }
    LOG.fine("agent bundle directory: " + dir.map(Path::toString).orElse("none"));
    return new AgentDownloads(ca, dir);
  }

  private static Optional<Path> configured() {
    String p = System.getProperty(BUNDLE_DIR_PROPERTY);
    if (p == null || p.isBlank()) {
      p = System.getenv(BUNDLE_DIR_ENV);
    }
    return p == null || p.isBlank() ? Optional.empty() : Optional.of(Path.of(p));
  }

  private static Optional<Path> besideJar() {
    try {
      var source = AgentDownloads.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return Optional.empty();
      }
      Path jar = Path.of(source.getLocation().toURI());
      Path dir = jar.getParent();
      if (dir == null) {
        return Optional.empty();
      }
      for (Path candidate :
          new Path[] {
            dir.resolve("agent-bundle"),
            dir.resolveSibling("agent-bundle/target/dist"),
            dir.getParent() == null
                ? dir
                : dir.getParent().resolveSibling("agent-bundle/target/dist")
          }) {
        if (Files.isRegularFile(candidate.resolve(INSTALLER_FILE))) {
          return Optional.of(candidate.normalize());
        }
      }
    } catch (URISyntaxException | RuntimeException e) {
      LOG.fine("no agent bundle beside the jar: " + e);
    }
    return Optional.empty();
  }

  public Optional<Path> bundleDir() {
    return bundleDir;
  }

  /** Whether the request is one of the public agent downloads (GET or HEAD under /agent/v1/). */
  public boolean serves(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      return false;
    }
    String p = req.path();
    return p.equals(PREFIX + "installer")
        || p.equals(PREFIX + "installer.sha256")
        || p.equals(PREFIX + "ca.pem")
        || p.equals(PREFIX + "ca.der")
        || p.equals(PREFIX + "version")
        || p.startsWith(PREFIX + "bundle/");
  }

  /** Answers a request {@link #serves} accepted; blocking work goes to a worker thread. */
  public void serve(Vertx vertx, HttpServerRequest req) {
    vertx
        .executeBlocking(() -> answer(req.path()))
        .onComplete(
            ar -> {
              var r = req.response();
              if (ar.failed()) {
                LOG.warning("agent download " + req.path() + ": " + ar.cause());
                r.setStatusCode(500).end("internal error\n");
                return;
              }
              Answer a = ar.result();
              r.setStatusCode(a.status()).putHeader("content-type", a.contentType());
              r.putHeader("cache-control", "no-store");
              if (a.file() != null) {
                r.sendFile(a.file().toString());
              } else {
                r.end(io.vertx.core.buffer.Buffer.buffer(a.body()));
              }
            });
  }

  /** What to send: a file, or a body. */
  record Answer(int status, String contentType, Path file, byte[] body) {
    static Answer text(int status, String text) {
      return new Answer(
          status, "text/plain; charset=utf-8", null, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  Answer answer(String path) throws IOException, CertificateEncodingException {
    String name = path.substring(PREFIX.length());
    switch (name) {
      case "ca.der":
        return new Answer(200, "application/pkix-cert", null, ca.getEncoded());
      case "ca.pem":
        return new Answer(
            200, "application/x-pem-file", null, pem(ca).getBytes(StandardCharsets.US_ASCII));
      default:
        break;
    }
    if (bundleDir.isEmpty() || !Files.isDirectory(bundleDir.get())) {
      return Answer.text(
          404,
          "this control plane serves no agent bundle: build it (mvn package -pl agent-bundle -am)"
              + " or name its directory with --agent-bundle-dir or "
              + BUNDLE_DIR_ENV
              + "\n");
    }
    Path dir = bundleDir.get();
    if (name.equals("installer")) {
      Path f = dir.resolve(INSTALLER_FILE);
      return Files.isRegularFile(f)
          ? new Answer(200, "text/x-shellscript; charset=utf-8", f, null)
          : Answer.text(404, "no " + INSTALLER_FILE + " in the agent bundle directory\n");
    }
    if (name.equals("installer.sha256")) {
      Path f = dir.resolve(INSTALLER_FILE + ".sha256");
      return Files.isRegularFile(f)
          ? new Answer(200, "text/plain; charset=utf-8", f, null)
          : Answer.text(404, "no " + INSTALLER_FILE + ".sha256 in the agent bundle directory\n");
    }
    if (name.equals("version")) {
      return version(dir);
    }
    String file = name.substring("bundle/".length());
    Path f = dir.resolve(file);
    if (!SERVED.matcher(file).matches() || !Files.isRegularFile(f)) {
      return Answer.text(404, "no agent bundle file " + file + "\n");
    }
    String type = file.endsWith(".sha256") ? "text/plain; charset=utf-8" : "application/gzip";
    return new Answer(200, type, f, null);
  }

  /**
   * Adds the served agent version to a heartbeat's answer ({@code "agentVersion"}), so that agents
   * learn of a new version from the heartbeats they send anyway and upgrade themselves (docs/
   * agent-install.md, "Upgrades"). Other answers, and a control plane serving no bundle, are left
   * as they are. Blocking (it may read the bundle directory): call it off the event loop.
   */
  public com.fasterxml.jackson.databind.JsonNode offerTo(
      String path, com.fasterxml.jackson.databind.JsonNode answer) {
    if (path.equals(HEARTBEAT_PATH)
        && answer instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
      servedVersion().ifPresent(v -> o.put("agentVersion", v));
    }
    return answer;
  }

  /** The agent heartbeat's path, whose answers carry the served version. */
  static final String HEARTBEAT_PATH = io.liftshift.contract.AgentContract.HEARTBEAT;

  /** Heartbeats are frequent: the directory is read at most this often for them. */
  private static final long VERSION_CACHE_NANOS = 5_000_000_000L;

  private volatile Served cached;

  /** A version read from the bundle directory, and when. */
  private record Served(Optional<String> version, long readAtNanos) {}

  /** The agent version this control plane serves, as {@code /agent/v1/version} names it. */
  public Optional<String> servedVersion() {
    Served c = cached;
    if (c != null && System.nanoTime() - c.readAtNanos() < VERSION_CACHE_NANOS) {
      return c.version();
    }
    Optional<String> v = Optional.empty();
    if (bundleDir.isPresent() && Files.isDirectory(bundleDir.get())) {
      try {
        v = Optional.ofNullable(served(bundleDir.get()).version());
      } catch (IOException e) {
        LOG.fine("agent bundle directory: " + e);
      }
    }
    cached = new Served(v, System.nanoTime());
    return v;
  }

  /** The versions in the directory and the one served (null when none can be). */
  private record Listing(TreeMap<String, TreeMap<String, String>> versions, String version) {}

  private static Listing served(Path dir) throws IOException {
    TreeMap<String, TreeMap<String, String>> versions = new TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Matcher m = BUNDLE.matcher(f.getFileName().toString());
        if (m.matches() && Files.isRegularFile(dir.resolve(f.getFileName() + ".sha256"))) {
          versions.computeIfAbsent(m.group(1), v -> new TreeMap<>()).put(m.group(2), m.group());
        }
      }
    }
    String version = null;
    Path latest = dir.resolve(LATEST_FILE);
    if (Files.isRegularFile(latest)) {
      version = Files.readString(latest, StandardCharsets.UTF_8).strip();
    } else if (versions.size() == 1) {
      version = versions.firstKey();
    }
    return new Listing(versions, version != null && versions.containsKey(version) ? version : null);
  }

  /** The served version: the LATEST file's, else the only version in the directory. */
  private static Answer version(Path dir) throws IOException {
    Listing l = served(dir);
    TreeMap<String, TreeMap<String, String>> versions = l.versions();
    String version = l.version();
    if (version == null) {
      return Answer.text(
          404,
          versions.isEmpty()
              ? "no agent bundle in " + dir + "\n"
              : "several agent versions in " + dir + " and no " + LATEST_FILE + " naming one\n");
    }
    StringBuilder b = new StringBuilder("{\"agentVersion\":\"").append(version).append("\"");
    b.append(",\"bundles\":{");
    String sep = "";
    for (var e : versions.get(version).entrySet()) {
      b.append(sep).append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
      sep = ",";
    }
    b.append("}}");
    return new Answer(200, "application/json", null, b.toString().getBytes(StandardCharsets.UTF_8));
  }

  static String pem(X509Certificate cert) throws CertificateEncodingException {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }
}
