/**
 * What is on the volumes: partition tables (MBR/GPT), LVM, filesystems, the root filesystem, the
 * guest's {@code os-release}, boot loader, initramfs tool and network configuration. Reads only.
 */
package io.liftshift.converter.inspect;
