// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"
#include "image_super.h"
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
		memcpy(&sb, block, sizeof(sb));
		/* Any state: the UUID is the device's, not the image's. */
		if (!image_super_sealed(&sb) ||
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

struct find_state {
	const char *id;
	char *path;
	size_t len;
	int matches;
};

static int match_identity(const char *path, const struct stat *st, void *ctx)
{
	struct find_state *f = ctx;
	char found_id[TARGET_ID_LEN];

	(void)st;
	if (!target_identity(path, found_id, sizeof(found_id)) &&
	    !strcmp(found_id, f->id) && !f->matches++)
		snprintf(f->path, f->len, "%s", path);
	return 0;
}

int target_find(const char *id, char *path, size_t len)
{
	struct find_state f = { .id = id, .path = path, .len = len };

	blockdev_for_each(match_identity, &f);
	return f.matches;
}
