/* SPDX-License-Identifier: GPL-2.0 */
/* Writing the saveable pages to the image target (see khib_image.h). */
#ifndef KHIB_IMAGE_WRITER_H
#define KHIB_IMAGE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "descriptor.h"
#include "khib_image.h"
#include "write_pipeline.h"

/* What to save, and how to get at it. */
struct image_source {
	const struct descriptor_view *view;
	/*
	 * Address of the page frame @pfn, or NULL with errno set.  Other
	 * threads read the page until the writer's quiesce hook returns.
	 */
	const void *(*page_at)(void *ctx, uint64_t pfn);
	/*
	 * Optional: install @hook, which page_at calls before an address
	 * it handed out stops being valid (NULL @hook uninstalls it).
	 */
	void (*set_quiesce)(void *ctx, void (*hook)(void *), void *arg);
	/* Optional: a new chunk begins; the last one was submitted. */
	void (*new_chunk)(void *ctx);
	void *ctx;
};

struct writer_options {
	const char *target;	/* block device (or file) to write to */
	/* The target's UUID, kept in every superblock written (khib_image.h) */
	uint8_t target_uuid[KHIB_TARGET_UUID_LEN];
	enum compress_mode mode;
	int level;		/* zstd level when compressing */
	unsigned int threads;	/* encoder threads; 0: one per CPU */
	/* The writing kernel's own RAM, recorded for a restore in place. */
	const struct khib_image_range *own;
	size_t nr_own;
	/* The machine's master key: the image is encrypted (khib_image.h). */
	const uint8_t *master_key;
	uint32_t key_source;	/* recorded in the superblock */
	/* Hash every record of a pre-copy, whatever the disk's rate. */
	bool hash_every_candidate;
	/* Called now and then with the pages and bytes written so far. */
	void (*progress)(void *ctx, uint64_t pages_done, uint64_t bytes);
	void *progress_ctx;
};

struct writer_report {
	uint64_t pages;		/* image pages */
	uint64_t zero_pages;	/* of which all zero */
	uint64_t bytes;		/* bytes the image takes on the target */
	uint64_t chunks;		/* records written */
	uint64_t chunks_compressed;
	uint64_t reused;	/* records kept from a pre-copy */
	uint64_t candidates;	/* groups with a record in the pre-copy */
	uint64_t hashed;	/* of which hashed to decide */
	unsigned int threads;	/* encoder threads used */
	uint32_t ms;		/* time taken */
	int sys_errno;		/* errno of the failed call, or 0 */
	char why[128];		/* on failure: what went wrong */
};

/* Return KEXEC_HIB_OK, or a KEXEC_HIB_ERR_* code with report->why filled in. */
int image_write(const struct image_source *src,
		const struct writer_options *opt,
		struct writer_report *report);

#endif
