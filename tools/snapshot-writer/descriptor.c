// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "descriptor.h"
#include "image_format.h"
#include "resume_record.h"

#define CHUNKS_PER_TABLE \
	KEXEC_HIB_TABLE_ENTRIES(DESC_PAGE_SIZE, struct kexec_hib_bitmap_chunk)
#define REDIRECTS_PER_TABLE \
	KEXEC_HIB_TABLE_ENTRIES(DESC_PAGE_SIZE, struct kexec_hib_redirect)

struct loader {
	struct descriptor_view *view;
	phys_read_fn read_page;
	void *ctx;
	char *why;
	size_t why_len;
	uint8_t page[DESC_PAGE_SIZE];
};

static int __attribute__((format(printf, 3, 4)))
fail(struct loader *l, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, l->why_len, fmt, ap);
	va_end(ap);
	return error;
}

static bool note_page(struct descriptor_view *v, uint64_t pfn)
{
	if (v->nr_desc_pfns == v->desc_pfns_cap) {
		size_t n = v->desc_pfns_cap ? 2 * v->desc_pfns_cap : 64;
		uint64_t *p = realloc(v->desc_pfns, n * sizeof(*p));

		if (!p)
			return false;
		v->desc_pfns = p;
		v->desc_pfns_cap = n;
	}
	v->desc_pfns[v->nr_desc_pfns++] = pfn;
	return true;
}

static bool load_page(struct loader *l, uint64_t phys)
{
	if (phys % DESC_PAGE_SIZE ||
	    !note_page(l->view, phys / DESC_PAGE_SIZE))
		return false;
	return l->read_page(l->ctx, phys / DESC_PAGE_SIZE, l->page);
}

static bool crc_ok(void *buf, size_t len, uint32_t *field)
{
	uint32_t want = *field;
	uint32_t got;

	*field = 0;
	got = crc32_of(buf, len);
	*field = want;
	return got == want;
}

/* Pages of RAM in the descriptor's (checked, ordered) RAM ranges. */
static uint64_t ram_pages(const struct kexec_hib_descriptor *d)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < d->nr_ram_ranges; i++)
		n += d->ram[i].end_pfn - d->ram[i].start_pfn;
	return n;
}

