/**
 * The CDK app behind the repository's {@code cdk.json}: stack {@code LiftshiftStaging} (network,
 * bucket, images, fleet, conversion, control plane) and stack {@code LiftshiftLaunches} (launch
 * settings and the MigrationLaunch step), configured from CDK context or {@code liftshift.json}.
 */
package io.liftshift.cdkapp;
