/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The image superblock and its states: the one place that seals, checks,
 * reads and writes it, for the writer, khib-restore, the restore in place
 * and khib-inspect.  The states move only forward:
 *
 *   (none)  -> WRITING     the writer, before the first data
 *   WRITING -> VALID       the writer, once everything else is on disk
 *   VALID   -> RESTORED    a restore, just before it enters the image
 *   VALID   -> DISCARDED   a refused image, or "noresume"
 *   (none)  -> EMPTY       khib-load making a device a khib target
 *
 * A writer starting over may also take any state back to WRITING, and
 * any state but VALID may become EMPTY again.
 */
#ifndef KHIB_IMAGE_SUPER_H
#define KHIB_IMAGE_SUPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "khib_image.h"

/* What the superblock at the start of a device says. */
enum image_verdict {
	IMAGE_VALID,		/* a complete image, ready to restore */
	IMAGE_ABSENT,		/* no khib image at all */
	IMAGE_SPENT,		/* incomplete, or restored already */
	IMAGE_CORRUPT,		/* damaged */
	IMAGE_OTHER_FORMAT,	/* a format major these tools do not read;
				 * it may be valid for the tools that wrote it */
};

void image_super_seal(struct khib_image_super *sb);
/* Whether @sb is a khib superblock of this format with a matching hash. */
bool image_super_sealed(const struct khib_image_super *sb);
enum image_verdict image_super_check(const struct khib_image_super *sb,
				     uint64_t device_bytes,
				     char *why, size_t why_len);
const char *image_state_name(uint32_t state);

/*
 * @sb as the associated data of its wrapped data key: every field but
 * those that change after the wrap (state, hash, the wrap itself).
 */
void image_super_aad(const struct khib_image_super *sb,
		     struct khib_image_super *aad);

/* Whether a superblock in state @from may be written with state @to. */
bool image_state_change_allowed(uint32_t from, uint32_t to);

/*
 * Read the superblock of @dev into @sb and check it; @why says why it is
 * not IMAGE_VALID.  *@unreadable is set if the device failed the read.
 */
enum image_verdict image_super_read(struct blockdev *dev,
				    struct khib_image_super *sb,
				    bool *unreadable, char *why,
				    size_t why_len);

/*
 * Move @sb to @state, seal it and write it to @dev, flushed.  An image
 * marked restored or discarded loses its wrapped data key: encrypted, it
 * can never be read again.  Return 0, or -1 with errno set (EINVAL: a
 * change the states do not allow).
 */
int image_super_store(struct blockdev *dev, struct khib_image_super *sb,
		      uint32_t state);

/*
 * Make @dev an empty khib target known by @uuid: an EMPTY superblock,
 * written and flushed.  Return 0, or -1 with errno set.
 */
int image_super_format(struct blockdev *dev,
		       const uint8_t uuid[KHIB_TARGET_UUID_LEN]);

/*
 * Mark the image on @path as discarded if its superblock is intact and
 * says it is valid, whatever else is wrong with it; an image of another
 * format major that says it is valid is made unusable by an EMPTY
 * superblock of this format in its place.  Return 1 if it was discarded,
 * 0 if there was nothing to discard, -1 with errno set.
 */
int image_super_discard(const char *path);

#endif
