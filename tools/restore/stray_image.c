// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image_reader.h"
#include "stray_image.h"
#include "system_ram.h"

/*
 * Whether the image was written from a machine whose RAM ends where ours
 * does (@ours, 0 if unknown here), give or take 1/128: firmware moves its
 * tables with the devices it finds (SeaBIOS by some pages when a disk is
 * added), and the kernel then refuses the image, but a boot must not go
 * past it either.
 */
static bool same_ram(const struct image_reader *r, uint64_t ours)
{
	uint64_t theirs = r->ram[r->sb.nr_ram_ranges - 1].end_pfn;

	/* Unknown here: take it for ours rather than boot past it. */
	if (!ours)
		return true;
	return (theirs > ours ? theirs - ours : ours - theirs) <= ours / 128;
}

struct scan {
	dev_t skip;
	bool have_skip;
	uint64_t ram_end_pfn;
	char *path, *what;
	size_t path_len, what_len;
};

static int check_device(const char *path, const struct stat *st, void *ctx)
{
	struct scan *s = ctx;
	const char *name = path + strlen("/dev/");
	struct image_reader r;
	int found = 0;

	/* RAM, loop and floppy devices are no place for a kept image. */
	if (!strncmp(name, "ram", 3) || !strncmp(name, "loop", 4) ||
	    !strncmp(name, "fd", 2) || (s->have_skip && st->st_rdev == s->skip))
		return 0;
	switch (image_open(&r, path, false)) {
	case IMAGE_VALID:
		found = same_ram(&r, s->ram_end_pfn);
		if (found)
			snprintf(s->what, s->what_len,
				 "a valid image of %" PRIu64 " pages (Linux %s)",
				 (uint64_t)r.sb.nr_pages, r.sb.release);
		image_close(&r);
		break;
	case IMAGE_OTHER_FORMAT:
		snprintf(s->what, s->what_len, "%s", r.why);
		found = 1;
		break;
	case IMAGE_CORRUPT:
		/* Sealed: whose memory it holds cannot be told without the
		 * key, so it may be this machine's. */
		if (r.locked) {
			snprintf(s->what, s->what_len,
				 "an encrypted image of %" PRIu64 " pages (Linux %s)",
				 (uint64_t)r.sb.nr_pages, r.sb.release);
			found = 1;
		}
		break;
	default:
		break;
	}
	if (found)
		snprintf(s->path, s->path_len, "%s", path);
	return found;
}

int stray_image_find(const char *skip, char *path, size_t path_len,
		     char *what, size_t what_len)
{
	struct khib_image_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	int nr = system_ram_ranges(ram, KHIB_IMAGE_MAX_RAM_RANGES);
	struct stat skip_st;
	struct scan s = {
		.have_skip = skip && !stat(skip, &skip_st),
		.ram_end_pfn = nr > 0 ? ram[nr - 1].end_pfn : 0,
		.path = path, .path_len = path_len,
		.what = what, .what_len = what_len,
	};

	if (s.have_skip)
		s.skip = skip_st.st_rdev;
	return blockdev_for_each(check_device, &s);
}
