/**
 * The embedded default cloud: staging volumes are sparse files in a directory on this machine,
 * snapshots copies of them, images directories, instances qemu virtual machines and conversion
 * servers {@code liftshift converter} processes ({@link
 * io.liftshift.cloud.local.LocalLaunchCloud}), so that liftshift runs end to end without an
 * account.
 */
package io.liftshift.cloud.local;
