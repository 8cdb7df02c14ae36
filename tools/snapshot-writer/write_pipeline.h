/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The writer's data pipeline.  The caller names the pages of each group
 * in order; encoder threads, one per CPU, turn groups into records
 * (chunk_encoder.h) in parallel; an I/O thread writes finished records
 * one after the other, several per system call, straight from the
 * encoders' buffers, and notes where each went in the group table.
 *
 * Reuse: a group may come with the pre-copy's record of it
 * (khib_image.h).  While keeping groups costs the encoders less than
 * writing them costs the disk (reuse_pays(), measured as it goes), its
 * encoder hashes the pages that record holds, as they are now; if they
 * are what the pre-copy wrote, the group table names that record and
 * nothing is written for the group.  Otherwise the group is encoded as
 * any other, so that a pre-copy never makes the writer slower.
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
#include "image_groups.h"
#include "worker_memory.h"

enum compress_mode {
	COMPRESS_OFF,
	COMPRESS_AUTO,
	COMPRESS_ALWAYS,
};

struct image_keys;

struct pipeline_config {
	struct blockdev *dev;
	uint64_t offset;	/* device offset of the first record */
	unsigned int threads;	/* encoder threads, at least 1 */
	enum compress_mode mode;
	int level;		/* zstd level when compressing */
	/* Bit i is set for each all-zero image page i (zeroed by caller). */
	uint64_t *zero_bits;
	uint64_t image_id;	/* into every record header */
	const struct image_keys *keys;	/* seal every record, or NULL */
	/* Entry n of the group table is filled in when its record is. */
	struct khib_group_entry *table;
	bool hash_every_candidate;	/* not only while the disk binds */
};

struct pipeline_stats {
	uint64_t pages;		/* image pages written */
	uint64_t zero_pages;
	uint64_t chunks;		/* records written */
	uint64_t chunks_compressed;
	uint64_t reused;		/* pre-copy records kept */
	uint64_t hashed;		/* candidates hashed to decide */
	uint64_t bytes;		/* data stream bytes written */
	int io_errno;		/* a write failed with this errno */
	const char *encode_error;	/* or encoding failed */
};

struct write_pipeline;

/* Its memory: writer_pool_cost() (worker_memory.h). */
/* Start the threads; NULL with errno set on failure. */
struct write_pipeline *pipeline_start(const struct pipeline_config *cfg);

/*
 * The page address array of group @g, the group table's entry @entry,
 * to be filled in (g->nr_pages of them) and passed to pipeline_submit().
 * Waits while every job is busy.  NULL once the pipeline has failed.
 */
const void **pipeline_next(struct write_pipeline *p,
			   const struct image_group *g, uint64_t entry);

/*
 * After pipeline_next(): the group's record in the pre-copy, @cand, may
 * be kept.  Returns the address array of the pages it holds (cand->nr_pages,
 * in order), to be filled in before pipeline_submit().
 */
const void **pipeline_candidate(struct write_pipeline *p,
				const struct khib_precopy_entry *cand);
void pipeline_submit(struct write_pipeline *p);

/* Wait until no submitted group's pages are read any more. */
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
