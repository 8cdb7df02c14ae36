/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoding the pages of one group into its record (khib_image.h): zero
 * pages flagged, the others hashed and stored compressed or as they are,
 * and sealed when the image is encrypted.  One encoder per thread.
 */
#ifndef KHIB_CHUNK_ENCODER_H
#define KHIB_CHUNK_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"

struct image_keys;

struct chunk_encoder {
	uint64_t image_id;	/* into every record header */
	uint32_t pass;		/* KHIB_PASS_* of every record */
	const struct image_keys *keys;	/* seal with these, or NULL */
	void *zstd;		/* ZSTD_CCtx, created on first use */
	uint8_t *gather;	/* the non-zero pages, for the compressor */
};

/* What one encoded chunk came to. */
struct chunk_result {
	size_t record_bytes;	/* padded to KHIB_RECORD_ALIGN */
	uint32_t zero_pages;
	bool compressed;
	const char *error;	/* set when encoding failed */
};

int chunk_encoder_init(struct chunk_encoder *e);
void chunk_encoder_free(struct chunk_encoder *e);

/*
 * Encode the pages of group @group that @page_set names (bit n: PFN
 * group * 256 + n), found in that order at @pages, into @record
 * (image_record_max() bytes).  @level 0 stores the pages as they are;
 * otherwise zstd at @level is tried and kept if it saves space.  Return
 * false with res->error set on failure.
 */
bool chunk_encode(struct chunk_encoder *e, uint64_t group,
		  const uint64_t *page_set, const void *const *pages,
		  int level, uint8_t *record, struct chunk_result *res);

#endif
