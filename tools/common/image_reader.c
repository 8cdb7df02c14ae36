// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "image_reader.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE
#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * PAGE_BYTES)
#define READ_BYTES	(4u << 20)

static enum image_verdict io_failed(struct image_reader *r, const char *what)
{
	snprintf(r->why, sizeof(r->why), "cannot read the %s of %s: %s",
		 what, r->dev.path, strerror(errno));
	return IMAGE_CORRUPT;
}

static enum image_verdict read_super(struct image_reader *r)
{
	uint8_t *block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	enum image_verdict verdict;

	if (!block)
		return io_failed(r, "superblock");
	if (r->dev.size < KHIB_IMAGE_ALIGN) {
		free(block);
		snprintf(r->why, sizeof(r->why), "no hibernation image");
		return IMAGE_ABSENT;
	}
	if (blockdev_read(&r->dev, 0, block, KHIB_IMAGE_ALIGN)) {
		free(block);
		return io_failed(r, "superblock");
	}
	memcpy(&r->sb, block, sizeof(r->sb));
	free(block);
	verdict = image_super_check(&r->sb, r->dev.size, r->why,
				    sizeof(r->why));
	return verdict;
}

static enum image_verdict read_metadata(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;
	uint64_t map_space = align_up(sb->map_bytes, KHIB_IMAGE_ALIGN);
	uint64_t nr_set;

	r->header_page = blockdev_buffer(PAGE_BYTES);
	r->map = blockdev_buffer(map_space ? map_space : KHIB_IMAGE_ALIGN);
	if (!r->header_page || !r->map)
		return io_failed(r, "page map");
	if (blockdev_read(&r->dev, sb->header_offset, r->header_page,
			  PAGE_BYTES))
		return io_failed(r, "header page");
	if (image_hash(r->header_page, PAGE_BYTES) != sb->header_hash) {
		snprintf(r->why, sizeof(r->why), "header page checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (blockdev_read(&r->dev, sb->map_offset, r->map, map_space))
		return io_failed(r, "page map");
	if (image_hash(r->map, sb->map_bytes) != sb->map_hash) {
		snprintf(r->why, sizeof(r->why), "page map checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (!page_map_decode(r->map, sb->map_bytes, &r->chunks, &r->nr_chunks,
			     r->why, sizeof(r->why)) ||
	    !pfn_chunks_check(r->chunks, r->nr_chunks, &nr_set, r->why,
			      sizeof(r->why)))
		return IMAGE_CORRUPT;
	if (nr_set != sb->nr_pages) {
		snprintf(r->why, sizeof(r->why),
			 "page map holds %" PRIu64 " pages, superblock says %"
			 PRIu64, nr_set, (uint64_t)sb->nr_pages);
		return IMAGE_CORRUPT;
	}
	return IMAGE_VALID;
}

enum image_verdict image_open(struct image_reader *r, const char *path,
			      bool writable)
{
	enum image_verdict verdict;

	memset(r, 0, sizeof(*r));
	if (blockdev_open(&r->dev, path, writable)) {
		snprintf(r->why, sizeof(r->why), "cannot open %s: %s", path,
			 strerror(errno));
		return errno == ENOENT ? IMAGE_ABSENT : IMAGE_CORRUPT;
	}
	verdict = read_super(r);
	if (verdict == IMAGE_VALID)
		verdict = read_metadata(r);
	if (verdict == IMAGE_VALID) {
		r->window_cap = READ_BYTES + KHIB_RECORD_ALIGN +
				sizeof(struct khib_chunk_header) +
				ZSTD_compressBound(CHUNK_BYTES);
		r->zstd = ZSTD_createDCtx();
		r->raw = blockdev_buffer(READ_BYTES);
		r->window = malloc(r->window_cap);
		r->pages = malloc(CHUNK_BYTES);
		if (!r->zstd || !r->raw || !r->window || !r->pages) {
			snprintf(r->why, sizeof(r->why), "out of memory");
			verdict = IMAGE_CORRUPT;
		}
		r->next_read = r->sb.data_offset;
		r->stream_left = r->sb.data_bytes;
	}
	if (verdict != IMAGE_VALID)
		image_close(r);
	return verdict;
}

void image_close(struct image_reader *r)
{
	blockdev_close(&r->dev);
	free(r->header_page);
	free(r->map);
	free(r->chunks);
	ZSTD_freeDCtx(r->zstd);
	free(r->raw);
	free(r->window);
	free(r->pages);
	r->header_page = r->map = r->raw = r->window = r->pages = NULL;
	r->chunks = NULL;
	r->zstd = NULL;
}

/* Make @len unread stream bytes available at window + window_start. */
static int fill_window(struct image_reader *r, size_t len)
{
	size_t have = r->window_end - r->window_start;

	if (have >= len)
		return 0;
	memmove(r->window, r->window + r->window_start, have);
	r->window_start = 0;
	r->window_end = have;
	while (have < len) {
		uint64_t want = r->stream_left < READ_BYTES ?
				r->stream_left : READ_BYTES;

		if (!want || r->window_cap - have < want) {
			snprintf(r->why, sizeof(r->why),
				 "chunk %" PRIu64 " runs past the data stream",
				 r->next_chunk);
			return -1;
		}
		if (blockdev_read(&r->dev, r->next_read, r->raw,
				  align_up(want, KHIB_IMAGE_ALIGN))) {
			snprintf(r->why, sizeof(r->why),
				 "cannot read the image data: %s",
				 strerror(errno));
			return -1;
		}
		memcpy(r->window + have, r->raw, want);
		have += want;
		r->window_end = have;
		r->next_read += READ_BYTES;
		r->stream_left -= want;
	}
	return 0;
}

static int decode_payload(struct image_reader *r,
			  const struct khib_chunk_header *h,
			  const uint8_t *payload, size_t stored)
{
	if (h->encoding == KHIB_ENC_RAW) {
		if (h->payload_bytes != stored)
			goto bad_size;
		memcpy(r->pages, payload, stored);
	} else {
		size_t n = ZSTD_decompressDCtx(r->zstd, r->pages, CHUNK_BYTES,
					       payload, h->payload_bytes);

		if (ZSTD_isError(n)) {
			snprintf(r->why, sizeof(r->why),
				 "chunk %" PRIu64 ": %s", (uint64_t)h->index,
				 ZSTD_getErrorName(n));
			return -1;
		}
		if (n != stored)
			goto bad_size;
	}
	if (image_hash(r->pages, stored) != h->data_hash) {
		snprintf(r->why, sizeof(r->why),
			 "chunk %" PRIu64 ": data checksum mismatch",
			 (uint64_t)h->index);
		return -1;
	}
	return 0;
bad_size:
	snprintf(r->why, sizeof(r->why),
		 "chunk %" PRIu64 ": payload does not match its zero map",
		 (uint64_t)h->index);
	return -1;
}

/* Spread the stored pages out and put zero pages in the gaps. */
static void place_zero_pages(struct image_reader *r,
			     const struct khib_chunk_header *h, size_t stored)
{
	size_t src = stored;

	for (uint32_t i = h->nr_pages; i-- > 0; ) {
		uint8_t *dst = r->pages + (size_t)i * PAGE_BYTES;

		if (h->zero_map[i / 64] & (1ULL << (i % 64))) {
			memset(dst, 0, PAGE_BYTES);
		} else {
			src -= PAGE_BYTES;
			if (dst != r->pages + src)
				memmove(dst, r->pages + src, PAGE_BYTES);
		}
	}
}

int image_next_chunk(struct image_reader *r, const uint8_t **pages,
		     uint32_t *nr_pages)
{
	const struct khib_image_super *sb = &r->sb;
	struct khib_chunk_header h;
	uint64_t first = r->next_chunk * sb->chunk_pages;
	uint32_t n, zero;
	size_t stored, record;

	if (r->next_chunk == sb->nr_chunks)
		return 0;
	n = sb->nr_pages - first < sb->chunk_pages ?
	    (uint32_t)(sb->nr_pages - first) : sb->chunk_pages;

	if (fill_window(r, sizeof(h)))
		return -1;
	memcpy(&h, r->window + r->window_start, sizeof(h));
	if (!chunk_header_check(&h, r->next_chunk, first, n, r->why,
				sizeof(r->why)))
		return -1;
	zero = (uint32_t)bitmap_weight(h.zero_map, n);
	stored = (size_t)(n - zero) * PAGE_BYTES;
	if (h.payload_bytes > ZSTD_compressBound(CHUNK_BYTES)) {
		snprintf(r->why, sizeof(r->why),
			 "chunk %" PRIu64 ": implausible payload size %u",
			 r->next_chunk, h.payload_bytes);
		return -1;
	}
	record = align_up(sizeof(h) + h.payload_bytes, KHIB_RECORD_ALIGN);
	if (fill_window(r, record))
		return -1;
	if (decode_payload(r, &h, r->window + r->window_start + sizeof(h),
			   stored))
		return -1;
	r->window_start += record;
	place_zero_pages(r, &h, stored);

	r->next_chunk++;
	*pages = r->pages;
	*nr_pages = n;
	return 1;
}

int image_mark(struct image_reader *r, uint32_t state)
{
	uint8_t *block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	int ret = -1;

	if (!block)
		return -1;
	r->sb.state = state;
	image_super_seal(&r->sb);
	memcpy(block, &r->sb, sizeof(r->sb));
	if (!blockdev_write(&r->dev, 0, block, KHIB_IMAGE_ALIGN) &&
	    !blockdev_sync(&r->dev))
		ret = 0;
	free(block);
	return ret;
}

int image_discard(const char *path)
{
	struct image_reader r;
	int ret = 0;

	memset(&r, 0, sizeof(r));
	if (blockdev_open(&r.dev, path, true))
		return -1;
	if (read_super(&r) == IMAGE_VALID)
		ret = image_mark(&r, KHIB_IMAGE_DISCARDED) ? -1 : 1;
	blockdev_close(&r.dev);
	return ret;
}
