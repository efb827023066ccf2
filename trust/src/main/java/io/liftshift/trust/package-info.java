/**
 * Trust for every liftshift endpoint: the installation CA that liftshift creates for itself, the
 * certificates it issues to replicators (and later the control plane), CA pinning on the agent's
 * side, the one TLS policy (TLS 1.3, AES-256-GCM) used on port 1500 and 443, and what both ports do
 * with sources that keep failing to authenticate.
 */
package io.liftshift.trust;
