// SPDX-License-Identifier: GPL-2.0
/* The descriptor checksum and the command line parser. */
#include <errno.h>
#include <string.h>

#include "cmdline.h"
#include "crc32.h"
#include "tap.h"

/* Numbers and flags: decimal only, in range, never wrapped to something else. */
static void test_numbers(void)
{
	static const char *const not_decimal[] = {
		"", "-1", "+1", "032", "00", "0x10", "1e3", "12 ", "3s",
	};
	const char *line = "khib.resumewait=4294968 khib.resumedelay=5 "
			   "khib.level=abc khib.cpus=007 khib.huge=18446744073709551616 "
			   "khib.inplace khib.bench=1 khib.off=0 khib.yes=yes "
			   "khib.empty= khib.max=18446744073709551615";
	unsigned long n = 77;
	bool b = false;

	for (size_t i = 0; i < sizeof(not_decimal) / sizeof(not_decimal[0]); i++)
		ok(!cmdline_parse_ulong(not_decimal[i], &n) && errno == EINVAL &&
		   n == 77, "\"%s\" is not a decimal number", not_decimal[i]);
	ok(cmdline_parse_ulong("0", &n) && n == 0, "0 is one");
	ok(!cmdline_parse_ulong("18446744073709551616", &n) && errno == ERANGE,
	   "2^64 does not fit");

	ok(cmdline_get_ulong(line, "khib.resumedelay", 0, 3600, &n) == 1 &&
	   n == 5, "a number in range is found");
	n = 77;
	ok(cmdline_get_ulong(line, "khib.resumewait", 0, 3600, &n) == -1 &&
	   n == 77, "one past the range is refused, not wrapped");
	ok(cmdline_get_ulong(line, "khib.level", 0, 19, &n) == -1,
	   "letters are refused");
	ok(cmdline_get_ulong(line, "khib.cpus", 1, 512, &n) == -1,
	   "a leading zero is refused");
	ok(cmdline_get_ulong(line, "khib.huge", 0, ~0UL, &n) == -1,
	   "a value past an unsigned long is refused");
	ok(cmdline_get_ulong(line, "khib.max", 0, ~0UL, &n) == 1 && n == ~0UL,
	   "the largest unsigned long is taken");
	ok(cmdline_get_ulong(line, "khib.empty", 0, 1, &n) == -1,
	   "an empty value is refused");
	ok(cmdline_get_ulong(line, "khib.absent", 0, 1, &n) == 0,
	   "an absent key is absent");
	ok(cmdline_given(line, "khib.empty") && !cmdline_given(line, "khib.inplace"),
	   "key= is given, a bare word is not");

	ok(cmdline_get_flag(line, "khib.inplace", &b) == 1 && b,
	   "a bare flag is set");
	ok(cmdline_get_flag(line, "khib.bench", &b) == 1 && b, "flag=1 is set");
	ok(cmdline_get_flag(line, "khib.off", &b) == 1 && !b, "flag=0 is not");
	b = true;
	ok(cmdline_get_flag(line, "khib.yes", &b) == -1 && b,
	   "flag=yes is refused");
	ok(cmdline_get_flag(line, "khib.absent", &b) == 0 && b,
	   "an absent flag leaves the default");
}

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
	test_numbers();
	return tap_done();
}
