package io.liftshift.constructs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.MachineImageConfig;
import software.amazon.awscdk.services.ec2.OperatingSystemType;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.iam.CfnInstanceProfile;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.imagebuilder.CfnComponent;
import software.amazon.awscdk.services.imagebuilder.CfnImage;
import software.amazon.awscdk.services.imagebuilder.CfnImageRecipe;
import software.amazon.awscdk.services.imagebuilder.CfnInfrastructureConfiguration;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.constructs.Construct;

/**
 * An EC2 Image Builder pipeline that bakes the build's liftshift jar and a Java 17 runtime into an
 * AMI for one role. The AMI is built while the stack deploys ({@code AWS::ImageBuilder::Image}).
 *
 * <p>To use an existing AMI instead, skip this construct and pass {@link #fromAmiId} or {@link
 * #fromSsmParameter} wherever an {@link IMachineImage} is asked for.
 */
public final class DaemonImage extends Construct {
  /** Where the images install the jar; the {@code liftshift} command on the PATH runs it. */
  public static final String JAR_PATH = "/opt/liftshift/liftshift.jar";

  private final CfnImage image;
  private final Role buildRole;

  public DaemonImage(Construct scope, String id, DaemonImageProps props) {
    super(scope, id);
    String c = "DaemonImage";
    Checks.required(props, c, "props");
    DaemonRole role = Checks.required(props.getRole(), c, "role");
    String jar = Checks.required(props.getLiftshiftJar(), c, "liftshiftJar");
    StagingArea staging = Checks.required(props.getStaging(), c, "staging");
    String buildInstanceType =
        Checks.instanceType(props.getBuildInstanceType(), c, "buildInstanceType");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalArgumentException(
          c
              + ": liftshiftJar "
              + jar
              + " does not exist: build it first (mvn -B -pl cli -am package -DskipTests), or"
              + " give the image by id with DaemonImage.fromAmiId");
    }
    Asset software = Asset.Builder.create(this, "Jar").path(jar).build();
    // Components and recipes are immutable in Image Builder: a new jar needs new names.
    String version = software.getAssetHash().substring(0, 12);
    String name = staging.getInstallation() + "-" + role.slug() + "-" + version;

