/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether a device may be a khib target.  khib overwrites its target from
 * the first block on, so it must hold nothing else: it may be made one
 * only if it is blank (or on explicit request), and is used only while its
 * first block is a khib superblock.  khib-load asks before it loads the
 * hibernate kernel, which asks again (target_identity.h) before it writes.
 */
#ifndef KHIB_TARGET_CHECK_H
#define KHIB_TARGET_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

enum target_content {
	TARGET_BLANK,		/* zeros where any signature would be */
	TARGET_KHIB,		/* a khib superblock, of any format */
	TARGET_FOREIGN,		/* anything else */
	TARGET_UNREADABLE,
};

/*
 * What @dev holds, judged from its first and last MiB; for
 * TARGET_FOREIGN, @what names it ("an ext2/3/4 file system", ...).
 */
enum target_content target_content(struct blockdev *dev, char *what,
				   size_t what_len);

/*
 * Whether the running system uses the block device @path: mounted,
 * swapped on, held by another device (LVM, RAID, dm-crypt), or a whole
 * disk with partitions.  Return 0 if not; 1 with @why saying how; -1 if
 * @path is not a block device (@why says so).
 */
int target_in_use(const char *path, char *why, size_t why_len);

/*
 * Bytes the largest image of a machine with @nr_ram_pages pages of RAM
 * up to PFN @ram_end_pfn can take on its target, uncompressed.
 */
uint64_t target_need_bytes(uint64_t nr_ram_pages, uint64_t ram_end_pfn);

#endif
