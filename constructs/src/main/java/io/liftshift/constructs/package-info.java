/**
 * AWS CDK constructs that deploy a liftshift installation: {@link
 * io.liftshift.constructs.StagingArea} (network and security groups), {@link
 * io.liftshift.constructs.SoftwareBucket}, {@link io.liftshift.constructs.DaemonImage}, {@link
 * io.liftshift.constructs.ReplicationServerFleet}, {@link
 * io.liftshift.constructs.ConversionServer}, {@link io.liftshift.constructs.ControlPlane}, {@link
 * io.liftshift.constructs.SourceServerLaunchSettings} and {@link
 * io.liftshift.constructs.MigrationLaunch}.
 *
 * <p>Each is {@code Foo(scope, id, FooProps)}; props are checked in the constructor, and a bad one
 * fails synth with a message that says what to change. Construct ids are part of the API: changing
 * one replaces the resource.
 */
package io.liftshift.constructs;
