/**
 * Carries out a Windows plan: registry changes merged into copies of the hives with {@code
 * hivexregedit --merge} and re-read, files written through ntfs-3g, the hives swapped in last, and
 * nothing written when the volume already is as planned.
 */
package io.liftshift.converter.apply.windows;
