/**
 * The control plane: the service endpoint on 443 that speaks the MGN API (REST-JSON, SigV4), so
 * that the official AWS SDKs and CLI drive liftshift unchanged. It holds source servers, their
 * replication and launch settings, and jobs; it sits beside the data flow, steering it.
 *
 * <p>The private API on the same port ({@code io.liftshift.contract}) is {@code PrivateApi}, which
 * routes to one endpoint class per caller: {@code AgentEndpoints}, {@code ReplicatorEndpoints}
 * (placement is {@code ReplicationFleet}'s) and {@code ConverterEndpoints}.
 *
 * <p>Launch jobs run in {@code LaunchRunner}, which orchestrates one class per step: {@code
 * LaunchSnapshot} (the point-in-time snapshot), {@code ConverterApi} (the conversion server's job,
 * token and report), {@code LaunchSettings} (launch configuration, template, instance type, boot
 * mode, post-launch actions), {@code FirstBootWatch} (first boot and post-launch actions on the
 * console), {@code LaunchedInstances} (promotion, termination, cleanup), over {@code LaunchRecords}
 * (jobs, logs and servers in the store) and {@code LaunchesInFlight} (what a launch has made and
 * not yet handed over), which {@code InterruptedLaunches} releases after a restart; {@code
 * LaunchFailure} carries a step's MGN event.
 */
package io.liftshift.controlplane;
