package io.liftshift.cloud.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A <b>contract fake</b> of EC2 and IMDSv2 on loopback, for tests only. Every request is checked
 * against EC2's own service model (action, parameter names as the EC2 query protocol serializes
 * them, types, enums, required members) and refused as EC2 would refuse it; the few actions the
 * adapter uses are answered from in-memory state in EC2's XML. It is test scope and never shipped.
 */
public final class Ec2ContractFake implements AutoCloseable {
  private static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";

  private final JsonNode model;
  private final HttpServer server;
  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Map<String, Object>> volumes = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Object>> snapshots = new ConcurrentHashMap<>();
  private final Map<String, String[]> faults = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Object>> images = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Object>> instances = new ConcurrentHashMap<>();
  private final Map<String, LaunchTemplate> launchTemplates = new ConcurrentHashMap<>();

  /**
   * What RunInstances reads from a launch template: its image (or null), and whether it names a
   * network interface, with which EC2 refuses an instance-level subnet or security groups.
   */
  public record LaunchTemplate(String imageId, boolean networkInterface) {}

  /** What each instance's serial console shows; tests append to it. */
  public final Map<String, StringBuilder> consoles = new ConcurrentHashMap<>();

  private final AtomicInteger ids = new AtomicInteger(0x1000);
  private final AtomicInteger rejected = new AtomicInteger();
  public final String instanceId = "i-0123456789abcdef0";
  public final String availabilityZone = "us-east-1a";

  public Ec2ContractFake() throws IOException {
    try (InputStream in =
        new GZIPInputStream(
            Ec2ContractFake.class.getResourceAsStream("ec2-2016-11-15.service-2.json.gz"))) {
      model = new ObjectMapper().readTree(in);
    }
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/latest/", this::imds);
    server.createContext("/", this::ec2);
    server.start();
  }

