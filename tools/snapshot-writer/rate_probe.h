/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference rates measured inside the hibernate kernel for the benchmark
 * (khib.bench=1): how fast the image target takes direct writes, and how
 * fast memory copies, so that the writer's throughput can be read as a
 * fraction of each; how fast the image cipher seals; and the floors of a
 * resume and of a pre-copy: direct reads and hashing.
 */
#ifndef KHIB_RATE_PROBE_H
#define KHIB_RATE_PROBE_H

#include <stdint.h>

/*
 * Write up to @bytes with O_DIRECT to @target from byte @offset on (past
 * the image just written), in 4 MiB writes.  Return MB/s, or a negative
 * value with errno set.  *written gets the bytes written.
 */
double probe_direct_write(const char *target, uint64_t offset, uint64_t bytes,
			  uint64_t *written);

/*
 * Read @bytes with O_DIRECT from @target from byte 0 on (the image just
 * written, as a restore reads it), in 4 MiB reads; MB/s, or a negative
 * value with errno set.
 */
double probe_direct_read(const char *target, uint64_t bytes);

/* Hash @bytes with the image hash on one thread; MB/s, or negative. */
double probe_hash(uint64_t bytes);

/* Copy @bytes between two buffers; MB/s, or a negative value. */
double probe_memory_copy(uint64_t bytes);

/*
 * Seal @bytes with the image cipher under a throwaway key, in blocks of
 * the probe's size, on one thread; MB/s, or a negative value.
 */
double probe_cipher(uint64_t bytes);

#endif
