// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "inplace_plan.h"

#define GIB_PAGES	((uint64_t)1 << 18)	/* 4 KiB pages in 1 GiB */
#define MOVES_PER_PAGE	(KHIB_PAGE_SIZE / sizeof(struct move_run))

uint64_t inplace_segment_pages(size_t nr_runs, uint64_t max_pfn)
{
	uint64_t gib = (max_pfn + GIB_PAGES - 1) / GIB_PAGES;

	/* The list of moves ends with an empty one. */
	return INPLACE_LOW_PD_PAGE + gib +
	       (nr_runs + 1 + MOVES_PER_PAGE - 1) / MOVES_PER_PAGE;
}

static bool in_ranges(const struct khib_image_range *r, size_t nr,
		      uint64_t pfn)
{
	for (size_t i = 0; i < nr; i++)
		if (pfn >= r[i].start_pfn && pfn < r[i].end_pfn)
			return true;
	return false;
}

static const struct khib_image_redirect *
find_redirect(const struct khib_image_redirect *redirects, size_t nr,
	      uint64_t pfn)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (redirects[mid].pfn == pfn)
			return &redirects[mid];
		if (redirects[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint64_t inplace_destination(const struct khib_image_redirect *redirects,
			     size_t nr_redirects,
			     const struct khib_image_range *own, size_t nr_own,
			     uint64_t pfn)
{
	const struct khib_image_redirect *r;

	if (!in_ranges(own, nr_own, pfn))
		return pfn;
	r = find_redirect(redirects, nr_redirects, pfn);
	return r ? r->src_pfn : UINT64_MAX;
}

static bool in_image(const struct pfn_chunk *chunks, size_t nr, uint64_t pfn)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pfn_chunk *c = &chunks[mid];

		if (pfn < c->start_pfn) {
			hi = mid;
		} else if (pfn >= c->start_pfn + c->nr_pfns) {
			lo = mid + 1;
		} else {
			uint64_t bit = pfn - c->start_pfn;

			return c->words[bit / 64] & (1ULL << (bit % 64));
		}
	}
	return false;
}

static int add_move(struct inplace_plan *plan, size_t *cap, uint64_t dst,
		    uint64_t src)
{
	struct move_run *last = plan->nr_runs ? &plan->runs[plan->nr_runs - 1]
					      : NULL;

	if (last && last->dst_pfn + last->nr_pages == dst &&
	    last->src_pfn + last->nr_pages == src) {
		last->nr_pages++;
		return 0;
	}
	if (plan->nr_runs == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct move_run *runs = realloc(plan->runs, n * sizeof(*runs));

		if (!runs)
			return -1;
		plan->runs = runs;
		*cap = n;
	}
	plan->runs[plan->nr_runs++] = (struct move_run){ dst, src, 1 };
	return 0;
}

static int cmp_pfn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The restore code's pages: a run among the pages the jump had swapped
 * whose own contents are not in the image, so that nothing parked or
 * restored lands on them.
 */
static int place_segment(struct inplace_plan *plan,
			 const struct pfn_chunk *chunks, size_t nr_chunks,
			 const struct khib_image_redirect *redirects,
			 size_t nr_redirects,
			 const struct khib_image_range *own, size_t nr_own)
{
	uint64_t *spare = malloc((nr_redirects + 1) * sizeof(*spare));
	size_t nr = 0, run = 0;

	if (!spare)
		return -1;
	for (size_t i = 0; i < nr_redirects; i++) {
		uint64_t src = redirects[i].src_pfn;

		if (!in_image(chunks, nr_chunks, redirects[i].pfn) &&
		    !in_image(chunks, nr_chunks, src) &&
		    !in_ranges(own, nr_own, src))
			spare[nr++] = src;
	}
	qsort(spare, nr, sizeof(*spare), cmp_pfn);
	for (size_t i = 0; i < nr; i++) {
		run = i && spare[i] == spare[i - 1] + 1 ? run + 1 : 1;
		if (run == plan->segment_pages) {
			plan->segment_pfn = spare[i] + 1 - run;
			free(spare);
			return 0;
		}
	}
	free(spare);
	return 1;
}

int inplace_plan_make(struct inplace_plan *plan,
		      const struct pfn_chunk *chunks, size_t nr_chunks,
		      const struct khib_image_range *ram, size_t nr_ram,
		      const struct khib_image_redirect *redirects,
		      size_t nr_redirects,
		      const struct khib_image_range *own, size_t nr_own,
		      char *why, size_t why_len)
{
	struct pfn_walk walk;
	size_t cap = 0;
	uint64_t pfn;
	int ret;

	*plan = (struct inplace_plan){ 0 };
	if (!nr_ram || !nr_own) {
		snprintf(why, why_len, "no memory map to restore in place with");
		return -1;
	}
	plan->max_pfn = ram[nr_ram - 1].end_pfn;
	if (plan->max_pfn > INPLACE_MAX_GIB * GIB_PAGES) {
		snprintf(why, why_len,
			 "memory up to %" PRIu64 " GiB; a restore in place maps at most %d",
			 plan->max_pfn / GIB_PAGES, INPLACE_MAX_GIB);
		return -1;
	}
	pfn_walk_init(&walk, chunks, nr_chunks);
	while ((pfn = pfn_walk_next(&walk)) != PFN_WALK_END) {
		const struct khib_image_redirect *r;

		if (!in_ranges(own, nr_own, pfn))
			continue;
		r = find_redirect(redirects, nr_redirects, pfn);
		if (!r || in_ranges(own, nr_own, r->src_pfn) ||
		    in_image(chunks, nr_chunks, r->src_pfn)) {
			snprintf(why, why_len,
				 "image page %#" PRIx64 " lies in the restoring kernel's memory and has no place outside it",
				 pfn);
			goto fail;
		}
		if (add_move(plan, &cap, pfn, r->src_pfn)) {
			snprintf(why, why_len, "no memory for the restore plan");
			goto fail;
		}
		plan->parked++;
	}
	plan->segment_pages = inplace_segment_pages(plan->nr_runs,
						    plan->max_pfn);
	ret = place_segment(plan, chunks, nr_chunks, redirects, nr_redirects,
			    own, nr_own);
	if (ret) {
		snprintf(why, why_len, ret < 0 ? "no memory for the restore plan" :
			 "no run of %" PRIu64 " free pages for the restore code among the %zu pages the jump swapped",
			 plan->segment_pages, nr_redirects);
		goto fail;
	}
	return 0;
fail:
	inplace_plan_free(plan);
	return -1;
}

void inplace_plan_free(struct inplace_plan *plan)
{
	free(plan->runs);
	plan->runs = NULL;
	plan->nr_runs = 0;
}
