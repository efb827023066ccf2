package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The launch template and role of the ephemeral conversion servers, which the control plane starts
 * for a launch (with {@link #grantLaunch}) and which terminate when their conversion is done.
 */
public final class ConversionServer extends Construct {
  private final LaunchTemplate launchTemplate;
  private final Role role;
  private final String installation;

  public ConversionServer(Construct scope, String id, ConversionServerProps props) {
    super(scope, id);
    String c = "ConversionServer";
    Checks.required(props, c, "props");
    StagingArea staging = Checks.required(props.getStaging(), c, "staging");
    ControlPlane cp = Checks.required(props.getControlPlane(), c, "controlPlane");
    SoftwareBucket bucket = Checks.required(props.getSoftwareBucket(), c, "softwareBucket");
    Checks.required(props.getMachineImage(), c, "machineImage");
    String type = Checks.instanceType(props.getInstanceType(), c, "instanceType");
    Checks.positive(props.getRootVolumeSizeGiB(), c, "rootVolumeSizeGiB");
    installation = staging.getInstallation();

    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .description("liftshift conversion servers")
            .build();
    ServerBoot.grantStagingVolumes(role, installation);
    bucket.grantSoftwareRead(role);
    bucket.grantStateWrite(role);
    cp.getInstallTokenSecret().grantRead(role);
    cp.getInstallationCaSecret().grantRead(role);
    Nag.suppress(
        role,
        "AwsSolutions-IAM5",
        "Volume and snapshot ARNs end in * because their ids are made at run time; each statement"
            + " is conditioned on the liftshift:installation tag. Describe calls support no"
            + " resource scoping. Bucket access is limited to the software/ and state/ prefixes.",
        List.of(
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:snapshot/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*",
            "Resource::*"));

    // Each conversion server gets its one job (control plane, one-time token, CA pin) as user data
    // from the launch that starts it (RunInstances replaces this); on its own it does nothing.
    UserData userData = UserData.forLinux();
    userData.addCommands(
        "# liftshift conversion server: the launch passes 'liftshift converter --control-plane"
            + " ... --job-token ... --ca-fingerprint ...' as this instance's user data",
        "true");
    launchTemplate =
        LaunchTemplate.Builder.create(this, "LaunchTemplate")
            .instanceType(new InstanceType(type))
            .machineImage(props.getMachineImage())
            .userData(userData)
            .role(role)
            .securityGroup(staging.getConversionServerSecurityGroup())
            // PUBLIC_IP staging subnets have no NAT: the address is how it reaches AWS APIs.
            .associatePublicIpAddress(staging.isPublicDataPlane())
            .requireImdsv2(true)
            .httpPutResponseHopLimit(1)
            .detailedMonitoring(true)
            .blockDevices(List.of(ServerBoot.encryptedRoot(props.getRootVolumeSizeGiB())))
            .build();
    Tags.of(this).add(StagingArea.INSTALLATION_TAG, installation);
  }

  /**
   * Lets {@code launcher} (the control plane's role) start conversion servers from this template,
   * tagged with the installation, and terminate only those.
   *
   * <p>The statements live in a policy of their own: the template's user data names the control
   * plane's address, so putting them in the control plane role's default policy, which its instance
   * waits for, would make a dependency cycle.
   */
  public void grantLaunch(IRole launcher) {
    String prefix = "arn:" + Aws.PARTITION + ":ec2:" + Aws.REGION + ":";
    String own = prefix + Aws.ACCOUNT_ID + ":";
    String tag = StagingArea.INSTALLATION_TAG;
    Policy policy =
        Policy.Builder.create(this, "LaunchPolicy")
            .statements(
                List.of(
                    PolicyStatement.Builder.create()
                        .actions(List.of("ec2:RunInstances"))
                        .resources(
                            List.of(
                                own + "launch-template/" + launchTemplate.getLaunchTemplateId(),
                                own + "subnet/*",
                                own + "security-group/*",
                                own + "network-interface/*",
                                prefix + ":image/*"))
                        .build(),
                    PolicyStatement.Builder.create()
                        .actions(List.of("ec2:RunInstances", "ec2:CreateTags"))
                        .resources(List.of(own + "instance/*", own + "volume/*"))
                        .conditions(
                            Map.of("StringEquals", Map.of("aws:RequestTag/" + tag, installation)))
                        .build(),
                    PolicyStatement.Builder.create()
                        .actions(List.of("ec2:TerminateInstances"))
                        .resources(List.of(own + "instance/*"))
                        .conditions(
                            Map.of("StringEquals", Map.of("aws:ResourceTag/" + tag, installation)))
                        .build(),
                    PolicyStatement.Builder.create()
                        .actions(List.of("iam:PassRole"))
                        .resources(List.of(role.getRoleArn()))
                        .build()))
            .build();
    policy.attachToRole(launcher);
    Nag.suppress(
        policy,
        "AwsSolutions-IAM5",
        "RunInstances needs the subnet, security group, network interface and image it uses, whose"
            + " ids are chosen at launch; new instances and volumes must carry the installation tag"
            + " and only tagged instances can be terminated.",
        List.of(
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*"));
  }

  public LaunchTemplate getLaunchTemplate() {
    return launchTemplate;
  }

  public Role getRole() {
    return role;
  }
}
