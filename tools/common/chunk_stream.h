/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the records of an image (khib_image.h) ahead of its consumer:
 * one thread reads them in the group table's order with direct I/O,
 * decoder threads, one per CPU, decompress and verify them in parallel
 * and keep the image's pages of each, and the consumer takes verified
 * chunks (the image pages of one group) in order.  No chunk is handed out
 * before its hashes matched.
 */
#ifndef KHIB_CHUNK_STREAM_H
#define KHIB_CHUNK_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "blockdev.h"
#include "image_groups.h"
#include "worker_memory.h"
#include "khib_image.h"

/*
 * One verified chunk: the image pages of one group, valid until the next
 * chunk_stream_next().
 */
struct stream_chunk {
	uint64_t index;			/* in the group table */
	uint64_t group;
	uint64_t first_page;		/* image page number of page 0 */
	uint32_t nr_pages;
	const uint64_t *pfn_set;	/* bit n: PFN group * 256 + n */
	const uint64_t *zero_map;	/* bit i: page i is all zero */
	uint8_t *data;			/* the other pages, in order; verified
					 * already, so whoever gets the chunk
					 * may change them */
};

struct chunk_stream;

/*
 * Optional: where verified chunks go, straight from the decoder threads,
 * in no particular order, before the consumer sees them.  @worker numbers
 * the decoder, from 0.  Return 0, or -1 with @why filled in.
 */
struct chunk_sink {
	int (*put)(void *ctx, unsigned int worker, struct stream_chunk *c,
		   char *why, size_t why_len);
	void *ctx;
};

/* Where an image's records lie and what they must hold. */
struct stream_layout {
	const struct khib_group_entry *table;	/* checked entries */
	const struct image_group *groups;	/* the page map's, alike */
	uint64_t nr_groups;
	const uint64_t *zero_bits;	/* the image's zero map */
	uint64_t image_id;		/* of records of the frozen pass */
	uint64_t precopy_id;		/* of records of the pre-copy */
};

struct image_keys;

/*
 * Start reading the records of @layout from @dev, opening them with
 * @keys if not NULL, on @threads decoders.  @sink may be NULL.  NULL with
 * errno set on failure.
 */
struct chunk_stream *chunk_stream_start(struct blockdev *dev,
					const struct stream_layout *layout,
					const struct image_keys *keys,
					unsigned int threads,
					const struct chunk_sink *sink);

/*
 * The next chunk: 1 with @c filled in, 0 after the last one, or -1 with
 * @why filled in.
 */
int chunk_stream_next(struct chunk_stream *s, struct stream_chunk *c,
		      char *why, size_t why_len);

/*
 * After chunk_stream_next() failed: did the device fail a read (rather
 * than the data being wrong)?  The image may then be intact.
 */
bool chunk_stream_unreadable(struct chunk_stream *s);

/* Memory a stream holds: its buffers, and a decompressor per thread. */
struct worker_cost chunk_stream_cost(void);

/* Memory a stream with @threads decoders holds, in KiB. */
uint64_t chunk_stream_memory_kib(unsigned int threads);

/* Stop the threads and free everything. */
void chunk_stream_stop(struct chunk_stream *s);

static inline bool stream_chunk_is_zero(const struct stream_chunk *c,
					uint32_t i)
{
	return c->zero_map[i / 64] & (1ULL << (i % 64));
}

/*
 * Page @i of @c: its data, or an all-zero page.  @stored_before counts
 * the non-zero pages handed out so far; start it at 0 for each chunk.
 */
const uint8_t *stream_chunk_page(const struct stream_chunk *c, uint32_t i,
				 uint32_t *stored_before);

#endif
