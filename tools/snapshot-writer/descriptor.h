/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and checking the descriptor the hibernating kernel published
 * (<linux/kexec_hibernate.h>), into a copy that no longer depends on the
 * hibernating kernel's memory.
 */
#ifndef KHIB_DESCRIPTOR_H
#define KHIB_DESCRIPTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

#include "khib_image.h"
#include "pfn_bitmap.h"

/* The descriptor's pages: the image's page size, checked at load. */
#define DESC_PAGE_SIZE	KHIB_PAGE_SIZE

/* Copies one page of the hibernating kernel's memory into @page. */
typedef bool (*phys_read_fn)(void *ctx, uint64_t pfn, void *page);

struct descriptor_view {
	struct kexec_hib_descriptor desc;	/* checked copy */
	struct pfn_chunk *chunks;	/* the saveable pages */
	size_t nr_chunks;
	uint64_t *bits;			/* storage for all chunks' words */
	struct kexec_hib_redirect *redirects;	/* sorted by pfn */
	size_t nr_redirects;
	uint8_t header_page[DESC_PAGE_SIZE];	/* the image header */
	/*
	 * Every page the descriptor took: none is in the image, so a
	 * restore in place may overwrite them.
	 */
	uint64_t *desc_pfns;
	size_t nr_desc_pfns, desc_pfns_cap;
};

/*
 * Load the descriptor at physical address @phys.  Return KEXEC_HIB_OK, or a
 * KEXEC_HIB_ERR_* code with the reason in @why.
 */
int descriptor_load(struct descriptor_view *view, uint64_t phys,
		    phys_read_fn read_page, void *ctx,
		    char *why, size_t why_len);
void descriptor_free(struct descriptor_view *view);

/* Whether the image holds @pfn. */
bool descriptor_page_saved(const struct descriptor_view *view, uint64_t pfn);

/* Resolves redirects for PFNs visited in ascending order. */
struct redirect_cursor {
	const struct kexec_hib_redirect *redirects;
	size_t nr, next;
};

void redirect_cursor_init(struct redirect_cursor *c,
			  const struct descriptor_view *view);
/* Where the contents @pfn had at the jump are now. */
uint64_t redirect_resolve(struct redirect_cursor *c, uint64_t pfn);

#endif
