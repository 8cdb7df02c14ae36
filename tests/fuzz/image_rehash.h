/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Making the hashes of a damaged khib image (khib_image.h) right again,
 * so that a fuzzer's changes get past the hash checks to the code behind
 * them.
 */
#ifndef KHIB_FUZZ_IMAGE_REHASH_H
#define KHIB_FUZZ_IMAGE_REHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Recompute, in the @size bytes of @image, every hash the image reader
 * checks, as the writer computes them: each chunk header's data hash and
 * own hash, in the order the reader walks the data stream; then the
 * superblock's hashes of the header page, page map, zero map and memory
 * map; then the superblock's own.  Nothing outside @image is read.  What
 * is too broken to be walked (a region outside the image, a chunk the
 * reader would stop at, a payload that does not decode) keeps its hash,
 * and so do the chunks after it.  Structures that overlap each other
 * cannot all be made right; the last one sealed wins.
 *
 * Return 0, or -1 if memory for decompressing a chunk ran out (the image
 * is then rehashed except for the data hashes of compressed chunks).
 */
int image_rehash(uint8_t *image, size_t size);

#endif
