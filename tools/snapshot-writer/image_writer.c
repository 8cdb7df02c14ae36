// SPDX-License-Identifier: GPL-2.0
/*
 * The image is written in one pass: a placeholder superblock that marks
 * it incomplete, the header page, the page map, the data stream, a flush,
 * and then the final superblock.  Data chunks are gathered from the
 * hibernating kernel's memory, hashed, compressed with zstd unless that
 * does not pay, and appended to an aligned output buffer that goes to the
 * target in large direct writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "blockdev.h"
#include "image_format.h"
#include "image_writer.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE
#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * PAGE_BYTES)
/* The output buffer goes out when it holds this much. */
#define FLUSH_BYTES	(4u << 20)

struct writer {
	const struct image_source *src;
	const struct writer_options *opt;
	struct writer_report *report;
	struct blockdev dev;
	ZSTD_CCtx *zstd;
	uint8_t *gather;	/* one chunk's non-zero pages */
	uint8_t *out;		/* output buffer, aligned */
	size_t out_cap;
	size_t out_fill;
	uint64_t out_offset;	/* device offset of out[0] */
	uint64_t data_offset;
	uint64_t data_bytes;
	uint64_t next_progress;
};

static int __attribute__((format(printf, 4, 5)))
fail(struct writer *w, int error, int sys_errno, const char *fmt, ...)
{
	va_list ap;

	w->report->sys_errno = sys_errno;
	va_start(ap, fmt);
	vsnprintf(w->report->why, sizeof(w->report->why), fmt, ap);
	va_end(ap);
	return error;
}

static int io_error(struct writer *w, const char *what)
{
	int e = errno;

	if (e == ENOSPC)
		return fail(w, KHIB_ERR_NO_SPACE, e,
			    "the image does not fit in the %llu MiB of %s",
			    (unsigned long long)(w->dev.size >> 20),
			    w->opt->target);
	return fail(w, KHIB_ERR_IO, e, "%s %s: %s", what, w->opt->target,
		    strerror(e));
}

/* Write out the whole blocks of the output buffer and keep the rest. */
static int flush_out(struct writer *w, bool pad)
{
	size_t len = w->out_fill;

	if (pad) {
		len = align_up(len, BLOCKDEV_ALIGN);
		memset(w->out + w->out_fill, 0, len - w->out_fill);
	} else {
		len -= len % BLOCKDEV_ALIGN;
	}
	if (!len)
		return KHIB_OK;
	if (blockdev_write(&w->dev, w->out_offset, w->out, len))
		return io_error(w, "writing the image data to");
	w->out_offset += len;
	if (pad) {
		w->out_fill = 0;
	} else {
		memmove(w->out, w->out + len, w->out_fill - len);
		w->out_fill -= len;
	}
	return KHIB_OK;
}

static bool page_is_zero(const void *page)
{
	static const uint8_t zero[PAGE_BYTES];

	return !memcmp(page, zero, PAGE_BYTES);
}

/*
 * Append the record of one chunk: gather its non-zero pages, hash them,
 * and store them compressed or as they are.
 */
