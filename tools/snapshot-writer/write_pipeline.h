/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writer's data stream pipeline.  The caller names the pages of each
 * chunk in order; encoder threads, one per CPU, turn chunks into records
 * (chunk_encoder.h) in parallel; an I/O thread writes finished records in
 * order, several per system call, straight from the encoders' buffers.
 *
 * Compression: COMPRESS_OFF stores every chunk as it is; COMPRESS_ALWAYS
 * tries zstd on every chunk (smallest image); COMPRESS_AUTO compresses a
 * chunk only when the records already waiting keep the disk busy for
 * longer than compressing a chunk takes (both measured as it goes), so
 * that compression never makes the writer slower than storing the pages
 * would.
 */
#ifndef KHIB_WRITE_PIPELINE_H
#define KHIB_WRITE_PIPELINE_H

#include <stdint.h>

#include "blockdev.h"
#include "worker_memory.h"

enum compress_mode {
	COMPRESS_OFF,
	COMPRESS_AUTO,
	COMPRESS_ALWAYS,
};

struct image_keys;

struct pipeline_config {
	struct blockdev *dev;
	uint64_t offset;	/* device offset of the data stream */
	unsigned int threads;	/* encoder threads, at least 1 */
	enum compress_mode mode;
	int level;		/* zstd level when compressing */
	/* Bit i is set for each all-zero image page i (zeroed by caller). */
	uint64_t *zero_bits;
	uint64_t image_id;	/* into every chunk header */
	const struct image_keys *keys;	/* seal every chunk, or NULL */
};

struct pipeline_stats {
	uint64_t pages;		/* image pages written */
	uint64_t zero_pages;
	uint64_t chunks;
	uint64_t chunks_compressed;
	uint64_t bytes;		/* data stream bytes written */
	int io_errno;		/* a write failed with this errno */
	const char *encode_error;	/* or encoding failed */
};

struct write_pipeline;

/* Its memory: writer_pool_cost() (worker_memory.h). */
/* Start the threads; NULL with errno set on failure. */
struct write_pipeline *pipeline_start(const struct pipeline_config *cfg);

/*
 * The page address array of the next chunk, to be filled in and passed
 * to pipeline_submit().  Waits while every job is busy.  NULL once the
 * pipeline has failed.
 */
const void **pipeline_next(struct write_pipeline *p, uint64_t index,
			   uint32_t nr_pages);
void pipeline_submit(struct write_pipeline *p);

/* Wait until no submitted chunk's pages are read any more. */
void pipeline_quiesce(void *pipeline);

/* Progress so far, for the caller's progress reports. */
void pipeline_progress(struct write_pipeline *p, uint64_t *pages,
		       uint64_t *bytes);

/*
 * Write out what was submitted, stop the threads and free everything.
 * Return 0, or -1 with the cause in @stats (io_errno or encode_error).
 */
int pipeline_finish(struct write_pipeline *p, struct pipeline_stats *stats);

#endif
