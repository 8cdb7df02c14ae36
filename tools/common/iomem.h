/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/iomem, read once for every tool that needs it: the top-level
 * entries (the firmware's memory map as this kernel keeps it), for this
 * kernel's System RAM (system_ram.h) and for the memory map the
 * hibernate kernel boots with (hib_memmap.h).
 */
#ifndef KHIB_IOMEM_H
#define KHIB_IOMEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IOMEM_TYPE_LEN	48
/* Top-level entries a reader takes; machines have tens to hundreds. */
#define IOMEM_MAX_ENTRIES	1024

struct iomem_entry {
	uint64_t start;		/* first byte */
	uint64_t end;		/* past the last byte */
	char type[IOMEM_TYPE_LEN];	/* "System RAM", "ACPI Tables", ... */
};

/*
 * The top-level entries of @f, in /proc/iomem's format, into @entries:
 * how many, or -1 with errno set (E2BIG: more than @max).
 */
int iomem_parse(FILE *f, struct iomem_entry *entries, size_t max);

/* The same for /proc/iomem itself. */
int iomem_read(struct iomem_entry *entries, size_t max);

#endif
