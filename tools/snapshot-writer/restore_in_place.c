// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image_reader.h"
#include "inplace_plan.h"
#include "physmem.h"
#include "restore_in_place.h"
#include "restore_jump.h"
#include "system_ram.h"

#define MAX_OWN_RANGES	64
#define RESTORE_WINDOWS	8	/* of 16 MiB: pages go in order */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A bad or unusable image must not be tried again at every boot. */
static bool give_up(struct image_reader *r, const char *device,
		    const char *why)
{
	int discarded;

	image_close(r);
	discarded = image_discard(device);
	printf("khib-writer: cannot restore the image on %s in place: %s; %s\n",
	       device, why, discarded >= 0 ?
	       "image discarded, rebooting to a normal boot" :
	       "and it cannot be discarded");
	return discarded >= 0;
}

/*
 * Write every image page to where it belongs, or where it is parked.
 * @waiting is the time spent waiting for verified chunks.
 */
static int place_pages(struct image_reader *r, struct physmem *pm,
		       const struct khib_image_range *own, size_t nr_own,
		       double *waiting)
{
	uint64_t done = 0, next_report = 0, total = r->sb.nr_pages;
	struct stream_chunk c;
	struct pfn_walk walk;
	double t = now();
	int ret;

	pfn_walk_init(&walk, r->chunks, r->nr_chunks);
	while ((ret = image_next_chunk(r, &c)) > 0) {
		uint32_t stored = 0;

		*waiting += now() - t;

		for (uint32_t i = 0; i < c.nr_pages; i++) {
			uint64_t pfn = pfn_walk_next(&walk);
			uint64_t dst = inplace_destination(r->redirects,
							   r->sb.nr_redirects,
							   own, nr_own, pfn);
			void *page;

			/* The last page is written: any window may go. */
			physmem_new_chunk(pm);
			page = physmem_page_rw(pm, dst);
			if (!page) {
				snprintf(r->why, sizeof(r->why),
					 "cannot map page frame %#" PRIx64 " for image page %#" PRIx64 ": %s",
					 dst, pfn, strerror(errno));
				return -1;
			}
			memcpy(page, stream_chunk_page(&c, i, &stored),
			       KHIB_PAGE_SIZE);
		}
		done += c.nr_pages;
		if (done >= next_report) {
			printf("khib-writer: %3" PRIu64 "%% restored (%" PRIu64
			       "/%" PRIu64 " pages)\n", done * 100 / total,
			       done, total);
			next_report = done + total / 10 + 1;
		}
		t = now();
	}
	if (ret < 0)
		return -1;
	if (done != total) {
		snprintf(r->why, sizeof(r->why), "image ends after %" PRIu64
			 " of %" PRIu64 " pages", done, total);
		return -1;
	}
	return 0;
}

bool restore_in_place(const char *device)
{
	struct khib_ram_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	struct khib_image_range own[MAX_OWN_RANGES];
	struct inplace_plan plan;
	struct image_reader r;
	struct physmem pm;
	double t0 = now(), waiting = 0, elapsed;
	int nr_own;
	char why[256];

	switch (image_open(&r, device, true)) {
	case IMAGE_VALID:
		break;
	case IMAGE_CORRUPT:
		return give_up(&r, device, r.why);
	default:
		printf("khib-writer: %s: %s; nothing to restore, rebooting\n",
		       device, r.why);
		return true;
	}
	nr_own = system_ram_ranges(own, MAX_OWN_RANGES);
	if (nr_own < 0) {
		snprintf(why, sizeof(why), "cannot read this kernel's memory map: %s",
			 strerror(errno));
		return give_up(&r, device, why);
	}
	if (inplace_plan_make(&plan, r.chunks, r.nr_chunks, r.ram,
			      r.sb.nr_ram_ranges, r.redirects,
			      r.sb.nr_redirects, own, (size_t)nr_own, why,
			      sizeof(why)))
		return give_up(&r, device, why);
	printf("khib-writer: restoring %" PRIu64 " pages of Linux %s in place from %s: %" PRIu64
	       " of them parked in %zu runs, restore code in %" PRIu64 " pages at %#" PRIx64 "\n",
	       (uint64_t)r.sb.nr_pages, r.sb.release, device, plan.parked,
	       plan.nr_runs, plan.segment_pages,
	       plan.segment_pfn * KHIB_PAGE_SIZE);

	for (uint64_t i = 0; i < r.sb.nr_ram_ranges; i++) {
		ram[i].start_pfn = r.ram[i].start_pfn;
		ram[i].end_pfn = r.ram[i].end_pfn;
	}
	if (physmem_open(&pm)) {
		snprintf(why, sizeof(why), "cannot open /dev/mem: %s",
			 strerror(errno));
		inplace_plan_free(&plan);
		return give_up(&r, device, why);
	}
	physmem_allow_writes(&pm, RESTORE_WINDOWS);
	physmem_set_ram(&pm, ram, r.sb.nr_ram_ranges);
	if (place_pages(&r, &pm, own, (size_t)nr_own, &waiting)) {
		physmem_close(&pm);
		inplace_plan_free(&plan);
		snprintf(why, sizeof(why), "%s", r.why);
		return give_up(&r, device, why);
	}
	physmem_close(&pm);
	image_stop_stream(&r);
	if (restore_jump_load(&plan, r.header_page, why, sizeof(why))) {
		inplace_plan_free(&plan);
		return give_up(&r, device, why);
	}
	inplace_plan_free(&plan);
	/* Marked last: a crash before this point leaves it to try again. */
	if (image_mark(&r, KHIB_IMAGE_RESTORED)) {
		snprintf(why, sizeof(why), "cannot mark it used: %s",
			 strerror(errno));
		return give_up(&r, device, why);
	}
	elapsed = now() - t0;
	printf("khib-writer: image restored and verified in %.2f s, %.0f MB/s of image (waiting for verified data %.2f s); marked used, jumping into it\n",
	       elapsed, r.sb.nr_pages * KHIB_PAGE_SIZE / 1e6 / elapsed, waiting);
	image_close(&r);
	sync();
	restore_jump();
	printf("khib-writer: cannot enter the restored kernel: %s; the image is marked used\n",
	       strerror(errno));
	return true;
}
