// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>

#include "image_format.h"
#include "image_groups.h"
#include "target_check.h"

/* Where signatures live: the first and the last MiB of a device. */
#define EDGE_BYTES	(1u << 20)

/*
 * The signatures worth naming in a refusal.  Any other non-zero byte in
 * the first or last MiB also makes a device foreign: this table only says
 * what it is.  (md 0.90 and 1.0 superblocks, the GPT backup and ZFS
 * labels sit in the last MiB.)
 */
static const struct signature {
	uint32_t offset;
	uint8_t len;
	const char *magic;
	const char *what;
} signatures[] = {
	{ 0, 6, "LUKS\xba\xbe", "a LUKS encrypted volume" },
	{ 0, 4, "XFSB", "an XFS file system" },
	{ 3, 8, "NTFS    ", "an NTFS file system" },
	{ 512, 8, "LABELONE", "an LVM physical volume" },
	{ 512, 8, "EFI PART", "a GPT partition table" },
	{ 1024 + 56, 2, "\x53\xef", "an ext2/3/4 file system" },
	{ 1024, 4, "\x10\x20\xf5\xf2", "an F2FS file system" },
	{ 4096 - 10, 10, "SWAPSPACE2", "a swap area" },
	{ 4096 - 10, 10, "SWAP-SPACE", "a swap area" },
	{ 0, 4, "\xfc\x4e\x2b\xa9", "an md RAID member" },
	{ 4096, 4, "\xfc\x4e\x2b\xa9", "an md RAID member" },
	{ 0x8001, 5, "CD001", "an ISO 9660 file system" },
	{ 0x10040, 8, "_BHRfS_M", "a btrfs file system" },
	{ 510, 2, "\x55\xaa", "a partition table or boot sector" },
};

static bool all_zero(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

enum target_content target_content(struct blockdev *dev, char *what,
				   size_t what_len)
{
	uint64_t edge = dev->size < EDGE_BYTES ? dev->size : EDGE_BYTES;
	enum target_content content = TARGET_FOREIGN;
	uint8_t *head, *tail;
	uint64_t magic;

	edge = edge / BLOCKDEV_ALIGN * BLOCKDEV_ALIGN;
	head = blockdev_buffer(EDGE_BYTES);
	tail = blockdev_buffer(EDGE_BYTES);
	if (!head || !tail || blockdev_read(dev, 0, head, edge) ||
	    blockdev_read(dev, dev->size / BLOCKDEV_ALIGN * BLOCKDEV_ALIGN - edge,
			  tail, edge)) {
		snprintf(what, what_len, "%s", strerror(errno));
		content = TARGET_UNREADABLE;
		goto out;
	}
	memcpy(&magic, head, sizeof(magic));
	if (edge >= KHIB_IMAGE_ALIGN && magic == KHIB_IMAGE_MAGIC) {
		snprintf(what, what_len, "a khib target");
		content = TARGET_KHIB;
		goto out;
	}
	if (all_zero(head, edge) && all_zero(tail, edge)) {
		snprintf(what, what_len, "nothing");
		content = TARGET_BLANK;
		goto out;
	}
	snprintf(what, what_len, "data of a kind khib does not know");
	for (size_t i = 0; i < sizeof(signatures) / sizeof(signatures[0]); i++) {
		const struct signature *s = &signatures[i];

		if (s->offset + s->len <= edge &&
		    !memcmp(head + s->offset, s->magic, s->len)) {
			snprintf(what, what_len, "%s", s->what);
			break;
		}
	}
out:
	free(head);
	free(tail);
	return content;
}

/* Whether any line of @file has, as its field @field, a device @rdev. */
static bool listed_device(const char *file, int field, dev_t rdev)
{
	char line[4096], name[4096];
	bool found = false;
	FILE *f = fopen(file, "r");
	struct stat st;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *word = strtok(line, " \t\n");

		for (int i = 1; word && i < field; i++)
			word = strtok(NULL, " \t\n");
		if (!word || word[0] != '/')
			continue;
		snprintf(name, sizeof(name), "%s", word);
		found = !stat(name, &st) && S_ISBLK(st.st_mode) &&
			st.st_rdev == rdev;
	}
	fclose(f);
	return found;
}

/* Whether the mountinfo line's "MAJOR:MINOR" field is @rdev's. */
static bool mounted(dev_t rdev)
{
	char line[4096];
	unsigned int maj, min;
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %u:%u", &maj, &min) == 2 &&
			makedev(maj, min) == rdev;
	fclose(f);
	return found;
}

/* Whether the sysfs directory @dir has an entry (other than . and ..). */
static bool has_entries(const char *dir, const char *with_file)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];
	struct stat st;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!with_file) {
			found = true;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name,
			 with_file);
		found = !stat(path, &st);
	}
	closedir(d);
	return found;
}

int target_in_use(const char *path, char *why, size_t why_len)
{
	char sys[128], holders[160];
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode)) {
		snprintf(why, why_len, "%s is not a block device", path);
		return -1;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_rdev),
		 minor(st.st_rdev));
	snprintf(holders, sizeof(holders), "%s/holders", sys);
	if (mounted(st.st_rdev))
		snprintf(why, why_len, "%s is mounted", path);
	else if (listed_device("/proc/swaps", 1, st.st_rdev))
		snprintf(why, why_len, "%s is in use as swap", path);
	else if (has_entries(holders, NULL))
		snprintf(why, why_len,
			 "%s is held by another device (LVM, RAID or dm-crypt: see %s)",
			 path, holders);
	else if (has_entries(sys, "partition"))
		snprintf(why, why_len,
			 "%s is a whole disk with partitions; name one partition",
			 path);
	else
		return 0;
	return 1;
}

uint64_t target_need_bytes(uint64_t nr_ram_pages, uint64_t ram_end_pfn)
{
	uint64_t map = (ram_end_pfn / KHIB_MAP_CHUNK_PFNS +
			KHIB_IMAGE_MAX_RAM_RANGES) *
		       (sizeof(struct khib_map_chunk) + KHIB_PAGE_SIZE);
	uint64_t mem_map = mem_map_bytes(KHIB_IMAGE_MAX_RAM_RANGES,
					 KHIB_IMAGE_MAX_RAM_RANGES,
					 KHIB_IMAGE_MAX_REDIRECTS,
					 KHIB_IMAGE_MAX_FREE_PAGES);

	return image_max_bytes(nr_ram_pages,
			       image_groups_max(nr_ram_pages,
						KHIB_IMAGE_MAX_RAM_RANGES),
			       map, mem_map);
}
