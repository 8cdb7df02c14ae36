// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
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

/*
 * The value of the last "key=value" word, of *@len bytes, or NULL.  An
 * empty value ("key=") counts as given.
 */
static const char *find_value(const char *cmdline, const char *key,
			      size_t *found_len)
{
	size_t key_len = strlen(key), len;
	const char *p, *found = NULL;

	/* The last occurrence wins, as for kernel parameters. */
	for (p = next_word(source(cmdline), &len); p;
	     p = next_word(p + len, &len)) {
		if (len > key_len && !strncmp(p, key, key_len) &&
		    p[key_len] == '=') {
			found = p + key_len + 1;
			*found_len = len - key_len - 1;
		}
	}
	return found;
}

bool cmdline_get(const char *cmdline, const char *key, char *value,
		 size_t value_len)
{
	size_t len = 0;
	const char *found = find_value(cmdline, key, &len);

	if (!found || len >= value_len)
		return false;
	memcpy(value, found, len);
	value[len] = '\0';
	return true;
}

bool cmdline_given(const char *cmdline, const char *key)
{
	size_t len;

	return find_value(cmdline, key, &len);
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

bool cmdline_parse_ulong(const char *s, unsigned long *value)
{
	size_t len = strspn(s, "0123456789");
	unsigned long n = 0;

	if (!len || s[len] || (s[0] == '0' && len > 1)) {
		errno = EINVAL;
		return false;
	}
	for (; *s; s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (n > (ULONG_MAX - digit) / 10) {
			errno = ERANGE;
			return false;
		}
		n = n * 10 + digit;
	}
	*value = n;
	return true;
}

int cmdline_get_ulong(const char *cmdline, const char *key,
		      unsigned long min, unsigned long max,
		      unsigned long *value)
{
	char text[32];
	unsigned long n;

	if (!cmdline_given(cmdline, key))
		return 0;
	/* A value too long for @text is too large for an unsigned long. */
	if (!cmdline_get(cmdline, key, text, sizeof(text)) ||
	    !cmdline_parse_ulong(text, &n) || n < min || n > max)
		return -1;
	*value = n;
	return 1;
}

int cmdline_get_flag(const char *cmdline, const char *key, bool *value)
{
	unsigned long n;
	int ret = cmdline_get_ulong(cmdline, key, 0, 1, &n);

	if (ret > 0)
		*value = n;
	if (ret)
		return ret;
	if (!cmdline_has(cmdline, key))
		return 0;
	*value = true;
	return 1;
}
