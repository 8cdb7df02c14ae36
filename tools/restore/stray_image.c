// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image_reader.h"
#include "stray_image.h"
#include "system_ram.h"

/*
 * Whether the image was written from a machine whose RAM ends where ours
 * does, give or take 1/128: firmware moves its tables with the devices it
 * finds (SeaBIOS by some pages when a disk is added), and the kernel
 * then refuses the image, but a boot must not go past it either.
 */
static bool same_ram(const struct image_reader *r)
{
	struct khib_image_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	int nr = system_ram_ranges(ram, KHIB_IMAGE_MAX_RAM_RANGES);
	uint64_t theirs = r->ram[r->sb.nr_ram_ranges - 1].end_pfn, ours;

	/* Unknown here: take it for ours rather than boot past it. */
	if (nr <= 0)
		return true;
	ours = ram[nr - 1].end_pfn;
	return (theirs > ours ? theirs - ours : ours - theirs) <= ours / 128;
}

static int check_device(const char *path, char *what, size_t what_len)
{
	struct image_reader r;
	int found = 0;

	switch (image_open(&r, path, false)) {
	case IMAGE_VALID:
		found = same_ram(&r);
		if (found)
			snprintf(what, what_len,
				 "a valid image of %" PRIu64 " pages (Linux %s)",
				 (uint64_t)r.sb.nr_pages, r.sb.release);
		image_close(&r);
		break;
	case IMAGE_OTHER_FORMAT:
		snprintf(what, what_len, "%s", r.why);
		found = 1;
		break;
	default:
		break;
	}
	return found;
}

int stray_image_find(const char *skip, char *path, size_t path_len,
		     char *what, size_t what_len)
{
	DIR *dir = opendir("/dev");
	struct stat skip_st, st;
	char candidate[300];
	struct dirent *e;
	bool have_skip = skip && !stat(skip, &skip_st);
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(candidate, sizeof(candidate), "/dev/%s", e->d_name);
		/* RAM, loop and floppy devices are no place for a kept image. */
		if (lstat(candidate, &st) || !S_ISBLK(st.st_mode) ||
		    !strncmp(e->d_name, "ram", 3) ||
		    !strncmp(e->d_name, "loop", 4) ||
		    !strncmp(e->d_name, "fd", 2) ||
		    (have_skip && st.st_rdev == skip_st.st_rdev))
			continue;
		found = check_device(candidate, what, what_len);
		if (found)
			snprintf(path, path_len, "%s", candidate);
	}
	closedir(dir);
	return found;
}
