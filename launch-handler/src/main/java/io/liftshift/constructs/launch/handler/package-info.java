/**
 * The Lambda handler behind {@code MigrationLaunch}: CloudFormation's custom-resource events,
 * through CDK's Provider framework, become StartTest, StartCutover or FinalizeCutover calls on the
 * liftshift control plane, and DescribeJobs answers become the framework's isComplete answers.
 *
 * <p>Nothing in this package may use aws-cdk-lib: these classes are copied, with the AWS SDK and
 * the trust module, into the Lambda asset, and nothing else is.
 */
package io.liftshift.constructs.launch.handler;
