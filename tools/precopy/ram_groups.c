// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/kernel-page-flags.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image_format.h"
#include "ram_groups.h"

#define GROUP_BYTES	(RAM_GROUP_PAGES * KHIB_PAGE_SIZE)
/* Pages whose content is not the system's: free, or no page at all. */
#define NOT_IN_USE	((1ULL << KPF_BUDDY) | (1ULL << KPF_NOPAGE) | \
			 (1ULL << KPF_HWPOISON))

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

size_t ram_groups_count(const struct kcore_ram *k)
{
	const struct kcore_segment *last;
	uint64_t end_pfn;

	if (!k->nr)
		return 0;
	last = &k->seg[k->nr - 1];
	end_pfn = (last->phys + last->bytes + KHIB_PAGE_SIZE - 1) /
		  KHIB_PAGE_SIZE;
	return (end_pfn + RAM_GROUP_PAGES - 1) / RAM_GROUP_PAGES;
}

/*
 * Read group @g's RAM into @buf; @present gets a bit per page that a
 * segment holds.  0, or -1 with errno set.
 */
static int read_group(const struct kcore_ram *k, size_t g, uint8_t *buf,
		      uint64_t present[RAM_GROUP_PAGES / 64])
{
	uint64_t start = (uint64_t)g * GROUP_BYTES, end = start + GROUP_BYTES;

	memset(present, 0, RAM_GROUP_PAGES / 8);
	for (size_t i = 0; i < k->nr; i++) {
		const struct kcore_segment *s = &k->seg[i];
		uint64_t from, to;

		if (s->phys >= end || s->phys + s->bytes <= start)
			continue;
		/* Whole pages only: a segment's ragged edge is not RAM to us. */
		from = (s->phys > start ? s->phys : start) + KHIB_PAGE_SIZE - 1;
		from -= from % KHIB_PAGE_SIZE;
		to = s->phys + s->bytes < end ? s->phys + s->bytes : end;
		to -= to % KHIB_PAGE_SIZE;
		for (uint64_t at = from; at < to;) {
			ssize_t n = kcore_ram_read(k, at, buf + (at - start),
						   to - at);

			if (n < 0)
				return -1;
			if (n == 0 || n % KHIB_PAGE_SIZE) {
				errno = EIO;
				return -1;
			}
			for (uint64_t p = at; p < at + n; p += KHIB_PAGE_SIZE) {
				size_t bit = (p - start) / KHIB_PAGE_SIZE;

				present[bit / 64] |= 1ULL << (bit % 64);
			}
			at += n;
		}
	}
	return 0;
}

static void read_flags(int fd, size_t g, uint64_t *flags)
{
	size_t len = RAM_GROUP_PAGES * sizeof(*flags);

	if (fd < 0 || pread(fd, flags, len, (off_t)(g * len)) != (ssize_t)len)
		memset(flags, 0, len);
}

int ram_group_read(const struct kcore_ram *k, int kpageflags_fd, size_t g,
		   uint8_t *buf, uint64_t used[RAM_GROUP_PAGES / 64])
{
	uint64_t present[RAM_GROUP_PAGES / 64], flags[RAM_GROUP_PAGES];
	int pages = 0;

	if (read_group(k, g, buf, present))
		return -1;
	read_flags(kpageflags_fd, g, flags);
	memset(used, 0, RAM_GROUP_PAGES / 8);
	for (size_t i = 0; i < RAM_GROUP_PAGES; i++) {
		if (!(present[i / 64] >> (i % 64) & 1) ||
		    (flags[i] & NOT_IN_USE))
			continue;
		used[i / 64] |= 1ULL << (i % 64);
		pages++;
	}
	return pages;
}

int ram_groups_hash(const struct kcore_ram *k, int kpageflags_fd,
		    struct ram_group *groups, struct ram_pass *pass)
{
	size_t nr = ram_groups_count(k);
	uint8_t *buf = malloc(GROUP_BYTES);
	double t0 = seconds();
	int ret = -1;

	memset(pass, 0, sizeof(*pass));
	if (!buf) {
		errno = ENOMEM;
		goto out;
	}
	for (size_t g = 0; g < nr; g++) {
		const void *pages[RAM_GROUP_PAGES];
		uint64_t used[RAM_GROUP_PAGES / 64];
		int n = ram_group_read(k, kpageflags_fd, g, buf, used);
		uint32_t held = 0;

		if (n < 0)
			goto out;
		for (size_t i = 0; i < RAM_GROUP_PAGES; i++)
			if (used[i / 64] >> (i % 64) & 1)
				pages[held++] = buf + i * KHIB_PAGE_SIZE;
		/* The pre-copy's hash, and which pages are in use. */
		if (image_content_hash(pages, held, groups[g].hash)) {
			errno = ENOMEM;
			goto out;
		}
		groups[g].set_hash = image_hash(used, sizeof(used));
		groups[g].pages = held;
		pass->groups += held != 0;
		pass->pages += held;
	}
	ret = 0;
out:
	pass->seconds = seconds() - t0;
	free(buf);
	return ret;
}
