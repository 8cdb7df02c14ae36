/* SPDX-License-Identifier: GPL-2.0 */
/* Options from the kernel command line, /proc/cmdline. */
#ifndef KHIB_CMDLINE_H
#define KHIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Find "key=value" in @cmdline (or in /proc/cmdline when @cmdline is NULL)
 * and copy the value.  Return false if the key is absent or the value does
 * not fit.
 */
bool cmdline_get(const char *cmdline, const char *key, char *value,
		 size_t value_len);

/* Whether "key=..." appears in @cmdline (or /proc/cmdline), whatever its value. */
bool cmdline_given(const char *cmdline, const char *key);

/* Whether the word @flag appears on its own in @cmdline (or /proc/cmdline). */
bool cmdline_has(const char *cmdline, const char *flag);

/*
 * @s as a decimal number, as the command line and khib.conf write them:
 * digits only, no sign, no leading zero.  False with errno EINVAL if it is
 * not one, ERANGE if it does not fit an unsigned long.
 */
bool cmdline_parse_ulong(const char *s, unsigned long *value);

/*
 * The decimal value of "key=value" in @cmdline (or /proc/cmdline) when it
 * lies in [@min, @max]: 1 and *@value set, 0 if the key is absent, -1 if
 * its value is not such a number (*@value untouched).  The last
 * occurrence counts.
 */
int cmdline_get_ulong(const char *cmdline, const char *key,
		      unsigned long min, unsigned long max,
		      unsigned long *value);

/*
 * A yes/no option: the bare word @key or "key=1" set *@value true,
 * "key=0" false.  1 if given, 0 if absent (*@value untouched), -1 for any
 * other value.
 */
int cmdline_get_flag(const char *cmdline, const char *key, bool *value);

#endif
