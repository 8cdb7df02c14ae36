// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "system_ram.h"

int system_ram_ranges(struct khib_image_range *ranges, size_t max)
{
	FILE *f = fopen("/proc/iomem", "r");
	unsigned long long start, end, run_start = 0, run_end = 0;
	bool in_run = false;
	char line[256], name[64];
	size_t n = 0;
	int error = 0;

	if (!f)
		return -1;
	/* Runs of touching entries, in bytes, then in whole pages. */
	for (;;) {
		bool more = fgets(line, sizeof(line), f);

		/* Top-level entries only: no indentation. */
		if (more && (line[0] == ' ' ||
			     sscanf(line, "%llx-%llx : %63[^\n]", &start, &end,
				    name) != 3 ||
			     strcmp(name, "System RAM")))
			continue;
		if (more && in_run && start == run_end + 1) {
			run_end = end;
			continue;
		}
		if (more && in_run && start <= run_end) {
			error = EINVAL;
			break;
		}
		if (in_run) {
			uint64_t first = (run_start + KHIB_PAGE_SIZE - 1) /
					 KHIB_PAGE_SIZE;
			uint64_t last = (run_end + 1) / KHIB_PAGE_SIZE;

			if (first < last) {
				if (n == max) {
					error = E2BIG;
					break;
				}
				ranges[n].start_pfn = first;
				ranges[n].end_pfn = last;
				n++;
			}
		}
		if (!more)
			break;
		run_start = start;
		run_end = end;
		in_run = true;
	}
	fclose(f);
	if (error) {
		errno = error;
		return -1;
	}
	return (int)n;
}
