// SPDX-License-Identifier: GPL-2.0
/* Loading and checking the descriptor, as the snapshot writer does. */
#include <stdlib.h>
#include <string.h>
#include <linux/kexec_hibernate.h>

#include "crc32.h"
#include "descriptor.h"
#include "fake_machine.h"
#include "image_format.h"
#include "own_memory.h"
#include "tap.h"

#define RAM_PAGES 4000

static int load(struct fake_machine *m, struct descriptor_view *v, char *why)
{
	return descriptor_load(v, m->desc_pfn * FAKE_PAGE, fake_read_page, m,
			       why, 256);
}

static void test_good(void)
{
	struct fake_machine m;
	struct descriptor_view v;
	char why[256] = "";
	uint64_t total = 0, pfn, srcs_ok = 1;
	struct redirect_cursor c;
	struct pfn_walk w;
	int err;

	fake_init(&m, RAM_PAGES, 1);
	/* 16-PFN chunks: 250 of them, in two bitmap tables. */
	fake_build_descriptor(&m, 16, 300);
	err = load(&m, &v, why);
	ok(err == KEXEC_HIB_OK, "a good descriptor loads (%s)", why);
	if (err)
		return;
	ok(v.nr_chunks == 250, "all 250 chunks from two tables");
	ok(v.nr_redirects == 300, "all 300 redirects from two tables");
	ok(v.desc.nr_image_pages == m.nr_saveable,
	   "the page count matches the saveable pages");
	ok(!strcmp(v.desc.release, "6.12.117-test"), "release copied");
	ok(((uint8_t *)v.header_page)[0] == 0x5a, "header page copied");

	pfn_walk_init(&w, v.chunks, v.nr_chunks);
	redirect_cursor_init(&c, &v);
	while ((pfn = pfn_walk_next(&w)) != PFN_WALK_END) {
		uint64_t src = redirect_resolve(&c, pfn);

		if (!m.saveable[pfn])
			srcs_ok = 0;
		if (memcmp(fake_page(&m, src), m.original + pfn * FAKE_PAGE,
			   FAKE_PAGE))
			srcs_ok = 0;
		total++;
	}
	ok(total == m.nr_saveable && srcs_ok,
	   "the walk visits exactly the saveable pages, and redirects lead to their contents");
	descriptor_free(&v);
	fake_free(&m);
}

/* Break the descriptor with @breaker; the load must fail with @want. */
static void expect_refusal(const char *what, int want, const char *needle,
			   void (*breaker)(struct fake_machine *m))
{
	struct fake_machine m;
	struct descriptor_view v;
	char why[256] = "";
	int err;

	fake_init(&m, RAM_PAGES, 2);
	fake_build_descriptor(&m, 64, 20);
	breaker(&m);
	err = load(&m, &v, why);
	ok(err == want && strstr(why, needle), "%s is refused: %s", what, why);
	fake_free(&m);
}

static struct kexec_hib_descriptor *desc(struct fake_machine *m)
{
	return fake_page(m, m->desc_pfn);
}

static void bad_magic(struct fake_machine *m)
{
	desc(m)->magic ^= 1;
}

static void new_major(struct fake_machine *m)
{
	desc(m)->abi_major = KEXEC_HIB_ABI_MAJOR + 1;
	fake_reseal(m);
}

static void no_resume_record(struct fake_machine *m)
{
	desc(m)->size = offsetof(struct kexec_hib_descriptor, resume);
	fake_reseal(m);
}

static void other_convention(struct fake_machine *m)
{
	desc(m)->resume.convention = KEXEC_HIB_RESUME_X86_64 + 1;
	fake_reseal(m);
}

/* swsusp_info grew past the page: the counts are not where they were. */
static void counts_off_page(struct fake_machine *m)
{
	desc(m)->resume.header_pages = FAKE_PAGE - 4;
	fake_reseal(m);
}

static void zero_flag_in_pfn(struct fake_machine *m)
{
	desc(m)->resume.pfn_zero_flag = 1ULL << 3;
	fake_reseal(m);
}

/* An entry whose 2 MiB page is not the one its physical address is in. */
static void entry_moved(struct fake_machine *m)
{
	desc(m)->resume.entry += FAKE_PAGE;
	fake_reseal(m);
}

static void flipped_bit(struct fake_machine *m)
{
	desc(m)->nr_ram_pages ^= 4;
}

static void short_size(struct fake_machine *m)
{
	desc(m)->size = 64;
	fake_reseal(m);
}

static void broken_chain(struct fake_machine *m)
{
	struct kexec_hib_table_header *t =
		fake_page(m, desc(m)->bitmap_tables / FAKE_PAGE);

	t->index = 3;
	t->checksum = 0;
	t->checksum = crc32_of(t, FAKE_PAGE);
}

