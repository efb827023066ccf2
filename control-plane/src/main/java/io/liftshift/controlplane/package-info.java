/**
 * The control plane: the service endpoint on 443 that speaks the MGN API (REST-JSON, SigV4), so
 * that the official AWS SDKs and CLI drive liftshift unchanged. It holds source servers, their
 * replication and launch settings, and jobs; it sits beside the data flow, steering it.
 */
package io.liftshift.controlplane;
