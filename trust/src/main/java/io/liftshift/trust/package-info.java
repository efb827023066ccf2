/**
 * Trust for every liftshift endpoint: the installation CA that liftshift creates for itself, the
 * certificates it issues to replicators (and later the control plane), CA pinning on the agent's
 * side, the one TLS policy (TLS 1.3, AES-256-GCM) used on port 1500 and 443, and what both ports do
 * with sources that keep failing to authenticate. {@link io.liftshift.trust.TlsSettings} is what
 * each daemon's options hold of it (the CA to pin, the suite).
 */
package io.liftshift.trust;
