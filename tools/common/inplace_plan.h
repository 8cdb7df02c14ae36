/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Planning a restore in place: the hibernate kernel, booted into the
 * memory it was lent at hibernation, writes every image page straight to
 * its page frame, except those that lie in its own RAM.  Those it parks
 * where the kexec jump had them while the image was written (the image's
 * redirects: pages that are not in the image), and a small piece of code
 * loaded with kexec moves them home and jumps into the restored kernel.
 * That code, its page tables and its list of moves need pages that
 * neither the image nor the parked pages use: swapped pages nothing was
 * parked in, and the pages the descriptor took, in at most
 * INPLACE_MAX_SEGMENTS runs (kexec's limit of segments).
 *
 * The writer makes the same plan before it writes, so that an image that
 * could not be restored in place is refused while the system still runs.
 */
#ifndef KHIB_INPLACE_PLAN_H
#define KHIB_INPLACE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"
#include "pfn_bitmap.h"

/* Pages moved home by the last step: dst_pfn.. from src_pfn.. */
struct move_run {
	uint64_t dst_pfn;
	uint64_t src_pfn;
	uint64_t nr_pages;
};

#define INPLACE_MAX_SEGMENTS	16

struct inplace_plan {
	struct move_run *runs;
	size_t nr_runs;
	uint64_t parked;		/* image pages parked away */
	uint64_t *segment_pfns;		/* the restore code's, ascending */
	uint64_t segment_pages;
	unsigned int segment_runs;	/* runs of consecutive ones */
	uint64_t spare;			/* pages it could have used */
	uint64_t max_pfn;		/* end of RAM: what the code maps */
};

/* What a restore in place starts from: all of it from the image. */
struct inplace_input {
	const struct pfn_chunk *chunks;	/* the image pages */
	size_t nr_chunks;
	const struct khib_image_range *ram;
	size_t nr_ram;
	const struct khib_image_redirect *redirects;
	size_t nr_redirects;
	const uint64_t *free_pfns;	/* the descriptor's pages */
	size_t nr_free;
};

/*
 * Plan for a restoring kernel that runs in @own.  Return 0, or -1 with
 * @why filled in.
 */
int inplace_plan_make(struct inplace_plan *plan,
		      const struct inplace_input *in,
		      const struct khib_image_range *own, size_t nr_own,
		      char *why, size_t why_len);
void inplace_plan_free(struct inplace_plan *plan);

/* Where image page @pfn is written: in place, or parked (binary search). */
uint64_t inplace_destination(const struct khib_image_redirect *redirects,
			     size_t nr_redirects,
			     const struct khib_image_range *own, size_t nr_own,
			     uint64_t pfn);

/* Pages the restore code takes for @nr_runs moves up to @max_pfn. */
uint64_t inplace_segment_pages(size_t nr_runs, uint64_t max_pfn);

/*
 * The moves fill whole pages; the last entry of a page that is not the
 * last one links to the next page (nr_pages INPLACE_MOVES_NEXT, src_pfn
 * that page), and the list ends with an empty move.
 */
#define INPLACE_MOVES_PER_PAGE	(KHIB_PAGE_SIZE / sizeof(struct move_run))
#define INPLACE_MOVES_NEXT	UINT64_MAX

/* Layout of the restore code's pages, from its first one. */
#define INPLACE_CODE_PAGE	0
#define INPLACE_PML4_PAGE	1
#define INPLACE_HIGH_PDPT_PAGE	2
#define INPLACE_HIGH_PD_PAGE	3
#define INPLACE_LOW_PDPT_PAGE	4
#define INPLACE_PML5_PAGE	5	/* for CPUs in 5-level paging */
#define INPLACE_LOW_PD_PAGE	6	/* one per GiB of RAM span */

/* The restore code maps at most this much memory (one PML4 entry). */
#define INPLACE_MAX_GIB		512

#endif
