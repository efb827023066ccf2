/**
 * What is on a Windows system volume: its hives read with Debian's hive tools (hivexsh), its paths
 * matched as Windows matches them, and AWS's driver packages on this conversion server, checked
 * against their pinned SHA-256. Reads only.
 */
package io.liftshift.converter.inspect.windows;
