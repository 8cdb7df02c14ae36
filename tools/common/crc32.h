/* SPDX-License-Identifier: GPL-2.0 */
/* CRC-32 as zlib's crc32() computes it: the checksum of the descriptor ABI. */
#ifndef KHIB_CRC32_H
#define KHIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_of(const void *buf, size_t len);

#endif
