// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_format.h"
#include "image_groups.h"
#include "precopy_table.h"

/* Entry @i is a sound record of the pre-copy, after entry @i - 1. */
static bool entry_sound(const struct khib_image_super *sb,
			const struct khib_precopy_entry *t, uint64_t i)
{
	const struct khib_precopy_entry *e = &t[i];

	return (!i || e->group > t[i - 1].group) &&
	       e->offset >= KHIB_IMAGE_ALIGN &&
	       e->offset % KHIB_RECORD_ALIGN == 0 && e->bytes &&
	       e->bytes % KHIB_RECORD_ALIGN == 0 &&
	       e->bytes <= image_record_max() &&
	       e->offset + e->bytes <= sb->precopy_end && e->nr_pages &&
	       e->nr_pages == group_weight(e->page_set);
}

int precopy_table_load(struct blockdev *dev, const struct khib_image_super *sb,
		       const uint8_t uuid[KHIB_TARGET_UUID_LEN],
		       struct khib_precopy_entry **table, char *why,
		       size_t why_len)
{
	uint64_t space = align_up(sb->precopy_bytes, KHIB_IMAGE_ALIGN);
	struct khib_precopy_entry *t;

	*table = NULL;
	if (!image_super_sealed(sb) || sb->state != KHIB_IMAGE_WRITING ||
	    !sb->nr_precopy) {
		snprintf(why, why_len, "no pre-copy on the target");
		return -1;
	}
	if (memcmp(sb->target_uuid, uuid, KHIB_TARGET_UUID_LEN) ||
	    sb->precopy_bytes != sb->nr_precopy * sizeof(*t) ||
	    sb->precopy_offset % KHIB_IMAGE_ALIGN ||
	    sb->precopy_end > sb->precopy_offset ||
	    sb->precopy_offset > dev->size ||
	    space > dev->size - sb->precopy_offset) {
		snprintf(why, why_len, "the pre-copy's superblock is not sound");
		return -1;
	}
	t = blockdev_buffer(space);
	if (!t) {
		snprintf(why, why_len, "no memory for the pre-copy's table");
		return -1;
	}
	if (blockdev_read(dev, sb->precopy_offset, t, space)) {
		snprintf(why, why_len, "cannot read the pre-copy's table: %s",
			 strerror(errno));
		free(t);
		return -1;
	}
	if (image_hash(t, sb->precopy_bytes) != sb->precopy_hash) {
		snprintf(why, why_len, "the pre-copy's table checksum does not match");
		free(t);
		return -1;
	}
	for (uint64_t i = 0; i < sb->nr_precopy; i++) {
		if (!entry_sound(sb, t, i)) {
			snprintf(why, why_len,
				 "entry %" PRIu64 " of the pre-copy's table is not sound", i);
			free(t);
			return -1;
		}
	}
	*table = t;
	return 0;
}

int precopy_table_store(struct blockdev *dev, struct khib_image_super *sb,
			const struct khib_precopy_entry *table, uint64_t nr)
{
	uint64_t bytes = nr * sizeof(*table);
	uint64_t space = align_up(bytes, KHIB_IMAGE_ALIGN);
	uint8_t *buf = blockdev_buffer(space ? space : KHIB_IMAGE_ALIGN);
	int ret = -1;

	if (!buf)
		return -1;
	memset(buf, 0, space);
	memcpy(buf, table, bytes);
	sb->precopy_offset = align_up(sb->precopy_end, KHIB_IMAGE_ALIGN);
	sb->precopy_bytes = bytes;
	sb->precopy_hash = image_hash(buf, bytes);
	sb->nr_precopy = nr;
	/* The records are on the disk before the table names them, and the
	 * table before the superblock does. */
	if (!blockdev_sync(dev) &&
	    (!space || !blockdev_write(dev, sb->precopy_offset, buf, space)) &&
	    !blockdev_sync(dev) &&
	    !image_super_store(dev, sb, KHIB_IMAGE_WRITING))
		ret = 0;
	free(buf);
	return ret;
}
