// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iomem.h"

int iomem_parse(FILE *f, struct iomem_entry *entries, size_t max)
{
	unsigned long long start, end;
	char line[256], type[IOMEM_TYPE_LEN];
	size_t n = 0;

	while (fgets(line, sizeof(line), f)) {
		/* Top-level entries only: nested ones are indented. */
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %47[^\n]", &start, &end,
			   type) != 3 || end < start || end == ~0ULL)
			continue;
		if (n == max) {
			errno = E2BIG;
			return -1;
		}
		entries[n].start = start;
		entries[n].end = (uint64_t)end + 1;
		snprintf(entries[n].type, sizeof(entries[n].type), "%s", type);
		n++;
	}
	if (ferror(f)) {
		errno = EIO;
		return -1;
	}
	return (int)n;
}

int iomem_read(struct iomem_entry *entries, size_t max)
{
	FILE *f = fopen("/proc/iomem", "r");
	int n, saved;

	if (!f)
		return -1;
	n = iomem_parse(f, entries, max);
	saved = errno;
	fclose(f);
	errno = saved;
	return n;
}
