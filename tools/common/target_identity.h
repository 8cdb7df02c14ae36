/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which device is the image target.  Device names are not stable from one
 * kernel to the next: the hibernate kernel probes disks on its own, and
 * with two disks /dev/vda there may be /dev/vdb here.  khib-load records
 * the target's identity, its size and a hash of its first
 * TARGET_ID_BYTES, and the writer checks it before the first write,
 * looking for the device that matches if the name does not.
 */
#ifndef KHIB_TARGET_IDENTITY_H
#define KHIB_TARGET_IDENTITY_H

#include <stddef.h>

#define TARGET_ID_BYTES	(64 * 1024)
#define TARGET_ID_LEN	48	/* "SIZE-HASH", terminated */

/* The identity of @path in @id.  Return 0, or -1 with errno set. */
int target_identity(const char *path, char *id, size_t len);

/*
 * Look through every block device in /dev for those whose identity is @id.
 * Return how many match; the first one's path is left in @path.
 */
int target_find(const char *id, char *path, size_t len);

#endif
