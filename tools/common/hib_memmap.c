// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hib_memmap.h"

#define PAGE	4096ULL

struct memmap_out {
	char *buf;
	size_t len, used;
	bool overflow;
};

static void add(struct memmap_out *o, const char *fmt, uint64_t kib,
		const char *how, uint64_t at_kib, const char *tail)
{
	int n;

	if (o->overflow)
		return;
	n = snprintf(o->buf + o->used, o->len - o->used, fmt, kib, how,
		     at_kib, tail);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->overflow = true;
	else
		o->used += (size_t)n;
}

/* [start, end) in whole KiB, widened: a reserved range may only grow. */
static void put(struct memmap_out *o, uint64_t start, uint64_t end,
		const char *how)
{
	uint64_t first = start / 1024, last = (end + 1023) / 1024;

	if (last > first)
		add(o, " memmap=%" PRIu64 "K%s%" PRIu64 "K%s", last - first, how,
		    first, !strcmp(how, "%") ? "+4" : "");
}

static void system_ram(struct memmap_out *o, const struct iomem_entry *e,
		       uint64_t limit)
{
	uint64_t lo = e->start < PAGE ? PAGE : e->start, hi;

	lo = (lo + PAGE - 1) / PAGE * PAGE;
	/*
	 * kexec-tools (2.0.25) backs up a RAM range that ends below the
	 * limit only up to the page holding its last byte, which it leaves
	 * out: the hibernate kernel must not get that page (it would
	 * overwrite what this kernel keeps there), so it is reserved.
	 */
	hi = e->end > limit ? limit : (e->end - 1) / PAGE * PAGE;
	if (e->end <= limit)
		put(o, hi > lo ? hi : lo, e->end, "$");
	if (hi > lo)
		add(o, " memmap=%" PRIu64 "K%s%" PRIu64 "K%s", (hi - lo) / 1024,
		    "@", lo / 1024, "");
	if (e->end > limit)
		put(o, e->start > limit ? e->start : limit, e->end, "$");
}

int hib_memmap(const struct iomem_entry *entries, size_t n, uint64_t limit,
	       char *out, size_t len)
{
	struct memmap_out o = { .buf = out, .len = len };

	if (!len)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct iomem_entry *e = &entries[i];

		if (!strcmp(e->type, "System RAM"))
			system_ram(&o, e, limit);
		else if (!strcmp(e->type, "ACPI Tables"))
			put(&o, e->start, e->end, "#");
		else if (!strcmp(e->type, "ACPI Non-volatile Storage"))
			put(&o, e->start, e->end, "%");
		else if (!strcmp(e->type, "Reserved") ||
			 !strcmp(e->type, "Soft Reserved") ||
			 !strcmp(e->type, "Unknown E820 type") ||
			 !strncmp(e->type, "Persistent Memory", 17))
			put(&o, e->start, e->end, "$");
	}
	return o.overflow ? -1 : 0;
}
