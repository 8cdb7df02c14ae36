// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "system_ram.h"

int system_ram_ranges(struct khib_image_range *ranges, size_t max)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long start, end;
	char line[256], name[64];
	size_t n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* Top-level entries only: no indentation. */
		if (line[0] == ' ' ||
		    sscanf(line, "%llx-%llx : %63[^\n]", &start, &end, name) != 3 ||
		    strcmp(name, "System RAM"))
			continue;
		if (n == max) {
			fclose(f);
			errno = E2BIG;
			return -1;
		}
		ranges[n].start_pfn = (start + KHIB_PAGE_SIZE - 1) /
				      KHIB_PAGE_SIZE;
		ranges[n].end_pfn = (end + 1) / KHIB_PAGE_SIZE;
		n++;
	}
	fclose(f);
	return (int)n;
}
