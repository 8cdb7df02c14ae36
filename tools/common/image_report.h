/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The report page: how a restore hands the figures of an image to the
 * kernel it resumes (struct kexec_hib_report of the descriptor ABI).
 */
#ifndef IMAGE_REPORT_H
#define IMAGE_REPORT_H

#include <stdbool.h>

#include "khib_image.h"

/*
 * Fill in @page, the data of the image's report page (sb->report_pfn) as
 * the image holds it, with the figures of the image in @sb.  It is changed
 * only if it holds the pending report of the hibernation that wrote the
 * image.  Returns whether it was filled in.
 */
bool image_report_fill(void *page, const struct khib_image_super *sb,
		       bool in_place);

#endif
