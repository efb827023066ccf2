package io.liftshift.constructs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.customresources.LogOptions;
import software.amazon.awscdk.customresources.Provider;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.constructs.Construct;

/**
 * A CloudFormation custom resource that performs one migration step on the liftshift control plane:
 * StartTest, StartCutover or FinalizeCutover for a list of source servers or a wave. Its handler
 * waits for the launch job through the Provider framework's isComplete, so a {@code cdk deploy}
 * that changes the launch performs that step, and fails with the job's log when the launch fails or
 * outlives {@code timeout}.
 *
 * <p>Deleting the resource does nothing on the control plane: launched instances stay. Nor does a
 * rollback start anything: the handler reads its stack's status (DescribeStacks on this stack only)
 * and launches only while the stack is created or updated, and an Update back to an older step for
 * the same servers changes nothing and says so.
 */
public final class MigrationLaunch extends Construct {
  /** The resource type in templates. */
  public static final String RESOURCE_TYPE = "Custom::LiftshiftLaunch";

  private static final String ASSET_RESOURCE = "io/liftshift/constructs/launch/lambda";

  /**
   * The handler's class, by name: it lives in the Lambda asset only (module
   * liftshift-launch-handler, a provided dependency), never on the classpath of an app that uses
   * these constructs.
   */
  static final String HANDLER_CLASS = "io.liftshift.constructs.launch.handler.LaunchHandler";

  private static final Pattern SOURCE_SERVER_ID = Pattern.compile("s-[0-9a-zA-Z]{17}");
  private static final Duration MAX_TIMEOUT = Duration.hours(2);

  private final CustomResource resource;

