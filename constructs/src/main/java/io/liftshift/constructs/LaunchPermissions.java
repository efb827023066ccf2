package io.liftshift.constructs;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/**
 * The EC2 rights of the control plane's launch backend (AwsLaunchCloud), limited to the
 * installation: what it creates must carry the installation tag in the creating call, what it uses
 * or deletes must already carry it.
 *
 * <p>A launch makes volumes from the installation's snapshots, starts a conversion server through
 * the {@link ConversionServer}'s launch template with them attached, terminates it, snapshots the
 * converted volumes, registers an AMI of them and deletes the volumes; then starts the target
 * through its source server's launch template and reads its console; a cutover may instead promote
 * the test instance by re-tagging it. Snapshot sets are held by {@code liftshift:hold:*} tags.
 * Terminating a target deregisters its AMI and deletes its snapshots.
 */
final class LaunchPermissions {
  /** The tag keys of snapshot holds (AwsSnapshots' TAG_HOLD_PREFIX). */
  static final String HOLD_TAGS = "liftshift:hold:*";

  /** The tags a promoted test instance gets as the cutover's (LaunchRunner). */
  static final List<String> PROMOTION_TAGS = List.of("liftshift:launch", "liftshift:job");

  private LaunchPermissions() {}

  /** An ARN of this account's EC2 resources of {@code type}. */
  private static String own(String type) {
    return "arn:" + Aws.PARTITION + ":ec2:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":" + type;
  }

  /** Snapshot and image ARNs name no account. */
  private static String unowned(String type) {
    return "arn:" + Aws.PARTITION + ":ec2:" + Aws.REGION + "::" + type;
  }

  static void grant(Role role, String installation, ConversionServer conversion, IVpc vpc) {
    String tag = StagingArea.INSTALLATION_TAG;
    Map<String, Object> requestTag =
        Map.of("StringEquals", Map.of("aws:RequestTag/" + tag, installation));
    Map<String, Object> resourceTag =
        Map.of("StringEquals", Map.of("aws:ResourceTag/" + tag, installation));
    List<String> created =
        List.of(own("volume/*"), unowned("snapshot/*"), unowned("image/*"), own("instance/*"));

    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchCreatesOnlyTagged")
            .actions(
                List.of(
                    "ec2:CreateVolume",
                    "ec2:CreateSnapshot",
                    "ec2:RegisterImage",
                    "ec2:RunInstances"))
            .resources(created)
            .conditions(requestTag)
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchTagsOnlyWhileCreating")
            .actions(List.of("ec2:CreateTags"))
            .resources(created)
            .conditions(
                Map.of(
                    "StringEquals",
                    new TreeMap<>(
                        Map.of(
                            "ec2:CreateAction",
                            List.of(
                                "CreateVolume", "CreateSnapshot", "RegisterImage", "RunInstances"),
                            "aws:RequestTag/" + tag,
                            installation))))
            .build());
    // The sources of creating calls (a snapshot for a volume, a volume for a snapshot, snapshots
    // for an image, a target's image) and everything later used or deleted.
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchUsesOnlyTagged")
            .actions(
                List.of(
                    "ec2:CreateVolume",
                    "ec2:CreateSnapshot",
                    "ec2:RegisterImage",
                    "ec2:RunInstances",
                    "ec2:AttachVolume",
                    "ec2:DeleteVolume",
                    "ec2:DeleteSnapshot",
                    "ec2:DeregisterImage",
                    "ec2:TerminateInstances",
                    "ec2:GetConsoleOutput"))
            .resources(created)
            .conditions(resourceTag)
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchHoldsSnapshots")
            .actions(List.of("ec2:CreateTags", "ec2:DeleteTags"))
            .resources(List.of(unowned("snapshot/*")))
            .conditions(
                new TreeMap<>(
                    Map.of(
                        "StringEquals",
                        Map.of("aws:ResourceTag/" + tag, installation),
                        "ForAllValues:StringLike",
                        Map.of("aws:TagKeys", HOLD_TAGS))))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchPromotesTestInstances")
            .actions(List.of("ec2:CreateTags"))
            .resources(List.of(own("instance/*")))
            .conditions(
                new TreeMap<>(
                    Map.of(
                        "StringEquals",
                        Map.of("aws:ResourceTag/" + tag, installation),
                        "ForAllValues:StringEquals",
                        Map.of("aws:TagKeys", PROMOTION_TAGS))))
            .build());
    // The converter image need not carry the tag (it may be a given AMI): it is named instead.
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchBootsTheConverterImage")
            .actions(List.of("ec2:RunInstances"))
            .resources(List.of(unowned("image/" + conversion.getImageId())))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchInTheStagingVpc")
            .actions(List.of("ec2:RunInstances"))
            .resources(
                List.of(own("subnet/*"), own("security-group/*"), own("network-interface/*")))
            .conditions(Map.of("StringEquals", Map.of("ec2:Vpc", own("vpc/" + vpc.getVpcId()))))
            .build());
    // Source servers' launch templates are made apart from the control plane (and by operators),
    // so they cannot be named here; what a template can launch is bounded by the statements above
    // and by PassRole, which admits only the conversion servers' role.
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchThroughLaunchTemplates")
            .actions(List.of("ec2:RunInstances"))
            .resources(List.of(own("launch-template/*")))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchPassesTheConversionServerRole")
            .actions(List.of("iam:PassRole"))
            .resources(List.of(conversion.getRole().getRoleArn()))
            .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "ec2.amazonaws.com")))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("LaunchDescribes")
            .actions(
                List.of(
                    "ec2:DescribeVolumes",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstances"))
            .resources(List.of("*"))
            .build());
    Nag.suppress(
        role,
        "AwsSolutions-IAM5",
        "Launch volumes, snapshots, images and instances get their ids at run time, so their ARNs"
            + " end in *; every statement over them requires the liftshift:installation tag (on"
            + " the request when created, on the resource when used), and only the hold tags of"
            + " snapshots and the launch tags of instances can be changed afterwards. Subnets, security groups and network interfaces"
            + " are limited to the staging VPC. Launch templates of source servers are made apart"
            + " from the control plane; what they launch must still be tagged, in the staging VPC,"
            + " with no role but the conversion servers'. Describe calls support no resource"
            + " scoping.",
        List.of(
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:volume/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*",
            "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:launch-template/*",
            "Resource::*"));
  }
}
