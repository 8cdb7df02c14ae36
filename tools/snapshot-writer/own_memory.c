// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
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
			if (descriptor_page_saved(view, pfn) &&
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
