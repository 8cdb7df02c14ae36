/* SPDX-License-Identifier: GPL-2.0 */
/* Reading /proc/meminfo. */
#ifndef KHIB_MEMINFO_H
#define KHIB_MEMINFO_H

#include <stdint.h>

/* The value of @field ("MemFree", ...) in KiB, or 0 if unknown. */
uint64_t meminfo_kib(const char *field);

#endif
