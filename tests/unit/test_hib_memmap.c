// SPDX-License-Identifier: GPL-2.0
/*
 * The hibernate kernel's memory map (hib_memmap.c) from the /proc/iomem
 * of four machines (this build host; QEMU with SeaBIOS; QEMU q35 with
 * OVMF, its ACPI tables and NVS; and rare entry types), for 32 and 48
 * MiB lent: each must be what khib-load's awk program made before the
 * map moved into C (the .memmap files, made by that program).  And the
 * System RAM that system_ram.c derives from the same entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hib_memmap.h"
#include "iomem.h"
#include "tap.h"

static const char *const machines[] = {
	"host", "seabios-1g", "ovmf-q35-2g", "odd-types",
};

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

static void one(const char *machine, unsigned int mib)
{
	struct iomem_entry entries[256];
	char path[128], want[8192], got[8192];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "iomem/%s.iomem", machine);
	f = fopen(path, "r");
	n = f ? iomem_parse(f, entries, 256) : -1;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "iomem/%s.%u.memmap", machine, mib);
	ok(n > 0 && !read_file(path, want, sizeof(want)) &&
	   !hib_memmap(entries, (size_t)n, (uint64_t)mib << 20, got,
		       sizeof(got)) &&
	   !strcmp(got, want),
	   "%s, %u MiB lent: the memory map khib-load's awk made", machine,
	   mib);
}

int main(void)
{
	struct iomem_entry entries[32];
	char small[16];
	FILE *f;
	int n;

	for (size_t i = 0; i < sizeof(machines) / sizeof(*machines); i++) {
		one(machines[i], 32);
		one(machines[i], 48);
	}
	f = fopen("iomem/seabios-1g.iomem", "r");
	n = f ? iomem_parse(f, entries, 32) : -1;
	ok(n == 14 && entries[1].start == 0x1000 &&
	   entries[1].end == 0x9fc00 && !strcmp(entries[1].type, "System RAM"),
	   "the top-level entries only, ends exclusive: %d", n);
	rewind(f);
	ok(iomem_parse(f, entries, 4) < 0 && errno == E2BIG,
	   "more entries than room: refused");
	fclose(f);
	ok(hib_memmap(entries, 4, 32 << 20, small, sizeof(small)) < 0,
	   "a map that does not fit its buffer: refused");
	return tap_done();
}
