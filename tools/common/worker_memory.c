// SPDX-License-Identifier: GPL-2.0
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_estimateCCtxSize_usingCParams() */
#include <zstd.h>

#include "image_format.h"
#include "meminfo.h"
#include "worker_memory.h"

uint64_t worker_memory_available_kib(void)
{
	uint64_t avail = meminfo_kib("MemAvailable");
	uint64_t reserve = min_free_kib() + WORKER_MEMORY_MARGIN_KIB;

	return avail > reserve ? avail - reserve : 0;
}

unsigned int worker_cpus_online(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return cpus > 0 ? (unsigned int)cpus : 1;
}

unsigned int worker_threads_that_fit(unsigned int wanted, uint64_t avail_kib,
				     const struct worker_cost *cost)
{
	unsigned int threads = wanted ? wanted : 1;

	while (threads && worker_cost_kib(cost, threads) > avail_kib)
		threads--;
	return threads;
}

unsigned int writer_pool_jobs(unsigned int threads)
{
	return 2 * threads + 2;
}

struct worker_cost writer_pool_cost(int level)
{
	uint64_t record_kib = image_record_max() / 1024 + 1;
	uint64_t chunk_kib = KHIB_CHUNK_PAGES * KHIB_PAGE_SIZE / 1024;
	uint64_t zstd_kib = 0;

	/* ZSTD_compressCCtx() sizes its tables for the chunk it is given. */
	if (level)
		zstd_kib = ZSTD_estimateCCtxSize_usingCParams(
				ZSTD_getCParams(level, chunk_kib * 1024, 0)) /
			   1024 + 1;
	return (struct worker_cost){
		.fixed_kib = writer_pool_jobs(0) * record_kib,
		.thread_kib = (writer_pool_jobs(1) - writer_pool_jobs(0)) *
			      record_kib + chunk_kib + zstd_kib,
	};
}