static void bad_table_crc(struct fake_machine *m)
{
	struct kexec_hib_bitmap_table *t =
		fake_page(m, desc(m)->bitmap_tables / FAKE_PAGE);

	t->chunks[0].start_pfn++;
}

static void bad_bitmap(struct fake_machine *m)
{
	struct kexec_hib_bitmap_table *t =
		fake_page(m, desc(m)->bitmap_tables / FAKE_PAGE);
	uint64_t *bits = fake_page(m, t->chunks[1].bitmap / FAKE_PAGE);

	bits[0] ^= 1;
}

static void wrong_total(struct fake_machine *m)
{
	desc(m)->nr_image_pages++;
	fake_reseal(m);
}

static void duplicate_redirect(struct fake_machine *m)
{
	struct kexec_hib_redirect_table *t =
		fake_page(m, desc(m)->redirect_tables / FAKE_PAGE);

	t->redirects[1].pfn = t->redirects[0].pfn;
	t->header.checksum = 0;
	t->header.checksum = crc32_of(t, FAKE_PAGE);
}

static void bad_header(struct fake_machine *m)
{
	uint8_t *h = fake_page(m, desc(m)->image_header / FAKE_PAGE);

	h[100] ^= 0xff;
}

static void outside_memory(struct fake_machine *m)
{
	desc(m)->redirect_tables = (m->nr_pages + 10) * FAKE_PAGE;
	fake_reseal(m);
}

/* The writer takes exactly as many bitmap chunks as the image format. */
static void chunks_at_limit(struct fake_machine *m)
{
	desc(m)->nr_bitmap_chunks = KHIB_MAX_MAP_CHUNKS;
	fake_reseal(m);
}

static void chunks_past_limit(struct fake_machine *m)
{
	desc(m)->nr_bitmap_chunks = KHIB_MAX_MAP_CHUNKS + 1;
	fake_reseal(m);
}

static void huge_redirect_count(struct fake_machine *m)
{
	desc(m)->nr_redirects = 1ULL << 40;
	fake_reseal(m);
}

static void control_in_release(struct fake_machine *m)
{
	desc(m)->release[3] = '\033';
	fake_reseal(m);
}

static void redirect_outside_ram(struct fake_machine *m)
{
	struct kexec_hib_redirect_table *t =
		fake_page(m, desc(m)->redirect_tables / FAKE_PAGE);

	t->redirects[0].src_pfn = 1ULL << 50;
	t->header.checksum = 0;
	t->header.checksum = crc32_of(t, FAKE_PAGE);
}

static bool redirected(const struct descriptor_view *v, uint64_t pfn)
{
	for (size_t i = 0; i < v->nr_redirects; i++)
		if (v->redirects[i].pfn == pfn)
			return true;
	return false;
}

/* The writer's own RAM: saved pages of it must all be redirected. */
static void test_own_memory(void)
{
	struct fake_machine m;
	struct descriptor_view v;
	struct khib_image_range r;
	char why[256] = "";
	uint64_t checked, pfn = 8;

	fake_init(&m, RAM_PAGES, 3);
	fake_build_descriptor(&m, 64, 20);
	if (load(&m, &v, why)) {
		ok(0, "descriptor for the own-memory test: %s", why);
		return;
	}
	r.start_pfn = v.redirects[0].pfn;
	r.end_pfn = r.start_pfn + 1;
	ok(!own_memory_check(&v, &r, 1, &checked, why, sizeof(why)),
	   "own RAM that the jump swapped out is fine");
	r.start_pfn = 0;
	r.end_pfn = 8;
	ok(!own_memory_check(&v, &r, 1, &checked, why, sizeof(why)) &&
	   checked == 8, "own RAM that the image does not hold is fine");
	while (!m.saveable[pfn] || redirected(&v, pfn))
		pfn++;
	r.start_pfn = 0;
	r.end_pfn = pfn + 1;
	ok(own_memory_check(&v, &r, 1, &checked, why, sizeof(why)) &&
	   strstr(why, "not swapped out"),
	   "a saved page of its own RAM without a redirect is refused: %s", why);
	descriptor_free(&v);
	fake_free(&m);
}

static void reseal_redirects(struct fake_machine *m,
			     struct kexec_hib_redirect_table *t)
{
	(void)m;
	t->header.checksum = 0;
	t->header.checksum = crc32_of(t, FAKE_PAGE);
}

/* Redirect 0's source is redirect 1's PFN: a chain. */
static void redirect_chain(struct fake_machine *m)
{
	struct kexec_hib_redirect_table *t =
		fake_page(m, desc(m)->redirect_tables / FAKE_PAGE);

	t->redirects[0].src_pfn = t->redirects[1].pfn;
	reseal_redirects(m, t);
}

