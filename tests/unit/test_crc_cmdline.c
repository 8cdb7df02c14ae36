// SPDX-License-Identifier: GPL-2.0
/* The descriptor checksum and the command line parser. */
#include <string.h>

#include "cmdline.h"
#include "crc32.h"
#include "tap.h"

int main(void)
{
	const char *line = "console=ttyS0 khib.target=/dev/vda quiet "
			   "khib.level=3 kexec_jump_back_entry=0x1000 "
			   "khib.level=-5\n";
	char v[32];

	ok(crc32_of("123456789", 9) == 0xcbf43926u,
	   "CRC-32 check value of \"123456789\"");
	ok(crc32_of("", 0) == 0, "CRC-32 of nothing");

	ok(cmdline_get(line, "khib.target", v, sizeof(v)) &&
	   !strcmp(v, "/dev/vda"), "a value is found");
	ok(cmdline_get(line, "khib.level", v, sizeof(v)) && !strcmp(v, "-5"),
	   "the last occurrence wins");
	ok(cmdline_get(line, "kexec_jump_back_entry", v, sizeof(v)) &&
	   !strcmp(v, "0x1000"), "the value before the newline is found");
	ok(!cmdline_get(line, "khib", v, sizeof(v)),
	   "a prefix of a key is not the key");
	ok(!cmdline_get(line, "khib.target", v, 4),
	   "a value that does not fit is refused");
	ok(cmdline_has(line, "quiet") && !cmdline_has(line, "quie") &&
	   !cmdline_has(line, "console"), "flags match whole words only");
	return tap_done();
}
