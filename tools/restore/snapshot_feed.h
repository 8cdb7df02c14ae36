/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Feeding an image to the kernel through /dev/snapshot: the image header
 * page, the PFN list (512 PFNs a page, ended by ~0UL when a page is not
 * full), the page contents, then user space frozen and the atomic
 * restore.
 */
#ifndef KHIB_SNAPSHOT_FEED_H
#define KHIB_SNAPSHOT_FEED_H

#include <stdint.h>

#include "pfn_bitmap.h"

struct snapshot_feed {
	int fd;
	uint64_t pages_written;
	char why[256];
};

/* Open /dev/snapshot for a restore. */
int snapshot_feed_open(struct snapshot_feed *f);
/* Freeze user space, all but the calling thread; needed for the restore. */
int snapshot_feed_freeze(struct snapshot_feed *f);
/* Give up: thaw user space and release everything the kernel loaded. */
void snapshot_feed_abort(struct snapshot_feed *f);

int snapshot_feed_page(struct snapshot_feed *f, const void *page);
int snapshot_feed_pfns(struct snapshot_feed *f,
		       const struct pfn_chunk *chunks, size_t nr_chunks,
		       uint64_t nr_pages);
/* Jump into the loaded image; returns only on failure. */
int snapshot_feed_restore(struct snapshot_feed *f);

#endif
