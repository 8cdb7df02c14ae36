/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory map the hibernate kernel boots with (khib-load passes it as
 * "memmap=exactmap" and these options): the firmware's, as this kernel
 * keeps it in /proc/iomem, with one change.  Its RAM is this kernel's
 * System RAM clipped to [4 KiB, @limit), where kexec puts its segments
 * (it needs some below 1 MiB for the real-mode trampoline); the rest of
 * this kernel's RAM is reserved there, so that no driver takes it for a
 * free gap to put a device in.  ACPI tables, ACPI NVS and reserved
 * ranges are passed on with their types.
 */
#ifndef KHIB_HIB_MEMMAP_H
#define KHIB_HIB_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "iomem.h"

/*
 * " memmap=...K@...K memmap=...K$...K ..." for @entries into @out: 0, or
 * -1 if it does not fit @len.
 */
int hib_memmap(const struct iomem_entry *entries, size_t n, uint64_t limit,
	       char *out, size_t len);

#endif
