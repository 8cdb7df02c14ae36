/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sets of page frames as bitmap chunks: the form both the descriptor and
 * the image's page map use.  Bit n of a chunk stands for PFN start_pfn + n
 * and is bit n % 64 of 64-bit word n / 64.
 */
#ifndef KHIB_PFN_BITMAP_H
#define KHIB_PFN_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFN_WALK_END	UINT64_MAX

struct pfn_chunk {
	uint64_t start_pfn;
	uint32_t nr_pfns;
	uint32_t nr_set;
	const uint64_t *words;		/* (nr_pfns + 63) / 64 of them */
};

/* Walks the set bits of a chunk list in ascending PFN order. */
struct pfn_walk {
	const struct pfn_chunk *chunks;
	size_t nr_chunks;
	size_t chunk;
	uint64_t bit;			/* next bit to test in chunks[chunk] */
};

static inline size_t bitmap_words(uint64_t nr_bits)
{
	return (nr_bits + 63) / 64;
}

uint64_t bitmap_weight(const uint64_t *words, uint64_t nr_bits);
bool bitmap_tail_clear(const uint64_t *words, uint64_t nr_bits);

void pfn_walk_init(struct pfn_walk *walk, const struct pfn_chunk *chunks,
		   size_t nr_chunks);
uint64_t pfn_walk_next(struct pfn_walk *walk);

/* Whether @pfn's bit is set in @chunks (checked ones): a binary search. */
bool pfn_chunks_test(const struct pfn_chunk *chunks, size_t nr_chunks,
		     uint64_t pfn);

/*
 * The position of @pfn among the set bits of @chunks (checked ones), or
 * PFN_WALK_END if its bit is not set.
 */
uint64_t pfn_chunks_rank(const struct pfn_chunk *chunks, size_t nr_chunks,
			 uint64_t pfn);

/*
 * Check that chunks are in ascending order without overlap, that their
 * nr_set match their bits and that no bit lies past nr_pfns.  On success
 * store the total of set bits in *nr_set; otherwise say why in @why.
 */
bool pfn_chunks_check(const struct pfn_chunk *chunks, size_t nr_chunks,
		      uint64_t *nr_set, char *why, size_t why_len);

#endif
