package io.liftshift.constructs;

import java.util.Locale;

/** The liftshift roles that run on their own EC2 instances. */
public enum DaemonRole {
  REPLICATOR,
  CONVERTER,
  CONTROL_PLANE;

  /** The role's name in AMI, component and unit names: replicator, converter, control-plane. */
  public String slug() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
