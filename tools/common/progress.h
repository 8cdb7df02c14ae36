/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One progress line for a long step, at least every second and at every
 * tenth of the way: percent, pages, MB/s of image and the time left.
 */
#ifndef KHIB_PROGRESS_H
#define KHIB_PROGRESS_H

#include <stdint.h>

struct progress_meter {
	const char *who;	/* "khib-writer" */
	const char *what;	/* after the percent: "" or "restored " */
	uint64_t total;		/* pages */
	uint64_t next_pages;	/* the next tenth */
	double start, next_time;
};

void progress_start(struct progress_meter *m, const char *who,
		    const char *what, uint64_t total_pages);

/*
 * @pages of the total done, @bytes on disk so far (0: not shown); prints
 * when a second has passed or another tenth is done, and at the end.
 */
void progress_update(struct progress_meter *m, uint64_t pages,
		     uint64_t bytes);

#endif
