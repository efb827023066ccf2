/**
 * The web console's server side: its static assets under {@code /console/} with the security
 * headers every page carries. The console itself is a client of the MGN API (SigV4-signed in the
 * browser), so nothing here authenticates or runs an operation.
 */
package io.liftshift.controlplane.console;
