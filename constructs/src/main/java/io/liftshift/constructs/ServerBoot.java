package io.liftshift.constructs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.secretsmanager.ISecret;

/**
 * How the replication servers boot and what they may do (their script, their reads of the control
 * plane's token and CA fingerprint, their volume grants); the encrypted root volume is shared with
 * the conversion servers.
 */
final class ServerBoot {
  private ServerBoot() {}

  /**
   * Tries to read the CA fingerprint for this long: the control plane publishes it at first boot.
   */
  static final int FINGERPRINT_WAIT_SECONDS = 900;

  private static final int FINGERPRINT_POLL_SECONDS = 10;

  /**
   * A boot script that reads the installation CA's fingerprint from SSM and {@code installToken}
   * (the token for the server's role) from Secrets Manager, then runs {@code liftshift ROLE ...
   * --ca-fingerprint FP} as a systemd service with the token in a 0600 environment file. The server
   * never receives the CA's key: it asks the control plane to certify its own (see {@link
   * #grantBootReads}).
   */
  static List<String> script(
      ControlPlane cp, ISecret installToken, String role, String arguments, boolean publicIp) {
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
    // The fingerprint is "pending" until the control plane's first boot publishes it: wait.
    lines.add(
        "for i in $(seq "
            + FINGERPRINT_WAIT_SECONDS / FINGERPRINT_POLL_SECONDS
            + "); do FP=$(aws ssm get-parameter --name "
            + cp.getCaFingerprintParameterName()
            + " --query Parameter.Value --output text || true); case \"$FP\" in sha256:*) break;;"
            + " esac; sleep "
            + FINGERPRINT_POLL_SECONDS
            + "; done");
    lines.add(
        "case \"$FP\" in sha256:*) ;; *) echo \"liftshift: no CA fingerprint in "
            + cp.getCaFingerprintParameterName()
            + " after "
            + FINGERPRINT_WAIT_SECONDS
            + " s; is the control plane up?\" >&2; exit 1;; esac");
    lines.add("umask 077");
    lines.add(
        "printf 'LIFTSHIFT_INSTALL_TOKEN=%s\\n' \"$(aws secretsmanager get-secret-value --query"
            + " SecretString --output text --secret-id "
            + installToken.getSecretArn()
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
            + " --ca-fingerprint \"$FP\" --data-dir "
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

  /**
   * What the boot script reads: the install token it was given and the CA fingerprint parameter,
   * each exactly, and nothing of the installation CA's key.
   */
  static void grantBootReads(Role role, ControlPlane cp, ISecret installToken) {
    installToken.grantRead(role);
    role.addToPolicy(
        PolicyStatement.Builder.create()
            .sid("ReadCaFingerprint")
            .actions(List.of("ssm:GetParameter"))
            .resources(List.of(cp.getCaFingerprintParameter().getParameterArn()))
            .build());
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
                    new TreeMap<>(
                        Map.of(
                            "ec2:CreateAction",
                            List.of("CreateVolume", "CreateSnapshot", "CreateSnapshots"),
                            "aws:RequestTag/" + tag,
                            installation))))
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
