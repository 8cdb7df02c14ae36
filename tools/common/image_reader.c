// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_reader.h"
#include "image_report.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE

static enum image_verdict io_failed(struct image_reader *r, const char *what)
{
	snprintf(r->why, sizeof(r->why), "cannot read the %s of %s: %s",
		 what, r->dev.path, strerror(errno));
	r->unreadable = true;
	return IMAGE_CORRUPT;
}

static enum image_verdict read_super(struct image_reader *r)
{
	return image_super_read(&r->dev, &r->sb, &r->unreadable, r->why,
				sizeof(r->why));
}

/*
 * An encrypted image's data key, unwrapped by @master_key.  A key that
 * does not unwrap it may be the wrong one (another passphrase): the image
 * is kept.
 */
static enum image_verdict unlock(struct image_reader *r,
				 const uint8_t *master_key)
{
	struct khib_image_super aad;

	r->encrypted = true;
	memcpy(r->keys.nonce_prefix, r->sb.crypt.nonce_prefix,
	       sizeof(r->keys.nonce_prefix));
	if (!master_key) {
		snprintf(r->why, sizeof(r->why),
			 "the image is encrypted, and no key was given to open it");
		r->locked = true;
		return IMAGE_CORRUPT;
	}
	image_super_aad(&r->sb, &aad);
	if (image_crypt_init() || image_crypt_unwrap(master_key, &r->sb.crypt.wrap, &aad,
			       sizeof(aad), r->keys.data_key)) {
		snprintf(r->why, sizeof(r->why),
			 "the image's key does not open with the key given (another key, or a changed superblock)");
		r->locked = true;
		return IMAGE_CORRUPT;
	}
	return IMAGE_VALID;
}

/* Open a region of an encrypted image in place; false with why set. */
static bool open_region(struct image_reader *r, uint64_t domain, void *buf,
			size_t len, const uint8_t *tag, const char *what)
{
	if (!r->encrypted ||
	    !image_crypt_open(&r->keys, domain, NULL, 0, buf, len, tag))
		return true;
	snprintf(r->why, sizeof(r->why),
		 "the %s does not open with the image's key", what);
	return false;
}

static enum image_verdict read_zero_map(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;
	uint64_t space = align_up(sb->zero_map_bytes, KHIB_IMAGE_ALIGN);

	/* A word more than the map: the padding is cleared below. */
	r->zero_bits = blockdev_buffer(align_up(space + KHIB_CHUNK_PAGES / 8,
						KHIB_IMAGE_ALIGN));
	if (!r->zero_bits)
		return io_failed(r, "zero map");
	if (space && blockdev_read(&r->dev, sb->zero_map_offset, r->zero_bits,
				   space))
		return io_failed(r, "zero map");
	/* Padding and the words past the map read as zero pages: none. */
	memset((uint8_t *)r->zero_bits + sb->zero_map_bytes, 0,
	       space + KHIB_CHUNK_PAGES / 8 - sb->zero_map_bytes);
	if (image_hash(r->zero_bits, sb->zero_map_bytes) != sb->zero_map_hash) {
		snprintf(r->why, sizeof(r->why), "zero map checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (!open_region(r, IMAGE_CRYPT_REGION_ZERO_MAP, r->zero_bits,
			 sb->zero_map_bytes, sb->crypt.zero_map_tag, "zero map"))
		return IMAGE_CORRUPT;
	if (!bitmap_tail_clear(r->zero_bits, sb->nr_pages) ||
	    bitmap_weight(r->zero_bits, sb->nr_pages) != sb->nr_zero_pages) {
		snprintf(r->why, sizeof(r->why),
			 "zero map disagrees with the superblock's %" PRIu64
			 " zero pages", (uint64_t)sb->nr_zero_pages);
		return IMAGE_CORRUPT;
	}
	return IMAGE_VALID;
}