static bool in_ram(const struct kexec_hib_descriptor *d, uint64_t pfn)
{
	uint32_t lo = 0, hi = d->nr_ram_ranges;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (pfn < d->ram[mid].start_pfn)
			hi = mid;
		else if (pfn >= d->ram[mid].end_pfn)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static int check_fixed_part(struct loader *l, uint64_t phys)
{
	struct kexec_hib_descriptor *d = &l->view->desc;
	uint32_t i;

	if (!load_page(l, phys))
		return fail(l, KEXEC_HIB_ERR_MAP,
			    "cannot read the descriptor page at %#" PRIx64,
			    phys);
	memcpy(d, l->page, sizeof(*d));
	if (d->magic != KEXEC_HIB_DESCRIPTOR_MAGIC)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "no descriptor at %#" PRIx64 " (magic %#" PRIx64 ")",
			    phys, (uint64_t)d->magic);
	if (d->abi_major != KEXEC_HIB_ABI_MAJOR)
		return fail(l, KEXEC_HIB_ERR_ABI,
			    "descriptor ABI %u.%u, this writer reads %u.x",
			    d->abi_major, d->abi_minor, KEXEC_HIB_ABI_MAJOR);
	if (d->size == offsetof(struct kexec_hib_descriptor, resume))
		return fail(l, KEXEC_HIB_ERR_ABI,
			    "the kernel does not say how its image is resumed (a descriptor without the resume record): its hibernation patches are older than these tools");
	if (d->size < sizeof(*d) || d->size > KEXEC_HIB_STATUS_OFFSET)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "descriptor size %u, expected %zu to %u",
			    d->size, sizeof(*d), KEXEC_HIB_STATUS_OFFSET);
	if (!crc_ok(l->page, d->size,
		    (uint32_t *)(l->page + offsetof(struct kexec_hib_descriptor,
						    checksum))))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "descriptor checksum mismatch");
	if (d->page_size != DESC_PAGE_SIZE)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "page size %u, this writer handles %d",
			    d->page_size, DESC_PAGE_SIZE);
	if (d->nr_ram_ranges == 0 ||
	    d->nr_ram_ranges > KEXEC_HIB_MAX_RAM_RANGES)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR, "%u RAM ranges",
			    d->nr_ram_ranges);
	for (i = 0; i < d->nr_ram_ranges; i++) {
		const struct kexec_hib_ram_range *r = &d->ram[i];

		if (r->start_pfn >= r->end_pfn ||
		    (i && r->start_pfn < d->ram[i - 1].end_pfn))
			return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
				    "RAM range %u at PFN %#" PRIx64
				    " is empty or out of order",
				    i, (uint64_t)r->start_pfn);
	}
	if (!release_printable(d->release, sizeof(d->release)))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "kernel release not a terminated, printable string");
	if (resume_record_check(&d->resume,
				d->ram[d->nr_ram_ranges - 1].end_pfn,
				l->why, l->why_len) != RESUME_USABLE)
		return KEXEC_HIB_ERR_ABI;
	/* Checked before they size any allocation. */
	if (d->nr_bitmap_chunks == 0)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR, "no bitmap chunks");
	if (d->nr_bitmap_chunks > KHIB_MAX_MAP_CHUNKS)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "%" PRIu64 " bitmap chunks: the image format holds at most %u (16 TiB of memory span)",
			    (uint64_t)d->nr_bitmap_chunks, KHIB_MAX_MAP_CHUNKS);
	if (d->nr_redirects > ram_pages(d) ||
	    d->nr_image_pages > ram_pages(d))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "%" PRIu64 " redirects or %" PRIu64
			    " image pages for %" PRIu64 " pages of RAM",
			    (uint64_t)d->nr_redirects,
			    (uint64_t)d->nr_image_pages, ram_pages(d));
	return KEXEC_HIB_OK;
}

/*
 * Load the next table of a chain into l->page and check its header.
 * @index counts tables from 0; @left is the number of entries still due.
 */
static int load_table(struct loader *l, uint64_t phys, uint16_t type,
		      uint32_t index, uint64_t left, size_t capacity)
{
	struct kexec_hib_table_header *t = (void *)l->page;
	if (!phys || !load_page(l, phys))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "cannot read table %u of a chain at %#" PRIx64,
			    index, phys);
	if (t->magic != KEXEC_HIB_TABLE_MAGIC || t->type != type ||
	    t->index != index)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "the page at %#" PRIx64 " is not table %u of its chain",
			    phys, index);
	if (!crc_ok(l->page, DESC_PAGE_SIZE, &t->checksum))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "checksum mismatch in the table at %#" PRIx64, phys);
	if (t->nr_entries == 0 || t->nr_entries > capacity ||
	    t->nr_entries > left)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "the table at %#" PRIx64 " has %u entries", phys,
			    t->nr_entries);
	if ((t->nr_entries == left) != (t->next == 0))
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "a table chain ends at the wrong table (%u)", index);
	return KEXEC_HIB_OK;
}

