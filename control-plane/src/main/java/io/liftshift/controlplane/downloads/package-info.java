/**
 * What a source server fetches before it has an agent: the installer script, the agent bundle and
 * its checksum, the installation CA to pin, and the agent version the control plane serves. Public
 * (no token): every file is either checked against the operator's CA fingerprint or is the CA
 * itself; the install token is checked later, at registration.
 */
package io.liftshift.controlplane.downloads;
