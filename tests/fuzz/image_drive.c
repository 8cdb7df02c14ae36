// SPDX-License-Identifier: GPL-2.0
/*
 * The reader path of the image fuzz targets: the image reader, as
 * khib-restore and the hibernate kernel's restore in place use it, over
 * an untrusted device.  A valid image is streamed to the end and planned
 * for a restore in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image_drive.h"
#include "image_reader.h"
#include "inplace_plan.h"

static int device = -1;
static char path[64];

static void read_all(struct image_reader *r)
{
	static const struct khib_image_range some_own = { 1, 8192 };
	const struct khib_image_range *own = &some_own;
	size_t nr_own = 1;
	struct inplace_input in;
	struct inplace_plan plan;
	struct stream_chunk c;
	char why[256];

	while (image_next_chunk(r, &c) > 0)
		for (uint32_t i = 0, stored = 0; i < c.nr_pages; i++)
			(void)stream_chunk_page(&c, i, &stored);
	/* As khib-restore plans: with the memory the image says it lent. */
	if (r->sb.nr_own_ranges) {
		own = r->own;
		nr_own = r->sb.nr_own_ranges;
	}
	image_inplace_input(r, &in);
	if (!inplace_plan_make(&plan, &in, own, nr_own, why, sizeof(why)))
		inplace_plan_free(&plan);
}

void image_drive(const uint8_t *image, size_t size)
{
	image_drive_keyed(image, size, NULL);
}

void image_drive_keyed(const uint8_t *image, size_t size,
		       const uint8_t *master_key)
{
	struct image_reader r;

	/* The reader takes a path; a memory file spares the disk. */
	if (device < 0) {
		device = memfd_create("khib-fuzz-image", 0);
		if (device < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", device);
	}
	if (ftruncate(device, 0) || ftruncate(device, (off_t)size) ||
	    pwrite(device, image, size, 0) != (ssize_t)size)
		abort();
	if (image_open_keyed(&r, path, false, master_key) == IMAGE_VALID) {
		read_all(&r);
		image_close(&r);
	}
}
