/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feeding an image to the kernel through /dev/snapshot: the image header
 * page, the PFN list (512 PFNs a page, ended by ~0UL when a page is not
 * full), the page contents, then user space frozen and the atomic
 * restore.
 */
#ifndef KHIB_SNAPSHOT_FEED_H
#define KHIB_SNAPSHOT_FEED_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

#include "pfn_bitmap.h"

struct snapshot_feed {
	int fd;
	uint64_t pages_written;
	int kernel_errno;	/* why the kernel refused a page, 0 if it did not */
	char why[256];
};

/* Open /dev/snapshot for a restore. */
int snapshot_feed_open(struct snapshot_feed *f);
/* Freeze user space, all but the calling thread; needed for the restore. */
int snapshot_feed_freeze(struct snapshot_feed *f);
/* Give up: thaw user space and release everything the kernel loaded. */
void snapshot_feed_abort(struct snapshot_feed *f);

int snapshot_feed_page(struct snapshot_feed *f, const void *page);
/*
 * Hand @n consecutive pages over.  A kernel that takes one page per
 * write() takes them one by one; a newer one takes them all at once.
 */
int snapshot_feed_pages(struct snapshot_feed *f, const void *pages, size_t n);

/*
 * Prepare @header, the image header page of an image of @nr_pages pages,
 * for a stream that leaves out its @nr_zero all-zero pages: the kernel's
 * own encoding, where a zero page is a PFN with @resume's zero flag set
 * and no data.  The header's page counts, where @resume (checked) says
 * they are, change only if they hold exactly the values this image
 * implies.  Return true if the zero pages may be left out.
 */
bool snapshot_header_skip_zero_pages(void *header,
				     const struct kexec_hib_resume *resume,
				     uint64_t nr_pages, uint64_t nr_zero);

/*
 * Write the PFN list; with @zero_bits, pages whose bit is set are flagged
 * with @zero_flag as zero pages and must then not be written as data.
 */
int snapshot_feed_pfns(struct snapshot_feed *f,
		       const struct pfn_chunk *chunks, size_t nr_chunks,
		       uint64_t nr_pages, const uint64_t *zero_bits,
		       uint64_t zero_flag);
/* Jump into the loaded image; returns only on failure. */
int snapshot_feed_restore(struct snapshot_feed *f);

#endif
