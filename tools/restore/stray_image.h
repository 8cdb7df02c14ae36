/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A valid image of this machine on a device the boot does not name: the
 * configured target moved (a /dev/sdX name now given to another disk), or
 * the configuration that named it is gone.  Booting on past it would let a
 * later boot, named right again, resume it over changed file systems.
 */
#ifndef KHIB_STRAY_IMAGE_H
#define KHIB_STRAY_IMAGE_H

#include <stddef.h>

/*
 * Look through the block devices in /dev, @skip aside, for a valid khib
 * image (of any format) written on a machine with this one's RAM.  Return
 * 1 with the first such device in @path and a description in @what, 0 if
 * there is none.
 */
int stray_image_find(const char *skip, char *path, size_t path_len,
		     char *what, size_t what_len);

#endif
