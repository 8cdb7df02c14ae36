/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How many worker threads a pool may start in the memory this kernel has.
 *
 * The hibernate kernel runs in the few MiB the main kernel lends it, with
 * the writer (or the restore in place) as PID 1: a buffer it cannot get
 * is not a failed malloc() there but the OOM killer finding nothing to
 * kill, and a panic that loses the session.  So every pool sizes itself
 * from MemAvailable before it allocates, with one function per pool
 * saying what T threads hold, and refuses if not even one fits.
 */
#ifndef KHIB_WORKER_MEMORY_H
#define KHIB_WORKER_MEMORY_H

#include <stdint.h>

/*
 * Kept free beside every pool: the kernel's own reserve (min_free_kbytes)
 * plus this, for page tables, thread stacks and the kernel's block I/O.
 */
#define WORKER_MEMORY_MARGIN_KIB	2048

/* What the pools may take here, in KiB: MemAvailable less the reserve. */
uint64_t worker_memory_available_kib(void);

/* CPUs online, at least 1. */
unsigned int worker_cpus_online(void);

/* What a pool of T threads holds: fixed_kib + T * thread_kib. */
struct worker_cost {
	uint64_t fixed_kib;
	uint64_t thread_kib;
};

static inline uint64_t worker_cost_kib(const struct worker_cost *cost,
				       unsigned int threads)
{
	return cost->fixed_kib + (uint64_t)threads * cost->thread_kib;
}

/*
 * The writer's pool (write_pipeline.h): jobs for every encoder and the
 * disk to be busy at once, each holding a record; per encoder a gather
 * buffer and, at zstd @level (0: none), a compressor.
 */
unsigned int writer_pool_jobs(unsigned int threads);
struct worker_cost writer_pool_cost(int level);

/*
 * The most threads, at most @wanted, whose pool fits in @avail_kib; 0 if
 * not even one does.
 */
unsigned int worker_threads_that_fit(unsigned int wanted, uint64_t avail_kib,
				     const struct worker_cost *cost);

#endif