static int load_bitmaps(struct loader *l)
{
	struct descriptor_view *v = l->view;
	const struct kexec_hib_descriptor *d = &v->desc;
	uint64_t phys = d->bitmap_tables, done = 0, total;
	struct kexec_hib_bitmap_chunk entries[CHUNKS_PER_TABLE];
	uint32_t index = 0;
	int error;

	v->nr_chunks = d->nr_bitmap_chunks;
	v->chunks = calloc(v->nr_chunks, sizeof(*v->chunks));
	v->bits = calloc(v->nr_chunks, DESC_PAGE_SIZE);
	if (!v->chunks || !v->bits)
		return fail(l, KEXEC_HIB_ERR_NO_MEMORY,
			    "no memory for %zu bitmap chunks", v->nr_chunks);

	while (done < v->nr_chunks) {
		struct kexec_hib_bitmap_table *t = (void *)l->page;
		uint16_t n;

		error = load_table(l, phys, KEXEC_HIB_TABLE_BITMAP, index,
				   v->nr_chunks - done, CHUNKS_PER_TABLE);
		if (error)
			return error;
		n = t->header.nr_entries;
		phys = t->header.next;
		memcpy(entries, t->chunks, n * sizeof(entries[0]));

		for (uint16_t i = 0; i < n; i++, done++) {
			const struct kexec_hib_bitmap_chunk *e = &entries[i];
			struct pfn_chunk *c = &v->chunks[done];
			uint64_t *words = v->bits + done * (DESC_PAGE_SIZE / 8);
			size_t bytes = bitmap_words(e->nr_pfns) * 8;

			if (e->nr_pfns == 0 || e->nr_pfns > KHIB_MAP_CHUNK_PFNS)
				return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
					    "bitmap chunk %" PRIu64
					    " covers %u pages",
					    done, e->nr_pfns);
			if (!load_page(l, e->bitmap))
				return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
					    "cannot read bitmap chunk %" PRIu64
					    " at %#" PRIx64,
					    done, (uint64_t)e->bitmap);
			if (crc32_of(l->page, bytes) != e->checksum)
				return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
					    "checksum mismatch in bitmap chunk %"
					    PRIu64, done);
			memcpy(words, l->page, bytes);
			c->start_pfn = e->start_pfn;
			c->nr_pfns = e->nr_pfns;
			c->nr_set = e->nr_set;
			c->words = words;
		}
		index++;
	}

	if (!pfn_chunks_check(v->chunks, v->nr_chunks, &total,
			      l->why, l->why_len))
		return KEXEC_HIB_ERR_DESCRIPTOR;
	if (total != d->nr_image_pages)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "bitmaps mark %" PRIu64 " pages, the descriptor says %"
			    PRIu64, total, (uint64_t)d->nr_image_pages);
	if (v->chunks[0].start_pfn < d->ram[0].start_pfn ||
	    v->chunks[v->nr_chunks - 1].start_pfn +
	    v->chunks[v->nr_chunks - 1].nr_pfns >
	    d->ram[d->nr_ram_ranges - 1].end_pfn)
		return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			    "bitmaps reach outside RAM");
	return KEXEC_HIB_OK;
}

