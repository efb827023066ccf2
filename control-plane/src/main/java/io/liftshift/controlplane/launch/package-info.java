/**
 * Launches (snapshot → volumes → converter → image → <b>launched instance</b> in the flow): the
 * cloud port of StartTest and StartCutover ({@link io.liftshift.controlplane.launch.LaunchCloud})
 * and its local and AWS adapters. The control plane's {@code LaunchRunner} takes each job through
 * MGN's steps with MGN's log events through this port: a point-in-time snapshot, the launch's own
 * volumes, a short-lived conversion server, an image, the target instance, and its first boot.
 */
package io.liftshift.controlplane.launch;
