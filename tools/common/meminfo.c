// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "meminfo.h"

uint64_t meminfo_kib(const char *field)
{
	unsigned long long kib;
	size_t len = strlen(field);
	char line[128];
	uint64_t found = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &kib) == 1) {
			found = kib;
			break;
		}
	fclose(f);
	return found;
}

uint64_t min_free_kib(void)
{
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/sys/vm/min_free_kbytes", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &kib) != 1)
		kib = 0;
	fclose(f);
	return kib;
}
