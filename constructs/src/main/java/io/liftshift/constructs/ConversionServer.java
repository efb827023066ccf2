package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.ec2.CfnLaunchTemplate;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The launch template and role of the ephemeral conversion servers. The control plane starts each
 * through the template with its one job as user data (pass this construct as {@link
 * ControlPlaneProps.Builder#conversionServer}), and terminates it when the conversion is done.
 *
 * <p>The template names everything but the job: the converter image, instance type, instance
 * profile, the first staging subnet with the conversion servers' security group, IMDSv2 and an
 * encrypted root volume.
 */
public final class ConversionServer extends Construct {
  private final LaunchTemplate launchTemplate;
  private final Role role;
  private final String installation;
  private final StagingArea staging;
  private final String imageId;

  public ConversionServer(Construct scope, String id, ConversionServerProps props) {
    super(scope, id);
    String c = "ConversionServer";
    Checks.required(props, c, "props");
    staging = Checks.required(props.getStaging(), c, "staging");
    Checks.required(props.getMachineImage(), c, "machineImage");
    String type = Checks.instanceType(props.getInstanceType(), c, "instanceType");
    Checks.positive(props.getRootVolumeSizeGiB(), c, "rootVolumeSizeGiB");
    installation = staging.getInstallation();

    role =
        Role.Builder.create(this, "Role")
            .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
            .description("liftshift conversion servers")
            .build();
    // No policy: the converter calls no AWS API. Its volumes are attached by the control plane and
    // found by their NVMe serials; its job and report go to the control plane over 443.

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
            .requireImdsv2(true)
            .httpPutResponseHopLimit(1)
            .detailedMonitoring(true)
            .blockDevices(List.of(ServerBoot.encryptedRoot(props.getRootVolumeSizeGiB())))
            .build();
    // The subnet belongs in the template's network interface, which the L2 does not expose. It is
    // the control plane's: launch volumes are made in the control plane's availability zone.
    // EC2 then refuses a subnet or security groups in RunInstances, so launches give neither.
    CfnLaunchTemplate cfn = (CfnLaunchTemplate) launchTemplate.getNode().getDefaultChild();
    cfn.addPropertyOverride(
        "LaunchTemplateData.NetworkInterfaces",
        List.of(
            // Sorted: Map.of's order changes from one JVM to the next, and so would the template.
            new TreeMap<>(
                Map.of(
                    "DeviceIndex",
                    0,
                    "SubnetId",
                    staging.getFirstStagingSubnet().getSubnetId(),
                    "Groups",
                    List.of(staging.getConversionServerSecurityGroup().getSecurityGroupId()),
                    // PUBLIC_IP staging subnets have no NAT: the address is how it reaches AWS
                    // APIs.
                    "AssociatePublicIpAddress",
                    staging.isPublicDataPlane()))));
    imageId = props.getMachineImage().getImage(this).getImageId();
    Tags.of(this).add(StagingArea.INSTALLATION_TAG, installation);
  }

  public LaunchTemplate getLaunchTemplate() {
    return launchTemplate;
  }

  /** The role of conversion servers, which whoever launches them must be allowed to pass. */
  public Role getRole() {
    return role;
  }

  /** The converter image's AMI id, which launches through the template boot. */
  public String getImageId() {
    return imageId;
  }

  public String getInstallation() {
    return installation;
  }

  StagingArea getStaging() {
    return staging;
  }
}
