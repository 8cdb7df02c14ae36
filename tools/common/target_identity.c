// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockdev.h"
#include "image_format.h"
#include "target_identity.h"

int target_identity(const char *path, char *id, size_t len)
{
	struct blockdev dev;
	uint64_t bytes;
	uint8_t *buf;
	int ret = -1;

	if (blockdev_open(&dev, path, false))
		return -1;
	/* Whole blocks only: a device smaller than that is hashed short. */
	bytes = dev.size < TARGET_ID_BYTES ?
		dev.size / BLOCKDEV_ALIGN * BLOCKDEV_ALIGN : TARGET_ID_BYTES;
	buf = blockdev_buffer(TARGET_ID_BYTES);
	if (buf && (!bytes || !blockdev_read(&dev, 0, buf, bytes))) {
		snprintf(id, len, "%" PRIu64 "-%016" PRIx64, dev.size,
			 image_hash(buf, bytes));
		ret = 0;
	} else if (!buf) {
		errno = ENOMEM;
	}
	free(buf);
	blockdev_close(&dev);
	return ret;
}

int target_find(const char *id, char *path, size_t len)
{
	/* /dev, not sysfs: the hibernate kernel mounts only devtmpfs. */
	DIR *dir = opendir("/dev");
	char candidate[300], found_id[TARGET_ID_LEN];
	struct dirent *e;
	struct stat st;
	int matches = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(candidate, sizeof(candidate), "/dev/%s", e->d_name);
		if (stat(candidate, &st) || !S_ISBLK(st.st_mode) ||
		    target_identity(candidate, found_id, sizeof(found_id)) ||
		    strcmp(found_id, id))
			continue;
		if (!matches++)
			snprintf(path, len, "%s", candidate);
	}
	closedir(dir);
	return matches;
}
