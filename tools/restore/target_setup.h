/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making a device a khib target, for khib-load: proving it holds nothing
 * but khib's, and writing the khib superblock that says so
 * (target_check.h, khib_image.h).
 */
#ifndef KHIB_TARGET_SETUP_H
#define KHIB_TARGET_SETUP_H

#include <stdbool.h>

/*
 * --claim DEVICE (@format false): if DEVICE is khib's target, or blank,
 * not in use and large enough for an image of this machine's RAM, print
 * its target UUID (making it a target first if blank) and return 0;
 * otherwise say why on stderr and return 1.  --format DEVICE (@format
 * true): the same, but whatever DEVICE holds (a valid image aside) is
 * given up and a new target UUID written.
 */
int target_setup(const char *device, bool format);

#endif
