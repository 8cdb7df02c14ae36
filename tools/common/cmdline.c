// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

static bool read_proc_cmdline(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cmdline", "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return true;
}

bool cmdline_get(const char *cmdline, const char *key, char *value,
		 size_t value_len)
{
	static char proc[4096];
	size_t key_len = strlen(key);
	const char *p, *found = NULL;
	size_t found_len = 0;

	if (!cmdline) {
		if (!read_proc_cmdline(proc, sizeof(proc)))
			return false;
		cmdline = proc;
	}
	/* The last occurrence wins, as for kernel parameters. */
	for (p = cmdline + strspn(cmdline, " \t\n"); *p; ) {
		size_t word = strcspn(p, " \t\n");

		if (word > key_len && !strncmp(p, key, key_len) &&
		    p[key_len] == '=') {
			found = p + key_len + 1;
			found_len = word - key_len - 1;
		}
		p += word;
		p += strspn(p, " \t\n");
	}
	if (!found || found_len >= value_len)
		return false;
	memcpy(value, found, found_len);
	value[found_len] = '\0';
	return true;
}

bool cmdline_has(const char *cmdline, const char *flag)
{
	static char proc[4096];
	size_t flag_len = strlen(flag);
	const char *p;

	if (!cmdline) {
		if (!read_proc_cmdline(proc, sizeof(proc)))
			return false;
		cmdline = proc;
	}
	for (p = cmdline + strspn(cmdline, " \t\n"); *p; ) {
		size_t word = strcspn(p, " \t\n");

		if (word == flag_len && !strncmp(p, flag, flag_len))
			return true;
		p += word;
		p += strspn(p, " \t\n");
	}
	return false;
}
