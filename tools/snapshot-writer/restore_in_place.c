// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image_reader.h"
#include "progress.h"
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

/*
 * A bad or unusable image must not be tried again at every boot.  One the
 * device failed to read may be intact: it is kept, and the machine powers
 * off rather than boot normally while it is valid.
 */
/*
 * Stop for a reason that is not about the image (this kernel's memory,
 * /dev/mem, the restore code): the image is kept for another boot.
 */
static bool keep_image(struct image_reader *r, const char *device,
		       const char *why)
{
	image_close(r);
	printf("khib-writer: cannot restore the image on %s in place: %s; the image is not at fault and is kept\n",
	       device, why);
	return false;
}

static bool give_up(struct image_reader *r, const char *device,
		    const char *why)
{
	int discarded;

	image_close(r);
	if (image_may_be_intact(r)) {
		printf("khib-writer: cannot restore the image on %s in place: %s; the image may be intact and is kept\n",
		       device, why);
		return false;
	}
	discarded = image_super_discard(device);
	printf("khib-writer: cannot restore the image on %s in place: %s; %s\n",
	       device, why, discarded >= 0 ?
	       "image discarded, rebooting to a normal boot" :
	       "and it cannot be discarded");
	return discarded >= 0;
}

/*
 * The decoder threads put each verified chunk's pages in place
 * themselves, each through its own /dev/mem windows, so that copying
 * runs on every CPU.  A chunk's pages are its group's, in PFN order.
 */
struct placer {
	const struct image_reader *r;
	const struct khib_image_range *own;
	size_t nr_own;
	struct physmem *pm;		/* one per decoder */
	double *placing;		/* seconds spent placing, per decoder */
	unsigned int nr_pm;
};

static int place_chunk(void *ctx, unsigned int worker,
		       struct stream_chunk *c, char *why, size_t why_len)
{
	struct placer *p = ctx;
	struct physmem *pm = &p->pm[worker % p->nr_pm];
	uint32_t stored = 0, i = 0;
	double t0 = now();

	image_fill_report(p->r, c, true);

	for (unsigned int n = 0; n < KHIB_CHUNK_PAGES; n++) {
		uint64_t pfn = c->group * KHIB_CHUNK_PAGES + n, dst;
		void *page;

		if (!group_bit(c->pfn_set, n))
			continue;
		dst = inplace_destination(p->r->redirects,
					  p->r->sb.nr_redirects, p->own,
					  p->nr_own, pfn);
		/* The last page is written: any window may go. */
		physmem_new_chunk(pm);
		page = physmem_page_rw(pm, dst);
		if (!page) {
			snprintf(why, why_len,
				 "cannot map page frame %#" PRIx64 " for image page %#" PRIx64 ": %s",
				 dst, pfn, strerror(errno));
			return -1;
		}
		memcpy(page, stream_chunk_page(c, i++, &stored),
		       KHIB_PAGE_SIZE);
	}
	p->placing[worker % p->nr_pm] += now() - t0;
	return 0;
}

static double placing_seconds(const struct placer *p)
{
	double sum = 0;

	for (unsigned int i = 0; i < p->nr_pm; i++)
		sum += p->placing[i];
	return sum;
}

static void placer_free(struct placer *p)
{
	for (unsigned int i = 0; p->pm && i < p->nr_pm; i++)
		physmem_close(&p->pm[i]);
	free(p->pm);
	free(p->placing);
}

static int placer_init(struct placer *p, const struct image_reader *r,
		       const struct kexec_hib_ram_range *ram,
		       const struct khib_image_range *own, size_t nr_own)
{
	*p = (struct placer){ .r = r, .own = own, .nr_own = nr_own };
	p->nr_pm = image_stream_threads();
	p->pm = calloc(p->nr_pm, sizeof(*p->pm));
	p->placing = calloc(p->nr_pm, sizeof(*p->placing));
	if (!p->pm || !p->placing) {
		errno = ENOMEM;
		return -1;
	}
	for (unsigned int i = 0; i < p->nr_pm; i++)
		p->pm[i].fd = -1;
	for (unsigned int i = 0; i < p->nr_pm; i++) {
		if (physmem_open(&p->pm[i]))
			return -1;
		physmem_allow_writes(&p->pm[i], RESTORE_WINDOWS);
		physmem_set_ram(&p->pm[i], ram, r->sb.nr_ram_ranges);
	}
	return 0;
}

