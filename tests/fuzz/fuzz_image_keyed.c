// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the reader of encrypted images, holding the key
 * their seeds were sealed with (image_drive.h), over an untrusted device:
 * the encrypted superblock's fields, the data key's unwrap, the sealed
 * regions and chunks.  Any change must be refused without a crash.
 */
#include <stdint.h>

#include "image_drive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	image_drive_keyed(data, size, fuzz_master_key);
	return 0;
}
