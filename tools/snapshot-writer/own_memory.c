// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>

#include "own_memory.h"

int own_memory_check(const struct descriptor_view *view,
		     const struct khib_image_range *ranges, size_t nr,
		     uint64_t *checked, char *why, size_t why_len)
{
	struct redirect_cursor cursor;

	*checked = 0;
	redirect_cursor_init(&cursor, view);
	for (size_t i = 0; i < nr; i++) {
		for (uint64_t pfn = ranges[i].start_pfn; pfn < ranges[i].end_pfn; pfn++) {
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
