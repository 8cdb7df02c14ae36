/* SPDX-License-Identifier: GPL-2.0 */
/* This kernel's System RAM, as /proc/iomem lists it. */
#ifndef KHIB_SYSTEM_RAM_H
#define KHIB_SYSTEM_RAM_H

#include <stddef.h>

#include "khib_image.h"

/*
 * The top-level System RAM ranges, in whole pages, into @ranges: entries
 * that touch are merged first (the kernel lists RAM it reserved for
 * itself, such as boot data, as System RAM entries of their own, not
 * page-aligned), and what holds no whole page is left out.  Return how
 * many, or -1 with errno set (EINVAL: not in ascending order).
 */
int system_ram_ranges(struct khib_image_range *ranges, size_t max);

#endif
