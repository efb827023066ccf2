/**
 * The conversion plan: the list of changes (file edits with their before and after, files written
 * or removed, commands run in the guest's chroot, steps skipped and why) that make a guest boot on
 * the target. Planning is a pure function of the guest's files and its device names, so it is
 * tested on fixture trees and printed by {@code --dry-run} without touching a byte.
 */
package io.liftshift.converter.plan;
