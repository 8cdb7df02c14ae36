/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hibernate kernel's own RAM against the image.  Its RAM is memory the
 * main kernel lent it: every page of it that the image holds must have
 * been swapped out by the jump, with a redirect saying where the main
 * kernel's contents went.  Otherwise the writer would save its own memory
 * in place of the main kernel's.
 */
#ifndef KHIB_OWN_MEMORY_H
#define KHIB_OWN_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "khib_image.h"

/*
 * Check the @nr ranges against @view.  Return 0, or -1 with the first
 * offending page in @why.  @checked counts the pages looked at.
 */
int own_memory_check(const struct descriptor_view *view,
		     const struct khib_image_range *ranges, size_t nr,
		     uint64_t *checked, char *why, size_t why_len);

#endif
