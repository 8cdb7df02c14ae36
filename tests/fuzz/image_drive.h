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

#endif
