/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and verifying a khib image (khib_image.h): the superblock, header
 * page and page map up front, then the data stream chunk by chunk, each
 * checked against its hashes before its pages are handed out.
 */
#ifndef KHIB_IMAGE_READER_H
#define KHIB_IMAGE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "blockdev.h"
#include "chunk_stream.h"
#include "image_crypt.h"
#include "image_format.h"
#include "inplace_plan.h"

struct image_reader {
	struct blockdev dev;
	struct khib_image_super sb;
	uint8_t *header_page;		/* page_size bytes */
	uint8_t *map;			/* the page map region */
	struct pfn_chunk *chunks;	/* decoded page map */
	size_t nr_chunks;
	struct image_group *groups;	/* of the page map, sb.nr_chunks */
	struct khib_group_entry *table;	/* the group table, checked */
	uint64_t *zero_bits;		/* the zero map: bit i, page i zero */
	uint8_t *mem_map;		/* the memory map region */
	const struct khib_image_range *ram;	/* sb.nr_ram_ranges */
	const struct khib_image_range *own;	/* sb.nr_own_ranges */
	const struct khib_image_redirect *redirects;	/* sb.nr_redirects */
	const uint64_t *free_pfns;	/* sb.nr_free_pages */
	struct chunk_stream *stream;	/* the data stream, once started */
	const struct chunk_sink *sink;	/* where decoders put chunks, or NULL */
	uint64_t report_index;		/* image page of sb.report_pfn, or
					 * PFN_WALK_END */
	uint64_t pages_read;		/* pages of the chunks handed out */
	bool unreadable;		/* the device failed a read: the
					 * image may be intact */
	bool short_of_memory;		/* this kernel could not read it:
					 * nothing is known against it */
	bool encrypted;			/* sealed with keys (khib_image.h) */
	bool locked;			/* encrypted, and no key given opens
					 * it: nothing is known against it */
	bool seal_broken;		/* encrypted and opened, but a part
					 * of it was changed: kept, so that
					 * the change undone, it resumes */
	struct image_keys keys;		/* of an encrypted image, once open */
	char why[256];			/* what went wrong */
};

/*
 * Open @path and check everything but the data stream.  On anything but
 * IMAGE_VALID, why says what is wrong and the reader is closed.
 */
enum image_verdict image_open(struct image_reader *r, const char *path,
			      bool writable);

/*
 * The same for an image that may be encrypted: @master_key (or NULL)
 * unwraps its data key, and every region and chunk is opened with it.
 */
enum image_verdict image_open_keyed(struct image_reader *r, const char *path,
				    bool writable, const uint8_t *master_key);
void image_close(struct image_reader *r);

/*
 * Start reading ahead and verifying on every CPU: its buffers are taken
 * and touched here.  Return 0, or -1 with why filled in.
 */
int image_start_stream(struct image_reader *r);

/*
 * Have the decoder threads hand each verified chunk to @sink as well;
 * before the stream starts.
 */
void image_set_sink(struct image_reader *r, const struct chunk_sink *sink);

/*
 * Did reading stop for a reason that is not about the image (the device
 * failed a read, this kernel has too little memory, no key given opens
 * it, or it is encrypted: only its key could have made it, so a change
 * is an attacker's or damage, which may be undone)?  Then it is kept.
 */
static inline bool image_may_be_intact(const struct image_reader *r)
{
	return r->unreadable || r->short_of_memory || r->locked ||
	       r->seal_broken;
}

/*
 * Threads the stream decodes on: one per CPU online, as many as the
 * memory available here holds (the hibernate kernel has only what it was
 * lent); 0 if not even one fits.
 */
unsigned int image_stream_threads(void);

/*
 * The next verified chunk (the stream is started if it is not yet), read
 * ahead and decoded on every CPU; valid until the next call.  Return 1, 0
 * after the last chunk once every page of the image came, or -1 with why
 * filled in.
 */
int image_next_chunk(struct image_reader *r, struct stream_chunk *chunk);

/*
 * If chunk @c (from this image) holds the report page, fill it in for the
 * kernel the restore resumes (image_report.h), in the chunk's own buffer,
 * so that whatever is handed on from there carries it.
 */
void image_fill_report(const struct image_reader *r, struct stream_chunk *c,
		       bool in_place);

/* What a restore in place of this image starts from. */
void image_inplace_input(const struct image_reader *r,
			 struct inplace_input *in);

/* Stop reading ahead: join the threads and free their buffers. */
void image_stop_stream(struct image_reader *r);

/* The superblock's state changes: image_super.h. */

#endif
