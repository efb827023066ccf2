package io.liftshift.constructs;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Aws;

/**
 * The boot script of a control-plane node. A node keeps nothing that matters: the state is in
 * Aurora (passed as {@code --store postgresql://...}), the installation CA in Secrets Manager, and
 * the CA's working copy, the store's password and the node's certificate live under {@value
 * #RUN_DIR}, a tmpfs that ends with the instance.
 *
 * <p>Secrets Manager is the nodes' one arbiter at first boot: a version id fixed here ({@link
 * #CA_VERSION}, {@link #INSTALL_TOKEN_VERSION}, ...) can be written once, with one value, so when
 * several nodes boot together each tries to write its CA (or token) under that id, exactly one
 * succeeds, and every node then reads the winner's. A node that boots later finds the version there
 * and creates nothing.
 */
final class ControlPlaneBoot {
  /** Where a node keeps what it derives at boot; a tmpfs, so that nothing outlives the instance. */
  static final String RUN_DIR = "/run/liftshift";

  /** Scratch space (launch working files, caches): nothing under it is state. */
  static final String SCRATCH_DIR = ControlPlane.STATE_DIR;

  // Client request tokens of Secrets Manager: 32 to 64 characters; a second PutSecretValue with
  // the same token and another value is refused, which is what makes the first write win.
  static final String CA_VERSION = "liftshift-installation-ca-first-write-v1";
  static final String INSTALL_TOKEN_VERSION = "liftshift-agents-install-token-first-write-v1";
  static final String REPLICATION_SERVER_TOKEN_VERSION =
      "liftshift-replication-server-token-first-write-v1";
  static final String OPERATOR_KEY_VERSION = "liftshift-operator-key-first-write-v1";

  static final String CLI = "/usr/local/bin/liftshift";

  /** Everything of the deployment the script names, as CloudFormation values or tokens. */
  record Refs(
      String installation,
      String endpointHost,
      String databaseSecretArn,
      String databaseAddress,
      String databaseName,
      String installationCaArn,
      String installTokenArn,
      String replicationServerTokenArn,
      String operatorKeyArn,
      String caFingerprintParameter,
      String launchOptions,
      String fleetNamespace,
      String fleetMetric,
      String trackedDisksMetric) {}

  private final Refs r;

  ControlPlaneBoot(Refs refs) {
    r = refs;
  }

