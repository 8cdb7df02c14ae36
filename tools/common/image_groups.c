// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image_groups.h"

int image_groups_build(const struct pfn_chunk *chunks, size_t nr_chunks,
		       struct image_group **groups, size_t *nr_groups)
{
	struct image_group *g = NULL;
	size_t n = 0, cap = 0;
	uint64_t page = 0;
	struct pfn_walk walk;

	pfn_walk_init(&walk, chunks, nr_chunks);
	for (uint64_t pfn; (pfn = pfn_walk_next(&walk)) != PFN_WALK_END;
	     page++) {
		uint64_t group = pfn / KHIB_CHUNK_PAGES;

		if (!n || g[n - 1].group != group) {
			if (n == cap) {
				size_t more = cap ? 2 * cap : 64;
				void *p = realloc(g, more * sizeof(*g));

				if (!p) {
					free(g);
					errno = ENOMEM;
					return -1;
				}
				g = p;
				cap = more;
			}
			memset(&g[n], 0, sizeof(g[n]));
			g[n].group = group;
			g[n].first_page = page;
			n++;
		}
		group_set_bit(g[n - 1].pages, pfn % KHIB_CHUNK_PAGES);
		g[n - 1].nr_pages++;
	}
	*groups = g;
	*nr_groups = n;
	return 0;
}

uint64_t image_groups_max(uint64_t nr_pages, uint64_t nr_ranges)
{
	/* Each range may start and end in the middle of a group. */
	return (nr_pages + KHIB_CHUNK_PAGES - 1) / KHIB_CHUNK_PAGES +
	       nr_ranges;
}

void bits_put(uint64_t *dst, uint64_t at, const uint64_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t bit = 1ULL << ((at + i) % 64);

		if (src[i / 64] >> (i % 64) & 1)
			dst[(at + i) / 64] |= bit;
		else
			dst[(at + i) / 64] &= ~bit;
	}
}

bool bits_equal(const uint64_t *map, uint64_t at, const uint64_t *src,
		uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if ((map[(at + i) / 64] >> ((at + i) % 64) & 1) !=
		    (src[i / 64] >> (i % 64) & 1))
			return false;
	return true;
}
