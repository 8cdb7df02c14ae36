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
#include "image_format.h"

struct image_reader {
	struct blockdev dev;
	struct khib_image_super sb;
	uint8_t *header_page;		/* page_size bytes */
	uint8_t *map;			/* the page map region */
	struct pfn_chunk *chunks;	/* decoded page map */
	size_t nr_chunks;
	/* data stream */
	void *zstd;
	uint8_t *raw;			/* aligned read buffer */
	uint8_t *window;		/* unread stream bytes */
	size_t window_start, window_end, window_cap;
	uint64_t next_read;		/* device offset of the next read */
	uint64_t stream_left;		/* stream bytes not yet in window */
	uint64_t next_chunk;
	uint8_t *pages;			/* the last chunk's pages */
	char why[256];			/* what went wrong */
};

/*
 * Open @path and check everything but the data stream.  On anything but
 * IMAGE_VALID, why says what is wrong and the reader is closed.
 */
enum image_verdict image_open(struct image_reader *r, const char *path,
			      bool writable);
void image_close(struct image_reader *r);

/*
 * Read and verify the next chunk.  Return 1 with *pages pointing at its
 * *nr_pages pages, 0 after the last chunk, or -1 with why filled in.
 */
int image_next_chunk(struct image_reader *r, const uint8_t **pages,
		     uint32_t *nr_pages);

/*
 * Set the image's state (KHIB_IMAGE_RESTORED or KHIB_IMAGE_DISCARDED) so
 * that it is never resumed again.  Return 0, or -1 with errno set.
 */
int image_mark(struct image_reader *r, uint32_t state);

/*
 * Mark the image on @path as discarded if its superblock is intact and
 * says it is valid, whatever else is wrong with it.  Return 1 if it was
 * discarded, 0 if there was nothing to discard, -1 with errno set.
 */
int image_discard(const char *path);

#endif
