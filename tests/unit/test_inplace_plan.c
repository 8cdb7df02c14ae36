// SPDX-License-Identifier: GPL-2.0
/*
 * The plan of a restore in place: image pages in the restoring kernel's
 * own RAM are parked where the jump had them, the restore code goes into
 * swapped pages nobody uses, and plans that cannot work are refused.
 */
#include <string.h>

#include "inplace_plan.h"
#include "tap.h"

#define RAM_PAGES	4096
#define OWN_END		256	/* the restoring kernel: [1, OWN_END) */
#define SRC_BASE	2048	/* where the jump put pages 1.. */

static uint64_t words[RAM_PAGES / 64];
static struct khib_image_redirect redirects[OWN_END];
static const struct khib_image_range ram = { 0, RAM_PAGES };
static const struct khib_image_range own = { 1, OWN_END };
static uint64_t free_pfns[16];
static size_t nr_free;

static void set_page(uint64_t pfn)
{
	words[pfn / 64] |= 1ULL << (pfn % 64);
}

static void clear_page(uint64_t pfn)
{
	words[pfn / 64] &= ~(1ULL << (pfn % 64));
}

/* Pages [0, 100) and [1000, 1100) saved; every own page swapped. */
static size_t setup(void)
{
	memset(words, 0, sizeof(words));
	for (uint64_t p = 0; p < 100; p++)
		set_page(p);
	for (uint64_t p = 1000; p < 1100; p++)
		set_page(p);
	for (uint64_t p = 1; p < OWN_END; p++)
		redirects[p - 1] =
			(struct khib_image_redirect){ p, SRC_BASE + p };
	nr_free = 0;
	return OWN_END - 1;
}

static int plan_for(struct inplace_plan *plan, size_t nr_redirects, char *why)
{
	struct pfn_chunk chunk = {
		.start_pfn = 0, .nr_pfns = RAM_PAGES, .words = words,
	};
	struct inplace_input in = {
		.chunks = &chunk, .nr_chunks = 1, .ram = &ram, .nr_ram = 1,
		.redirects = redirects, .nr_redirects = nr_redirects,
		.free_pfns = free_pfns, .nr_free = nr_free,
	};

	return inplace_plan_make(plan, &in, &own, 1, why, 256);
}

static void test_good_plan(void)
{
	struct inplace_plan plan;
	char why[256] = "";
	size_t n = setup();
	uint64_t seg;

	ok(!plan_for(&plan, n, why), "a plan is made (%s)", why);
	ok(plan.parked == 99, "the 99 saved own pages are parked (%llu)",
	   (unsigned long long)plan.parked);
	ok(plan.nr_runs == 1 && plan.runs[0].dst_pfn == 1 &&
	   plan.runs[0].src_pfn == SRC_BASE + 1 && plan.runs[0].nr_pages == 99,
	   "in one run from where the jump had them");
	seg = plan.segment_pfns[0];
	ok(plan.segment_pages == inplace_segment_pages(1, RAM_PAGES) &&
	   plan.segment_runs == 1 && seg >= SRC_BASE + 100 &&
	   plan.segment_pfns[plan.segment_pages - 1] ==
	   seg + plan.segment_pages - 1 &&
	   seg + plan.segment_pages <= SRC_BASE + OWN_END,
	   "the restore code sits in one run of swapped pages nobody uses (%llu pages at %llu)",
	   (unsigned long long)plan.segment_pages, (unsigned long long)seg);
	ok(inplace_destination(redirects, n, &own, 1, 5) == SRC_BASE + 5 &&
	   inplace_destination(redirects, n, &own, 1, 1000) == 1000 &&
	   inplace_destination(redirects, n, &own, 1, 0) == 0,
	   "own pages go to their parking place, others in place");
	inplace_plan_free(&plan);
}

static void test_refusals(void)
{
	struct inplace_plan plan;
	char why[256] = "";
	size_t n = setup();

	/* Page 7 of its own RAM saved but never swapped out. */
	redirects[6].pfn = 300;
	redirects[6].src_pfn = 3000;
	ok(plan_for(&plan, n, why) && strstr(why, "no place outside"),
	   "a saved own page without a parking place is refused: %s", why);

	n = setup();
	set_page(SRC_BASE + 3);
	ok(plan_for(&plan, n, why) && strstr(why, "no place outside"),
	   "a parking place that is itself an image page is refused: %s", why);

	n = setup();
	for (uint64_t p = 100; p < OWN_END; p++)
		set_page(p);
	clear_page(SRC_BASE + 3);
	ok(plan_for(&plan, n, why) && strstr(why, "needs"),
	   "no room for the restore code is refused: %s", why);

	/* Room in scattered pages: the descriptor's, apart from each other. */
	for (nr_free = 0; nr_free < 16; nr_free++)
		free_pfns[nr_free] = 3000 + 2 * nr_free;
	ok(!plan_for(&plan, n, why) &&
	   plan.segment_runs == plan.segment_pages &&
	   plan.segment_pfns[0] == 3000,
	   "single free pages take the restore code, one segment each (%s)", why);
	inplace_plan_free(&plan);
	free_pfns[0] = 50;	/* an image page */
	free_pfns[1] = 10;	/* its own memory */
	ok(!plan_for(&plan, n, why) && plan.segment_pfns[0] == 3004,
	   "free pages in the image or in its own memory are not taken (%s)", why);
	inplace_plan_free(&plan);
	for (nr_free = 0; nr_free < 4; nr_free++)
		free_pfns[nr_free] = 3000 + 2 * nr_free;
	ok(plan_for(&plan, n, why) && strstr(why, "needs"),
	   "too few of them is refused: %s", why);
}

int main(void)
{
	test_good_plan();
	test_refusals();
	return tap_done();
}
