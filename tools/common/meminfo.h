/* SPDX-License-Identifier: GPL-2.0 */
/* The memory figures the kernel publishes in /proc. */
#ifndef KHIB_MEMINFO_H
#define KHIB_MEMINFO_H

#include <stdint.h>

/* The value of @field ("MemFree", ...) in KiB, or 0 if unknown. */
uint64_t meminfo_kib(const char *field);

/* vm.min_free_kbytes, or 0 if unknown. */
uint64_t min_free_kib(void);

#endif
