/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much memory khib-load lends the hibernate kernel.  That kernel and
 * its /init live in the lent memory alone, so the lend must hold what the
 * kernel keeps once booted on the CPUs it brings up, the descriptor's
 * bitmaps for this machine's RAM, the writer's tables of its groups
 * (about 0.2 KiB a MiB of RAM) and its buffers; less, and
 * the writer refuses to start (worker_memory.h) and every hibernation
 * fails.  The kernel's own share was measured (docs/hardware.md): booted
 * under QEMU on virtio, NVMe and SATA, BIOS and UEFI, 1 to 8 CPUs.
 */
#ifndef KHIB_LEND_PLAN_H
#define KHIB_LEND_PLAN_H

#include <stdint.h>

/*
 * The hibernate kernel booted, with its /init, before the writer takes
 * anything, and the kernel's reserve (min_free_kbytes, watermarks and
 * WORKER_MEMORY_MARGIN_KIB): measured at most 23 MiB on 2 CPUs under
 * SeaBIOS with virtio, 29 MiB on 4 CPUs under OVMF with NVMe, of which
 * 1 MiB of ACPI NVS inside the lent range.
 */
#define LEND_KERNEL_BASE_KIB	(24 * 1024)
/* Each CPU it brings up: per-CPU areas, an idle stack, NVMe queues. */
#define LEND_KERNEL_CPU_KIB	1536
/*
 * Slack over the sum: the booted kernel's share varies by about 1 MiB
 * from boot to boot (slab, page tables, the writer's own pages), and a
 * lend computed to the KiB started 1 of 2 encoders under OVMF with NVMe.
 */
#define LEND_SLACK_KIB		2048

/*
 * KiB to lend for a hibernate kernel on @cpus CPUs, each an encoder at
 * zstd @level, for a machine whose RAM ends at @ram_end_pfn.
 */
uint64_t lend_need_kib(unsigned int cpus, int level, uint64_t ram_end_pfn);

#endif
