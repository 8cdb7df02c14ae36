// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kexec_hibernate.h>

#include "crc32.h"
#include "fake_machine.h"
#include "pattern.h"

#define SPARE_PAGES 1024

void *fake_page(struct fake_machine *m, uint64_t pfn)
{
	return m->mem + pfn * FAKE_PAGE;
}

static uint64_t fake_alloc(struct fake_machine *m)
{
	uint64_t pfn = --m->next_free;

	memset(fake_page(m, pfn), 0, FAKE_PAGE);
	return pfn;
}

void fake_init(struct fake_machine *m, uint64_t ram_pages, uint64_t seed)
{
	struct pattern p;

	memset(m, 0, sizeof(*m));
	m->nr_pages = ram_pages + SPARE_PAGES;
	m->mem = calloc(m->nr_pages, FAKE_PAGE);
	m->saveable = calloc(m->nr_pages, 1);
	m->original = calloc(m->nr_pages, FAKE_PAGE);
	m->next_free = m->nr_pages;
	pattern_init(&p, seed);
	pattern_fill(&p, m->mem, ram_pages * FAKE_PAGE);
	/* Every third page, and a run at the start, is not to be saved. */
	for (uint64_t pfn = 0; pfn < ram_pages; pfn++) {
		m->saveable[pfn] = pfn >= 8 && pfn % 3 != 1;
		m->nr_saveable += m->saveable[pfn];
	}
	memcpy(m->original, m->mem, m->nr_pages * FAKE_PAGE);
}

void fake_free(struct fake_machine *m)
{
	free(m->mem);
	free(m->saveable);
	free(m->original);
}

static void seal_table(struct kexec_hib_table_header *t)
{
	t->checksum = 0;
	t->checksum = crc32_of(t, FAKE_PAGE);
}

void fake_reseal(struct fake_machine *m)
{
	struct kexec_hib_descriptor *d = fake_page(m, m->desc_pfn);

	d->checksum = 0;
	d->checksum = crc32_of(d, d->size);
}

/* Start a table after @prev (sealing it), or as the first of a chain. */
static struct kexec_hib_table_header *new_table(struct fake_machine *m,
					   struct kexec_hib_table_header *prev,
					   uint16_t type, __u64 *first)
{
	uint64_t pfn = fake_alloc(m);
	struct kexec_hib_table_header *t = fake_page(m, pfn);

	t->magic = KEXEC_HIB_TABLE_MAGIC;
	t->type = type;
	if (prev) {
		t->index = prev->index + 1;
		prev->next = pfn * FAKE_PAGE;
		seal_table(prev);
	} else {
		*first = pfn * FAKE_PAGE;
	}
	return t;
}

static void build_bitmaps(struct fake_machine *m,
			  struct kexec_hib_descriptor *d, uint32_t chunk_pfns,
			  uint64_t ram_pages)
{
	const size_t per_table =
		KEXEC_HIB_TABLE_ENTRIES(FAKE_PAGE, struct kexec_hib_bitmap_chunk);
	struct kexec_hib_bitmap_table *t = NULL;
	uint64_t n = 0;

	for (uint64_t start = 0; start < ram_pages; start += chunk_pfns, n++) {
		uint32_t len = ram_pages - start < chunk_pfns ?
			       (uint32_t)(ram_pages - start) : chunk_pfns;
		uint64_t bits_pfn = fake_alloc(m);
		uint64_t *bits = fake_page(m, bits_pfn);
		struct kexec_hib_bitmap_chunk *e;

		if (n % per_table == 0)
			t = (void *)new_table(m, t ? &t->header : NULL,
					      KEXEC_HIB_TABLE_BITMAP,
					      &d->bitmap_tables);
		e = &t->chunks[t->header.nr_entries++];
		e->start_pfn = start;
		e->nr_pfns = len;
		e->bitmap = bits_pfn * FAKE_PAGE;
		for (uint32_t i = 0; i < len; i++) {
			if (m->saveable[start + i]) {
				bits[i / 64] |= 1ULL << (i % 64);
				e->nr_set++;
			}
		}
		e->checksum = crc32_of(bits, (len + 63) / 64 * 8);
	}
	seal_table(&t->header);
	d->nr_bitmap_chunks = n;
}

