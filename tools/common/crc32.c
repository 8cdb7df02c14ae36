// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32 with the reflected polynomial 0xedb88320, initial and final XOR
 * 0xffffffff: what the kernel's ~crc32_le(~0, ...) and zlib's crc32()
 * compute.  Only descriptor pages go through it, so a byte-wise table is
 * fast enough.
 */
#include "crc32.h"

static uint32_t crc_table[256];

static void crc_table_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

uint32_t crc32_of(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = 0xffffffffu;

	if (!crc_table[1])
		crc_table_init();
	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}
