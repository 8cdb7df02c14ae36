// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "chunk_encoder.h"
#include "image_crypt.h"
#include "image_format.h"
#include "image_groups.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE
#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * PAGE_BYTES)

int chunk_encoder_init(struct chunk_encoder *e)
{
	e->keys = NULL;
	e->zstd = NULL;
	e->gather = malloc(CHUNK_BYTES);
	return e->gather ? 0 : -1;
}

void chunk_encoder_free(struct chunk_encoder *e)
{
	ZSTD_freeCCtx(e->zstd);
	free(e->gather);
	e->zstd = NULL;
	e->gather = NULL;
}

/* Copy the non-zero pages to @dst and flag the zero ones; bytes copied. */
static size_t pack_pages(struct khib_chunk_header *h,
			 const void *const *pages, uint32_t nr_pages,
			 uint8_t *dst)
{
	size_t stored = 0;

	for (uint32_t i = 0; i < nr_pages; i++) {
		if (image_page_is_zero(pages[i])) {
			h->zero_map[i / 64] |= 1ULL << (i % 64);
			continue;
		}
		memcpy(dst + stored, pages[i], PAGE_BYTES);
		stored += PAGE_BYTES;
	}
	return stored;
}

/* Compress @stored bytes of gathered pages; 0 if it does not pay. */
static size_t compress(struct chunk_encoder *e, int level, uint8_t *dst,
		       size_t cap, size_t stored, const char **error)
{
	size_t n;

	if (!e->zstd) {
		e->zstd = ZSTD_createCCtx();
		if (!e->zstd) {
			*error = "no memory for the compressor";
			return 0;
		}
	}
	n = ZSTD_compressCCtx(e->zstd, dst, cap, e->gather, stored, level);
	if (ZSTD_isError(n)) {
		*error = ZSTD_getErrorName(n);
		return 0;
	}
	return n < stored ? n : 0;
}

bool chunk_encode(struct chunk_encoder *e, uint64_t group,
		  const uint64_t *page_set, const void *const *pages,
		  int level, uint8_t *record, struct chunk_result *res)
{
	uint32_t nr_pages = group_weight(page_set);
	struct khib_chunk_header h = {
		.magic = KHIB_CHUNK_MAGIC,
		.encoding = KHIB_ENC_RAW,
		.group = group,
		.pass = e->pass,
		.nr_pages = nr_pages,
		.image_id = e->image_id,
	};
	uint8_t *payload = record + sizeof(h);
	size_t cap = image_record_max() - sizeof(h), stored, len;

	memcpy(h.page_set, page_set, sizeof(h.page_set));
	memset(res, 0, sizeof(*res));
	if (!level) {
		/* Stored as they are: one copy, straight into the record. */
		stored = pack_pages(&h, pages, nr_pages, payload);
		h.data_hash = e->keys ? 0 : image_hash(payload, stored);
		len = stored;
	} else {
		stored = pack_pages(&h, pages, nr_pages, e->gather);
		h.data_hash = e->keys ? 0 : image_hash(e->gather, stored);
		len = stored ? compress(e, level, payload, cap, stored,
					&res->error) : 0;
		if (res->error)
			return false;
		if (len) {
			h.encoding = KHIB_ENC_ZSTD;
			res->compressed = true;
		} else {
			memcpy(payload, e->gather, stored);
			len = stored;
		}
	}
	if (e->keys) {
		/* The tag covers the payload: data_hash stays zero, since a
		 * hash of clear data would tell what the pages hold. */
		h.payload_bytes = (uint32_t)(len + KHIB_CRYPT_TAG_LEN);
		if (image_crypt_seal(e->keys, group, &h, sizeof(h), payload,
				     len, payload + len)) {
			res->error = "cannot seal a chunk";
			return false;
		}
		len += KHIB_CRYPT_TAG_LEN;
	} else {
		h.payload_bytes = (uint32_t)len;
	}
	chunk_header_seal(&h);
	memcpy(record, &h, sizeof(h));
	res->record_bytes = align_up(sizeof(h) + len, KHIB_RECORD_ALIGN);
	memset(record + sizeof(h) + len, 0,
	       res->record_bytes - sizeof(h) - len);
	res->zero_pages = nr_pages - (uint32_t)(stored / PAGE_BYTES);
	return true;
}