  List<String> script() {
    String ca = RUN_DIR + "/ca";
    List<String> l = new ArrayList<>();
    l.add("set -euo pipefail");
    l.add("export AWS_DEFAULT_REGION=" + Aws.REGION);
    l.add("umask 077");
    l.add("mkdir -p " + SCRATCH_DIR + " " + RUN_DIR);
    l.add(
        "IMDS=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300'"
            + " http://169.254.169.254/latest/api/token)");
    l.add(
        "md() { curl -sf -H \"X-aws-ec2-metadata-token: $IMDS\""
            + " http://169.254.169.254/latest/meta-data/$1; }");
    l.add("IP=$(md local-ipv4); NAME=$(md local-hostname)");

    // The store: its password is read from the cluster's secret into a 0600 file on tmpfs. The
    // generated password holds no character that a URL or this shell would read specially.
    l.add(
        "DB_PASSWORD=$(aws secretsmanager get-secret-value --query SecretString --output text"
            + " --secret-id "
            + r.databaseSecretArn()
            + " | sed -n 's/.*\"password\" *: *\"\\([^\"]*\\)\".*/\\1/p')");
    l.add(
        "STORE=\"postgresql://"
            + ControlPlane.DATABASE_USER
            + ":$DB_PASSWORD@"
            + r.databaseAddress()
            + "/"
            + r.databaseName()
            + "?sslmode=require\"");
    l.add("printf 'LIFTSHIFT_STORE=%s\\n' \"$STORE\" > " + RUN_DIR + "/store.env");

    // The installation CA: the first node to write it wins; every node reads the winner's.
    l.add(
        "ca_get() { aws secretsmanager get-secret-value --query SecretString --output text"
            + " --secret-id "
            + r.installationCaArn()
            + " --version-id "
            + CA_VERSION
            + "; }");
    l.add("if ! CA_TGZ=$(ca_get 2>/dev/null); then");
    l.add("  " + CLI + " ca init --ca-dir " + RUN_DIR + "/new-ca > /dev/null");
    l.add(
        "  tar -C "
            + RUN_DIR
            + "/new-ca -czf - . | base64 -w0 | aws secretsmanager put-secret-value --secret-id "
            + r.installationCaArn()
            + " --client-request-token "
            + CA_VERSION
            + " --secret-string file:///dev/stdin > /dev/null || echo 'liftshift: another node"
            + " wrote the CA first'");
    l.add("  rm -rf " + RUN_DIR + "/new-ca");
    l.add("  CA_TGZ=$(ca_get)");
    l.add("fi");
    l.add("mkdir -p " + ca + " && echo \"$CA_TGZ\" | base64 -d | tar -C " + ca + " -xzf -");
    l.add("unset CA_TGZ");

    // The balancer's name is what agents, servers and operators call, so the certificate names
    // it; the node's own address serves the balancer's health check and this script.
    l.add("cat > /etc/systemd/system/liftshift-control-plane.service <<UNIT");
    l.add("[Unit]");
    l.add("Description=liftshift control plane");
    l.add("After=network-online.target");
    l.add("[Service]");
    l.add("Environment=LIFTSHIFT_HOME=" + SCRATCH_DIR);
    l.add("EnvironmentFile=" + RUN_DIR + "/store.env");
    l.add(
        "ExecStart="
            + CLI
            + " control-plane --listen 0.0.0.0:"
            + StagingArea.HTTPS_PORT
            + " --store \\${LIFTSHIFT_STORE} --ca-dir "
            + ca
            + " --region "
            + Aws.REGION
            + r.launchOptions()
            + " --san "
            + r.endpointHost()
            + " --san $IP --san $NAME");
    l.add("Restart=always");
    l.add("[Install]");
    l.add("WantedBy=multi-user.target");
    l.add("UNIT");
    l.add("systemctl daemon-reload");
    l.add("systemctl enable --now liftshift-control-plane");
    l.add("UP=no");
    l.add(
        "for i in $(seq 90); do curl -s --cacert "
            + ca
            + "/ca.crt https://$IP:"
            + StagingArea.HTTPS_PORT
            + "/ -o /dev/null && { UP=yes; break; }; sleep 2; done");

    // Idempotent: every node publishes the same fingerprint.
    l.add(
        "FP=$(" + CLI + " ca show --ca-dir " + ca + " | grep -o 'sha256:[0-9a-fA-F]*' | head -1)");
    l.add(
        "aws ssm put-parameter --overwrite --name "
            + r.caFingerprintParameter()
            + " --value \"$FP\" > /dev/null");
    l.add(
        "missing() { [ \"$(aws secretsmanager describe-secret --secret-id \"$1\" --query"
            + " \"VersionIdsToStages.\\\"$2\\\"\" --output text)\" = None ]; }");
    l.add(
        "put_once() { aws secretsmanager put-secret-value --secret-id \"$1\" --client-request-token");
    l.add("  \"$2\" --secret-string file:///dev/stdin > /dev/null; }");
    // A token made by a node that then loses the write is never published; it admits no one who
    // does not hold it.
    l.add(
        "if [ $UP = yes ] && missing "
            + r.replicationServerTokenArn()
            + " "
            + REPLICATION_SERVER_TOKEN_VERSION
            + "; then");
    l.add(
        "  "
            + CLI
            + " admin create-install-token --for replication-servers --store \"$STORE\" | tr -d"
            + " '\\n' | put_once "
            + r.replicationServerTokenArn()
            + " "
            + REPLICATION_SERVER_TOKEN_VERSION
            + " || true");
    l.add("fi");
    l.add(
        "if [ $UP = yes ] && missing "
            + r.installTokenArn()
            + " "
            + INSTALL_TOKEN_VERSION
            + "; then");
    l.add(
        "  "
            + CLI
            + " admin create-install-token --store \"$STORE\" | tr -d '\\n' | put_once "
            + r.installTokenArn()
            + " "
            + INSTALL_TOKEN_VERSION
            + " || true");
    l.add("fi");
    l.add(
        "if [ $UP = yes ] && missing "
            + r.operatorKeyArn()
            + " "
            + OPERATOR_KEY_VERSION
            + "; then");
    l.add("  KEY=$(" + CLI + " admin create-access-key --store \"$STORE\")");
    l.add("  KEY_ID=$(echo \"$KEY\" | sed -n 's/^AWS_ACCESS_KEY_ID=//p')");
    l.add("  KEY_SECRET=$(echo \"$KEY\" | sed -n 's/^AWS_SECRET_ACCESS_KEY=//p')");
    l.add(
        "  if printf '{\"accessKeyId\":\"%s\",\"secretAccessKey\":\"%s\"}' \"$KEY_ID\""
            + " \"$KEY_SECRET\" | put_once "
            + r.operatorKeyArn()
            + " "
            + OPERATOR_KEY_VERSION
            + "; then");
    l.add(
        "    AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET aws mgn initialize-service"
            + " --endpoint-url https://$IP:"
            + StagingArea.HTTPS_PORT
            + " --ca-bundle "
            + ca
            + "/ca.crt --region "
            + Aws.REGION
            + " || true");
    l.add("  fi");
    l.add("fi");
    l.addAll(fleetMetric());
    return l;
  }

