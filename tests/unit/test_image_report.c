// SPDX-License-Identifier: GPL-2.0
/*
 * A restore fills in the report page only when it holds the pending
 * report of the hibernation that wrote the image (image_report.h).
 */
#include <string.h>

#include <linux/kexec_hibernate.h>

#include "crc32.h"
#include "image_format.h"
#include "image_report.h"
#include "tap.h"

static void seal(struct kexec_hib_report *r)
{
	r->checksum = 0;
	r->checksum = crc32_of(r, sizeof(*r));
}

static void pending(uint8_t *page, uint64_t sequence, uint64_t pages)
{
	struct kexec_hib_report r = {
		.magic = KEXEC_HIB_REPORT_MAGIC,
		.sequence = sequence,
		.state = KEXEC_HIB_REPORT_PENDING,
		.image_pages = pages,
	};

	memset(page, 0xa5, KHIB_PAGE_SIZE);
	seal(&r);
	memcpy(page, &r, sizeof(r));
}

int main(void)
{
	static uint8_t page[KHIB_PAGE_SIZE], before[KHIB_PAGE_SIZE];
	struct khib_image_super sb = {
		.sequence = 7, .nr_pages = 1000, .write_ms = 1234,
		.mem_map_offset = 1 << 20, .mem_map_bytes = 100,
	};
	struct kexec_hib_report r, check;

	pending(page, 7, 1000);
	ok(image_report_fill(page, &sb, true), "a pending report of this image is filled in");
	memcpy(&r, page, sizeof(r));
	check = r;
	seal(&check);
	ok(r.checksum == check.checksum, "and sealed again");
	ok(r.state == KEXEC_HIB_REPORT_RESTORED &&
	   r.flags == KEXEC_HIB_REPORT_IN_PLACE && r.sequence == 7 && r.image_pages == 1000,
	   "restored in place, same hibernation and pages");
	ok(r.bytes_written == image_bytes_on_disk(&sb) &&
	   r.bytes_written == (1 << 20) + KHIB_IMAGE_ALIGN && r.write_ms == 1234,
	   "with the image's bytes on disk and write time");
	ok(page[sizeof(r)] == 0xa5, "the rest of the page is left alone");

	pending(page, 7, 1000);
	ok(image_report_fill(page, &sb, false), "through /dev/snapshot too");
	memcpy(&r, page, sizeof(r));
	ok(r.flags == 0, "without the in-place flag");

	ok(!image_report_fill(page, &sb, false), "a filled-in report is not filled again");

	pending(page, 6, 1000);
	memcpy(before, page, sizeof(before));
	ok(!image_report_fill(page, &sb, false) &&
	   !memcmp(page, before, sizeof(before)),
	   "another hibernation's report is left unchanged");
	pending(page, 7, 999);
	ok(!image_report_fill(page, &sb, false), "so is one for another image size");
	pending(page, 7, 1000);
	page[20] ^= 1;
	memcpy(before, page, sizeof(before));
	ok(!image_report_fill(page, &sb, false) &&
	   !memcmp(page, before, sizeof(before)),
	   "and a page whose checksum does not match");
	memset(page, 0, sizeof(page));
	ok(!image_report_fill(page, &sb, false), "a page of zeros is no report");
	return tap_done();
}