    buildRole =
        Role.Builder.create(this, "BuildRole")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .managedPolicies(
                List.of(
                    ManagedPolicy.fromAwsManagedPolicyName("EC2InstanceProfileForImageBuilder"),
                    ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")))
            .build();
    Nag.suppress(
        buildRole,
        "AwsSolutions-IAM4",
        "Image Builder's build agent needs EC2InstanceProfileForImageBuilder and SSM's managed"
            + " instance policy on the build instance; the instance lives only while the AMI bakes.",
        List.of(
            "Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"));
    software.grantRead(buildRole);
    Nag.suppress(
        buildRole,
        "AwsSolutions-IAM5",
        "Read access to the CDK asset that holds the jar: the bootstrap bucket's objects, with the"
            + " wildcard actions of CDK's read grant.",
        List.of(
            Nag.regex("/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-.*\\/\\*$/"),
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*"));
    CfnInstanceProfile profile =
        CfnInstanceProfile.Builder.create(this, "BuildProfile")
            .roles(List.of(buildRole.getRoleName()))
            .build();
    SecurityGroup buildGroup =
        SecurityGroup.Builder.create(this, "BuildSecurityGroup")
            .vpc(staging.getVpc())
            .description("liftshift image build: no inbound; 443 out for packages and AWS APIs")
            .allowAllOutbound(false)
            .build();
    buildGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "packages, S3 and SSM");

    CfnComponent component =
        CfnComponent.Builder.create(this, "Component")
            .name(name)
            .version("1.0.0")
            .platform("Linux")
            .description("liftshift " + role.slug() + ": Java 17 and the liftshift jar")
            .data(componentDocument(role, software.getS3ObjectUrl()))
            .build();
    CfnImageRecipe recipe =
        CfnImageRecipe.Builder.create(this, "Recipe")
            .name(name)
            .version("1.0.0")
            .parentImage(props.getParentImage())
            .components(
                List.of(
                    CfnImageRecipe.ComponentConfigurationProperty.builder()
                        .componentArn(component.getAttrArn())
                        .build()))
            .blockDeviceMappings(
                List.of(
                    CfnImageRecipe.InstanceBlockDeviceMappingProperty.builder()
                        .deviceName("/dev/xvda")
                        .ebs(
                            CfnImageRecipe.EbsInstanceBlockDeviceSpecificationProperty.builder()
                                .encrypted(true)
                                .volumeType("gp3")
                                .volumeSize(8)
                                .deleteOnTermination(true)
                                .build())
                        .build()))
            .build();
    CfnInfrastructureConfiguration infrastructure =
        CfnInfrastructureConfiguration.Builder.create(this, "Infrastructure")
            .name(name)
            .instanceProfileName(profile.getRef())
            .instanceTypes(List.of(buildInstanceType))
            .subnetId(staging.getFirstStagingSubnet().getSubnetId())
            .securityGroupIds(List.of(buildGroup.getSecurityGroupId()))
            .terminateInstanceOnFailure(true)
            .instanceMetadataOptions(
                CfnInfrastructureConfiguration.InstanceMetadataOptionsProperty.builder()
                    .httpTokens("required")
                    .httpPutResponseHopLimit(1)
                    .build())
            .build();
    image =
        CfnImage.Builder.create(this, "Image")
            .imageRecipeArn(recipe.getAttrArn())
            .infrastructureConfigurationArn(infrastructure.getAttrArn())
            .enhancedImageMetadataEnabled(true)
            .build();
  }

  private static String componentDocument(DaemonRole role, String jarUrl) {
    return String.join(
        "\n",
        "name: liftshift-" + role.slug(),
        "schemaVersion: 1.0",
        "phases:",
        "  - name: build",
        "    steps:",
        "      - name: InstallJava",
        "        action: ExecuteBash",
        "        inputs:",
        "          commands:",
        "            - dnf install -y java-17-amazon-corretto-headless",
        "      - name: DownloadLiftshift",
        "        action: S3Download",
        "        inputs:",
        "          - source: " + jarUrl,
        "            destination: " + JAR_PATH,
        "      - name: InstallCommand",
        "        action: ExecuteBash",
        "        inputs:",
        "          commands:",
        "            - printf '#!/bin/sh\\nexec java -jar "
            + JAR_PATH
            + " \"$@\"\\n' > /usr/local/bin/liftshift",
        "            - chmod 755 /usr/local/bin/liftshift",
        "            - mkdir -p /etc/liftshift",
        "            - echo " + role.slug() + " > /etc/liftshift/role",
        "  - name: validate",
        "    steps:",
        "      - name: Runs",
        "        action: ExecuteBash",
        "        inputs:",
        "          commands:",
        "            - /usr/local/bin/liftshift --help > /dev/null",
        "");
  }

  /** The AMI this construct bakes. */
  public IMachineImage getMachineImage() {
    return new BakedImage(image.getAttrImageId());
  }

  /** The role of the build instance, for further grants. */
  public Role getBuildRole() {
    return buildRole;
  }

  /** An AMI baked elsewhere, by id. */
  public static IMachineImage fromAmiId(String amiId) {
    return new BakedImage(amiId);
  }

  /** An AMI whose id an SSM parameter holds, resolved at deploy time. */
  public static IMachineImage fromSsmParameter(String parameterName) {
    return MachineImage.resolveSsmParameterAtLaunch(parameterName);
  }

  /** A Linux AMI by id or token, so that a baked image's id needs no lookup at synth. */
  private static final class BakedImage implements IMachineImage {
    private final String imageId;

    BakedImage(String imageId) {
      this.imageId = imageId;
    }

    @Override
    public MachineImageConfig getImage(Construct scope) {
      return MachineImageConfig.builder()
          .imageId(imageId)
          .osType(OperatingSystemType.LINUX)
          .userData(UserData.forLinux())
          .build();
    }
  }
}
