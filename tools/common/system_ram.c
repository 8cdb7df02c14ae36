// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iomem.h"
#include "system_ram.h"

int system_ram_ranges(struct khib_image_range *ranges, size_t max)
{
	static struct iomem_entry entries[IOMEM_MAX_ENTRIES];
	uint64_t run_start = 0, run_end = 0;
	bool in_run = false;
	int nr = iomem_read(entries, IOMEM_MAX_ENTRIES);
	size_t n = 0;

	if (nr < 0)
		return -1;
	/* Runs of touching entries, in bytes, then in whole pages. */
	for (int i = 0; i <= nr; i++) {
		bool more = i < nr;
		const struct iomem_entry *e = &entries[i];

		if (more && strcmp(e->type, "System RAM"))
			continue;
		if (more && in_run && e->start == run_end) {
			run_end = e->end;
			continue;
		}
		if (more && in_run && e->start < run_end) {
			errno = EINVAL;
			return -1;
		}
		if (in_run) {
			uint64_t first = (run_start + KHIB_PAGE_SIZE - 1) /
					 KHIB_PAGE_SIZE;
			uint64_t last = run_end / KHIB_PAGE_SIZE;

			if (first < last) {
				if (n == max) {
					errno = E2BIG;
					return -1;
				}
				ranges[n].start_pfn = first;
				ranges[n].end_pfn = last;
				n++;
			}
		}
		if (!more)
			break;
		run_start = e->start;
		run_end = e->end;
		in_run = true;
	}
	return (int)n;
}