/* Whether entry @k of the group table is sound; false with why set. */
static bool entry_check(struct image_reader *r, uint64_t k)
{
	const struct khib_image_super *sb = &r->sb;
	const struct khib_group_entry *e = &r->table[k];
	bool pass_ok = e->pass == KHIB_PASS_FROZEN ||
		       (e->pass == KHIB_PASS_PRECOPY && !r->encrypted);

	if (e->group != r->groups[k].group || !pass_ok) {
		snprintf(r->why, sizeof(r->why),
			 "group table entry %" PRIu64 " names group %" PRIu64
			 " pass %u, the page map group %" PRIu64, k,
			 (uint64_t)e->group, e->pass, r->groups[k].group);
		return false;
	}
	if (e->offset % KHIB_RECORD_ALIGN || e->bytes % KHIB_RECORD_ALIGN ||
	    !e->bytes || e->bytes > image_record_max() ||
	    e->offset < sb->data_offset ||
	    e->offset + e->bytes > sb->data_offset + sb->data_bytes) {
		snprintf(r->why, sizeof(r->why),
			 "group table entry %" PRIu64 ": a record of %u bytes at %" PRIu64
			 " lies outside the data region", k, e->bytes,
			 (uint64_t)e->offset);
		return false;
	}
	return true;
}

/* The group table: one sound entry for each group of the page map. */
static enum image_verdict read_group_table(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;
	uint64_t space = align_up(sb->group_table_bytes, KHIB_IMAGE_ALIGN);
	uint64_t reused = 0;
	size_t nr_groups;

	if (image_groups_build(r->chunks, r->nr_chunks, &r->groups,
			       &nr_groups)) {
		snprintf(r->why, sizeof(r->why),
			 "no memory for the groups of the page map");
		r->short_of_memory = true;
		return IMAGE_CORRUPT;
	}
	if (nr_groups != sb->nr_chunks) {
		snprintf(r->why, sizeof(r->why),
			 "the page map has %zu groups, the superblock %" PRIu64,
			 nr_groups, (uint64_t)sb->nr_chunks);
		return IMAGE_CORRUPT;
	}
	r->table = blockdev_buffer(space ? space : KHIB_IMAGE_ALIGN);
	if (!r->table)
		return io_failed(r, "group table");
	if (space && blockdev_read(&r->dev, sb->group_table_offset, r->table,
				   space))
		return io_failed(r, "group table");
	if (image_hash(r->table, sb->group_table_bytes) !=
	    sb->group_table_hash) {
		snprintf(r->why, sizeof(r->why), "group table checksum mismatch");
		return IMAGE_CORRUPT;
	}
	for (uint64_t k = 0; k < nr_groups; k++) {
		if (!entry_check(r, k))
			return IMAGE_CORRUPT;
		reused += r->table[k].pass == KHIB_PASS_PRECOPY;
	}
	if (reused != sb->nr_reused) {
		snprintf(r->why, sizeof(r->why),
			 "the group table reuses %" PRIu64 " records of the pre-copy, the superblock says %" PRIu64,
			 reused, (uint64_t)sb->nr_reused);
		return IMAGE_CORRUPT;
	}
	return IMAGE_VALID;
}

static enum image_verdict read_mem_map(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;
	uint64_t space = align_up(sb->mem_map_bytes, KHIB_IMAGE_ALIGN);

	r->mem_map = blockdev_buffer(space);
	if (!r->mem_map)
		return io_failed(r, "memory map");
	if (blockdev_read(&r->dev, sb->mem_map_offset, r->mem_map, space))
		return io_failed(r, "memory map");
	if (image_hash(r->mem_map, sb->mem_map_bytes) != sb->mem_map_hash) {
		snprintf(r->why, sizeof(r->why), "memory map checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (!open_region(r, IMAGE_CRYPT_REGION_MEM_MAP, r->mem_map,
			 sb->mem_map_bytes, sb->crypt.mem_map_tag, "memory map"))
		return IMAGE_CORRUPT;
	r->ram = (const struct khib_image_range *)r->mem_map;
	r->own = r->ram + sb->nr_ram_ranges;
	r->redirects = (const struct khib_image_redirect *)
		       (r->own + sb->nr_own_ranges);
	r->free_pfns = (const uint64_t *)(r->redirects + sb->nr_redirects);
	return image_mem_map_check(&(struct image_mem_map) {
			.ram = r->ram, .nr_ram = sb->nr_ram_ranges,
			.own = r->own, .nr_own = sb->nr_own_ranges,
			.redirects = r->redirects,
			.nr_redirects = sb->nr_redirects,
			.free_pfns = r->free_pfns,
			.nr_free = sb->nr_free_pages,
		}, r->why, sizeof(r->why)) ? IMAGE_VALID : IMAGE_CORRUPT;
}

