// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "image_format.h"
#include "image_groups.h"

uint64_t image_hash(const void *buf, size_t len)
{
	return XXH3_64bits(buf, len);
}

size_t image_record_max(void)
{
	return align_up(sizeof(struct khib_chunk_header) +
			ZSTD_compressBound(KHIB_CHUNK_PAGES * KHIB_PAGE_SIZE) +
			KHIB_CRYPT_TAG_LEN, KHIB_RECORD_ALIGN);
}

uint64_t image_max_bytes(uint64_t nr_pages, uint64_t nr_records,
			 uint64_t map_bytes, uint64_t mem_map_bytes)
{
	/* A record stored as it is: its pages and one block of header,
	 * tag and padding. */
	_Static_assert(sizeof(struct khib_chunk_header) + KHIB_CRYPT_TAG_LEN <=
		       KHIB_RECORD_ALIGN, "a record's overhead is one block");

	/* Superblock, records, header page, page map, group table, zero
	 * map, memory map. */
	return 2 * KHIB_IMAGE_ALIGN +
	       (nr_pages + nr_records) * KHIB_PAGE_SIZE +
	       align_up(map_bytes, KHIB_IMAGE_ALIGN) +
	       align_up(nr_records * sizeof(struct khib_group_entry),
			KHIB_IMAGE_ALIGN) +
	       align_up(bitmap_words(nr_pages) * 8, KHIB_IMAGE_ALIGN) +
	       align_up(mem_map_bytes, KHIB_IMAGE_ALIGN);
}

#define PBES_PER_PAGE	170	/* struct pbe entries per page */
#define BITMAP_PAGES(ram)	((ram) / (KHIB_PAGE_SIZE * 8) + 2)

uint64_t image_resume_need_kib(uint64_t nr_pages, uint64_t nr_ram_pages)
{
	uint64_t pages = nr_pages + nr_pages / PBES_PER_PAGE + 1 +
			 3 * BITMAP_PAGES(nr_ram_pages);

	return pages * (KHIB_PAGE_SIZE / 1024);
}

bool release_printable(const char *release, size_t len)
{
	const char *end = memchr(release, '\0', len);

	if (!end || end == release)
		return false;
	for (const char *c = release; c < end; c++)
		if (*c < 0x20 || *c > 0x7e)
			return false;
	return true;
}


bool image_page_is_zero(const void *page)
{
	const uint64_t *w = page;

	/* Word-wise; most pages differ from zero in their first word. */
	for (size_t i = 0; i < KHIB_PAGE_SIZE / sizeof(*w); i += 8)
		if (w[i] | w[i + 1] | w[i + 2] | w[i + 3] |
		    w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7])
			return false;
	return true;
}

int image_content_hash(const void *const *pages, uint32_t nr_pages,
		       uint64_t hash[2])
{
	XXH3_state_t *state = XXH3_createState();
	XXH128_hash_t h;

	if (!state || XXH3_128bits_reset(state) == XXH_ERROR) {
		XXH3_freeState(state);
		return -1;
	}
	for (uint32_t i = 0; i < nr_pages; i++)
		XXH3_128bits_update(state, pages[i], KHIB_PAGE_SIZE);
	h = XXH3_128bits_digest(state);
	XXH3_freeState(state);
	hash[0] = h.low64;
	hash[1] = h.high64;
	return 0;
}

void chunk_header_seal(struct khib_chunk_header *h)
{
	h->header_hash = 0;
	h->header_hash = image_hash(h, sizeof(*h));
}

bool chunk_header_check(const struct khib_chunk_header *h, uint64_t index,
			const struct khib_group_entry *entry, uint64_t image_id,
			const uint64_t *image_pages, char *why, size_t why_len)
{
	struct khib_chunk_header copy = *h;

	copy.header_hash = 0;
	if (h->magic != KHIB_CHUNK_MAGIC ||
	    image_hash(&copy, sizeof(copy)) != h->header_hash) {
		snprintf(why, why_len, "chunk %llu: header damaged",
			 (unsigned long long)index);
		return false;
	}
	if (h->image_id != image_id) {
		snprintf(why, why_len,
			 "chunk %llu: belongs to another image (%#llx, not %#llx)",
			 (unsigned long long)index,
			 (unsigned long long)h->image_id,
			 (unsigned long long)image_id);
		return false;
	}
	if (h->group != entry->group || h->pass != entry->pass) {
		snprintf(why, why_len,
			 "chunk %llu: out of sequence (says group %llu pass %u, not group %llu pass %u)",
			 (unsigned long long)index,
			 (unsigned long long)h->group, h->pass,
			 (unsigned long long)entry->group, entry->pass);
		return false;
	}
	if (h->reserved || !h->nr_pages ||
	    h->nr_pages != group_weight(h->page_set) ||
	    !group_subset(image_pages, h->page_set)) {
		snprintf(why, why_len,
			 "chunk %llu: does not hold the image's pages of group %llu",
			 (unsigned long long)index,
			 (unsigned long long)h->group);
		return false;
	}
	if (h->encoding != KHIB_ENC_RAW && h->encoding != KHIB_ENC_ZSTD) {
		snprintf(why, why_len, "chunk %llu: unknown encoding %u",
			 (unsigned long long)index, h->encoding);
		return false;
	}
	if (!bitmap_tail_clear(h->zero_map, h->nr_pages)) {
		snprintf(why, why_len, "chunk %llu: zero map past its pages",
			 (unsigned long long)index);
		return false;
	}
	return true;
}