  /**
   * The line that tells CloudFormation whether this node came up, for the group's update policy.
   */
  static String signal(String groupLogicalId) {
    return "aws cloudformation signal-resource --stack-name "
        + Aws.STACK_NAME
        + " --logical-resource-id "
        + groupLogicalId
        + " --unique-id \"$(md instance-id)\" --status \"$([ $UP = yes ] && echo SUCCESS || echo"
        + " FAILURE)\"";
  }

  private List<String> fleetMetric() {
    List<String> l = new ArrayList<>();
    // Quoted: systemd, not this shell, expands the command ($$ is a literal $ to systemd). Every
    // node publishes the same figures of the one store.
    l.add("cat > /etc/systemd/system/liftshift-fleet-metric.service <<'UNIT'");
    l.add("[Service]");
    l.add("Type=oneshot");
    l.add("Environment=AWS_DEFAULT_REGION=" + Aws.REGION);
    l.add("EnvironmentFile=" + RUN_DIR + "/store.env");
    // Both figures of one `admin fleet` answer in one call: the disk count is what each fleet
    // divides by its own maxDisks; desiredReplicators (disks / 15) stays for dashboards.
    l.add(
        "ExecStart=/bin/sh -c 'NEED=$$("
            + CLI
            + " admin fleet --store \"$${LIFTSHIFT_STORE}\") && aws cloudwatch put-metric-data"
            + " --namespace "
            + r.fleetNamespace()
            + " --metric-data "
            + metricDatum(r.fleetMetric(), "desiredReplicators")
            + " "
            + metricDatum(r.trackedDisksMetric(), "trackedDisks")
            + "'");
    l.add("UNIT");
    l.add("cat > /etc/systemd/system/liftshift-fleet-metric.timer <<UNIT");
    l.add("[Timer]");
    l.add("OnBootSec=60");
    l.add("OnUnitActiveSec=60");
    l.add("[Install]");
    l.add("WantedBy=timers.target");
    l.add("UNIT");
    l.add("systemctl daemon-reload");
    l.add("systemctl enable --now liftshift-fleet-metric.timer");
    return l;
  }

  /** One shorthand {@code --metric-data} item whose value is {@code field} of {@code $NEED}. */
  private String metricDatum(String metric, String field) {
    return "\"MetricName="
        + metric
        + ",Dimensions=[{Name=Installation,Value="
        + r.installation()
        + "}],Value=$$(echo \"$$NEED\" | grep -o \""
        + field
        + "[^0-9]*[0-9]*\" | grep -o \"[0-9]*$$\")\"";
  }
}