/* Two redirects pointing at each other: a loop. */
static void redirect_loop(struct fake_machine *m)
{
	struct kexec_hib_redirect_table *t =
		fake_page(m, desc(m)->redirect_tables / FAKE_PAGE);

	t->redirects[0].src_pfn = t->redirects[1].pfn;
	t->redirects[1].src_pfn = t->redirects[0].pfn;
	reseal_redirects(m, t);
}

/* A source that is itself an image page. */
static void redirect_from_saved(struct fake_machine *m)
{
	struct kexec_hib_redirect_table *t =
		fake_page(m, desc(m)->redirect_tables / FAKE_PAGE);
	uint64_t pfn = 8;

	while (!m->saveable[pfn] || pfn == t->redirects[0].pfn)
		pfn++;
	t->redirects[0].src_pfn = pfn;
	reseal_redirects(m, t);
}

int main(void)
{
	test_good();
	test_own_memory();
	expect_refusal("a wrong magic", KEXEC_HIB_ERR_DESCRIPTOR, "no descriptor",
		       bad_magic);
	expect_refusal("a newer ABI major", KEXEC_HIB_ERR_ABI, "ABI", new_major);
	/* Refused before a page is written: the system resumes, nothing lost. */
	expect_refusal("a descriptor without a resume record", KEXEC_HIB_ERR_ABI,
		       "does not say how its image is resumed", no_resume_record);
	expect_refusal("a resume convention the tools do not know",
		       KEXEC_HIB_ERR_ABI, "convention 2", other_convention);
	expect_refusal("header page counts outside the header page",
		       KEXEC_HIB_ERR_ABI, "page counts at offsets",
		       counts_off_page);
	expect_refusal("a zero-page flag inside the PFN bits", KEXEC_HIB_ERR_ABI,
		       "zero-page flag", zero_flag_in_pfn);
	expect_refusal("an entry whose address and physical address disagree",
		       KEXEC_HIB_ERR_ABI, "cannot be entered", entry_moved);
	expect_refusal("a flipped bit", KEXEC_HIB_ERR_DESCRIPTOR, "checksum",
		       flipped_bit);
	expect_refusal("a truncated size", KEXEC_HIB_ERR_DESCRIPTOR, "size",
		       short_size);
	expect_refusal("a table out of its chain", KEXEC_HIB_ERR_DESCRIPTOR,
		       "not table 0", broken_chain);
	expect_refusal("a damaged table", KEXEC_HIB_ERR_DESCRIPTOR,
		       "checksum mismatch in the table", bad_table_crc);
	expect_refusal("a damaged bitmap", KEXEC_HIB_ERR_DESCRIPTOR,
		       "bitmap chunk 1", bad_bitmap);
	expect_refusal("a page total that disagrees", KEXEC_HIB_ERR_DESCRIPTOR,
		       "the descriptor says", wrong_total);
	expect_refusal("a PFN redirected twice", KEXEC_HIB_ERR_DESCRIPTOR,
		       "redirected twice", duplicate_redirect);
	expect_refusal("a damaged image header", KEXEC_HIB_ERR_DESCRIPTOR,
		       "image header", bad_header);
	expect_refusal("a table outside memory", KEXEC_HIB_ERR_DESCRIPTOR,
		       "cannot read", outside_memory);
	/* At the limit the count passes and the chain (too short) fails. */
	expect_refusal("as many chunks as the image format holds, in too short a chain",
		       KEXEC_HIB_ERR_DESCRIPTOR, "a table chain ends", chunks_at_limit);
	expect_refusal("one chunk more than the image format holds",
		       KEXEC_HIB_ERR_DESCRIPTOR, "the image format holds at most",
		       chunks_past_limit);
	expect_refusal("a redirect count larger than RAM, before any allocation",
		       KEXEC_HIB_ERR_DESCRIPTOR, "redirects or", huge_redirect_count);
	expect_refusal("a release with a control character",
		       KEXEC_HIB_ERR_DESCRIPTOR, "printable", control_in_release);
	expect_refusal("a redirect from outside RAM", KEXEC_HIB_ERR_DESCRIPTOR,
		       "outside RAM", redirect_outside_ram);
	expect_refusal("a chain of redirects", KEXEC_HIB_ERR_DESCRIPTOR,
		       "a chain or loop", redirect_chain);
	expect_refusal("a loop of redirects", KEXEC_HIB_ERR_DESCRIPTOR,
		       "a chain or loop", redirect_loop);
	expect_refusal("a redirect whose source is saved itself",
		       KEXEC_HIB_ERR_DESCRIPTOR, "saved itself", redirect_from_saved);
	return tap_done();
}
