// SPDX-License-Identifier: GPL-2.0
/*
 * khib-restore: resume from a khib hibernation image, early in the boot of
 * the main system.
 *
 *   khib-restore [DEVICE]          restore, or return if there is nothing
 *                                  (valid) to restore; DEVICE defaults to
 *                                  khib.resume= on the kernel command line
 *   khib-restore --check DEVICE    verify the whole image, touch nothing
 *
 * With "noresume" on the kernel command line a valid image is discarded.
 *
 * Everything is verified while the image is fed to /dev/snapshot, before
 * the kernel replaces any memory; a bad image is refused with one line,
 * discarded, and the boot goes on.  The image is marked restored just
 * before the jump, so it is never resumed twice, nor after a normal boot.  Exit status: 0 when the boot should go on
 * normally, 1 when the image could not be used, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "image_reader.h"
#include "meminfo.h"
#include "snapshot_feed.h"

#define DEVICE_WAIT_MS	5000
#define RESUME_FREE_DIR	"/run/khib"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Where the time of a restore goes, for its summary line. */
struct stream_times {
	double waiting;		/* for verified chunks */
	double feeding;		/* in write() to /dev/snapshot */
};

/*
 * Stream all chunks, verified, to @feed (or nowhere, when checking);
 * zero pages only if not @skip_zero.
 */