static enum image_verdict read_metadata(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;
	uint64_t map_space = align_up(sb->map_bytes, KHIB_IMAGE_ALIGN);
	uint64_t nr_set;

	r->header_page = blockdev_buffer(PAGE_BYTES);
	r->map = blockdev_buffer(map_space ? map_space : KHIB_IMAGE_ALIGN);
	if (!r->header_page || !r->map)
		return io_failed(r, "page map");
	if (blockdev_read(&r->dev, sb->header_offset, r->header_page,
			  PAGE_BYTES))
		return io_failed(r, "header page");
	if (image_hash(r->header_page, PAGE_BYTES) != sb->header_hash) {
		snprintf(r->why, sizeof(r->why), "header page checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (!open_region(r, IMAGE_CRYPT_REGION_HEADER, r->header_page,
			 PAGE_BYTES, sb->crypt.header_tag, "header page"))
		return IMAGE_CORRUPT;
	if (blockdev_read(&r->dev, sb->map_offset, r->map, map_space))
		return io_failed(r, "page map");
	if (image_hash(r->map, sb->map_bytes) != sb->map_hash) {
		snprintf(r->why, sizeof(r->why), "page map checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (!open_region(r, IMAGE_CRYPT_REGION_MAP, r->map, sb->map_bytes,
			 sb->crypt.map_tag, "page map"))
		return IMAGE_CORRUPT;
	if (!page_map_decode(r->map, sb->map_bytes, &r->chunks, &r->nr_chunks,
			     r->why, sizeof(r->why)) ||
	    !pfn_chunks_check(r->chunks, r->nr_chunks, &nr_set, r->why,
			      sizeof(r->why)))
		return IMAGE_CORRUPT;
	if (nr_set != sb->nr_pages) {
		snprintf(r->why, sizeof(r->why),
			 "page map holds %" PRIu64 " pages, superblock says %"
			 PRIu64, nr_set, (uint64_t)sb->nr_pages);
		return IMAGE_CORRUPT;
	}
	r->report_index = sb->report_pfn ?
		pfn_chunks_rank(r->chunks, r->nr_chunks, sb->report_pfn) :
		PFN_WALK_END;
	if (read_group_table(r) != IMAGE_VALID ||
	    read_zero_map(r) != IMAGE_VALID)
		return IMAGE_CORRUPT;
	return read_mem_map(r);
}

enum image_verdict image_open(struct image_reader *r, const char *path,
			      bool writable)
{
	return image_open_keyed(r, path, writable, NULL);
}

enum image_verdict image_open_keyed(struct image_reader *r, const char *path,
				    bool writable, const uint8_t *master_key)
{
	enum image_verdict verdict;

	memset(r, 0, sizeof(*r));
	if (blockdev_open(&r->dev, path, writable)) {
		snprintf(r->why, sizeof(r->why), "cannot open %s: %s", path,
			 strerror(errno));
		if (errno == ENOENT)
			return IMAGE_ABSENT;
		r->unreadable = true;
		return IMAGE_CORRUPT;
	}
	verdict = read_super(r);
	/*
	 * An encrypted image whose superblock keeps its checksum but fails
	 * a check behind it was edited, not damaged (damage fails the
	 * checksum): kept, as any change to an encrypted image is.
	 */
	if (verdict == IMAGE_CORRUPT && !r->unreadable &&
	    r->sb.magic == KHIB_IMAGE_MAGIC && image_super_sealed(&r->sb) &&
	    r->sb.state == KHIB_IMAGE_VALID &&
	    r->sb.crypt.cipher != KHIB_CIPHER_NONE) {
		r->encrypted = true;
		r->seal_broken = true;
	}
	if (verdict == IMAGE_VALID && r->sb.crypt.cipher != KHIB_CIPHER_NONE)
		verdict = unlock(r, master_key);
	if (verdict == IMAGE_VALID)
		verdict = read_metadata(r);
	if (verdict == IMAGE_CORRUPT && r->encrypted && !r->locked &&
	    !r->unreadable)
		r->seal_broken = true;
	if (verdict != IMAGE_VALID)
		image_close(r);
	return verdict;
}

