/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pre-copy pass (khib_image.h, "Pre-copy"): while the system runs,
 * RAM's groups of pages in use are written to the image target as group
 * records, flushed, and then named in the pre-copy table, so that the
 * writer in the hibernate kernel writes only the groups that changed
 * since.  No superblock it writes is ever a valid image.
 */
#ifndef KHIB_PRECOPY_WRITE_H
#define KHIB_PRECOPY_WRITE_H

#include <signal.h>
#include <stdint.h>

#include "kcore_ram.h"

struct precopy_options {
	const char *target;	/* the image target, proven khib's */
	unsigned int mbps;	/* write at most this many MB/s; 0: no limit */
	/* zstd level, 0 to store pages as they are; a record stays
	 * compressed only where that pays at the resume (pack_choice.h). */
	int level;
	unsigned int decoders;	/* CPUs that decode at the resume, >= 1 */
	/* Set by a signal: stop, and name what was written so far. */
	volatile sig_atomic_t *cancel;
};

struct precopy_report {
	uint64_t groups;	/* records written */
	uint64_t pages;		/* pages in use they hold */
	uint64_t compressed;	/* records kept compressed (pack_choice.h) */
	double disk_mbps;	/* the target's read rate, as measured */
	double unpack_mbps;	/* decompression a CPU, as measured; 0: none */
	uint64_t bytes;		/* on the target, the table included */
	double seconds;
	int cancelled;
	int skipped;		/* not done, for the reason in why */
	char why[200];		/* on failure, or why it was skipped */
};

/*
 * Write the pre-copy of @k's RAM (@kpageflags_fd as ram_group_read()
 * takes it) to opt->target.  0, or -1 with rep->why filled in; nothing
 * is written unless the target is a khib target of this format that
 * holds no valid image, and (else 0 with rep->skipped and why set) has
 * room for the pre-copy and a whole image after it.
 */
int precopy_write(const struct kcore_ram *k, int kpageflags_fd,
		  const struct precopy_options *opt,
		  struct precopy_report *rep);

#endif
