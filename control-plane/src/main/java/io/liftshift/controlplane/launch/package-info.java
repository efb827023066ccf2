/**
 * Launches (snapshot → volumes → converter → image → <b>launched instance</b> in the flow): the
 * control plane's side of StartTest and StartCutover. A {@link
 * io.liftshift.controlplane.launch.LaunchRunner} takes each job through MGN's steps with MGN's log
 * events, through the cloud port ({@link io.liftshift.controlplane.launch.LaunchCloud}): a
 * point-in- time snapshot, the launch's own volumes, a short-lived conversion server, an image, the
 * target instance, and its first boot.
 */
package io.liftshift.controlplane.launch;
