// SPDX-License-Identifier: GPL-2.0
/* The bitmap walk shared by the writer and khib-restore. */
#include <stdlib.h>
#include <string.h>

#include "pfn_bitmap.h"
#include "tap.h"

static uint64_t walk_all(const struct pfn_chunk *c, size_t n, uint64_t *out,
			 size_t max)
{
	struct pfn_walk w;
	uint64_t pfn, count = 0;

	pfn_walk_init(&w, c, n);
	while ((pfn = pfn_walk_next(&w)) != PFN_WALK_END) {
		if (count < max)
			out[count] = pfn;
		count++;
	}
	return count;
}

static void test_weight_and_tail(void)
{
	uint64_t w[3] = { ~0ULL, 0x5, 0x1ULL << 3 };

	ok(bitmap_weight(w, 64) == 64, "weight of a full word");
	ok(bitmap_weight(w, 67) == 66, "weight stops at nr_bits");
	ok(bitmap_weight(w, 192) == 67, "weight over three words");
	ok(bitmap_tail_clear(w, 132), "no bit is set past 132 bits");
	ok(!bitmap_tail_clear(w, 131), "bit 131 lies past 131 bits");
	ok(bitmap_tail_clear(w, 128), "a whole number of words has no tail");
}

static void test_walk(void)
{
	uint64_t a[2] = { 1ULL | 1ULL << 63, 1ULL };	/* bits 0, 63, 64 */
	uint64_t b[1] = { 1ULL << 9 };			/* bit 9 of 10 */
	uint64_t none[1] = { 0 };
	struct pfn_chunk c[3] = {
		{ .start_pfn = 100, .nr_pfns = 65, .nr_set = 3, .words = a },
		{ .start_pfn = 1000, .nr_pfns = 10, .nr_set = 0, .words = none },
		{ .start_pfn = 5000, .nr_pfns = 10, .nr_set = 1, .words = b },
	};
	uint64_t got[8], total;
	char why[128];

	ok(walk_all(c, 3, got, 8) == 4, "four set bits found");
	ok(got[0] == 100 && got[1] == 163 && got[2] == 164 && got[3] == 5009,
	   "in ascending PFN order, including word edges and the last bit");
	ok(walk_all(c, 0, got, 8) == 0, "an empty list walks nothing");

	ok(pfn_chunks_check(c, 3, &total, why, sizeof(why)) && total == 4,
	   "a good list passes and counts its bits");

	ok(pfn_chunks_rank(c, 3, 100) == 0 && pfn_chunks_rank(c, 3, 163) == 1 &&
	   pfn_chunks_rank(c, 3, 164) == 2 && pfn_chunks_rank(c, 3, 5009) == 3,
	   "each set bit's rank is its place in the walk");
	ok(pfn_chunks_rank(c, 3, 101) == PFN_WALK_END &&
	   pfn_chunks_rank(c, 3, 1005) == PFN_WALK_END &&
	   pfn_chunks_rank(c, 3, 99) == PFN_WALK_END &&
	   pfn_chunks_rank(c, 3, 6000) == PFN_WALK_END,
	   "clear bits, gaps and PFNs outside every chunk have no rank");
}

static void test_check_failures(void)
{
	uint64_t w[1] = { 0x3 }, tail[1] = { 1ULL << 20 };
	struct pfn_chunk c[2] = {
		{ .start_pfn = 0, .nr_pfns = 16, .nr_set = 2, .words = w },
		{ .start_pfn = 16, .nr_pfns = 16, .nr_set = 2, .words = w },
	};
	uint64_t total;
	char why[128];

	c[1].start_pfn = 10;
	ok(!pfn_chunks_check(c, 2, &total, why, sizeof(why)) &&
	   strstr(why, "overlaps"), "overlapping chunks are refused: %s", why);
	c[1].start_pfn = 16;
	c[1].nr_set = 3;
	ok(!pfn_chunks_check(c, 2, &total, why, sizeof(why)) &&
	   strstr(why, "counted"), "a wrong nr_set is refused: %s", why);
	c[1].nr_set = 1;
	c[1].words = tail;
	ok(!pfn_chunks_check(c, 2, &total, why, sizeof(why)) &&
	   strstr(why, "past its end"), "bits past nr_pfns are refused: %s",
	   why);
	c[1].nr_pfns = 0;
	ok(!pfn_chunks_check(c, 2, &total, why, sizeof(why)),
	   "an empty chunk is refused");
}

static void test_large_random(void)
{
	enum { PFNS = 3 * 32768 + 123 };
	uint64_t *words = calloc(PFNS / 64 + 1, 8), n = 0, pfn;
	struct pfn_chunk c[4];
	struct pfn_walk w;
	uint64_t expect = 0, mismatches = 0, seed = 42;

	for (uint64_t i = 0; i < PFNS; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 33) % 3 == 0) {
			words[i / 64] |= 1ULL << (i % 64);
			n++;
		}
	}
	/* Four chunks of one bitmap, the last one short. */
	for (int i = 0; i < 4; i++) {
		c[i].start_pfn = 7 + (uint64_t)i * 32768;
		c[i].nr_pfns = i < 3 ? 32768 : 123;
		c[i].words = words + (size_t)i * 512;
		c[i].nr_set = (uint32_t)bitmap_weight(c[i].words, c[i].nr_pfns);
	}
	pfn_walk_init(&w, c, 4);
	for (uint64_t i = 0; i < PFNS; i++) {
		if (!(words[i / 64] & (1ULL << (i % 64))))
			continue;
		pfn = pfn_walk_next(&w);
		if (pfn != 7 + i)
			mismatches++;
		expect++;
	}
	ok(expect == n && !mismatches && pfn_walk_next(&w) == PFN_WALK_END,
	   "a walk over %llu random bits in 4 chunks visits each once, in order",
	   (unsigned long long)n);
	free(words);
}

int main(void)
{
	test_weight_and_tail();
	test_walk();
	test_check_failures();
	test_large_random();
	return tap_done();
}