/* Take every chunk, in order, once the decoders have placed it. */
static int place_pages(struct image_reader *r)
{
	struct progress_meter meter;
	struct stream_chunk c;
	uint64_t done = 0;
	int ret;

	progress_start(&meter, "khib-writer", "restored ", r->sb.nr_pages);
	while ((ret = image_next_chunk(r, &c)) > 0) {
		done += c.nr_pages;
		progress_update(&meter, done, 0);
	}
	return ret < 0 ? -1 : 0;
}

bool restore_in_place(const char *device, const uint8_t *master_key)
{
	struct kexec_hib_ram_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	struct khib_image_range own[MAX_OWN_RANGES];
	struct inplace_input in;
	struct inplace_plan plan;
	struct image_reader r;
	struct placer placer;
	struct chunk_sink sink = { .put = place_chunk, .ctx = &placer };
	double t0 = now(), elapsed, placing;
	int nr_own;
	char why[256];

	switch (image_open_keyed(&r, device, true, master_key)) {
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
		return keep_image(&r, device, why);
	}
	image_inplace_input(&r, &in);
	if (inplace_plan_make(&plan, &in, own, (size_t)nr_own, why,
			      sizeof(why)))
		return keep_image(&r, device, why);
	printf("khib-writer: restoring %" PRIu64 " pages of Linux %s in place from %s: %" PRIu64
	       " of them parked in %zu runs, restore code in %" PRIu64 " pages (%u runs, %" PRIu64 " spare)\n",
	       (uint64_t)r.sb.nr_pages, r.sb.release, device, plan.parked,
	       plan.nr_runs, plan.segment_pages, plan.segment_runs, plan.spare);

	for (uint64_t i = 0; i < r.sb.nr_ram_ranges; i++) {
		ram[i].start_pfn = r.ram[i].start_pfn;
		ram[i].end_pfn = r.ram[i].end_pfn;
	}
	if (placer_init(&placer, &r, ram, own, (size_t)nr_own)) {
		snprintf(why, sizeof(why), "cannot open /dev/mem: %s",
			 strerror(errno));
		placer_free(&placer);
		inplace_plan_free(&plan);
		return keep_image(&r, device, why);
	}
	image_set_sink(&r, &sink);
	if (place_pages(&r)) {
		image_stop_stream(&r);
		placer_free(&placer);
		inplace_plan_free(&plan);
		snprintf(why, sizeof(why), "%s", r.why);
		return give_up(&r, device, why);
	}
	image_stop_stream(&r);
	placing = placing_seconds(&placer);
	placer_free(&placer);
	if (restore_jump_load(&plan, &r.sb.resume, why, sizeof(why))) {
		inplace_plan_free(&plan);
		return keep_image(&r, device, why);
	}
	inplace_plan_free(&plan);
	/* Marked last: a crash before this point leaves it to try again. */
	if (image_super_store(&r.dev, &r.sb, KHIB_IMAGE_RESTORED)) {
		snprintf(why, sizeof(why), "cannot mark it used: %s",
			 strerror(errno));
		return keep_image(&r, device, why);
	}
	elapsed = now() - t0;
	printf("khib-writer: image restored and verified in %.2f s, %.0f MB/s of image, on %u threads (%.2f s of their time placing pages); marked used, jumping into it\n",
	       elapsed, r.sb.nr_pages * KHIB_PAGE_SIZE / 1e6 / elapsed,
	       image_stream_threads(), placing);
	image_close(&r);
	sync();
	restore_jump();
	printf("khib-writer: cannot enter the restored kernel: %s; the image is marked used\n",
	       strerror(errno));
	return true;
}
