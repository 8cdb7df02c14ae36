// SPDX-License-Identifier: GPL-2.0
#include "image_format.h"
#include "image_groups.h"
#include "lend_plan.h"
#include "worker_memory.h"

/* A bitmap page per chunk of 8 x page-size PFNs (descriptor ABI). */
#define PFNS_PER_BITMAP_PAGE	(8ULL * KHIB_PAGE_SIZE)
/*
 * What the writer holds per group of RAM: the group, its entry in the
 * group table and in a pre-copy's table, and its share of the zero map.
 */
#define GROUP_BYTES	(sizeof(struct image_group) + \
			 sizeof(struct khib_group_entry) + \
			 sizeof(struct khib_precopy_entry) + KHIB_CHUNK_PAGES / 8)

uint64_t lend_need_kib(unsigned int cpus, int level, uint64_t ram_end_pfn)
{
	struct worker_cost pool = writer_pool_cost(level);
	uint64_t bitmaps = ram_end_pfn / PFNS_PER_BITMAP_PAGE + 1;
	uint64_t groups = ram_end_pfn / KHIB_CHUNK_PAGES + 1;

	if (!cpus)
		cpus = 1;
	return LEND_KERNEL_BASE_KIB + LEND_SLACK_KIB + (uint64_t)cpus * LEND_KERNEL_CPU_KIB +
	       bitmaps * (KHIB_PAGE_SIZE / 1024) +
	       (groups * GROUP_BYTES + 1023) / 1024 +
	       worker_cost_kib(&pool, cpus);
}
