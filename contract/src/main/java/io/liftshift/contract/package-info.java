/**
 * The contract of the control plane's private API on 443 (docs/control-plane.md, "Private API"):
 * what agents, replication servers and conversion servers send and receive, as {@code protocol/} is
 * for port 1500.
 *
 * <p>One class per caller ({@link AgentContract}, {@link ReplicatorContract}, {@link
 * ConverterContract}) holds that caller's paths and bodies as records; {@link ContractJson} is the
 * one Jackson configuration of every module; {@link PrivateApiClient} is the bearer-token POST the
 * daemons share. Jackson only: no Vert.x and no AWS SDK, so the smallest daemon can use it.
 */
package io.liftshift.contract;
