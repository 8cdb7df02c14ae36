// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the descriptor loader of the snapshot writer, over
 * untrusted memory of a hibernating kernel.  The input is a list of pages,
 * each a 64-bit little-endian PFN and 4096 bytes; the first one is the
 * descriptor.  Pages not in the list cannot be read.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "descriptor.h"
#include "own_memory.h"

#define RECORD	(8 + DESC_PAGE_SIZE)

struct pages {
	const uint8_t *data;
	size_t nr;
};

static bool read_page(void *ctx, uint64_t pfn, void *page)
{
	const struct pages *p = ctx;

	for (size_t i = 0; i < p->nr; i++) {
		uint64_t at;

		memcpy(&at, p->data + i * RECORD, sizeof(at));
		if (at == pfn) {
			memcpy(page, p->data + i * RECORD + 8, DESC_PAGE_SIZE);
			return true;
		}
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pages p = { data, size / RECORD };
	static const struct khib_image_range own = { 0, 8192 };
	struct descriptor_view view;
	uint64_t desc_pfn, checked;
	char why[256];

	if (!p.nr)
		return 0;
	memcpy(&desc_pfn, data, sizeof(desc_pfn));
	if (desc_pfn > UINT64_MAX / DESC_PAGE_SIZE)
		return 0;
	if (descriptor_load(&view, desc_pfn * DESC_PAGE_SIZE, read_page, &p,
			    why, sizeof(why)) == KEXEC_HIB_OK) {
		(void)own_memory_check(&view, &own, 1, &checked, why,
				       sizeof(why));
		descriptor_free(&view);
	}
	return 0;
}
