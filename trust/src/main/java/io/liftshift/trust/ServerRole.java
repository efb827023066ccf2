package io.liftshift.trust;

/**
 * What a server certificate of the installation CA is for, carried in its subject as {@code
 * OU=<unit>}. Every server's certificate chains to the same CA, so without the role a replication
 * server's certificate would also pass as the control plane's, and the reverse.
 */
public enum ServerRole {
  /** The control plane on 443: agents, replicators, converters and operators call it. */
  CONTROL_PLANE("control-plane"),
  /** A replication server on 1500: agents stream their disks to it. */
  REPLICATOR("replicator");

  private final String unit;

  ServerRole(String unit) {
    this.unit = unit;
  }

  /** The subject's OU, also the stem of the identity's files ({@code <unit>.key}, {@code .crt}). */
  public String unit() {
    return unit;
  }
}