static int write_chunk(struct writer *w, struct pfn_walk *walk,
		       struct redirect_cursor *redirects, uint64_t index,
		       uint32_t nr_pages)
{
	struct khib_chunk_header h = {
		.magic = KHIB_CHUNK_MAGIC,
		.index = index,
		.first_page = index * KHIB_CHUNK_PAGES,
		.nr_pages = nr_pages,
	};
	size_t stored = 0, bound, payload;
	uint8_t *dst;
	int error;

	for (uint32_t i = 0; i < nr_pages; i++) {
		uint64_t pfn = pfn_walk_next(walk);
		uint64_t src = redirect_resolve(redirects, pfn);
		const void *page = w->src->page_at(w->src->ctx, src);

		if (!page)
			return fail(w, KHIB_ERR_MAP, errno,
				    "cannot map PFN %#llx of the saved memory: %s",
				    (unsigned long long)src, strerror(errno));
		if (page_is_zero(page)) {
			h.zero_map[i / 64] |= 1ULL << (i % 64);
			continue;
		}
		memcpy(w->gather + stored, page, PAGE_BYTES);
		stored += PAGE_BYTES;
	}
	h.data_hash = image_hash(w->gather, stored);
	w->report->zero_pages += nr_pages - stored / PAGE_BYTES;

	bound = sizeof(h) + ZSTD_compressBound(CHUNK_BYTES);
	if (w->out_cap - w->out_fill < bound) {
		error = flush_out(w, false);
		if (error)
			return error;
	}
	dst = w->out + w->out_fill + sizeof(h);
	payload = stored;
	h.encoding = KHIB_ENC_RAW;
	if (w->opt->level && stored) {
		size_t n = ZSTD_compressCCtx(w->zstd, dst, bound - sizeof(h),
					     w->gather, stored,
					     w->opt->level);

		if (ZSTD_isError(n))
			return fail(w, KHIB_ERR_INTERNAL, 0, "zstd: %s",
				    ZSTD_getErrorName(n));
		if (n < stored) {
			h.encoding = KHIB_ENC_ZSTD;
			payload = n;
		}
	}
	if (h.encoding == KHIB_ENC_RAW)
		memcpy(dst, w->gather, stored);
	h.payload_bytes = (uint32_t)payload;
	chunk_header_seal(&h);
	memcpy(w->out + w->out_fill, &h, sizeof(h));
	w->out_fill += sizeof(h) + payload;
	w->data_bytes += sizeof(h) + payload;
	return KHIB_OK;
}

static void report_progress(struct writer *w, uint64_t pages_done,
			    bool last)
{
	if (!w->opt->progress || (!last && pages_done < w->next_progress))
		return;
	w->next_progress = pages_done + w->report->pages / 20 + 1;
	w->opt->progress(w->opt->progress_ctx, pages_done,
			 w->out_offset + w->out_fill);
}

static int write_data(struct writer *w)
{
	const struct descriptor_view *v = w->src->view;
	uint64_t nr_pages = v->desc.nr_image_pages, done = 0, index = 0;
	struct redirect_cursor redirects;
	struct pfn_walk walk;
	int error;

	pfn_walk_init(&walk, v->chunks, v->nr_chunks);
	redirect_cursor_init(&redirects, v);
	w->out_offset = w->data_offset;
	while (done < nr_pages) {
		uint32_t n = nr_pages - done < KHIB_CHUNK_PAGES ?
			     (uint32_t)(nr_pages - done) : KHIB_CHUNK_PAGES;

		error = write_chunk(w, &walk, &redirects, index++, n);
		if (error)
			return error;
		done += n;
		if (w->out_fill >= FLUSH_BYTES) {
			error = flush_out(w, false);
			if (error)
				return error;
		}
		report_progress(w, done, false);
	}
	return flush_out(w, true);
}

/* Write the header page and the page map; set data_offset. */
static int write_metadata(struct writer *w, struct khib_image_super *sb)
{
	const struct descriptor_view *v = w->src->view;
	size_t map_bytes = page_map_bytes(v->chunks, v->nr_chunks);
	size_t map_space = align_up(map_bytes, KHIB_IMAGE_ALIGN);
	uint8_t *buf = blockdev_buffer(PAGE_BYTES + map_space);
	int error = KHIB_OK;

	if (!buf)
		return fail(w, KHIB_ERR_NO_MEMORY, ENOMEM,
			    "no memory for the page map");
	memcpy(buf, v->header_page, PAGE_BYTES);
	page_map_encode(buf + PAGE_BYTES, v->chunks, v->nr_chunks);

	sb->header_offset = KHIB_IMAGE_ALIGN;
	sb->header_hash = image_hash(buf, PAGE_BYTES);
	sb->map_offset = sb->header_offset + PAGE_BYTES;
	sb->map_bytes = map_bytes;
	sb->map_hash = image_hash(buf + PAGE_BYTES, map_bytes);
	w->data_offset = sb->map_offset + map_space;

	if (blockdev_write(&w->dev, sb->header_offset, buf,
			   PAGE_BYTES + map_space))
		error = io_error(w, "writing the page map to");
	free(buf);
	return error;
}