static int stream_pages(struct image_reader *r, struct snapshot_feed *feed,
			bool skip_zero, struct stream_times *times)
{
	uint64_t done = 0, next_report = 0, total = r->sb.nr_pages;
	struct stream_chunk c;
	double t = now();
	int ret;

	while ((ret = image_next_chunk(r, &c)) > 0) {
		uint32_t stored = 0;

		times->waiting += now() - t;
		t = now();
		if (feed && skip_zero) {
			/* The chunk's other pages lie back to back. */
			for (uint32_t i = 0; i < c.nr_pages; i++)
				stored += !stream_chunk_is_zero(&c, i);
			if (stored && snapshot_feed_pages(feed, c.data, stored))
				return -1;
		}
		for (uint32_t i = 0; feed && !skip_zero && i < c.nr_pages; i++)
			if (snapshot_feed_page(feed,
					       stream_chunk_page(&c, i, &stored)))
				return -1;
		times->feeding += now() - t;
		t = now();
		done += c.nr_pages;
		if (done >= next_report) {
			printf("khib-restore: %3" PRIu64 "%% (%" PRIu64 "/%"
			       PRIu64 " pages)\n", done * 100 / total, done,
			       total);
			next_report = done + total / 10 + 1;
		}
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

static int check_image(const char *device)
{
	struct image_reader r;
	enum image_verdict v = image_open(&r, device, false);
	struct stream_times times = { 0 };
	double t0 = now();

	if (v != IMAGE_VALID) {
		printf("khib-restore: %s: %s\n", device, r.why);
		return 1;
	}
	if (stream_pages(&r, NULL, false, &times)) {
		printf("khib-restore: %s: %s\n", device, r.why);
		image_close(&r);
		return 1;
	}
	printf("khib-restore: %s: image of %" PRIu64 " pages (Linux %s) is intact, checked in %.2f s\n",
	       device, (uint64_t)r.sb.nr_pages, r.sb.release, now() - t0);
	image_close(&r);
	return 0;
}

/*
 * Let the console show what we said before the kernel prints again:
 * tty output drains in the background, kernel messages do not wait.
 */
static void drain_console(void)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/* A refused image must not be resumed after the normal boot it leads to. */
static int refuse(const char *device, const char *why)
{
	int discarded = image_discard(device);

	printf("khib-restore: refusing the image on %s: %s; %sbooting normally\n",
	       device, why, discarded > 0 ? "image discarded, " : "");
	drain_console();
	return 1;
}

static int restore(const char *device)
{
	struct snapshot_feed feed = { .fd = -1 };
	struct stream_times times = { 0 };
	struct image_reader r;
	double t0 = now(), elapsed;
	bool skip_zero;
	int ret;

	blockdev_wait(device, DEVICE_WAIT_MS);
	switch (image_open(&r, device, true)) {
	case IMAGE_ABSENT:
	case IMAGE_SPENT:
		printf("khib-restore: %s: %s; booting normally\n", device, r.why);
		return 0;
	case IMAGE_CORRUPT:
		return refuse(device, r.why);
	case IMAGE_VALID:
		break;
	}
	printf("khib-restore: resuming Linux %s from %s: %" PRIu64 " pages\n",
	       r.sb.release, device, (uint64_t)r.sb.nr_pages);

	/*
	 * User space is frozen only once the image is loaded: the threads
	 * that read and verify it ahead would be frozen too.  The kernel
	 * takes all the memory the image needs when the PFN list is in, so
	 * nothing running meanwhile can take page frames from it.
	 */
	skip_zero = snapshot_header_skip_zero_pages(r.header_page,
						    r.sb.nr_pages,
						    r.sb.nr_zero_pages);
	if (snapshot_feed_open(&feed) ||
	    snapshot_feed_page(&feed, r.header_page) ||
	    snapshot_feed_pfns(&feed, r.chunks, r.nr_chunks, r.sb.nr_pages,
			       skip_zero ? r.zero_bits : NULL)) {
		ret = refuse(device, feed.why);
		goto out;
	}
	if (stream_pages(&r, &feed, skip_zero, &times)) {
		ret = refuse(device, feed.why[0] ? feed.why : r.why);
		goto out;
	}
	image_stop_stream(&r);
	if (snapshot_feed_freeze(&feed)) {
		ret = refuse(device, feed.why);
		goto out;
	}
	if (image_mark(&r, KHIB_IMAGE_RESTORED)) {
		printf("khib-restore: cannot mark the image on %s as used (%s); not resuming it, so that it cannot be resumed twice\n",
		       device, strerror(errno));
		ret = 1;
		goto out;
	}
	elapsed = now() - t0;
	printf("khib-restore: image loaded and verified in %.2f s, %.0f MB/s of image (waiting for verified data %.2f s, handing pages to the kernel %.2f s, %" PRIu64 " zero pages %s); jumping into it\n",
	       elapsed, r.sb.nr_pages * KHIB_PAGE_SIZE / 1e6 / elapsed,
	       times.waiting, times.feeding, (uint64_t)r.sb.nr_zero_pages,
	       skip_zero ? "left to the kernel" : "written out");
	drain_console();
	snapshot_feed_restore(&feed);
	printf("khib-restore: %s; the image on %s is marked used; booting normally\n",
	       feed.why, device);
	ret = 1;
out:
	snapshot_feed_abort(&feed);
	image_close(&r);
	return ret;
}

/* "noresume": boot fresh, and never resume this image afterwards. */
static int discard(const char *device)
{
	blockdev_wait(device, DEVICE_WAIT_MS);
	switch (image_discard(device)) {
	case 1:
		printf("khib-restore: noresume given; the image on %s is discarded\n",
		       device);
		break;
	case 0:
		printf("khib-restore: noresume given; no image to discard on %s\n",
		       device);
		break;
	default:
		printf("khib-restore: noresume given, but the image on %s cannot be discarded: %s\n",
		       device, strerror(errno));
	}
	return 0;
}

/*
 * What is free now, at the point where a resume would load its image, is
 * what the next resume will have: khib-load hands it to the hibernate
 * kernel, which refuses an image too large to load.
 */
static void record_resume_memory(void)
{
	/* Half of vm.min_free_kbytes is out of reach of atomic allocations. */
	uint64_t kib = meminfo_kib("MemFree"), reserve = min_free_kib() / 2;
	FILE *f;

	if (kib <= reserve || (mkdir(RESUME_FREE_DIR, 0755) && errno != EEXIST))
		return;
	kib -= reserve;
	f = fopen(RESUME_FREE_DIR "/resume-free-kib", "w");
	if (!f)
		return;
	fprintf(f, "%" PRIu64 "\n", kib);
	fclose(f);
}

int main(int argc, char **argv)
{
	char device[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1)
		record_resume_memory();
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return check_image(argv[2]);
	if (argc == 2 && argv[1][0] != '-')
		return restore(argv[1]);
	if (argc != 1) {
		fprintf(stderr, "usage: khib-restore [DEVICE] | --check DEVICE\n");
		return 2;
	}
	if (!cmdline_get(NULL, "khib.resume", device, sizeof(device))) {
		printf("khib-restore: no khib.resume= on the kernel command line; not looking for an image\n");
		return 0;
	}
	if (cmdline_has(NULL, "noresume"))
		return discard(device);
	return restore(device);
}