  public MigrationLaunch(Construct scope, String id, MigrationLaunchProps props) {
    super(scope, id);
    String c = "MigrationLaunch";
    Checks.required(props, c, "props");
    String endpoint = Checks.required(props.getEndpoint(), c, "endpoint");
    if (!Token.isUnresolved(endpoint) && !endpoint.startsWith("https://")) {
      throw new IllegalArgumentException(
          c + ": endpoint must be the control plane's https://HOST:PORT; got " + endpoint);
    }
    String fingerprint = Checks.required(props.getCaFingerprint(), c, "caFingerprint");
    if (!Token.isUnresolved(fingerprint) && !fingerprint.matches("sha256:[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException(
          c
              + ": caFingerprint must be sha256: and 64 hex digits (the control plane's"
              + " CaFingerprintParameter holds it); got "
              + fingerprint);
    }
    Checks.required(props.getOperatorKeySecret(), c, "operatorKeySecret");
    String launchStep = launchStep(props, c);
    boolean byWave = props.getWaveId() != null;
    // Targets known only at deploy time (parameters) are checked by the handler, which is given
    // both and ignores blanks.
    boolean deployTimeTargets =
        Token.isUnresolved(props.getSourceServerIds())
            || byWave && Token.isUnresolved(props.getWaveId());
    if (!deployTimeTargets && props.getSourceServerIds().isEmpty() == !byWave) {
      throw new IllegalArgumentException(
          c + ": give either sourceServerIds or waveId, not both or neither");
    }
    for (String s : deployTimeTargets ? List.<String>of() : props.getSourceServerIds()) {
      if (!SOURCE_SERVER_ID.matcher(s).matches()) {
        throw new IllegalArgumentException(
            c
                + ": sourceServerIds holds '"
                + s
                + "', which is not a source server id (s- and 17 characters)");
      }
    }
    Duration timeout = props.getTimeout() == null ? MAX_TIMEOUT : props.getTimeout();
    if (timeout.toSeconds().doubleValue() > MAX_TIMEOUT.toSeconds().doubleValue()
        || timeout.toSeconds().doubleValue() <= 0) {
      throw new IllegalArgumentException(
          c + ": timeout must be more than 0 and at most 2 hours; got " + timeout.toHumanString());
    }
    Duration interval =
        props.getQueryInterval() == null ? Duration.seconds(30) : props.getQueryInterval();

    Code code = props.getHandlerCode() != null ? props.getHandlerCode() : handlerCode();
    Function onEvent = handler("OnEvent", "onEvent", code, props, Duration.minutes(2));
    Function isComplete = handler("IsComplete", "isComplete", code, props, Duration.minutes(2));
    // onEvent reads its own stack's status, so that a rollback never starts a launch.
    onEvent.addToRolePolicy(
        PolicyStatement.Builder.create()
            .sid("ReadOwnStackStatus")
            .actions(List.of("cloudformation:DescribeStacks"))
            .resources(List.of(Stack.of(this).getStackId()))
            .build());
    LogGroup waiterLogs =
        LogGroup.Builder.create(this, "WaiterLogs").retention(RetentionDays.ONE_YEAR).build();
    Provider provider =
        Provider.Builder.create(this, "Provider")
            .onEventHandler(onEvent)
            .isCompleteHandler(isComplete)
            .disableWaiterStateMachineLogging(false)
            .queryInterval(interval)
            .totalTimeout(timeout)
            .waiterStateMachineLogOptions(
                LogOptions.builder().destination(waiterLogs).level(LogLevel.ALL).build())
            .build();
    Nag.suppress(
        provider,
        "AwsSolutions-IAM4",
        "CDK's Provider framework gives its own Lambdas AWSLambdaBasicExecutionRole, which only"
            + " writes their logs.",
        List.of(
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
    Nag.suppress(
        provider,
        "AwsSolutions-IAM5",
        "CDK's Provider framework and its waiter may invoke every version of their own functions"
            + " and of the two handlers (each ARN with :*). The waiter's Resource::* is CloudWatch"
            + " Logs' log-delivery actions, which have no resource type.",
        List.of(Nag.regex("/^Resource::<[A-Za-z0-9]+\\.Arn>:\\*$/"), "Resource::*"));
    Nag.suppress(
        provider,
        "AwsSolutions-L1",
        "The Provider framework's own Node.js functions; CDK picks and updates their runtime.");
    Nag.suppress(
        provider,
        "AwsSolutions-SF2",
        "The Provider framework's waiter state machine only loops over isComplete; its log group"
            + " records every step, X-Ray would add nothing.");

    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("Endpoint", endpoint);
    properties.put("CaFingerprint", fingerprint);
    properties.put(
        "Region",
        props.getSigningRegion() != null ? props.getSigningRegion() : Stack.of(this).getRegion());
    properties.put("OperatorKeySecretArn", props.getOperatorKeySecret().getSecretArn());
    properties.put("Launch", launchStep);
    if (byWave) {
      properties.put("WaveID", props.getWaveId());
    }
    if (!byWave || deployTimeTargets) {
      properties.put("SourceServerIDs", props.getSourceServerIds());
    }
    if (!props.getLaunchTemplates().isEmpty()) {
      properties.put("LaunchTemplates", props.getLaunchTemplates());
    }
    properties.put("TimeoutSeconds", Long.toString(timeout.toSeconds().longValue()));
    resource =
        CustomResource.Builder.create(this, "Resource")
            .serviceToken(provider.getServiceToken())
            .resourceType(RESOURCE_TYPE)
            .properties(properties)
            .build();
  }

  /** The {@code Launch} property: {@code launch}'s value, or {@code launchStep} checked. */
  private static String launchStep(MigrationLaunchProps props, String c) {
    String step = props.getLaunchStep();
    if ((props.getLaunch() == null) == (step == null)) {
      throw new IllegalArgumentException(
          c + ": give either launch (a LaunchKind) or launchStep (its text), not both or neither");
    }
    if (step == null) {
      return props.getLaunch().propertyValue();
    }
    if (Token.isUnresolved(step)) {
      return step;
    }
    try {
      return LaunchKind.parse(step).propertyValue();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(c + ": launchStep: " + e.getMessage(), e);
    }
  }

  private Function handler(
      String id, String method, Code code, MigrationLaunchProps props, Duration timeout) {
    Function.Builder b =
        Function.Builder.create(this, id)
            .runtime(Runtime.JAVA_17)
            .architecture(Architecture.X86_64)
            .handler(HANDLER_CLASS + "::" + method)
            .code(code)
            .memorySize(512)
            .timeout(timeout)
            .description("liftshift MigrationLaunch " + method);
    StagingArea staging = props.getStaging();
    if (staging != null) {
      b.vpc(staging.getVpc())
          .vpcSubnets(staging.getStagingSubnets())
          .securityGroups(List.of(staging.getOperatorSecurityGroup()));
    }
    Function f = b.build();
    props.getOperatorKeySecret().grantRead(f);
    Nag.suppress(
        f,
        "AwsSolutions-IAM4",
        "AWSLambdaBasicExecutionRole (logs) and, in a VPC, AWSLambdaVPCAccessExecutionRole (its"
            + " network interfaces) are the minimum Lambda needs.",
        List.of(
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"));
    Nag.suppress(
        f,
        "AwsSolutions-L1",
        "liftshift targets Java 17 (the build's release level); the handler runs on the matching"
            + " Lambda runtime.");
    return f;
  }

  /**
   * The handler built into this library: its classes, the trust module's and the AWS SDK's jars,
   * laid out as Lambda expects (classes at the root, jars in lib/). Read from the classpath, and
   * unpacked to a temporary directory when the library is a jar; the asset is hashed by content, so
   * the template does not depend on where that is.
   */
  public static Code handlerCode() {
    URL url = MigrationLaunch.class.getClassLoader().getResource(ASSET_RESOURCE);
    if (url == null) {
      throw new IllegalStateException(
          "the MigrationLaunch handler asset "
              + ASSET_RESOURCE
              + " is not on the classpath: build liftshift-constructs with Maven (it assembles the"
              + " asset in process-classes)");
    }
    try {
      if ("file".equals(url.getProtocol())) {
        return Code.fromAsset(Path.of(url.toURI()).toString());
      }
      if ("jar".equals(url.getProtocol())) {
        return Code.fromAsset(unpacked(url).toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("cannot read the handler asset from " + url);
  }

  private static Path unpackedAsset;

  /**
   * Unpacks once per JVM; synth copies the asset into the cloud assembly, so the directory is
   * removed when the JVM exits.
   */
  private static synchronized Path unpacked(URL url) throws IOException {
    if (unpackedAsset == null) {
      Path dir = unpack((JarURLConnection) url.openConnection());
      java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      unpackedAsset = dir;
    }
    return unpackedAsset;
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: it is a temporary directory.
    }
  }

  private static Path unpack(JarURLConnection connection) throws IOException {
    connection.setUseCaches(false);
    Path dir = Files.createTempDirectory("liftshift-launch-handler");
    String prefix = ASSET_RESOURCE + "/";
    try (JarFile jar = connection.getJarFile()) {
      for (JarEntry e : java.util.Collections.list(jar.entries())) {
        if (!e.getName().startsWith(prefix) || e.isDirectory()) {
          continue;
        }
        Path target = dir.resolve(e.getName().substring(prefix.length())).normalize();
        if (!target.startsWith(dir)) {
          throw new IOException("unexpected entry " + e.getName());
        }
        Files.createDirectories(target.getParent());
        try (InputStream in = jar.getInputStream(e)) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return dir;
  }

  public CustomResource getResource() {
    return resource;
  }

  /** The launch job's id ({@code mgnjob-...}); for FINALIZE, an id of the step. */
  public String getJobId() {
    return resource.getRef();
  }
}
