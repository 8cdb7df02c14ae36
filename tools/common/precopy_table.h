/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pre-copy's table (khib_image.h, "Pre-copy"): written by khib-precopy
 * once its records are flushed, named by a superblock in state WRITING,
 * and read by the writer in the hibernate kernel, which keeps the records
 * whose pages did not change.  One owner for writing and checking it.
 */
#ifndef KHIB_PRECOPY_TABLE_H
#define KHIB_PRECOPY_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "khib_image.h"

/*
 * The pre-copy table that @sb (read from @dev) names, checked, into a new
 * buffer (free() it): the superblock must be sealed, in state WRITING,
 * of the target @uuid, and every entry a sound record before
 * sb->precopy_end, in ascending group order.  0, or -1 with @why filled
 * in (no pre-copy, or why it cannot be used).
 */
int precopy_table_load(struct blockdev *dev, const struct khib_image_super *sb,
		       const uint8_t uuid[KHIB_TARGET_UUID_LEN],
		       struct khib_precopy_entry **table, char *why,
		       size_t why_len);

/*
 * Write @nr entries of @table after the records, which end at
 * sb->precopy_end, flush, and then the superblock @sb naming them, in
 * state WRITING, flushed.  0, or -1 with errno set.
 */
int precopy_table_store(struct blockdev *dev, struct khib_image_super *sb,
			const struct khib_precopy_entry *table, uint64_t nr);

#endif
