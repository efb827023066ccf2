package io.liftshift.constructs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/** What replication and conversion servers share: their boot script and their EC2 grants. */
final class ServerBoot {
  private ServerBoot() {}

  /**
   * A boot script that fetches the installation CA and install token from Secrets Manager, then
   * runs {@code liftshift ROLE ...} as a systemd service with the token in a 0600 environment file.
   */
  static List<String> script(ControlPlane cp, String role, String arguments, boolean publicIp) {
    String state = ControlPlane.STATE_DIR;
    List<String> lines = new ArrayList<>();
    lines.add("set -euo pipefail");
    lines.add("export AWS_DEFAULT_REGION=" + Aws.REGION);
    lines.add("mkdir -p " + state + " /etc/liftshift");
    lines.add(
        "IMDS=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'"
            + " http://169.254.169.254/latest/api/token)");
    lines.add(
        "ADDRESS=$(curl -sf -H \"X-aws-ec2-metadata-token: $IMDS\""
            + " http://169.254.169.254/latest/meta-data/"
            + (publicIp ? "public-ipv4" : "local-ipv4")
            + ")");
    // Servers issue their TLS certificates from the installation CA, as the control plane does.
    lines.add(
        "aws secretsmanager get-secret-value --query SecretString --output text --secret-id "
            + cp.getInstallationCaSecret().getSecretArn()
            + " | base64 -d | tar -C "
            + state
            + " -xzf -");
    lines.add("umask 077");
    lines.add(
        "printf 'LIFTSHIFT_INSTALL_TOKEN=%s\\n' \"$(aws secretsmanager get-secret-value --query"
            + " SecretString --output text --secret-id "
            + cp.getInstallTokenSecret().getSecretArn()
            + ")\" > /etc/liftshift/"
            + role
            + ".env");
    lines.add("cat > /etc/systemd/system/liftshift-" + role + ".service <<UNIT");
    lines.add("[Unit]");
    lines.add("Description=liftshift " + role);
    lines.add("After=network-online.target");
    lines.add("[Service]");
    lines.add("EnvironmentFile=/etc/liftshift/" + role + ".env");
    lines.add("Environment=LIFTSHIFT_HOME=" + state);
    lines.add(
        "ExecStart=/usr/local/bin/liftshift "
            + role
            + " --control-plane "
            + cp.getEndpoint()
            + " "
            + arguments
            + " --ca-dir "
            + state
            + "/ca --data-dir "
            + state
            + "/"
            + role);
    lines.add("Restart=always");
    lines.add("[Install]");
    lines.add("WantedBy=multi-user.target");
    lines.add("UNIT");
    lines.add("systemctl daemon-reload");
    lines.add("systemctl enable --now liftshift-" + role);
    return lines;
  }

  static BlockDevice encryptedRoot(int sizeGiB) {
    return BlockDevice.builder()
        .deviceName("/dev/xvda")
        .volume(
            BlockDeviceVolume.ebs(
                sizeGiB,
                EbsDeviceOptions.builder()
                    .encrypted(true)
                    .volumeType(EbsDeviceVolumeType.GP3)
                    .build()))
        .build();
  }

  private static String arn(String type) {
    // Snapshot ARNs name no account (arn:aws:ec2:REGION::snapshot/ID): with one they match none.
    String account = type.equals("snapshot") ? "" : Aws.ACCOUNT_ID;
    return "arn:" + Aws.PARTITION + ":ec2:" + Aws.REGION + ":" + account + ":" + type + "/*";
  }

  /**
   * EC2 rights over this installation's staging volumes and snapshots, and nothing else's: new ones
   * must carry the installation tag, existing ones must already carry it.
   */
  static void grantStagingVolumes(Role role, String installation) {
    String tag = StagingArea.INSTALLATION_TAG;
    Map<String, Object> requestTag =
        Map.of("StringEquals", Map.of("aws:RequestTag/" + tag, installation));
    Map<String, Object> resourceTag =
        Map.of("StringEquals", Map.of("aws:ResourceTag/" + tag, installation));
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("CreateTaggedVolumesAndSnapshots")
            .actions(List.of("ec2:CreateVolume", "ec2:CreateSnapshot", "ec2:CreateSnapshots"))
            .resources(List.of(arn("volume"), arn("snapshot")))
            .conditions(requestTag)
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("TagOnlyWhileCreating")
            .actions(List.of("ec2:CreateTags"))
            .resources(List.of(arn("volume"), arn("snapshot")))
            .conditions(
                Map.of(
                    "StringEquals",
                    Map.of(
                        "ec2:CreateAction",
                        List.of("CreateVolume", "CreateSnapshot", "CreateSnapshots"),
                        "aws:RequestTag/" + tag,
                        installation)))
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("UseOwnVolumesAndSnapshots")
            .actions(
                List.of(
                    "ec2:AttachVolume",
                    "ec2:DetachVolume",
                    "ec2:DeleteVolume",
                    "ec2:CreateSnapshot",
                    "ec2:CreateSnapshots",
                    "ec2:DeleteSnapshot"))
            .resources(List.of(arn("volume"), arn("snapshot"), arn("instance")))
            .conditions(resourceTag)
            .build());
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("Describe")
            .actions(
                List.of("ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:DescribeInstances"))
            .resources(List.of("*"))
            .build());
  }
}
