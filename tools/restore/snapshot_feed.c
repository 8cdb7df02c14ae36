// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/suspend_ioctls.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "khib_image.h"
#include "snapshot_feed.h"

#define PFNS_PER_PAGE	(KHIB_PAGE_SIZE / sizeof(uint64_t))

int snapshot_feed_open(struct snapshot_feed *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = open("/dev/snapshot", O_WRONLY | O_CLOEXEC);
	if (f->fd < 0 && errno == EPERM)
		snprintf(f->why, sizeof(f->why),
			 "this kernel does not resume from hibernation images (/dev/snapshot: %s): hibernation is off (nohibernate on the command line, or kernel lockdown)",
			 strerror(errno));
	else if (f->fd < 0 && errno == ENOENT)
		snprintf(f->why, sizeof(f->why),
			 "this kernel has no /dev/snapshot (built without CONFIG_HIBERNATION_SNAPSHOT_DEV?)");
	else if (f->fd < 0)
		snprintf(f->why, sizeof(f->why), "cannot open /dev/snapshot: %s",
			 strerror(errno));
	return f->fd < 0 ? -1 : 0;
}

int snapshot_feed_freeze(struct snapshot_feed *f)
{
	if (ioctl(f->fd, SNAPSHOT_FREEZE)) {
		snprintf(f->why, sizeof(f->why), "cannot freeze user space: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void snapshot_feed_abort(struct snapshot_feed *f)
{
	if (f->fd < 0)
		return;
	ioctl(f->fd, SNAPSHOT_UNFREEZE);
	close(f->fd);
	f->fd = -1;
}

/* Say why the kernel did not take the next page; @done is what write() returned. */
static int refused(struct snapshot_feed *f, ssize_t done)
{
	f->kernel_errno = done < 0 ? errno : 0;
	if (done < 0 && f->pages_written == 1 && errno == EPERM)
		snprintf(f->why, sizeof(f->why),
			 "the kernel refused the image header: the image was made by another kernel or on a machine with a different memory map");
	else
		snprintf(f->why, sizeof(f->why),
			 "the kernel refused image page %llu: %s",
			 (unsigned long long)f->pages_written,
			 done < 0 ? strerror(errno) : "short write");
	return -1;
}

/*
 * Pages per write(): measured under TCG, 32 pages handed over a 45 % image
 * as fast as or faster than 1 page, and 256 pages (a whole chunk) slower.
 */
#define PAGES_PER_WRITE	32

int snapshot_feed_pages(struct snapshot_feed *f, const void *pages, size_t n)
{
	const uint8_t *next = pages;
	size_t left = n * KHIB_PAGE_SIZE;

	while (left) {
		size_t len = left < PAGES_PER_WRITE * KHIB_PAGE_SIZE ?
			     left : PAGES_PER_WRITE * KHIB_PAGE_SIZE;
		ssize_t done = write(f->fd, next, len);

		if (done <= 0 || done % KHIB_PAGE_SIZE)
			return refused(f, done);
		f->pages_written += done / KHIB_PAGE_SIZE;
		next += done;
		left -= done;
	}
	return 0;
}

int snapshot_feed_page(struct snapshot_feed *f, const void *page)
{
	return snapshot_feed_pages(f, page, 1);
}

bool snapshot_header_skip_zero_pages(void *header,
				     const struct kexec_hib_resume *resume,
				     uint64_t nr_pages, uint64_t nr_zero)
{
	uint8_t *image_pages_at = (uint8_t *)header + resume->header_image_pages;
	uint8_t *pages_at = (uint8_t *)header + resume->header_pages;
	uint64_t meta = (nr_pages + PFNS_PER_PAGE - 1) / PFNS_PER_PAGE;
	uint64_t image_pages, pages;

	memcpy(&image_pages, image_pages_at, 8);
	memcpy(&pages, pages_at, 8);
	if (!nr_zero || nr_zero > nr_pages || image_pages != nr_pages ||
	    pages != nr_pages + meta + 1)
		return false;
	image_pages -= nr_zero;
	pages -= nr_zero;
	memcpy(image_pages_at, &image_pages, 8);
	memcpy(pages_at, &pages, 8);
	return true;
}

int snapshot_feed_pfns(struct snapshot_feed *f,
		       const struct pfn_chunk *chunks, size_t nr_chunks,
		       uint64_t nr_pages, const uint64_t *zero_bits,
		       uint64_t zero_flag)
{
	uint64_t page[PFNS_PER_PAGE], done = 0;
	struct pfn_walk walk;

	pfn_walk_init(&walk, chunks, nr_chunks);
	while (done < nr_pages) {
		size_t n = 0;

		memset(page, 0, sizeof(page));
		while (n < PFNS_PER_PAGE && done < nr_pages) {
			page[n] = pfn_walk_next(&walk);
			if (zero_bits && zero_bits[done / 64] & (1ULL << (done % 64)))
				page[n] |= zero_flag;
			n++;
			done++;
		}
		if (n < PFNS_PER_PAGE)
			page[n] = ~0ULL;
		if (snapshot_feed_page(f, page))
			return -1;
	}
	return 0;
}

int snapshot_feed_restore(struct snapshot_feed *f)
{
	ioctl(f->fd, SNAPSHOT_ATOMIC_RESTORE);
	snprintf(f->why, sizeof(f->why), "the kernel did not restore the image: %s",
		 strerror(errno));
	return -1;
}
