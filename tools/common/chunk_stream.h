/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the data stream of an image (khib_image.h) ahead of its
 * consumer: one thread reads records in order with direct I/O, decoder
 * threads, one per CPU, decompress and verify them in parallel, and the
 * consumer takes verified chunks in order.  No chunk is handed out before
 * its hashes matched.
 */
#ifndef KHIB_CHUNK_STREAM_H
#define KHIB_CHUNK_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "blockdev.h"
#include "worker_memory.h"
#include "khib_image.h"

/* One verified chunk, valid until the next chunk_stream_next(). */
struct stream_chunk {
	uint64_t index;
	uint32_t nr_pages;
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

/*
 * Start reading the @nr_chunks chunks of an image of @nr_pages pages whose
 * stream starts at @offset and takes @bytes on @dev.  Each chunk's zero
 * map must match @zero_bits (the image's zero map, in whole chunks), and
 * each chunk header carry @image_id.  @sink may be NULL.  NULL with errno set on failure.
 */
struct image_keys;

struct chunk_stream *chunk_stream_start(struct blockdev *dev, uint64_t offset,
					uint64_t bytes, uint64_t nr_pages,
					uint64_t nr_chunks,
					const uint64_t *zero_bits,
					uint64_t image_id,
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
