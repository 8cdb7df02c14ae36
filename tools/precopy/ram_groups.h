/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RAM in groups of RAM_GROUP_PAGES page frames (group g: PFNs
 * [g * RAM_GROUP_PAGES, (g + 1) * RAM_GROUP_PAGES)), each summed by one
 * hash of the pages in it that are in use.  A pre-copy writes a group
 * while the system runs and keeps its hash; the content, not a dirty
 * bit, tells later whether the group changed, so kernel memory, tmpfs,
 * the page cache and DMA are covered alike (docs/design.md, "Pre-copy").
 */
#ifndef KHIB_RAM_GROUPS_H
#define KHIB_RAM_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "kcore_ram.h"

#define RAM_GROUP_PAGES	256

struct ram_group {
	uint64_t hash[2];	/* of the pages in use (image_content_hash()) */
	uint64_t set_hash;	/* of which pages are in use */
	uint32_t pages;		/* in use: RAM the buddy allocator does not hold */
};

/* What one pass over RAM read, and how long it took. */
struct ram_pass {
	uint64_t groups;	/* with at least one page in use */
	uint64_t pages;		/* in use, read and hashed */
	double seconds;
};

/* Groups from PFN 0 to the end of the highest segment of @k. */
size_t ram_groups_count(const struct kcore_ram *k);

/*
 * Read group @g of @k into @buf (RAM_GROUP_PAGES pages, page n at n *
 * 4096) and mark in @used the pages in use: held by a segment and, if
 * @kpageflags_fd (/proc/kpageflags) is not -1, not free.  The number of
 * pages in use, or -1 with errno set.
 */
int ram_group_read(const struct kcore_ram *k, int kpageflags_fd, size_t g,
		   uint8_t *buf, uint64_t used[RAM_GROUP_PAGES / 64]);

/*
 * Hash every group of @k into @groups (ram_groups_count() of them).
 * @kpageflags_fd: /proc/kpageflags, to leave free pages out, or -1 to
 * take every page.  0, or -1 with errno set.
 */
int ram_groups_hash(const struct kcore_ram *k, int kpageflags_fd,
		    struct ram_group *groups, struct ram_pass *pass);

#endif