static int write_super(struct writer *w, struct khib_image_super *sb)
{
	uint8_t *block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	int error = KHIB_OK;

	if (!block)
		return fail(w, KHIB_ERR_NO_MEMORY, ENOMEM,
			    "no memory for the superblock");
	image_super_seal(sb);
	memcpy(block, sb, sizeof(*sb));
	if (blockdev_write(&w->dev, 0, block, KHIB_IMAGE_ALIGN) ||
	    blockdev_sync(&w->dev))
		error = io_error(w, "writing the image superblock to");
	free(block);
	return error;
}

static uint32_t ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)((now.tv_sec - t0->tv_sec) * 1000 +
			  (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static int write_image(struct writer *w)
{
	const struct khib_descriptor *d = &w->src->view->desc;
	struct khib_image_super sb = {
		.magic = KHIB_IMAGE_MAGIC,
		.major = KHIB_IMAGE_MAJOR,
		.minor = KHIB_IMAGE_MINOR,
		.state = KHIB_IMAGE_WRITING,
	};
	struct timespec t0;
	int error;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Whatever image was there stops being restorable first. */
	error = write_super(w, &sb);
	if (!error)
		error = write_metadata(w, &sb);
	if (!error)
		error = write_data(w);
	if (!error && blockdev_sync(&w->dev))
		error = io_error(w, "flushing the image to");
	if (error)
		return error;

	sb.state = KHIB_IMAGE_VALID;
	sb.page_size = PAGE_BYTES;
	sb.chunk_pages = KHIB_CHUNK_PAGES;
	sb.sequence = d->sequence;
	sb.nr_pages = d->nr_image_pages;
	sb.nr_zero_pages = w->report->zero_pages;
	sb.nr_chunks = (d->nr_image_pages + KHIB_CHUNK_PAGES - 1) /
		       KHIB_CHUNK_PAGES;
	sb.data_offset = w->data_offset;
	sb.data_bytes = w->data_bytes;
	sb.compressor = w->opt->level ? KHIB_ENC_ZSTD : KHIB_ENC_RAW;
	sb.level = w->opt->level;
	sb.write_ms = ms_since(&t0);
	memcpy(sb.release, d->release, sizeof(sb.release));
	sb.release[sizeof(sb.release) - 1] = '\0';
	error = write_super(w, &sb);
	if (error)
		return error;

	w->report->bytes = w->out_offset;
	w->report->ms = ms_since(&t0);
	report_progress(w, d->nr_image_pages, true);
	return KHIB_OK;
}

int image_write(const struct image_source *src,
		const struct writer_options *opt,
		struct writer_report *report)
{
	struct writer w = {
		.src = src,
		.opt = opt,
		.report = report,
		.out_cap = FLUSH_BYTES + sizeof(struct khib_chunk_header) +
			   ZSTD_compressBound(CHUNK_BYTES) + BLOCKDEV_ALIGN,
	};
	int error;

	memset(report, 0, sizeof(*report));
	report->pages = src->view->desc.nr_image_pages;
	if (blockdev_open(&w.dev, opt->target, true))
		return fail(&w, KHIB_ERR_TARGET, errno,
			    "cannot open the image target %s: %s",
			    opt->target, strerror(errno));

	w.zstd = ZSTD_createCCtx();
	w.gather = malloc(CHUNK_BYTES);
	w.out = blockdev_buffer(w.out_cap);
	if (!w.zstd || !w.gather || !w.out)
		error = fail(&w, KHIB_ERR_NO_MEMORY, ENOMEM,
			     "no memory for the output buffers");
	else
		error = write_image(&w);

	free(w.out);
	free(w.gather);
	ZSTD_freeCCtx(w.zstd);
	blockdev_close(&w.dev);
	return error;
}
