// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "own_memory.h"

int own_memory_ranges(struct pfn_range *ranges, size_t max)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long start, end;
	char line[256], name[64];
	size_t n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Top-level entries only: no indentation. */
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %63[^\n]", &start, &end, name) != 3 ||
		    strcmp(name, "System RAM"))
			continue;
		if (n == max) {
			fclose(f);
			errno = E2BIG;
			return -1;
		}
		ranges[n].start = (start + DESC_PAGE_SIZE - 1) / DESC_PAGE_SIZE;
		ranges[n].end = (end + 1) / DESC_PAGE_SIZE;
		n++;
	}
	fclose(f);
	return (int)n;
}

/* Whether the image holds @pfn. */
static bool saved(const struct descriptor_view *view, uint64_t pfn)
{
	size_t lo = 0, hi = view->nr_chunks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pfn_chunk *c = &view->chunks[mid];

		if (pfn < c->start_pfn)
			hi = mid;
		else if (pfn >= c->start_pfn + c->nr_pfns)
			lo = mid + 1;
		else
			return c->words[(pfn - c->start_pfn) / 64] &
			       (1ULL << ((pfn - c->start_pfn) % 64));
	}
	return false;
}

int own_memory_check(const struct descriptor_view *view,
		     const struct pfn_range *ranges, size_t nr,
		     uint64_t *checked, char *why, size_t why_len)
{
	struct redirect_cursor cursor;

	*checked = 0;
	redirect_cursor_init(&cursor, view);
	for (size_t i = 0; i < nr; i++) {
		for (uint64_t pfn = ranges[i].start; pfn < ranges[i].end; pfn++) {
			(*checked)++;
			if (saved(view, pfn) &&
			    redirect_resolve(&cursor, pfn) == pfn) {
				snprintf(why, why_len,
					 "page %#" PRIx64 " of the hibernate kernel's own RAM is in the image but was not swapped out by the jump; load it with khib-load",
					 pfn);
				return -1;
			}
		}
	}
	return 0;
}
