/* SPDX-License-Identifier: GPL-2.0 */
/* Sealing and checking the structures of khib_image.h. */
#ifndef KHIB_IMAGE_FORMAT_H
#define KHIB_IMAGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_super.h"
#include "khib_image.h"
#include "pfn_bitmap.h"

uint64_t image_hash(const void *buf, size_t len);

/*
 * Whether @release (a field of @len bytes) holds a terminated string of
 * printable ASCII: it reaches the console, so no control characters.
 */
bool release_printable(const char *release, size_t len);

/* Whether the page at @page (KHIB_PAGE_SIZE bytes) is all zero. */
bool image_page_is_zero(const void *page);

/*
 * The content hash of a group's pages (khib_precopy_entry): XXH3-128 of
 * @nr_pages pages, in order.  0, or -1 if out of memory.
 */
int image_content_hash(const void *const *pages, uint32_t nr_pages,
		       uint64_t hash[2]);

void chunk_header_seal(struct khib_chunk_header *h);
/*
 * Whether @h is a sound header of the record that entry @index of the
 * group table names, of the image (or pre-copy) @image_id, holding at
 * least @image_pages (the image's pages of its group).
 */
bool chunk_header_check(const struct khib_chunk_header *h, uint64_t index,
			const struct khib_group_entry *entry, uint64_t image_id,
			const uint64_t *image_pages, char *why, size_t why_len);

size_t page_map_bytes(const struct pfn_chunk *chunks, size_t nr_chunks);
/* The largest page map the limits of khib_image.h allow. */
uint64_t page_map_max_bytes(void);
void page_map_encode(void *buf, const struct pfn_chunk *chunks,
		     size_t nr_chunks);
bool page_map_decode(const void *buf, size_t len, struct pfn_chunk **chunks,
		     size_t *nr_chunks, char *why, size_t why_len);

static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) / a * a;
}

/* Bytes the image takes on its target: it ends with the memory map. */
static inline uint64_t image_bytes_on_disk(const struct khib_image_super *sb)
{
	return sb->mem_map_offset + align_up(sb->mem_map_bytes,
					     KHIB_IMAGE_ALIGN);
}

/* Bytes of a memory map region (khib_image.h) with these counts. */
static inline uint64_t mem_map_bytes(uint64_t nr_ram_ranges,
				     uint64_t nr_own_ranges,
				     uint64_t nr_redirects,
				     uint64_t nr_free_pages)
{
	return (nr_ram_ranges + nr_own_ranges) *
	       sizeof(struct khib_image_range) +
	       nr_redirects * sizeof(struct khib_image_redirect) +
	       nr_free_pages * sizeof(uint64_t);
}

/* A memory map region (khib_image.h), as its parts. */
struct image_mem_map {
	const struct khib_image_range *ram, *own;
	const struct khib_image_redirect *redirects;
	const uint64_t *free_pfns;
	uint64_t nr_ram, nr_own, nr_redirects, nr_free;
};

/*
 * Ranges ascending, apart and not empty; swapped and free pages
 * ascending, inside RAM.  The reader refuses a map that fails this, and
 * the writer checks its own with it, so that it never writes an image
 * the reader would refuse.
 */
bool image_ranges_check(const struct khib_image_range *range, uint64_t n,
			const char *what, char *why, size_t why_len);
bool image_mem_map_check(const struct image_mem_map *m, char *why,
			 size_t why_len);

/* The largest record of the data stream, padding included. */
size_t image_record_max(void);

/*
 * Bytes an image of @nr_pages pages in @nr_records groups with a page
 * map of @map_bytes and a memory map of @mem_map_bytes can take on its
 * target at most: every record stored as it is.  The writer refuses a
 * target smaller than that before it writes anything.
 */
uint64_t image_max_bytes(uint64_t nr_pages, uint64_t nr_records,
			 uint64_t map_bytes, uint64_t mem_map_bytes);

/*
 * Memory, in KiB, that the kernel resuming an image of @nr_pages pages
 * takes when the PFN list is in (prepare_image() in kernel/power/
 * snapshot.c): a free page frame for every image page, one page of
 * restore list per 170 image pages, and three memory bitmaps over the
 * @nr_ram_pages pages of RAM.  The writer refuses an image for which this
 * exceeds what khib-restore recorded as free, and khib-restore checks it
 * again before it hands the image over.
 */
uint64_t image_resume_need_kib(uint64_t nr_pages, uint64_t nr_ram_pages);

/*
 * What is free where a resume loads its image varies from boot to boot by
 * a few MiB (per-CPU page lists, slab): at 90 % of the 1 GiB guest an
 * image that fitted by 1 MiB resumed once and failed the next time.  So
 * an image is only loaded through /dev/snapshot with this much to spare;
 * closer to the limit it is restored in place.
 */
#define IMAGE_RESUME_MARGIN_KIB	(8 * 1024)

#endif
