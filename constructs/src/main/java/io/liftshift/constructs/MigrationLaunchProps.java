package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.secretsmanager.ISecret;

/** Props of {@link MigrationLaunch}. */
// @default is aws-cdk's tag for a prop's default; its readers look for it.
@SuppressWarnings("InvalidBlockTag")
public final class MigrationLaunchProps {
  private final String endpoint;
  private final String caFingerprint;
  private final ISecret operatorKeySecret;
  private final StagingArea staging;
  private final LaunchKind launch;
  private final String launchStep;
  private final List<String> sourceServerIds;
  private final String waveId;
  private final Map<String, String> launchTemplates;
  private final Duration timeout;
  private final Duration queryInterval;
  private final String signingRegion;
  private final Code handlerCode;

  private MigrationLaunchProps(Builder b) {
    endpoint = b.endpoint;
    caFingerprint = b.caFingerprint;
    operatorKeySecret = b.operatorKeySecret;
    staging = b.staging;
    launch = b.launch;
    launchStep = b.launchStep;
    sourceServerIds = b.sourceServerIds == null ? List.of() : List.copyOf(b.sourceServerIds);
    waveId = b.waveId;
    launchTemplates = b.launchTemplates == null ? Map.of() : Map.copyOf(b.launchTemplates);
    timeout = b.timeout;
    queryInterval = b.queryInterval;
    signingRegion = b.signingRegion;
    handlerCode = b.handlerCode;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String getEndpoint() {
    return endpoint;
  }

  public String getCaFingerprint() {
    return caFingerprint;
  }

  public ISecret getOperatorKeySecret() {
    return operatorKeySecret;
  }

  public StagingArea getStaging() {
    return staging;
  }

  public LaunchKind getLaunch() {
    return launch;
  }

  public String getLaunchStep() {
    return launchStep;
  }

  public List<String> getSourceServerIds() {
    return sourceServerIds;
  }

  public String getWaveId() {
    return waveId;
  }

  public Map<String, String> getLaunchTemplates() {
    return launchTemplates;
  }

  public Duration getTimeout() {
    return timeout;
  }

  public Duration getQueryInterval() {
    return queryInterval;
  }

  public String getSigningRegion() {
    return signingRegion;
  }

  public Code getHandlerCode() {
    return handlerCode;
  }

  /** Builds {@link MigrationLaunchProps}. */
  public static final class Builder {
    private String endpoint;
    private String caFingerprint;
    private ISecret operatorKeySecret;
    private StagingArea staging;
    private LaunchKind launch;
    private String launchStep;
    private List<String> sourceServerIds;
    private String waveId;
    private Map<String, String> launchTemplates;
    private Duration timeout = Duration.hours(2);
    private Duration queryInterval = Duration.seconds(30);
    private String signingRegion;
    private Code handlerCode;

    private Builder() {}

    /** The control plane's {@code https://HOST:PORT} (required). */
    public Builder endpoint(String value) {
      endpoint = value;
      return this;
    }

    /**
     * The installation CA's fingerprint, {@code sha256:} and 64 hex digits (required): the handler
     * trusts no other certificate.
     */
    public Builder caFingerprint(String value) {
      caFingerprint = value;
      return this;
    }

    /** Secret with the operator key JSON (required), such as the ControlPlane's. */
    public Builder operatorKeySecret(ISecret value) {
      operatorKeySecret = value;
      return this;
    }

    /**
     * The staging area whose VPC the handler runs in, with its operator security group.
     *
     * @default the handler runs outside any VPC and needs a reachable endpoint
     */
    public Builder staging(StagingArea value) {
      staging = value;
      return this;
    }

    /** TEST, CUTOVER or FINALIZE (this or {@code launchStep} is required). */
    public Builder launch(LaunchKind value) {
      launch = value;
      return this;
    }

    /**
     * The step as text, {@code test}, {@code cutover} or {@code finalize}, instead of {@code
     * launch}: for a value known only at deploy time, such as a {@code CfnParameter}'s.
     *
     * @default none; give this or {@code launch}
     */
    public Builder launchStep(String value) {
      launchStep = value;
      return this;
    }

    /**
     * The servers to launch. A list token (such as a {@code CommaDelimitedList} parameter's value)
     * is passed as it is, with {@code waveId}; the handler refuses both or neither at deploy time
     * and ignores blank entries.
     *
     * @default none; give these or {@code waveId}
     */
    public Builder sourceServerIds(List<String> value) {
      sourceServerIds = value;
      return this;
    }

    /**
     * A wave whose servers to launch, instead of {@code sourceServerIds}.
     *
     * @default none
     */
    public Builder waveId(String value) {
      waveId = value;
      return this;
    }

    /**
     * Source server id to the EC2 launch template its launch uses (see {@link
     * SourceServerLaunchSettings#launchTemplateIds}).
     *
     * @default none: the control plane's own launch configuration
     */
    public Builder launchTemplates(Map<String, String> value) {
      launchTemplates = value;
      return this;
    }

    /**
     * How long a launch job may run before the deployment fails with its log. At most 2 hours,
     * CloudFormation's limit for the Provider framework.
     *
     * @default 2 hours
     */
    public Builder timeout(Duration value) {
      timeout = value;
      return this;
    }

    /**
     * How often the job is polled.
     *
     * @default 30 seconds
     */
    public Builder queryInterval(Duration value) {
      queryInterval = value;
      return this;
    }

    /**
     * The region the control plane checks signatures for ({@code --region}).
     *
     * @default the stack's region
     */
    public Builder signingRegion(String value) {
      signingRegion = value;
      return this;
    }

    /**
     * The handler's Lambda code.
     *
     * @default the handler built into this library ({@link MigrationLaunch#handlerCode()})
     */
    public Builder handlerCode(Code value) {
      handlerCode = value;
      return this;
    }

    public MigrationLaunchProps build() {
      return new MigrationLaunchProps(this);
    }
  }
}
