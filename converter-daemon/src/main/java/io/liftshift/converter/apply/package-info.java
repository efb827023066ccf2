/**
 * Carries out a plan on the mounted guest (chroot steps with {@code /dev}, {@code /proc}, {@code
 * /sys} and {@code /run} bound in) and records the conversion report: what was found, what changed,
 * what was skipped and why.
 */
package io.liftshift.converter.apply;
