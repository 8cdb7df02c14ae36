// SPDX-License-Identifier: GPL-2.0
#include "image_report.h"

#include <string.h>

#include <linux/kexec_hibernate.h>

#include "crc32.h"
#include "image_format.h"

static bool report_sealed(const struct kexec_hib_report *r)
{
	struct kexec_hib_report copy = *r;

	copy.checksum = 0;
	return r->magic == KEXEC_HIB_REPORT_MAGIC &&
	       crc32_of(&copy, sizeof(copy)) == r->checksum;
}

bool image_report_fill(void *page, const struct khib_image_super *sb,
		       bool in_place)
{
	struct kexec_hib_report r;

	_Static_assert(sizeof(r) <= KHIB_PAGE_SIZE, "a report fits in its page");
	memcpy(&r, page, sizeof(r));
	/* Anything else is not ours to change: the page is the kernel's. */
	if (!report_sealed(&r) || r.state != KEXEC_HIB_REPORT_PENDING ||
	    r.sequence != sb->sequence || r.image_pages != sb->nr_pages)
		return false;

	r.state = KEXEC_HIB_REPORT_RESTORED;
	r.flags = in_place ? KEXEC_HIB_REPORT_IN_PLACE : 0;
	r.bytes_written = image_bytes_on_disk(sb);
	r.write_ms = sb->write_ms;
	r.checksum = 0;
	r.checksum = crc32_of(&r, sizeof(r));
	memcpy(page, &r, sizeof(r));
	return true;
}
