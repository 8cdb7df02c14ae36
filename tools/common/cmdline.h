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

/* Whether the word @flag appears on its own in @cmdline (or /proc/cmdline). */
bool cmdline_has(const char *cmdline, const char *flag);

#endif
