// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the image reader behind its hashes.  Almost every
 * change to an image fails a hash check first, so fuzz_image.c barely
 * reaches the parsers behind them.  Here the input, the whole device, has
 * every hash the reader checks recomputed (image_rehash.c) before it goes
 * the same way as fuzz_image.c's (image_drive.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_drive.h"
#include "image_rehash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/*
	 * libFuzzer's input is read-only.  The copy is exactly as long, so
	 * that ASan catches a rehash that reads past the image.
	 */
	uint8_t *image = malloc(size ? size : 1);

	/* Out of memory the run tests nothing: stop it loudly. */
	if (!image)
		abort();
	if (size)
		memcpy(image, data, size);
	if (image_rehash(image, size))
		abort();
	image_drive(image, size);
	free(image);
	return 0;
}
