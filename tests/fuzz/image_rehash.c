// SPDX-License-Identifier: GPL-2.0
/*
 * Rehashing a fuzzed image.  The hashes are computed by the project's own
 * functions (image_hash(), image_super_seal(), chunk_header_seal()) over
 * the bytes the reader hashes, and the records are walked with the
 * reader's own checks (chunk_header_check()), so that
 * a chunk gets its hashes made right exactly when the reader would get to
 * it.  Every field comes from the untrusted image: each offset and length
 * is checked against @size before it is used.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "image_format.h"
#include "image_rehash.h"

#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * KHIB_PAGE_SIZE)

struct rehash {
	uint8_t *image;
	size_t size;
	ZSTD_DCtx *zstd;	/* made on the first compressed chunk */
	uint8_t *pages;		/* CHUNK_BYTES: a chunk decompressed */
	bool no_memory;
};

/* Whether [@offset, @offset + @bytes) lies inside the image. */
static bool inside(const struct rehash *r, uint64_t offset, uint64_t bytes)
{
	return offset <= r->size && bytes <= r->size - offset;
}

/* Hash a region into *@hash; one outside the image keeps its hash. */
static void rehash_region(const struct rehash *r, uint64_t offset,
			  uint64_t bytes, uint64_t *hash)
{
	if (inside(r, offset, bytes))
		*hash = image_hash(r->image + offset, bytes);
}

/*
 * The hash of the non-zero pages of the chunk with header @h and
 * @payload, as decode() in chunk_stream.c computes it: over the payload
 * of a raw chunk, over the decompressed payload of a zstd one.  False if
 * the reader refuses the payload before it gets to the hash (a size that
 * does not match the zero map, a frame that does not decode), or memory
 * ran out.  @h passed chunk_header_check(), so nr_pages is at most
 * KHIB_CHUNK_PAGES and the encoding is known.
 */
static bool data_hash(struct rehash *r, const struct khib_chunk_header *h,
		      const uint8_t *payload, uint64_t *hash)
{
	uint64_t zero = bitmap_weight(h->zero_map, h->nr_pages);
	size_t stored = (size_t)(h->nr_pages - zero) * KHIB_PAGE_SIZE;
	size_t n;

	if (h->encoding == KHIB_ENC_RAW) {
		if (h->payload_bytes != stored)
			return false;
		*hash = image_hash(payload, stored);
		return true;
	}
	if (r->no_memory)
		return false;
	if (!r->zstd) {
		r->zstd = ZSTD_createDCtx();
		r->pages = malloc(CHUNK_BYTES);
		if (!r->zstd || !r->pages) {
			r->no_memory = true;
			return false;
		}
	}
	n = ZSTD_decompressDCtx(r->zstd, r->pages, CHUNK_BYTES, payload,
				h->payload_bytes);
	if (ZSTD_isError(n) || n != stored)
		return false;
	*hash = image_hash(r->pages, stored);
	return true;
}

/*
 * Walk the group table as the reader thread of chunk_stream.c does and
 * seal each record header it would read, its data hash first.  The walk
 * stops where the reader would: the table ends or lies outside the
 * image, a header fails its checks (it is still sealed, so that the
 * reader fails it on the check behind the hash), or a record's size is
 * not the table's.  The image's pages of a group are taken to be those
 * the record holds: the reader's check against the page map comes after
 * the hash.
 */
static void rehash_chunks(struct rehash *r, const struct khib_image_super *sb)
{
	const uint8_t *table;
	char why[256];

	if (!inside(r, sb->group_table_offset, sb->group_table_bytes))
		return;
	table = r->image + sb->group_table_offset;
	for (uint64_t index = 0; index < sb->nr_chunks &&
	     (index + 1) * sizeof(struct khib_group_entry) <=
	     sb->group_table_bytes; index++) {
		struct khib_group_entry e;
		struct khib_chunk_header h;
		uint8_t *at;
		uint64_t hash;

		memcpy(&e, table + index * sizeof(e), sizeof(e));
		if (e.bytes < sizeof(h) || !inside(r, e.offset, e.bytes))
			return;
		at = r->image + e.offset;
		memcpy(&h, at, sizeof(h));
		chunk_header_seal(&h);
		if (!chunk_header_check(&h, index, &e,
					e.pass == KHIB_PASS_PRECOPY ?
					sb->precopy_id : sb->image_id,
					h.page_set, why, sizeof(why)) ||
		    align_up(sizeof(h) + (uint64_t)h.payload_bytes,
			     KHIB_RECORD_ALIGN) != e.bytes) {
			memcpy(at, &h, sizeof(h));
			return;
		}
		if (data_hash(r, &h, at + sizeof(h), &hash)) {
			h.data_hash = hash;
			chunk_header_seal(&h);
		}
		memcpy(at, &h, sizeof(h));
	}
}

int image_rehash(uint8_t *image, size_t size)
{
	struct rehash r = { .image = image, .size = size };
	struct khib_image_super sb;

	/* The reader takes a device this short for no image at all. */
	if (size < KHIB_IMAGE_ALIGN)
		return 0;
	memcpy(&sb, image, sizeof(sb));
	/*
	 * Chunks first: a region that the fuzzer moved over the data
	 * stream is then hashed with the chunk headers as they end up.
	 */
	rehash_chunks(&r, &sb);
	/* The reader hashes a whole page, whatever page_size says. */
	rehash_region(&r, sb.header_offset, KHIB_PAGE_SIZE, &sb.header_hash);
	rehash_region(&r, sb.map_offset, sb.map_bytes, &sb.map_hash);
	rehash_region(&r, sb.group_table_offset, sb.group_table_bytes,
		      &sb.group_table_hash);
	rehash_region(&r, sb.zero_map_offset, sb.zero_map_bytes,
		      &sb.zero_map_hash);
	rehash_region(&r, sb.mem_map_offset, sb.mem_map_bytes,
		      &sb.mem_map_hash);
	image_super_seal(&sb);
	memcpy(image, &sb, sizeof(sb));
	ZSTD_freeDCtx(r.zstd);
	free(r.pages);
	return r.no_memory ? -1 : 0;
}
