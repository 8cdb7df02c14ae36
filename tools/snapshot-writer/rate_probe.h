/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference rates measured inside the hibernate kernel for the benchmark
 * (khib.bench=1): how fast the image target takes direct writes, and how
 * fast memory copies, so that the writer's throughput can be read as a
 * fraction of each; and how fast the image cipher seals.
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

/* Copy @bytes between two buffers; MB/s, or a negative value. */
double probe_memory_copy(uint64_t bytes);

/*
 * Seal @bytes with the image cipher under a throwaway key, in blocks of
 * the probe's size, on one thread; MB/s, or a negative value.
 */
double probe_cipher(uint64_t bytes);

#endif
