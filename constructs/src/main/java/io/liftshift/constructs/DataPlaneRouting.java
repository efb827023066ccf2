package io.liftshift.constructs;

/** How agents reach replication servers, as in MGN's replication settings. */
public enum DataPlaneRouting {
  /** Over a VPN or Direct Connect to the servers' private addresses; no public IPs anywhere. */
  PRIVATE_IP,
  /** Over the internet to public IPs the replication servers get at launch. */
  PUBLIC_IP
}