  /** The real SDK's EC2 client, pointed at this fake with test credentials. */
  public software.amazon.awssdk.services.ec2.Ec2Client client() {
    return software.amazon.awssdk.services.ec2.Ec2Client.builder()
        .endpointOverride(endpoint())
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .credentialsProvider(
            software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                    "AKIDTEST", "secret")))
        .httpClient(software.amazon.awssdk.http.apache.ApacheHttpClient.create())
        .build();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Requests refused by the model check. */
  public int rejectedByModel() {
    return rejected.get();
  }

  /** Actions received, in order. */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  /** The next {@code times} calls of an action fail with EC2's error. */
  public void fail(String action, int status, String code, String message, int times) {
    faults.put(
        action, new String[] {Integer.toString(status), code, message, Integer.toString(times)});
  }

  // ---- IMDSv2 ----------------------------------------------------------------------------------

  private void imds(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    if (path.equals("/latest/api/token") && x.getRequestMethod().equals("PUT")) {
      reply(x, 200, "fake-imds-token");
    } else if (!"fake-imds-token"
        .equals(x.getRequestHeaders().getFirst("X-aws-ec2-metadata-token"))) {
      reply(x, 401, ""); // IMDSv1 is refused, as with HttpTokens=required
    } else if (path.equals("/latest/meta-data/instance-id")) {
      reply(x, 200, instanceId);
    } else if (path.equals("/latest/meta-data/placement/availability-zone")) {
      reply(x, 200, availabilityZone);
    } else {
      reply(x, 404, "");
    }
  }

  // ---- EC2 -------------------------------------------------------------------------------------

  private void ec2(HttpExchange x) throws IOException {
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> params = new TreeMap<>();
    for (String kv : body.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int i = kv.indexOf('=');
      params.put(
          URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8),
          i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
    }
    if (x.getRequestHeaders().getFirst("Authorization") == null
        || !x.getRequestHeaders().getFirst("Authorization").startsWith("AWS4-HMAC-SHA256")) {
      error(x, 401, "AuthFailure", "AWS was not able to validate the provided access credentials");
      return;
    }
    String action = params.remove("Action");
    String version = params.remove("Version");
    calls.add(action);
    JsonNode op = model.path("operations").path(action == null ? "" : action);
    if (op.isMissingNode()) {
      error(
          x, 400, "InvalidAction", "The action " + action + " is not valid for this web service.");
      return;
    }
    if (!"2016-11-15".equals(version)) {
      error(x, 400, "InvalidParameterValue", "Version " + version + " is not 2016-11-15");
      return;
    }
    String problem = validate(op.path("input").path("shape").asText(), params);
    if (problem != null) {
      rejected.incrementAndGet();
      error(x, 400, "InvalidParameterValue", problem);
      return;
    }
    String[] fault = faults.get(action);
    if (fault != null && Integer.parseInt(fault[3]) > 0) {
      fault[3] = Integer.toString(Integer.parseInt(fault[3]) - 1);
      error(x, Integer.parseInt(fault[0]), fault[1], fault[2]);
      return;
    }
    String xml;
    try {
      xml = act(action, params);
    } catch (IllegalArgumentException e) {
      String[] cm = e.getMessage().split("\\|", 2);
      error(x, 400, cm[0], cm.length > 1 ? cm[1] : cm[0]);
      return;
    }
    if (xml == null) {
      error(
          x, 400, "UnsupportedOperation", action + " is valid EC2 but not implemented by the fake");
      return;
    }
    reply(
        x,
        200,
        "<"
            + action
            + "Response xmlns=\""
            + NS
            + "\"><requestId>fake</requestId>"
            + xml
            + "</"
            + action
            + "Response>");
  }

  private String act(String action, Map<String, String> params) {
    return switch (action) {
      case "CreateVolume" -> createVolume(params);
      case "DescribeVolumes" -> describeVolumes(params);
      case "AttachVolume" -> attachVolume(params);
      case "CreateSnapshots" -> createSnapshots(params);
      case "DescribeSnapshots" -> describeSnapshots(params);
      case "DeleteSnapshot" -> deleteSnapshot(params);
      case "CreateSnapshot" -> createSnapshot(params);
      case "DeleteVolume" -> deleteVolume(params);
      case "RegisterImage" -> registerImage(params);
      case "DescribeImages" -> describeImages(params);
      case "DeregisterImage" -> deregisterImage(params);
      case "RunInstances" -> runInstances(params);
      case "DescribeInstances" -> describeInstances(params);
      case "TerminateInstances" -> terminateInstances(params);
      case "GetConsoleOutput" -> consoleOutput(params);
      case "CreateTags" -> createTags(params);
      case "DeleteTags" -> deleteTags(params);
      default -> null;
    };
  }

  // ---- model check -----------------------------------------------------------------------------

  /** Null when EC2 would accept the parameters for this input shape, else why not. */
  String validate(String shapeName, Map<String, String> params) {
    JsonNode shape = model.path("shapes").path(shapeName);
    for (Map.Entry<String, String> p : params.entrySet()) {
      String problem = check(shape, p.getKey().split("\\."), 0, p.getValue(), p.getKey());
      if (problem != null) {
        return problem;
      }
    }
    return required(shape, params, "");
  }

  private String check(JsonNode shape, String[] path, int i, String value, String full) {
    String type = shape.path("type").asText();
    if (type.equals("structure")) {
      if (i >= path.length) {
        return "parameter " + full + " needs a member";
      }
      JsonNode member = memberBySerializedName(shape, path[i]);
      if (member == null) {
        return "The parameter " + path[i] + " is not recognized (" + full + ")";
      }
      return check(
          model.path("shapes").path(member.path("shape").asText()), path, i + 1, value, full);
    }
    if (type.equals("list")) {
      if (i >= path.length || !path[i].matches("[1-9]\\d*")) {
        return "list parameter " + full + " needs an index from 1";
      }
      return check(
          model.path("shapes").path(shape.path("member").path("shape").asText()),
          path,
          i + 1,
          value,
          full);
    }
    if (i != path.length) {
      return "The parameter " + full + " is not recognized";
    }
    switch (type) {
      case "integer", "long" -> {
        try {
          Long.parseLong(value);
        } catch (NumberFormatException e) {
          return "Invalid value '" + value + "' for " + full + ": not an integer";
        }
      }
      case "boolean" -> {
        if (!value.equals("true") && !value.equals("false")) {
          return "Invalid value '" + value + "' for " + full + ": not a boolean";
        }
      }
      case "string" -> {
        if (shape.has("enum")) {
          boolean ok = false;
          for (JsonNode e : shape.path("enum")) {
            ok |= e.asText().equals(value);
          }
          if (!ok) {
            return "Invalid value '" + value + "' for " + full;
          }
        }
      }
      default -> {}
    }
    return null;
  }

  /** EC2 query protocol: queryName, else locationName capitalised, else the member name. */
  private static JsonNode memberBySerializedName(JsonNode shape, String name) {
    for (var it = shape.path("members").fields(); it.hasNext(); ) {
      var m = it.next();
      if (serializedName(m.getKey(), m.getValue()).equals(name)) {
        return m.getValue();
      }
    }
    return null;
  }

  private static String serializedName(String memberName, JsonNode member) {
    if (member.has("queryName")) {
      return member.path("queryName").asText();
    }
    if (member.has("locationName")) {
      String l = member.path("locationName").asText();
      return Character.toUpperCase(l.charAt(0)) + l.substring(1);
    }
    return memberName;
  }

  private String required(JsonNode shape, Map<String, String> params, String prefix) {
    for (JsonNode req : shape.path("required")) {
      JsonNode member = shape.path("members").path(req.asText());
      String key = prefix + serializedName(req.asText(), member);
      boolean present =
          params.keySet().stream().anyMatch(k -> k.equals(key) || k.startsWith(key + "."));
      if (!present) {
        return "The request must contain the parameter " + key;
      }
    }
    return null;
  }

  // ---- actions ---------------------------------------------------------------------------------

  private String newId(String prefix) {
    return prefix + String.format("%017x", ids.incrementAndGet());
  }

  private static Map<String, String> tags(Map<String, String> p, String resourceType) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int s = 1; p.containsKey("TagSpecification." + s + ".ResourceType"); s++) {
      if (!p.get("TagSpecification." + s + ".ResourceType").equals(resourceType)) {
        continue;
      }
      for (int t = 1; p.containsKey("TagSpecification." + s + ".Tag." + t + ".Key"); t++) {
        out.put(
            p.get("TagSpecification." + s + ".Tag." + t + ".Key"),
            p.getOrDefault("TagSpecification." + s + ".Tag." + t + ".Value", ""));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static String tagSet(Map<String, Object> r) {
    StringBuilder b = new StringBuilder("<tagSet>");
    ((Map<String, String>) r.get("tags"))
        .forEach(
            (k, v) ->
                b.append("<item><key>")
                    .append(k)
                    .append("</key><value>")
                    .append(v)
                    .append("</value></item>"));
    return b.append("</tagSet>").toString();
  }

  private String createVolume(Map<String, String> p) {
    Map<String, Object> v = new ConcurrentHashMap<>();
    String id = newId("vol-");
    v.put("id", id);
    Object fromSnapshot =
        p.containsKey("SnapshotId") && snapshots.containsKey(p.get("SnapshotId"))
            ? snapshots.get(p.get("SnapshotId")).get("size")
            : null;
    if (p.containsKey("SnapshotId") && fromSnapshot == null) {
      throw new IllegalArgumentException("InvalidSnapshot.NotFound");
    }
    v.put(
        "size",
        fromSnapshot != null
            ? fromSnapshot
            : (Object) Integer.parseInt(p.getOrDefault("Size", "1")));
    v.put("az", p.getOrDefault("AvailabilityZone", availabilityZone));
    v.put("state", "creating");
    v.put("tags", tags(p, "volume"));
    v.put("encrypted", p.getOrDefault("Encrypted", "false"));
    volumes.put(id, v);
    return "<volumeId>"
        + id
        + "</volumeId><size>"
        + v.get("size")
        + "</size><availabilityZone>"
        + v.get("az")
        + "</availabilityZone><status>creating</status><createTime>"
        + Instant.now()
        + "</createTime><volumeType>"
        + p.getOrDefault("VolumeType", "gp2")
        + "</volumeType><encrypted>"
        + v.get("encrypted")
        + "</encrypted>"
        + tagSet(v);
  }

  private String attachVolume(Map<String, String> p) {
    Map<String, Object> v = volumes.get(p.get("VolumeId"));
    if (v == null) {
      throw new IllegalArgumentException("InvalidVolume.NotFound");
    }
    v.put("instance", p.get("InstanceId"));
    v.put("device", p.get("Device"));
    v.put("state", "attaching");
    return "<volumeId>"
        + v.get("id")
        + "</volumeId><instanceId>"
        + p.get("InstanceId")
        + "</instanceId><device>"
        + p.get("Device")
        + "</device><status>attaching</status>";
  }

  @SuppressWarnings("unchecked")
  private boolean matches(Map<String, Object> r, Map<String, String> p) {
    for (int f = 1; p.containsKey("Filter." + f + ".Name"); f++) {
      String name = p.get("Filter." + f + ".Name");
      List<String> values = new ArrayList<>();
      for (int v = 1; p.containsKey("Filter." + f + ".Value." + v); v++) {
        values.add(p.get("Filter." + f + ".Value." + v));
      }
      String actual =
          name.startsWith("tag:")
              ? ((Map<String, String>) r.get("tags")).get(name.substring(4))
              : name.equals("attachment.instance-id") ? (String) r.get("instance") : null;
      if (actual == null || !values.contains(actual)) {
        return false;
      }
    }
    return true;
  }

  private String describeVolumes(Map<String, String> p) {
    StringBuilder b = new StringBuilder("<volumeSet>");
    for (Map<String, Object> v : volumes.values()) {
      if (p.containsKey("VolumeId.1") && !p.containsValue(v.get("id"))) {
        continue;
      }
      if (!matches(v, p)) {
        continue;
      }
      // State advances one step per look, as EC2's eventual transitions would.
      String state = (String) v.get("state");
      if (state.equals("creating")) {
        v.put("state", "available");
      } else if (state.equals("attaching")) {
        v.put("state", "in-use");
      }
      b.append("<item><volumeId>")
          .append(v.get("id"))
          .append("</volumeId><size>")
          .append(v.get("size"))
          .append("</size><availabilityZone>")
          .append(v.get("az"))
          .append("</availabilityZone><status>")
          .append(state)
          .append("</status><attachmentSet>");
      if (v.get("instance") != null) {
        b.append("<item><volumeId>")
            .append(v.get("id"))
            .append("</volumeId><instanceId>")
            .append(v.get("instance"))
            .append("</instanceId><device>")
            .append(v.get("device"))
            .append(
                "</device><status>attached</status><deleteOnTermination>false</deleteOnTermination></item>");
      }
      b.append("</attachmentSet>").append(tagSet(v)).append("</item>");
    }
    return b.append("</volumeSet>").toString();
  }

  @SuppressWarnings("unchecked")
  private String createSnapshots(Map<String, String> p) {
    String instance = p.get("InstanceSpecification.InstanceId");
    List<String> excluded = new ArrayList<>();
    for (int i = 1; p.containsKey("InstanceSpecification.ExcludeDataVolumeId." + i); i++) {
      excluded.add(p.get("InstanceSpecification.ExcludeDataVolumeId." + i));
    }
    Map<String, String> snapTags = tags(p, "snapshot");
    StringBuilder b = new StringBuilder("<snapshotSet>");
    for (Map<String, Object> v : volumes.values()) {
      if (!instance.equals(v.get("instance")) || excluded.contains(v.get("id"))) {
        continue;
      }
      Map<String, Object> s = new ConcurrentHashMap<>();
      String id = newId("snap-");
      Map<String, String> t = new LinkedHashMap<>();
      if ("volume".equals(p.get("CopyTagsFromSource"))) {
        t.putAll((Map<String, String>) v.get("tags"));
      }
      t.putAll(snapTags);
      s.put("id", id);
      s.put("volume", v.get("id"));
      s.put("size", v.get("size"));
      s.put("tags", t);
      s.put("start", Instant.now().toString());
      snapshots.put(id, s);
      b.append("<item><snapshotId>")
          .append(id)
          .append("</snapshotId><volumeId>")
          .append(v.get("id"))
          .append("</volumeId><state>pending</state><startTime>")
          .append(s.get("start"))
          .append("</startTime><volumeSize>")
          .append(v.get("size"))
          .append("</volumeSize>")
          .append(tagSet(s))
          .append("</item>");
    }
    return b.append("</snapshotSet>").toString();
  }

  private String describeSnapshots(Map<String, String> p) {
    StringBuilder b = new StringBuilder("<snapshotSet>");
    for (Map<String, Object> s : snapshots.values()) {
      if (!matches(s, p) || !listed(p, "SnapshotId", s)) {
        continue;
      }
      b.append("<item><snapshotId>")
          .append(s.get("id"))
          .append("</snapshotId><volumeId>")
          .append(s.get("volume"))
          .append("</volumeId><status>completed</status><startTime>")
          .append(s.get("start"))
          .append("</startTime><volumeSize>")
          .append(s.get("size"))
          .append("</volumeSize>")
          .append(tagSet(s))
          .append("</item>");
    }
    return b.append("</snapshotSet>").toString();
  }

  private String deleteSnapshot(Map<String, String> p) {
    snapshots.remove(p.get("SnapshotId"));
    return "<return>true</return>";
  }

  /**
   * True when the request names no ids of this kind ({@code SnapshotId.1}...) or names this one.
   */
  private static boolean listed(Map<String, String> p, String param, Map<String, Object> r) {
    if (!p.containsKey(param + ".1")) {
      return true;
    }
    for (int i = 1; p.containsKey(param + "." + i); i++) {
      if (p.get(param + "." + i).equals(r.get("id"))) {
        return true;
      }
    }
    return false;
  }

  private static String notFound(String code, String id) {
    throw new IllegalArgumentException(code + "|The ID '" + id + "' does not exist");
  }

  private String createSnapshot(Map<String, String> p) {
    Map<String, Object> v = volumes.get(p.get("VolumeId"));
    if (v == null) {
      return notFound("InvalidVolume.NotFound", p.get("VolumeId"));
    }
    Map<String, Object> s = new ConcurrentHashMap<>();
    String id = newId("snap-");
    s.put("id", id);
    s.put("volume", v.get("id"));
    s.put("size", v.get("size"));
    s.put("tags", new LinkedHashMap<>(tags(p, "snapshot")));
    s.put("start", Instant.now().toString());
    snapshots.put(id, s);
    return "<snapshotId>"
        + id
        + "</snapshotId><volumeId>"
        + v.get("id")
        + "</volumeId><status>pending</status><startTime>"
        + s.get("start")
        + "</startTime><volumeSize>"
        + s.get("size")
        + "</volumeSize>"
        + tagSet(s);
  }

  private String deleteVolume(Map<String, String> p) {
    Map<String, Object> v = volumes.get(p.get("VolumeId"));
    if (v == null) {
      return notFound("InvalidVolume.NotFound", p.get("VolumeId"));
    }
    if (v.get("instance") != null) {
      throw new IllegalArgumentException(
          "VolumeInUse|Volume " + v.get("id") + " is currently attached to " + v.get("instance"));
    }
    volumes.remove(p.get("VolumeId"));
    return "<return>true</return>";
  }

  private String registerImage(Map<String, String> p) {
    Map<String, Object> image = new ConcurrentHashMap<>();
    String id = newId("ami-");
    List<String[]> mappings = new ArrayList<>();
    for (int i = 1; p.containsKey("BlockDeviceMapping." + i + ".DeviceName"); i++) {
      String snap = p.get("BlockDeviceMapping." + i + ".Ebs.SnapshotId");
      if (snap != null && !snapshots.containsKey(snap)) {
        return notFound("InvalidSnapshot.NotFound", snap);
      }
      mappings.add(
          new String[] {
            p.get("BlockDeviceMapping." + i + ".DeviceName"),
            snap,
            snap == null ? "8" : String.valueOf(snapshots.get(snap).get("size"))
          });
    }
    image.put("id", id);
    image.put("name", p.get("Name"));
    image.put("bootMode", p.getOrDefault("BootMode", "legacy-bios"));
    image.put("mappings", mappings);
    image.put("tags", new LinkedHashMap<>(tags(p, "image")));
    image.put("created", Instant.now().toString());
    images.put(id, image);
    return "<imageId>" + id + "</imageId>";
  }

  @SuppressWarnings("unchecked")
  private String describeImages(Map<String, String> p) {
    StringBuilder b = new StringBuilder("<imagesSet>");
    boolean any = false;
    for (Map<String, Object> i : images.values()) {
      if (!matches(i, p) || !listed(p, "ImageId", i)) {
        continue;
      }
      any = true;
      b.append("<item><imageId>")
          .append(i.get("id"))
          .append("</imageId><name>")
          .append(i.get("name"))
          .append("</name><imageState>available</imageState><creationDate>")
          .append(i.get("created"))
          .append("</creationDate><bootMode>")
          .append(i.get("bootMode"))
          .append("</bootMode><blockDeviceMapping>");
      for (String[] m : (List<String[]>) i.get("mappings")) {
        b.append("<item><deviceName>")
            .append(m[0])
            .append("</deviceName><ebs><snapshotId>")
            .append(m[1])
            .append("</snapshotId><volumeSize>")
            .append(m[2])
            .append("</volumeSize></ebs></item>");
      }
      b.append("</blockDeviceMapping>").append(tagSet(i)).append("</item>");
    }
    if (!any && p.containsKey("ImageId.1")) {
      return notFound("InvalidAMIID.NotFound", p.get("ImageId.1"));
    }
    return b.append("</imagesSet>").toString();
  }

  private String deregisterImage(Map<String, String> p) {
    if (images.remove(p.get("ImageId")) == null) {
      return notFound("InvalidAMIID.NotFound", p.get("ImageId"));
    }
    return "<return>true</return>";
  }

  /** A launch template RunInstances can start instances through (as CreateLaunchTemplate makes). */
  public void launchTemplate(String launchTemplateId, LaunchTemplate template) {
    launchTemplates.put(launchTemplateId, template);
  }

  private String runInstances(Map<String, String> p) {
    String imageId = p.get("ImageId");
    String templateId = p.get("LaunchTemplate.LaunchTemplateId");
    if (templateId != null) {
      LaunchTemplate t = launchTemplates.get(templateId);
      if (t == null) {
        return notFound("InvalidLaunchTemplateId.NotFound", templateId);
      }
      if (t.networkInterface()
          && (p.containsKey("SubnetId") || p.containsKey("SecurityGroupId.1"))) {
        throw new IllegalArgumentException(
            "InvalidParameterCombination|Network interfaces and an instance-level subnet ID or"
                + " security groups may not be specified on the same request");
      }
      imageId = imageId != null ? imageId : t.imageId();
    }
    if (imageId == null) {
      throw new IllegalArgumentException(
          "MissingParameter|The request must contain the parameter ImageId");
    }
    if (!images.containsKey(imageId)) {
      return notFound("InvalidAMIID.NotFound", imageId);
    }
    Map<String, Object> i = new ConcurrentHashMap<>();
    String id = newId("i-");
    i.put("id", id);
    i.put("image", imageId);
    i.put("type", p.getOrDefault("InstanceType", "m1.small"));
    i.put("state", "pending");
    i.put("tags", new LinkedHashMap<>(tags(p, "instance")));
    i.put("launched", Instant.now().toString());
    i.put("params", new TreeMap<>(p));
    instances.put(id, i);
    consoles.put(id, new StringBuilder());
    return "<reservationId>r-1</reservationId><ownerId>123456789012</ownerId><instancesSet>"
        + instanceXml(i)
        + "</instancesSet>";
  }

  /** Every instance launched, in launch order. */
  public List<String> instanceIds() {
    return instances.values().stream()
        .sorted((a, b) -> ((String) a.get("id")).compareTo((String) b.get("id")))
        .map(i -> (String) i.get("id"))
        .toList();
  }

  /** The request that launched an instance, as EC2 received it. */
  @SuppressWarnings("unchecked")
  public Map<String, String> launchRequest(String instanceId) {
    return (Map<String, String>) instances.get(instanceId).get("params");
  }

  private static String instanceXml(Map<String, Object> i) {
    String state = (String) i.get("state");
    int code =
        switch (state) {
          case "pending" -> 0;
          case "running" -> 16;
          case "shutting-down" -> 32;
          default -> 48;
        };
    return "<item><instanceId>"
        + i.get("id")
        + "</instanceId><imageId>"
        + i.get("image")
        + "</imageId><instanceState><code>"
        + code
        + "</code><name>"
        + state
        + "</name></instanceState><instanceType>"
        + i.get("type")
        + "</instanceType><launchTime>"
        + i.get("launched")
        + "</launchTime><privateIpAddress>10.0.0.10</privateIpAddress>"
        + tagSet(i)
        + "</item>";
  }

  private String describeInstances(Map<String, String> p) {
    StringBuilder b = new StringBuilder("<reservationSet>");
    boolean any = false;
    for (Map<String, Object> i : instances.values()) {
      if (!matches(i, p) || !listed(p, "InstanceId", i)) {
        continue;
      }
      any = true;
      b.append("<item><reservationId>r-1</reservationId><instancesSet>")
          .append(instanceXml(i))
          .append("</instancesSet></item>");
      // State advances one step per look, as EC2's eventual transitions would.
      i.computeIfPresent(
          "state",
          (k, s) -> s.equals("pending") ? "running" : s.equals("shutting-down") ? "terminated" : s);
    }
    if (!any && p.containsKey("InstanceId.1")) {
      return notFound("InvalidInstanceID.NotFound", p.get("InstanceId.1"));
    }
    return b.append("</reservationSet>").toString();
  }

  private String terminateInstances(Map<String, String> p) {
    StringBuilder b = new StringBuilder("<instancesSet>");
    for (int n = 1; p.containsKey("InstanceId." + n); n++) {
      Map<String, Object> i = instances.get(p.get("InstanceId." + n));
      if (i == null) {
        return notFound("InvalidInstanceID.NotFound", p.get("InstanceId." + n));
      }
      if (!i.get("state").equals("terminated")) {
        i.put("state", "shutting-down");
      }
      // Attached volumes are detached (available again); the image's own go with it.
      volumes
          .values()
          .forEach(
              v -> {
                if (v.remove("instance", i.get("id"))) {
                  v.put("state", "available");
                }
              });
      b.append("<item><instanceId>")
          .append(i.get("id"))
          .append("</instanceId><currentState><code>32</code><name>shutting-down</name>")
          .append("</currentState></item>");
    }
    return b.append("</instancesSet>").toString();
  }

  private String consoleOutput(Map<String, String> p) {
    StringBuilder c = consoles.get(p.get("InstanceId"));
    if (c == null) {
      return notFound("InvalidInstanceID.NotFound", p.get("InstanceId"));
    }
    return "<instanceId>"
        + p.get("InstanceId")
        + "</instanceId><timestamp>"
        + Instant.now()
        + "</timestamp><output>"
        + java.util.Base64.getEncoder()
            .encodeToString(c.toString().getBytes(StandardCharsets.ISO_8859_1))
        + "</output>";
  }

  @SuppressWarnings("unchecked")
  private String createTags(Map<String, String> p) {
    for (int r = 1; p.containsKey("ResourceId." + r); r++) {
      Map<String, Object> res = resource(p.get("ResourceId." + r));
      for (int t = 1; p.containsKey("Tag." + t + ".Key"); t++) {
        ((Map<String, String>) res.get("tags"))
            .put(p.get("Tag." + t + ".Key"), p.getOrDefault("Tag." + t + ".Value", ""));
      }
    }
    return "<return>true</return>";
  }

  @SuppressWarnings("unchecked")
  private String deleteTags(Map<String, String> p) {
    for (int r = 1; p.containsKey("ResourceId." + r); r++) {
      Map<String, Object> res = resource(p.get("ResourceId." + r));
      for (int t = 1; p.containsKey("Tag." + t + ".Key"); t++) {
        ((Map<String, String>) res.get("tags")).remove(p.get("Tag." + t + ".Key"));
      }
    }
    return "<return>true</return>";
  }

  private Map<String, Object> resource(String id) {
    for (Map<String, Map<String, Object>> kind : List.of(volumes, snapshots, images, instances)) {
      if (kind.containsKey(id)) {
        return kind.get(id);
      }
    }
    throw new IllegalArgumentException("InvalidID|The ID '" + id + "' is not valid");
  }

  private static void error(HttpExchange x, int status, String code, String message)
      throws IOException {
    reply(
        x,
        status,
        "<Response><Errors><Error><Code>"
            + code
            + "</Code><Message>"
            + message
            + "</Message></Error></Errors><RequestID>fake</RequestID></Response>");
  }

  private static void reply(HttpExchange x, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
    x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      x.getResponseBody().write(b);
    }
    x.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
