/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a pre-copy record stays compressed.  A record the frozen pass
 * keeps is read back at the resume, where one thread reads records while
 * decoders hash (and decompress) them: the resume takes the longer of
 * the disk's time and the decoders'.  A compressed record moves time
 * from the disk to the decoders.  So a record stays compressed when,
 * with the records before it, the longer of the two comes out shorter
 * than with the record stored as it is.  The figures are measured: the
 * disk by reading a stretch of the target straight through before the
 * pre-copy writes (a write's latency says little: disk caches and QEMU's
 * burst allowance absorb a few MiB), hashing and decompression in CPU
 * time on the records as they are made.  The decoders are as many as the
 * CPUs the resume has for certain: those of this system, at most as many
 * as the hibernate kernel brings up (a restore in place decodes there).
 * A slow disk gets compressed records, a fast one records as they are.
 */
#ifndef KHIB_PACK_CHOICE_H
#define KHIB_PACK_CHOICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blockdev;

struct pack_choice {
	double disk_ns_per_byte;	/* read straight through */
	double hash_ns_per_byte;	/* XXH3, CPU time */
	double unpack_ns_per_byte;	/* zstd, CPU time per byte out */
	double disk_ns;		/* the resume's disk time for the records */
	double cpu_ns;		/* and its decoders' */
	unsigned int decoders;	/* threads that decode at the resume */
	uint64_t seen;		/* records that compressed */
	uint64_t kept;		/* of those, kept compressed */
	void *zstd;		/* ZSTD_DCtx, for the samples */
	uint8_t *scratch;	/* what a sample decompresses to */
};

/* For a resume that decodes on @decoders threads. */
int pack_choice_init(struct pack_choice *c, unsigned int decoders);
void pack_choice_free(struct pack_choice *c);

/*
 * Time reading up to PACK_PROBE_BYTES of @dev from @offset on, direct;
 * 0, or -1 with errno.
 */
#define PACK_PROBE_BYTES	(64u << 20)
int pack_choice_probe_disk(struct pack_choice *c, struct blockdev *dev,
			   uint64_t offset);

/* Hashing @bytes took @cpu_ns of this thread's time. */
void pack_choice_note_hash(struct pack_choice *c, size_t bytes,
			   double cpu_ns);

/*
 * Whether @record, compressed to @record_bytes from @raw_bytes of pages,
 * stays compressed; times its decompression now and then.
 */
bool pack_choice_keep(struct pack_choice *c, const uint8_t *record,
		      size_t record_bytes, size_t raw_bytes);

/* The rule, on the figures in @c. */
bool pack_choice_pays(const struct pack_choice *c, size_t record_bytes,
		      size_t raw_bytes);

/* A record of @record_bytes (@raw_bytes of pages) was written. */
void pack_choice_account(struct pack_choice *c, size_t record_bytes,
			 size_t raw_bytes, bool compressed);

/* This thread's CPU time, in ns. */
double pack_choice_cpu_ns(void);

#endif