static void build_redirects(struct fake_machine *m,
			    struct kexec_hib_descriptor *d, uint64_t nr,
			    uint64_t ram_pages)
{
	const size_t per_table =
		KEXEC_HIB_TABLE_ENTRIES(FAKE_PAGE, struct kexec_hib_redirect);
	struct kexec_hib_redirect_table *t = NULL;
	uint64_t pfn = 9, done = 0;

	while (done < nr && pfn < ram_pages) {
		uint64_t src;

		if (!m->saveable[pfn]) {
			pfn++;
			continue;
		}
		if (done % per_table == 0)
			t = (void *)new_table(m, t ? &t->header : NULL,
					      KEXEC_HIB_TABLE_REDIRECT,
					      &d->redirect_tables);
		/* The jump moves the contents away and leaves garbage. */
		src = fake_alloc(m);
		memcpy(fake_page(m, src), fake_page(m, pfn), FAKE_PAGE);
		memset(fake_page(m, pfn), 0xa5, FAKE_PAGE);
		t->redirects[t->header.nr_entries].pfn = pfn;
		t->redirects[t->header.nr_entries].src_pfn = src;
		t->header.nr_entries++;
		done++;
		pfn += 7;
	}
	if (t)
		seal_table(&t->header);
	d->nr_redirects = done;
}

void fake_resume_record(struct kexec_hib_resume *r, uint64_t nr_pages)
{
	/* As x86-64 states it: swsusp_info's counts, restore_registers(). */
	*r = (struct kexec_hib_resume){
		.convention = KEXEC_HIB_RESUME_X86_64,
		.header_image_pages = 416,
		.header_pages = 424,
		.pfn_zero_flag = 1ULL << 63,
		.entry_phys = nr_pages / 2 * FAKE_PAGE,
		.page_table = FAKE_PAGE,
	};
	r->entry = 0xffffffff80000000ULL + r->entry_phys;
}

void fake_build_descriptor(struct fake_machine *m, uint32_t chunk_pfns,
			   uint64_t nr_redirects)
{
	uint64_t ram_pages = m->nr_pages - SPARE_PAGES;
	struct kexec_hib_descriptor *d;
	struct kexec_hib_status *st;
	uint64_t header;

	m->desc_pfn = fake_alloc(m);
	d = fake_page(m, m->desc_pfn);
	d->magic = KEXEC_HIB_DESCRIPTOR_MAGIC;
	d->abi_major = KEXEC_HIB_ABI_MAJOR;
	d->abi_minor = KEXEC_HIB_ABI_MINOR;
	d->size = sizeof(*d);
	d->page_size = FAKE_PAGE;
	d->sequence = 7;
	strcpy(d->release, "6.12.117-test");
	/* All of it is RAM, as the kernel's pages for tables and sources are. */
	d->nr_ram_ranges = 1;
	d->ram[0].start_pfn = 0;
	d->ram[0].end_pfn = m->nr_pages;
	d->nr_ram_pages = m->nr_pages;
	d->nr_image_pages = m->nr_saveable;
	fake_resume_record(&d->resume, m->nr_pages);

	header = fake_alloc(m);
	memset(fake_page(m, header), 0x5a, 64);
	d->image_header = header * FAKE_PAGE;
	d->image_header_checksum = crc32_of(fake_page(m, header), FAKE_PAGE);

	build_bitmaps(m, d, chunk_pfns, ram_pages);
	build_redirects(m, d, nr_redirects, ram_pages);

	st = (void *)((uint8_t *)d + KEXEC_HIB_STATUS_OFFSET);
	st->magic = KEXEC_HIB_STATUS_MAGIC;
	st->sequence = d->sequence;
	st->state = KEXEC_HIB_STATE_PENDING;
	fake_reseal(m);
}

bool fake_read_page(void *ctx, uint64_t pfn, void *page)
{
	struct fake_machine *m = ctx;

	if (pfn >= m->nr_pages) {
		errno = EFAULT;
		return false;
	}
	memcpy(page, fake_page(m, pfn), FAKE_PAGE);
	return true;
}

const void *fake_page_at(void *ctx, uint64_t pfn)
{
	struct fake_machine *m = ctx;

	if (pfn >= m->nr_pages) {
		errno = EFAULT;
		return NULL;
	}
	return fake_page(m, pfn);
}
