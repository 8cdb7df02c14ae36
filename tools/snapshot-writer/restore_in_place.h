/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Restoring an image in place, in the hibernate kernel booted for that
 * from the memory it was lent at hibernation (khib.restore=DEVICE): every
 * page goes straight to its page frame, the pages that lie in this
 * kernel's own RAM are parked where the jump had them, and the last step
 * (restore_jump.h) moves them home and enters the restored kernel.  For
 * images too large for /dev/snapshot, which needs room for the whole image
 * beside a running kernel.
 */
#ifndef KHIB_RESTORE_IN_PLACE_H
#define KHIB_RESTORE_IN_PLACE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Restore the image on @device and jump into it, opened with
 * @master_key (NULL: the image must be in clear).  Returns only on
 * failure: false if the image is still valid (it could be neither
 * restored nor made unusable), true if it was made unusable.
 */
bool restore_in_place(const char *device, const uint8_t *master_key);

#endif
