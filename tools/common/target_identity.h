/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which device is the image target.  Device names are not stable from one
 * kernel to the next: the hibernate kernel probes disks on its own, and
 * with two disks /dev/vda there may be /dev/vdb here.  A khib target is
 * known by the random UUID its superblock keeps from the day it was made
 * a target (khib_image.h); khib-load hands it to the writer, which writes
 * only to the one device that holds it.
 */
#ifndef KHIB_TARGET_IDENTITY_H
#define KHIB_TARGET_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"

#define TARGET_ID_LEN	(2 * KHIB_TARGET_UUID_LEN + 1)	/* hex, terminated */

/*
 * The target UUID in the khib superblock of @path, as hex in @id.  Return
 * 0; or -1 with errno set: ENOENT if @path is not a khib target of this
 * format with a UUID (or too small to be one), another errno if it
 * cannot be read.
 */
int target_identity(const char *path, char *id, size_t len);

/* @uuid as TARGET_ID_LEN - 1 hex digits in @id. */
void target_uuid_text(const uint8_t uuid[KHIB_TARGET_UUID_LEN], char *id,
		      size_t len);

/* Whether @uuid is unset (all zero). */
int target_uuid_unset(const uint8_t uuid[KHIB_TARGET_UUID_LEN]);

/*
 * @id (hex, as target_identity() prints it) as bytes in @uuid.  Return 0,
 * or -1 if it is not TARGET_ID_LEN - 1 hex digits.
 */
int target_uuid_parse(const char *id, uint8_t uuid[KHIB_TARGET_UUID_LEN]);

/*
 * Look through every block device in /dev for those whose identity is @id.
 * Return how many match; the first one's path is left in @path.
 */
int target_find(const char *id, char *path, size_t len);

#endif