static int cmp_redirect(const void *a, const void *b)
{
	const struct kexec_hib_redirect *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

bool descriptor_page_saved(const struct descriptor_view *view, uint64_t pfn)
{
	return pfn_chunks_test(view->chunks, view->nr_chunks, pfn);
}

static bool redirected(const struct descriptor_view *v, uint64_t pfn)
{
	struct kexec_hib_redirect key = { .pfn = pfn };

	return bsearch(&key, v->redirects, v->nr_redirects,
		       sizeof(*v->redirects), cmp_redirect);
}

static int load_redirects(struct loader *l)
{
	struct descriptor_view *v = l->view;
	uint64_t phys = v->desc.redirect_tables, done = 0;
	uint32_t index = 0;
	int error;

	v->nr_redirects = v->desc.nr_redirects;
	if (!v->nr_redirects)
		return KEXEC_HIB_OK;
	v->redirects = calloc(v->nr_redirects, sizeof(*v->redirects));
	if (!v->redirects)
		return fail(l, KEXEC_HIB_ERR_NO_MEMORY,
			    "no memory for %zu redirects", v->nr_redirects);

	while (done < v->nr_redirects) {
		struct kexec_hib_redirect_table *t = (void *)l->page;

		error = load_table(l, phys, KEXEC_HIB_TABLE_REDIRECT, index,
				   v->nr_redirects - done,
				   REDIRECTS_PER_TABLE);
		if (error)
			return error;
		memcpy(v->redirects + done, t->redirects,
		       t->header.nr_entries * sizeof(*v->redirects));
		done += t->header.nr_entries;
		phys = t->header.next;
		index++;
	}

	qsort(v->redirects, v->nr_redirects, sizeof(*v->redirects),
	      cmp_redirect);
	for (size_t i = 0; i < v->nr_redirects; i++) {
		if (i && v->redirects[i].pfn == v->redirects[i - 1].pfn)
			return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
				    "PFN %#" PRIx64 " redirected twice",
				    (uint64_t)v->redirects[i].pfn);
		if (v->redirects[i].pfn == v->redirects[i].src_pfn)
			return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
				    "PFN %#" PRIx64 " redirected to itself",
				    (uint64_t)v->redirects[i].pfn);
		if (!in_ram(&v->desc, v->redirects[i].pfn) ||
		    !in_ram(&v->desc, v->redirects[i].src_pfn))
			return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
				    "redirect of PFN %#" PRIx64 " to %#" PRIx64
				    " outside RAM",
				    (uint64_t)v->redirects[i].pfn,
				    (uint64_t)v->redirects[i].src_pfn);
	}
	/*
	 * A source holds a saved page while the hibernate kernel runs, so
	 * it can be neither saved itself nor the target of another
	 * redirect: that would be a chain or a loop.
	 */
	for (size_t i = 0; i < v->nr_redirects; i++) {
		uint64_t src = v->redirects[i].src_pfn;
		const char *bad = redirected(v, src) ?
				  "redirected too (a chain or loop)" :
				  descriptor_page_saved(v, src) ? "saved itself" : NULL;

		if (bad)
			return fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
				    "redirect of PFN %#" PRIx64 " to %#" PRIx64
				    ": the source is %s",
				    (uint64_t)v->redirects[i].pfn, src, bad);
	}
	return KEXEC_HIB_OK;
}

int descriptor_load(struct descriptor_view *view, uint64_t phys,
		    phys_read_fn read_page, void *ctx,
		    char *why, size_t why_len)
{
	struct loader *l;
	int error;

	memset(view, 0, sizeof(*view));
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(why, why_len, "out of memory");
		return KEXEC_HIB_ERR_NO_MEMORY;
	}
	l->view = view;
	l->read_page = read_page;
	l->ctx = ctx;
	l->why = why;
	l->why_len = why_len;

	error = check_fixed_part(l, phys);
	if (!error)
		error = load_bitmaps(l);
	if (!error)
		error = load_redirects(l);
	if (!error && !load_page(l, view->desc.image_header))
		error = fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			     "cannot read the image header at %#" PRIx64,
			     (uint64_t)view->desc.image_header);
	if (!error && crc32_of(l->page, DESC_PAGE_SIZE) !=
		      view->desc.image_header_checksum)
		error = fail(l, KEXEC_HIB_ERR_DESCRIPTOR,
			     "image header checksum mismatch");
	if (!error)
		memcpy(view->header_page, l->page, DESC_PAGE_SIZE);

	free(l);
	if (error)
		descriptor_free(view);
	return error;
}

void descriptor_free(struct descriptor_view *view)
{
	free(view->chunks);
	free(view->bits);
	free(view->redirects);
	free(view->desc_pfns);
	view->desc_pfns = NULL;
	view->nr_desc_pfns = view->desc_pfns_cap = 0;
	view->chunks = NULL;
	view->bits = NULL;
	view->redirects = NULL;
}

void redirect_cursor_init(struct redirect_cursor *c,
			  const struct descriptor_view *view)
{
	c->redirects = view->redirects;
	c->nr = view->nr_redirects;
	c->next = 0;
}

uint64_t redirect_resolve(struct redirect_cursor *c, uint64_t pfn)
{
	while (c->next < c->nr && c->redirects[c->next].pfn < pfn)
		c->next++;
	if (c->next < c->nr && c->redirects[c->next].pfn == pfn)
		return c->redirects[c->next].src_pfn;
	return pfn;
}