size_t page_map_bytes(const struct pfn_chunk *chunks, size_t nr_chunks)
{
	size_t bytes = 0, i;

	for (i = 0; i < nr_chunks; i++)
		bytes += sizeof(struct khib_map_chunk) +
			 bitmap_words(chunks[i].nr_pfns) * 8;
	return bytes;
}

void page_map_encode(void *buf, const struct pfn_chunk *chunks,
		     size_t nr_chunks)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < nr_chunks; i++) {
		struct khib_map_chunk rec = {
			.start_pfn = chunks[i].start_pfn,
			.nr_pfns = chunks[i].nr_pfns,
			.nr_set = chunks[i].nr_set,
		};
		size_t words = bitmap_words(chunks[i].nr_pfns) * 8;

		memcpy(p, &rec, sizeof(rec));
		memcpy(p + sizeof(rec), chunks[i].words, words);
		p += sizeof(rec) + words;
	}
}

uint64_t page_map_max_bytes(void)
{
	return (uint64_t)KHIB_MAX_MAP_CHUNKS *
	       (sizeof(struct khib_map_chunk) + KHIB_MAP_CHUNK_PFNS / 8);
}

bool page_map_decode(const void *buf, size_t len, struct pfn_chunk **chunks,
		     size_t *nr_chunks, char *why, size_t why_len)
{
	const uint8_t *p = buf, *end = p + len;
	struct pfn_chunk *list = NULL;
	size_t n = 0, cap = 0;

	if ((uintptr_t)buf % 8) {
		snprintf(why, why_len, "page map buffer misaligned");
		return false;
	}
	while (p < end) {
		struct khib_map_chunk rec;
		size_t words;

		if ((size_t)(end - p) < sizeof(rec)) {
			snprintf(why, why_len, "page map truncated");
			goto fail;
		}
		memcpy(&rec, p, sizeof(rec));
		if (rec.nr_pfns == 0 || rec.nr_pfns > KHIB_MAP_CHUNK_PFNS) {
			snprintf(why, why_len, "page map record %zu covers %u PFNs",
				 n, rec.nr_pfns);
			goto fail;
		}
		if (n == KHIB_MAX_MAP_CHUNKS) {
			snprintf(why, why_len, "page map holds more than %u records",
				 KHIB_MAX_MAP_CHUNKS);
			goto fail;
		}
		words = bitmap_words(rec.nr_pfns) * 8;
		if ((size_t)(end - p) - sizeof(rec) < words) {
			snprintf(why, why_len, "page map record %zu truncated", n);
			goto fail;
		}
		if (n == cap) {
			struct pfn_chunk *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown) {
				snprintf(why, why_len, "out of memory");
				goto fail;
			}
			list = grown;
		}
		list[n].start_pfn = rec.start_pfn;
		list[n].nr_pfns = rec.nr_pfns;
		list[n].nr_set = rec.nr_set;
		list[n].words = (const uint64_t *)(p + sizeof(rec));
		n++;
		p += sizeof(rec) + words;
	}
	*chunks = list;
	*nr_chunks = n;
	return true;
fail:
	free(list);
	return false;
}

static bool in_ram(const struct image_mem_map *m, uint64_t pfn)
{
	for (uint64_t i = 0; i < m->nr_ram; i++)
		if (pfn >= m->ram[i].start_pfn && pfn < m->ram[i].end_pfn)
			return true;
	return false;
}

bool image_ranges_check(const struct khib_image_range *range, uint64_t n,
			const char *what, char *why, size_t why_len)
{
	for (uint64_t i = 0; i < n; i++)
		if (range[i].start_pfn >= range[i].end_pfn ||
		    (i && range[i].start_pfn < range[i - 1].end_pfn)) {
			snprintf(why, why_len,
				 "%s range %" PRIu64 " of the memory map (PFNs %#" PRIx64 "-%#" PRIx64 ") is empty or out of order",
				 what, i, (uint64_t)range[i].start_pfn,
				 (uint64_t)range[i].end_pfn);
			return false;
		}
	return true;
}

bool image_mem_map_check(const struct image_mem_map *m, char *why,
			 size_t why_len)
{
	if (!image_ranges_check(m->ram, m->nr_ram, "RAM", why, why_len) ||
	    !image_ranges_check(m->own, m->nr_own, "lent RAM", why, why_len))
		return false;
	for (uint64_t i = 0; i < m->nr_free; i++)
		if ((i && m->free_pfns[i] <= m->free_pfns[i - 1]) ||
		    !in_ram(m, m->free_pfns[i])) {
			snprintf(why, why_len,
				 "free page %" PRIu64 " of the memory map is out of order or outside RAM",
				 i);
			return false;
		}
	for (uint64_t i = 0; i < m->nr_redirects; i++) {
		const struct khib_image_redirect *d = &m->redirects[i];

		if ((i && d->pfn <= m->redirects[i - 1].pfn) ||
		    !in_ram(m, d->pfn) || !in_ram(m, d->src_pfn)) {
			snprintf(why, why_len,
				 "swapped page %" PRIu64 " of the memory map is out of order or outside RAM",
				 i);
			return false;
		}
	}
	return true;
}
