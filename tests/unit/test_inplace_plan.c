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
#define OWN_END		256	/* the restoring kernel runs in [1, OWN_END) */
#define SRC_BASE	2048	/* where the jump put pages 1.. */

static uint64_t words[RAM_PAGES / 64];
static struct khib_image_redirect redirects[OWN_END];
static const struct khib_image_range ram = { 0, RAM_PAGES };
static const struct khib_image_range own = { 1, OWN_END };

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
		redirects[p - 1] = (struct khib_image_redirect){ p, SRC_BASE + p };
	return OWN_END - 1;
}

static int plan_for(struct inplace_plan *plan, size_t nr_redirects, char *why)
{
	struct pfn_chunk chunk = {
		.start_pfn = 0, .nr_pfns = RAM_PAGES, .words = words,
	};

	return inplace_plan_make(plan, &chunk, 1, &ram, 1, redirects,
				 nr_redirects, &own, 1, why, 256);
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
	seg = plan.segment_pfn;
	ok(plan.segment_pages == inplace_segment_pages(1, RAM_PAGES) &&
	   seg >= SRC_BASE + 100 && seg + plan.segment_pages <= SRC_BASE + OWN_END,
	   "the restore code sits in swapped pages nobody uses (%llu pages at %llu)",
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
	ok(plan_for(&plan, n, why) && strstr(why, "no run of"),
	   "no room for the restore code is refused: %s", why);
}

int main(void)
{
	test_good_plan();
	test_refusals();
	return tap_done();
}
