/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image's pages by group (khib_image.h): group g is PFNs [g * 256,
 * g * 256 + 256), and each group that holds image pages has one record.
 * Writer and readers derive the groups from the page map alike.
 */
#ifndef KHIB_IMAGE_GROUPS_H
#define KHIB_IMAGE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"
#include "pfn_bitmap.h"

#define GROUP_WORDS	(KHIB_CHUNK_PAGES / 64)

struct image_group {
	uint64_t group;
	uint64_t first_page;	/* image page number of its first page */
	uint32_t nr_pages;	/* image pages in it */
	uint64_t pages[GROUP_WORDS];	/* bit n: PFN group * 256 + n */
};

/*
 * The groups that hold the set bits of @chunks (checked ones), ascending,
 * into a new array (free() it).  0, or -1 with errno set.
 */
int image_groups_build(const struct pfn_chunk *chunks, size_t nr_chunks,
		       struct image_group **groups, size_t *nr_groups);

/* The groups the pages of @ranges can fall in, at most (a target's size). */
uint64_t image_groups_max(uint64_t nr_pages, uint64_t nr_ranges);

static inline bool group_bit(const uint64_t *set, unsigned int n)
{
	return set[n / 64] >> (n % 64) & 1;
}

static inline void group_set_bit(uint64_t *set, unsigned int n)
{
	set[n / 64] |= 1ULL << (n % 64);
}

static inline unsigned int group_weight(const uint64_t *set)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < GROUP_WORDS; i++)
		n += (unsigned int)__builtin_popcountll(set[i]);
	return n;
}

/* Whether every bit of @sub is set in @set. */
static inline bool group_subset(const uint64_t *sub, const uint64_t *set)
{
	for (unsigned int i = 0; i < GROUP_WORDS; i++)
		if (sub[i] & ~set[i])
			return false;
	return true;
}

/*
 * Copy @n bits of @src from bit 0 to @dst from bit @at, or compare them:
 * a record's zero bits against the image's zero map.
 */
void bits_put(uint64_t *dst, uint64_t at, const uint64_t *src, uint32_t n);
bool bits_equal(const uint64_t *map, uint64_t at, const uint64_t *src,
		uint32_t n);

#endif
