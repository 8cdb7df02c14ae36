/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The descriptor's resume record (struct kexec_hib_resume): what the
 * hibernating kernel states about resuming its image, held against what
 * these tools know how to do.  The writer checks it before it writes an
 * image, the image keeps it, and every reader checks it again before a
 * restore touches memory.
 */
#ifndef KHIB_RESUME_RECORD_H
#define KHIB_RESUME_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

/* Past every x86-64 PFN: physical addresses have at most 52 bits. */
#define RESUME_MAX_PFN	(1ULL << 40)

enum resume_verdict {
	RESUME_USABLE,
	RESUME_UNKNOWN,		/* a convention these tools do not know */
	RESUME_BAD,		/* values no kernel states */
};

/*
 * Check @r for a machine whose PFNs are all below @max_pfn; on failure
 * say why in @why.
 */
enum resume_verdict resume_record_check(const struct kexec_hib_resume *r,
					uint64_t max_pfn,
					char *why, size_t why_len);

#endif
