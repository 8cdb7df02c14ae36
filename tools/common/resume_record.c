// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "khib_image.h"
#include "resume_record.h"

#define LARGE_PAGE	(2ULL << 20)

/* A header offset of a 64-bit count, inside the header page. */
static bool count_offset_ok(uint32_t offset)
{
	return offset % 8 == 0 && offset <= KHIB_PAGE_SIZE - 8;
}

enum resume_verdict resume_record_check(const struct kexec_hib_resume *r,
					uint64_t max_pfn,
					char *why, size_t why_len)
{
	uint64_t flag = r->pfn_zero_flag, entry = r->entry;
	uint64_t entry_phys = r->entry_phys, page_table = r->page_table;

	if (r->convention != KEXEC_HIB_RESUME_X86_64) {
		snprintf(why, why_len,
			 "the kernel resumes its image by convention %u, which these tools do not know (they know %u, x86-64's): install the khib tools that match the kernel",
			 r->convention, KEXEC_HIB_RESUME_X86_64);
		return RESUME_UNKNOWN;
	}
	if (r->reserved || !count_offset_ok(r->header_image_pages) ||
	    !count_offset_ok(r->header_pages) ||
	    r->header_image_pages == r->header_pages) {
		snprintf(why, why_len,
			 "the resume record puts the header's page counts at offsets %u and %u, not two 64-bit fields of one page",
			 r->header_image_pages, r->header_pages);
		return RESUME_BAD;
	}
	/* One bit, above every PFN, or it would change the PFN it marks. */
	if (!flag || flag & (flag - 1) || flag < max_pfn) {
		snprintf(why, why_len,
			 "the resume record's zero-page flag %#" PRIx64 " is not one bit above every PFN (up to %#" PRIx64 ")",
			 flag, max_pfn);
		return RESUME_BAD;
	}
	/*
	 * The restore maps the entry's 2 MiB pages at the entry's address,
	 * in a top-level slot of its own: the identity map takes slot 0.
	 */
	if ((entry ^ entry_phys) & (LARGE_PAGE - 1) || (entry >> 39 & 511) == 0 ||
	    entry_phys / KHIB_PAGE_SIZE >= max_pfn || !page_table ||
	    page_table % KHIB_PAGE_SIZE || page_table / KHIB_PAGE_SIZE >= max_pfn) {
		snprintf(why, why_len,
			 "the resume record's entry %#" PRIx64 " (at %#" PRIx64 ") or page-table root %#" PRIx64 " cannot be entered",
			 entry, entry_phys, page_table);
		return RESUME_BAD;
	}
	return RESUME_USABLE;
}
