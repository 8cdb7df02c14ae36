/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test data that looks like a real memory image: random pages (which do
 * not compress), text pages (which do), zero pages and repeated words,
 * mixed page by page and reproducible from a seed.
 */
#ifndef KHIB_PATTERN_H
#define KHIB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"

/* Test data comes in pages, as memory is saved. */
#define PATTERN_PAGE KHIB_PAGE_SIZE

struct pattern {
	uint64_t state;
};

void pattern_init(struct pattern *p, uint64_t seed);
/* Fill @len bytes (a multiple of PATTERN_PAGE) with the next pages. */
void pattern_fill(struct pattern *p, void *buf, size_t len);
/* The seed of the data named @name: a file's content follows from its name. */
uint64_t pattern_seed(const char *name);

#endif
