// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "inplace_plan.h"

#define GIB_PAGES	((uint64_t)1 << 18)	/* 4 KiB pages in 1 GiB */

uint64_t inplace_segment_pages(size_t nr_runs, uint64_t max_pfn)
{
	uint64_t gib = (max_pfn + GIB_PAGES - 1) / GIB_PAGES;
	/* Each page keeps one entry for the link, the last for the end. */
	uint64_t per_page = INPLACE_MOVES_PER_PAGE - 1;

	return INPLACE_LOW_PD_PAGE + gib +
	       (nr_runs ? (nr_runs + per_page - 1) / per_page : 1);
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

struct page_run {
	uint64_t start, len;
};

static int cmp_run_len(const void *a, const void *b)
{
	const struct page_run *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 :
	       x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The restore code's pages: swapped pages whose own contents are not in
 * the image, so that nothing was parked in them, and the descriptor's
 * pages; longest runs first, so that few kexec segments load them.
 * Return 0, 1 if they do not fit, -1 without memory.
 */
static int place_segment(struct inplace_plan *plan,
			 const struct inplace_input *in,
			 const struct khib_image_range *own, size_t nr_own)
{
	size_t cap = in->nr_redirects + in->nr_free + 1, nr = 0, nr_runs = 0;
	uint64_t *spare = malloc(cap * sizeof(*spare)), taken = 0;
	struct page_run *runs = malloc(cap * sizeof(*runs)), *last;
	int ret = 1;

	plan->segment_pfns = malloc(plan->segment_pages * sizeof(uint64_t));
	if (!spare || !runs || !plan->segment_pfns) {
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < in->nr_redirects; i++)
		if (!pfn_chunks_test(in->chunks, in->nr_chunks,
				     in->redirects[i].pfn))
			spare[nr++] = in->redirects[i].src_pfn;
	for (size_t i = 0; i < in->nr_free; i++)
		spare[nr++] = in->free_pfns[i];
	qsort(spare, nr, sizeof(*spare), cmp_pfn);
	for (size_t i = 0; i < nr; i++) {
		if (i && spare[i] == spare[i - 1])
			continue;	/* listed twice */
		if (pfn_chunks_test(in->chunks, in->nr_chunks, spare[i]) ||
		    in_ranges(own, nr_own, spare[i]))
			continue;
		plan->spare++;
		last = nr_runs ? &runs[nr_runs - 1] : NULL;
		if (last && last->start + last->len == spare[i])
			last->len++;
		else
			runs[nr_runs++] = (struct page_run){ spare[i], 1 };
	}
	qsort(runs, nr_runs, sizeof(*runs), cmp_run_len);
	for (size_t r = 0; r < nr_runs && taken < plan->segment_pages; r++) {
		if (r == INPLACE_MAX_SEGMENTS)
			goto out;
		for (uint64_t k = 0; k < runs[r].len &&
				     taken < plan->segment_pages; k++)
			plan->segment_pfns[taken++] = runs[r].start + k;
		plan->segment_runs++;
	}
	if (taken < plan->segment_pages)
		goto out;
	qsort(plan->segment_pfns, taken, sizeof(uint64_t), cmp_pfn);
	ret = 0;
out:
	free(spare);
	free(runs);
	return ret;
}

int inplace_plan_make(struct inplace_plan *plan,
		      const struct inplace_input *in,
		      const struct khib_image_range *own, size_t nr_own,
		      char *why, size_t why_len)
{
	const struct pfn_chunk *chunks = in->chunks;
	size_t nr_chunks = in->nr_chunks;
	const struct khib_image_redirect *redirects = in->redirects;
	size_t nr_redirects = in->nr_redirects;
	struct pfn_walk walk;
	size_t cap = 0;
	uint64_t pfn;
	int ret;

	*plan = (struct inplace_plan){ 0 };
	if (!in->nr_ram || !nr_own) {
		snprintf(why, why_len, "no memory map to restore in place with");
		return -1;
	}
	plan->max_pfn = in->ram[in->nr_ram - 1].end_pfn;
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
		    pfn_chunks_test(chunks, nr_chunks, r->src_pfn)) {
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
	ret = place_segment(plan, in, own, nr_own);
	if (ret) {
		snprintf(why, why_len, ret < 0 ? "no memory for the restore plan" :
			 "the restore code needs %" PRIu64 " free pages in at most %d runs; the image leaves %" PRIu64,
			 plan->segment_pages, INPLACE_MAX_SEGMENTS,
			 plan->spare);
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
	free(plan->segment_pfns);
	plan->runs = NULL;
	plan->segment_pfns = NULL;
	plan->nr_runs = 0;
}
