// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "dirty.h"

#define PAGE	4096

int dirty(long mib)
{
	size_t len = (size_t)mib << 20;
	uint8_t *mem;
	uint64_t round = 0;

	if (mib <= 0) {
		fprintf(stderr, "khib-workload: dirty wants a size in MiB\n");
		return 2;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "khib-workload: cannot hold %ld MiB: %s\n", mib,
			strerror(errno));
		return 1;
	}
	for (;;) {
		struct timespec second = { .tv_sec = 1 };

		round++;
		for (size_t at = 0; at < len; at += PAGE)
			memcpy(mem + at + (round % (PAGE / 8)) * 8, &round,
			       sizeof(round));
		nanosleep(&second, NULL);
	}
}
