// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "khib_image.h"
#include "progress.h"

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

void progress_start(struct progress_meter *m, const char *who,
		    const char *what, uint64_t total_pages)
{
	m->who = who;
	m->what = what;
	m->total = total_pages;
	m->next_pages = 0;
	m->start = seconds();
	m->next_time = m->start + 1;
}

void progress_update(struct progress_meter *m, uint64_t pages,
		     uint64_t bytes)
{
	double now = seconds(), elapsed = now - m->start;
	double rate = elapsed > 0 ? pages * KHIB_PAGE_SIZE / elapsed : 0;
	char disk[48] = "";

	if (pages < m->next_pages && now < m->next_time && pages < m->total)
		return;
	m->next_pages = pages + m->total / 10 + 1;
	m->next_time = now + 1;
	if (bytes)
		snprintf(disk, sizeof(disk), ", %" PRIu64 " MiB written",
			 bytes >> 20);
	printf("%s: %3" PRIu64 "%% %s(%" PRIu64 "/%" PRIu64 " pages)%s, %.0f MB/s, ",
	       m->who, m->total ? pages * 100 / m->total : 100, m->what,
	       pages, m->total, disk, rate / 1e6);
	if (rate > 0)
		printf("%.1f s left\n",
		       (m->total - pages) * KHIB_PAGE_SIZE / rate);
	else
		printf("time left unknown\n");
}
