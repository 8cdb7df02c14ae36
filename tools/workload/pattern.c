// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "pattern.h"

static uint64_t next(struct pattern *p)
{
	/* xorshift64* */
	p->state ^= p->state >> 12;
	p->state ^= p->state << 25;
	p->state ^= p->state >> 27;
	return p->state * 0x2545f4914f6cdd1dULL;
}

void pattern_init(struct pattern *p, uint64_t seed)
{
	p->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static void random_page(struct pattern *p, uint64_t *w)
{
	for (size_t i = 0; i < PATTERN_PAGE / 8; i++)
		w[i] = next(p);
}

static void text_page(struct pattern *p, char *c)
{
	static const char *const words[] = {
		"memory", "image", "kernel", "page", "hibernate", "resume",
		"the", "of", "and", "a", "to", "disk", "frame", "jump",
	};
	size_t n = 0;

	while (n < PATTERN_PAGE) {
		uint64_t r = next(p);
		char word[32];
		int len = snprintf(word, sizeof(word), "%s %u ",
				   words[r % 14], (unsigned int)(r >> 40) % 1000);

		for (int i = 0; i < len && n < PATTERN_PAGE; i++)
			c[n++] = word[i];
	}
}

void pattern_fill(struct pattern *p, void *buf, size_t len)
{
	for (size_t off = 0; off < len; off += PATTERN_PAGE) {
		uint8_t *page = (uint8_t *)buf + off;
		uint64_t kind = next(p) % 10;

		if (kind < 4) {
			random_page(p, (uint64_t *)page);
		} else if (kind < 7) {
			text_page(p, (char *)page);
		} else if (kind < 9) {
			memset(page, 0, PATTERN_PAGE);
		} else {
			uint64_t v = next(p);

			for (size_t i = 0; i < PATTERN_PAGE / 8; i++)
				((uint64_t *)page)[i] = v;
		}
	}
}

uint64_t pattern_seed(const char *name)
{
	return XXH3_64bits(name, strlen(name));
}
