/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the image fuzz targets do with an input, shared so that the plain
 * and the rehashed target test exactly the same reader path.
 */
#ifndef KHIB_FUZZ_IMAGE_DRIVE_H
#define KHIB_FUZZ_IMAGE_DRIVE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Put @size bytes of @image on a device and read it as khib-restore and
 * the hibernate kernel's restore in place do: open it, stream every chunk
 * to the end and plan a restore in place.  Aborts only if the device
 * itself cannot be made.
 */
void image_drive(const uint8_t *image, size_t size);

/*
 * The same with the master key the keyed target and its seeds (encrypted
 * images, make_seeds.c) share: the encrypted superblock, the key unwrap
 * and every sealed region and chunk are then reached.
 */
static const uint8_t fuzz_master_key[32] = {
	0x6b, 0x68, 0x69, 0x62, 0x2d, 0x66, 0x75, 0x7a,
	0x7a, 0x2d, 0x6d, 0x61, 0x73, 0x74, 0x65, 0x72,
	0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x6e, 0x6f, 0x74,
	0x2d, 0x61, 0x2d, 0x73, 0x65, 0x63, 0x72, 0x65,
};

void image_drive_keyed(const uint8_t *image, size_t size,
		       const uint8_t *master_key);

#endif
