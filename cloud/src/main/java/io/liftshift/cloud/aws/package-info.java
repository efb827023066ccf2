/**
 * The AWS adapter of the cloud port: staging volumes are EBS volumes attached to this replication
 * server, point-in-time snapshots are multi-volume EBS snapshots (CreateSnapshots, crash-consistent
 * across a server's volumes), images are AMIs, instances and conversion servers are EC2 instances
 * ({@link io.liftshift.cloud.aws.AwsLaunchCloud}); {@link io.liftshift.cloud.aws.AwsCloud} builds
 * them for the daemons on EC2. SDK v2 only. Tested through the real SDK against a contract fake
 * that checks every request against EC2's service model; an opt-in suite runs against a real
 * account.
 */
package io.liftshift.cloud.aws;
