// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

/* The command line to search: @cmdline, or /proc/cmdline when NULL. */
static const char *source(const char *cmdline)
{
	static char proc[4096];
	FILE *f;
	size_t n;

	if (cmdline)
		return cmdline;
	f = fopen("/proc/cmdline", "r");
	if (!f)
		return "";
	n = fread(proc, 1, sizeof(proc) - 1, f);
	fclose(f);
	proc[n] = '\0';
	return proc;
}

/* Step to the next blank-separated word; its length goes to *len. */
static const char *next_word(const char *p, size_t *len)
{
	p += strspn(p, " \t\n");
	*len = strcspn(p, " \t\n");
	return *len ? p : NULL;
}

bool cmdline_get(const char *cmdline, const char *key, char *value,
		 size_t value_len)
{
	size_t key_len = strlen(key), len, found_len = 0;
	const char *p, *found = NULL;

	/* The last occurrence wins, as for kernel parameters. */
	for (p = next_word(source(cmdline), &len); p;
	     p = next_word(p + len, &len)) {
		if (len > key_len && !strncmp(p, key, key_len) &&
		    p[key_len] == '=') {
			found = p + key_len + 1;
			found_len = len - key_len - 1;
		}
	}
	if (!found || found_len >= value_len)
		return false;
	memcpy(value, found, found_len);
	value[found_len] = '\0';
	return true;
}

bool cmdline_has(const char *cmdline, const char *flag)
{
	size_t flag_len = strlen(flag), len;
	const char *p;

	for (p = next_word(source(cmdline), &len); p;
	     p = next_word(p + len, &len))
		if (len == flag_len && !strncmp(p, flag, flag_len))
			return true;
	return false;
}