void image_close(struct image_reader *r)
{
	image_stop_stream(r);
	blockdev_close(&r->dev);
	free(r->header_page);
	free(r->map);
	free(r->chunks);
	free(r->groups);
	free(r->table);
	free(r->zero_bits);
	free(r->mem_map);
	r->header_page = r->map = r->mem_map = NULL;
	r->ram = r->own = NULL;
	r->redirects = NULL;
	r->free_pfns = NULL;
	r->chunks = NULL;
	r->groups = NULL;
	r->table = NULL;
	r->zero_bits = NULL;
	image_crypt_wipe(&r->keys, sizeof(r->keys));
}

unsigned int image_stream_threads(void)
{
	static unsigned int threads;	/* decided once: callers must agree */
	struct worker_cost cost = chunk_stream_cost();

	if (!threads)
		threads = worker_threads_that_fit(worker_cpus_online(),
						  worker_memory_available_kib(),
						  &cost);
	return threads;
}

void image_inplace_input(const struct image_reader *r,
			 struct inplace_input *in)
{
	*in = (struct inplace_input){
		.chunks = r->chunks,
		.nr_chunks = r->nr_chunks,
		.ram = r->ram,
		.nr_ram = r->sb.nr_ram_ranges,
		.redirects = r->redirects,
		.nr_redirects = r->sb.nr_redirects,
		.free_pfns = r->free_pfns,
		.nr_free = r->sb.nr_free_pages,
	};
}

void image_set_sink(struct image_reader *r, const struct chunk_sink *sink)
{
	r->sink = sink;
}

int image_start_stream(struct image_reader *r)
{
	const struct khib_image_super *sb = &r->sb;

	if (r->stream)
		return 0;
	if (!image_stream_threads()) {
		struct worker_cost cost = chunk_stream_cost();

		snprintf(r->why, sizeof(r->why),
			 "too little memory to read the image: %" PRIu64
			 " MiB available, one reader thread needs %" PRIu64 " MiB",
			 worker_memory_available_kib() >> 10,
			 (worker_cost_kib(&cost, 1) + 1023) >> 10);
		r->short_of_memory = true;
		return -1;
	}
	r->stream = chunk_stream_start(&r->dev, &(struct stream_layout){
						.table = r->table,
						.groups = r->groups,
						.nr_groups = sb->nr_chunks,
						.zero_bits = r->zero_bits,
						.image_id = sb->image_id,
						.precopy_id = sb->precopy_id,
				       }, r->encrypted ? &r->keys : NULL,
				       image_stream_threads(), r->sink);
	if (!r->stream) {
		snprintf(r->why, sizeof(r->why),
			 "cannot start reading the image: %s", strerror(errno));
		r->short_of_memory = errno == ENOMEM;
		return -1;
	}
	return 0;
}

int image_next_chunk(struct image_reader *r, struct stream_chunk *chunk)
{
	int ret;

	if (image_start_stream(r))
		return -1;
	ret = chunk_stream_next(r->stream, chunk, r->why, sizeof(r->why));
	if (ret < 0) {
		r->unreadable = chunk_stream_unreadable(r->stream);
		r->seal_broken = r->encrypted && !r->unreadable;
	}
	if (ret > 0)
		r->pages_read += chunk->nr_pages;
	if (ret == 0 && r->pages_read != r->sb.nr_pages) {
		snprintf(r->why, sizeof(r->why), "image ends after %" PRIu64
			 " of %" PRIu64 " pages", r->pages_read,
			 (uint64_t)r->sb.nr_pages);
		return -1;
	}
	return ret;
}

void image_stop_stream(struct image_reader *r)
{
	chunk_stream_stop(r->stream);
	r->stream = NULL;
}

void image_fill_report(const struct image_reader *r, struct stream_chunk *c,
		       bool in_place)
{
	uint64_t first = c->first_page;
	uint32_t at, stored = 0;

	if (r->report_index == PFN_WALK_END || r->report_index < first ||
	    r->report_index - first >= c->nr_pages)
		return;
	at = (uint32_t)(r->report_index - first);
	if (stream_chunk_is_zero(c, at))
		return;
	for (uint32_t i = 0; i < at; i++)
		stored += !stream_chunk_is_zero(c, i);
	image_report_fill(c->data + (size_t)stored * KHIB_PAGE_SIZE, &r->sb,
			  in_place);
}
