/* SPDX-License-Identifier: GPL-2.0 */
/* This kernel's System RAM, as /proc/iomem lists it. */
#ifndef KHIB_SYSTEM_RAM_H
#define KHIB_SYSTEM_RAM_H

#include <stddef.h>

#include "khib_image.h"

/*
 * The top-level System RAM ranges, in whole pages, into @ranges.  Return
 * how many, or -1 with errno set.
 */
int system_ram_ranges(struct khib_image_range *ranges, size_t max);

#endif
