/**
 * The embedded default cloud: staging volumes are sparse files in a directory on this machine, so
 * that liftshift runs end to end without an account.
 */
package io.liftshift.cloud.local;
