// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blockdev.h"
#include "image_format.h"
#include "target_identity.h"

void target_uuid_text(const uint8_t uuid[KHIB_TARGET_UUID_LEN], char *id,
		      size_t len)
{
	size_t n = 0;

	id[0] = '\0';
	for (int i = 0; i < KHIB_TARGET_UUID_LEN && n < len; i++)
		n += snprintf(id + n, len - n, "%02x", uuid[i]);
}

int target_uuid_unset(const uint8_t uuid[KHIB_TARGET_UUID_LEN])
{
	for (int i = 0; i < KHIB_TARGET_UUID_LEN; i++)
		if (uuid[i])
			return 0;
	return 1;
}

int target_uuid_parse(const char *id, uint8_t uuid[KHIB_TARGET_UUID_LEN])
{
	if (strlen(id) != TARGET_ID_LEN - 1 ||
	    strspn(id, "0123456789abcdef") != TARGET_ID_LEN - 1)
		return -1;
	for (int i = 0; i < KHIB_TARGET_UUID_LEN; i++) {
		unsigned int byte;

		if (sscanf(id + 2 * i, "%2x", &byte) != 1)
			return -1;
		uuid[i] = (uint8_t)byte;
	}
	return 0;
}

int target_identity(const char *path, char *id, size_t len)
{
	struct khib_image_super sb;
	struct blockdev dev;
	uint8_t *block;
	int ret = -1;

	if (blockdev_open(&dev, path, false))
		return -1;
	block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	if (!block) {
		errno = ENOMEM;
	} else if (dev.size < KHIB_IMAGE_ALIGN) {
		errno = ENOENT;
	} else if (!blockdev_read(&dev, 0, block, KHIB_IMAGE_ALIGN)) {
		uint64_t hash;

		memcpy(&sb, block, sizeof(sb));
		hash = sb.hash;
		sb.hash = 0;
		/* Any state: the UUID is the device's, not the image's. */
		if (sb.magic != KHIB_IMAGE_MAGIC ||
		    sb.major != KHIB_IMAGE_MAJOR ||
		    image_hash(&sb, sizeof(sb)) != hash ||
		    target_uuid_unset(sb.target_uuid)) {
			errno = ENOENT;
		} else {
			target_uuid_text(sb.target_uuid, id, len);
			ret = 0;
		}
	}
	free(block);
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
		/* lstat: a link to a device would count it twice. */
		if (lstat(candidate, &st) || !S_ISBLK(st.st_mode) ||
		    target_identity(candidate, found_id, sizeof(found_id)) ||
		    strcmp(found_id, id))
			continue;
		if (!matches++)
			snprintf(path, len, "%s", candidate);
	}
	closedir(dir);
	return matches;
}
