/**
 * The port to the target cloud: staging volumes, point-in-time snapshots, images, instances and
 * conversion servers. The replicator writes through it (replicator → <b>staging volume</b> in the
 * flow), and the control plane launches through it ({@link io.liftshift.cloud.LaunchCloud}:
 * snapshot → volumes → conversion server → image → launched instance). The local adapter in {@code
 * io.liftshift.cloud.local} is the embedded default, the AWS adapter is in {@code
 * io.liftshift.cloud.aws}; no module outside this one imports the AWS SDK (the construct library's
 * launch handler aside).
 */
package io.liftshift.cloud;
