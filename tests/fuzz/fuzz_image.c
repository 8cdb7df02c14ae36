// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the image reader, as khib-restore and the hibernate
 * kernel's restore in place use it, over an untrusted device.  The input
 * is the whole device.  A valid image is streamed to the end and planned
 * for a restore in place (image_drive.c).
 */
#include <stdint.h>

#include "image_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	image_drive(data, size);
	return 0;
}
