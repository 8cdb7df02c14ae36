// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "pfn_bitmap.h"

uint64_t bitmap_weight(const uint64_t *words, uint64_t nr_bits)
{
	uint64_t n = 0;
	size_t i, full = nr_bits / 64;

	for (i = 0; i < full; i++)
		n += __builtin_popcountll(words[i]);
	if (nr_bits % 64)
		n += __builtin_popcountll(words[full] &
					  ((1ULL << (nr_bits % 64)) - 1));
	return n;
}

bool bitmap_tail_clear(const uint64_t *words, uint64_t nr_bits)
{
	if (nr_bits % 64 == 0)
		return true;
	return !(words[nr_bits / 64] >> (nr_bits % 64));
}

void pfn_walk_init(struct pfn_walk *walk, const struct pfn_chunk *chunks,
		   size_t nr_chunks)
{
	walk->chunks = chunks;
	walk->nr_chunks = nr_chunks;
	walk->chunk = 0;
	walk->bit = 0;
}

uint64_t pfn_walk_next(struct pfn_walk *walk)
{
	while (walk->chunk < walk->nr_chunks) {
		const struct pfn_chunk *c = &walk->chunks[walk->chunk];

		while (walk->bit < c->nr_pfns) {
			uint64_t word = c->words[walk->bit / 64];

			/* Drop the bits below the current position. */
			word &= ~0ULL << (walk->bit % 64);
			if (word) {
				uint64_t bit = (walk->bit & ~63ULL) +
					       __builtin_ctzll(word);

				if (bit >= c->nr_pfns)
					break;
				walk->bit = bit + 1;
				return c->start_pfn + bit;
			}
			walk->bit = (walk->bit | 63) + 1;
		}
		walk->chunk++;
		walk->bit = 0;
	}
	return PFN_WALK_END;
}

bool pfn_chunks_check(const struct pfn_chunk *chunks, size_t nr_chunks,
		      uint64_t *nr_set, char *why, size_t why_len)
{
	uint64_t total = 0, next_free = 0;
	size_t i;

	for (i = 0; i < nr_chunks; i++) {
		const struct pfn_chunk *c = &chunks[i];

		if (c->nr_pfns == 0) {
			snprintf(why, why_len, "bitmap chunk %zu is empty", i);
			return false;
		}
		if (c->start_pfn < next_free) {
			snprintf(why, why_len,
				 "bitmap chunk %zu at PFN %#llx overlaps or is out of order",
				 i, (unsigned long long)c->start_pfn);
			return false;
		}
		if (c->start_pfn + c->nr_pfns < c->start_pfn) {
			snprintf(why, why_len, "bitmap chunk %zu wraps around", i);
			return false;
		}
		if (!bitmap_tail_clear(c->words, c->nr_pfns)) {
			snprintf(why, why_len,
				 "bitmap chunk %zu has bits past its end", i);
			return false;
		}
		if (bitmap_weight(c->words, c->nr_pfns) != c->nr_set) {
			snprintf(why, why_len,
				 "bitmap chunk %zu: %u bits counted, %llu set",
				 i, c->nr_set,
				 (unsigned long long)bitmap_weight(c->words,
								   c->nr_pfns));
			return false;
		}
		next_free = c->start_pfn + c->nr_pfns;
		total += c->nr_set;
	}
	*nr_set = total;
	return true;
}

bool pfn_chunks_test(const struct pfn_chunk *chunks, size_t nr_chunks,
		     uint64_t pfn)
{
	size_t lo = 0, hi = nr_chunks;

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

uint64_t pfn_chunks_rank(const struct pfn_chunk *chunks, size_t nr_chunks,
			 uint64_t pfn)
{
	uint64_t before = 0;

	for (size_t i = 0; i < nr_chunks; i++) {
		const struct pfn_chunk *c = &chunks[i];
		uint64_t bit = pfn - c->start_pfn;

		if (pfn < c->start_pfn)
			break;
		if (bit >= c->nr_pfns) {
			before += c->nr_set;
			continue;
		}
		if (!(c->words[bit / 64] >> (bit % 64) & 1))
			break;
		return before + bitmap_weight(c->words, bit);
	}
	return PFN_WALK_END;
}
