// SPDX-License-Identifier: GPL-2.0
/*
 * The image is written in one pass: a placeholder superblock that marks
 * it incomplete, the group records, the header page, the page map, the
 * group table, the zero map and the memory map, a flush, and then the
 * final superblock.  This thread walks the image's groups in order and
 * names each group's pages to the write pipeline, which encodes records
 * on every CPU and writes them one after the other (write_pipeline.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"
#include "image_crypt.h"
#include "image_format.h"
#include "image_super.h"
#include "image_writer.h"
#include "precopy_table.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE

struct writer {
	const struct image_source *src;
	const struct writer_options *opt;
	struct writer_report *report;
	struct blockdev dev;
	struct image_group *groups;	/* that hold image pages, ascending */
	size_t nr_groups;
	struct khib_group_entry *table;	/* the group table, as it is made */
	uint64_t data_offset;
	uint64_t data_end;	/* past the last record written */
	uint64_t at;		/* where the next region goes */
	uint64_t *zero_bits;	/* the zero map */
	struct khib_precopy_entry *precopy;	/* its table, or NULL */
	uint64_t sb_precopy_entries;
	uint64_t image_id;	/* random, tells this image's chunks apart */
	struct image_keys keys;	/* of this image, when it is encrypted */
	bool encrypted;
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
		return fail(w, KEXEC_HIB_ERR_NO_SPACE, e,
			    "the image does not fit in the %llu MiB of %s",
			    (unsigned long long)(w->dev.size >> 20),
			    w->opt->target);
	return fail(w, KEXEC_HIB_ERR_IO, e, "%s %s: %s", what, w->opt->target,
		    strerror(e));
}

static void report_progress(struct writer *w, struct write_pipeline *p)
{
	uint64_t pages, bytes;

	if (!w->opt->progress)
		return;
	/* After every chunk: the callback decides what to show. */
	pipeline_progress(p, &pages, &bytes);
	w->opt->progress(w->opt->progress_ctx, pages, bytes);
}

/*
 * The pre-copy's record of group @g that may be kept: one that holds
 * every image page of the group.  *@next walks the table along.
 */
static const struct khib_precopy_entry *
precopy_candidate(struct writer *w, const struct image_group *g,
		  uint64_t *next)
{
	const struct khib_precopy_entry *e;

	if (!w->precopy)
		return NULL;
	while (*next < w->sb_precopy_entries &&
	       w->precopy[*next].group < g->group)
		(*next)++;
	if (*next == w->sb_precopy_entries)
		return NULL;
	e = &w->precopy[*next];
	if (e->group != g->group || !group_subset(g->pages, e->page_set))
		return NULL;
	return e;
}

/*
 * Name each group's pages, in order, to the pipeline: the image's pages
 * of the group, and all that its pre-copy record holds (ascending, as the
 * redirect cursor needs: the two sets are walked together).
 */
static int submit_groups(struct writer *w, struct write_pipeline *p)
{
	const struct descriptor_view *v = w->src->view;
	struct redirect_cursor redirects;
	uint64_t next = 0;

	redirect_cursor_init(&redirects, v);
	for (size_t k = 0; k < w->nr_groups; k++) {
		const struct image_group *g = &w->groups[k];
		const void **pages = pipeline_next(p, g, k), **held = NULL;
		const struct khib_precopy_entry *cand;
		uint32_t i = 0, j = 0;

		if (!pages)
			return KEXEC_HIB_OK;	/* the pipeline says why */
		cand = precopy_candidate(w, g, &next);
		if (cand) {
			held = pipeline_candidate(p, cand);
			w->report->candidates++;
		}
		if (w->src->new_chunk)
			w->src->new_chunk(w->src->ctx);
		for (unsigned int n = 0; n < KHIB_CHUNK_PAGES; n++) {
			bool image = group_bit(g->pages, n);
			uint64_t pfn, src;
			const void *at;

			if (!image && !(held && group_bit(cand->page_set, n)))
				continue;
			pfn = g->group * KHIB_CHUNK_PAGES + n;
			src = redirect_resolve(&redirects, pfn);
			at = w->src->page_at(w->src->ctx, src);
			if (!at && image)
				return fail(w, KEXEC_HIB_ERR_MAP, errno,
					    "cannot map PFN %#llx of the saved memory: %s",
					    (unsigned long long)src,
					    strerror(errno));
			if (!at) {
				/* A page freed since: the record is not kept. */
				pipeline_candidate(p, NULL);
				held = NULL;
				continue;
			}
			if (image)
				pages[i++] = at;
			if (held)
				held[j++] = at;
		}
		pipeline_submit(p);
		report_progress(w, p);
	}
	return KEXEC_HIB_OK;
}

/*
 * One encoder per CPU (or khib.threads=), as many as the memory available
 * holds: in the hibernate kernel a buffer it cannot get means a panic.
 */
static int plan_encoders(struct writer *w, struct pipeline_config *cfg)
{
	struct worker_cost cost = writer_pool_cost(cfg->level);
	uint64_t avail_kib = worker_memory_available_kib();
	unsigned int wanted = w->opt->threads ? w->opt->threads :
						 worker_cpus_online();

	cfg->threads = worker_threads_that_fit(wanted, avail_kib, &cost);
	if (!cfg->threads)
		return fail(w, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM,
			    "the hibernate kernel has %" PRIu64
			    " MiB available, writing needs %" PRIu64
			    " MiB; lend it more memory (khib-load -m)",
			    avail_kib >> 10,
			    (worker_cost_kib(&cost, 1) + 1023) >> 10);
	printf("khib-writer: %u of %u encoder threads fit in %" PRIu64
	       " MiB available (%" PRIu64 " MiB held)\n", cfg->threads, wanted,
	       avail_kib >> 10,
	       worker_cost_kib(&cost, cfg->threads) >> 10);
	return KEXEC_HIB_OK;
}

/*
 * Seal @len bytes of a region in place when the image is encrypted, its
 * tag to @tag; then hash what goes to the disk.
 */
static int seal_region(struct writer *w, uint64_t domain, void *buf,
		       size_t len, uint8_t *tag, uint64_t *hash)
{
	if (w->encrypted &&
	    image_crypt_seal(&w->keys, domain, NULL, 0, buf, len, tag))
		return fail(w, KEXEC_HIB_ERR_INTERNAL, 0, "cannot seal a region");
	*hash = image_hash(buf, len);
	return KEXEC_HIB_OK;
}

static int write_data(struct writer *w)
{
	struct pipeline_config cfg = {
		.dev = &w->dev,
		.offset = w->data_offset,
		.mode = w->opt->level ? w->opt->mode : COMPRESS_OFF,
		.level = w->opt->level,
		.zero_bits = w->zero_bits,
		.image_id = w->image_id,
		.keys = w->encrypted ? &w->keys : NULL,
		.table = w->table,
		.hash_every_candidate = w->opt->hash_every_candidate,
	};
	struct pipeline_stats st;
	struct write_pipeline *p;
	int error;

	if (cfg.mode == COMPRESS_OFF)
		cfg.level = 0;
	error = plan_encoders(w, &cfg);
	if (error)
		return error;
	p = pipeline_start(&cfg);
	if (!p)
		return fail(w, KEXEC_HIB_ERR_NO_MEMORY, errno,
			    "cannot start the writer threads: %s",
			    strerror(errno));
	w->report->threads = cfg.threads;
	if (w->src->set_quiesce)
		w->src->set_quiesce(w->src->ctx, pipeline_quiesce, p);
	error = submit_groups(w, p);
	if (w->src->set_quiesce)
		w->src->set_quiesce(w->src->ctx, NULL, NULL);
	if (pipeline_finish(p, &st) && !error) {
		if (st.io_errno) {
			errno = st.io_errno;
			error = io_error(w, "writing the image data to");
		} else {
			error = fail(w, KEXEC_HIB_ERR_INTERNAL, 0, "encoding: %s",
				     st.encode_error);
		}
	}
	if (error)
		return error;
	w->report->zero_pages = st.zero_pages;
	w->report->chunks = st.chunks;
	w->report->chunks_compressed = st.chunks_compressed;
	w->report->reused = st.reused;
	w->report->hashed = st.hashed;
	w->data_end = w->data_offset + st.bytes;
	w->at = w->data_end;
	if (st.pages != w->report->pages)
		return fail(w, KEXEC_HIB_ERR_INTERNAL, 0,
			    "wrote %llu of %llu pages",
			    (unsigned long long)st.pages,
			    (unsigned long long)w->report->pages);
	return KEXEC_HIB_OK;
}

/* Write the header page and the page map after the records. */
static int write_metadata(struct writer *w, struct khib_image_super *sb)
{
	const struct descriptor_view *v = w->src->view;
	size_t map_bytes = page_map_bytes(v->chunks, v->nr_chunks);
	size_t map_space = align_up(map_bytes, KHIB_IMAGE_ALIGN);
	uint8_t *buf = blockdev_buffer(PAGE_BYTES + map_space);
	int error = KEXEC_HIB_OK;

	if (!buf)
		return fail(w, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM,
			    "no memory for the page map");
	memcpy(buf, v->header_page, PAGE_BYTES);
	page_map_encode(buf + PAGE_BYTES, v->chunks, v->nr_chunks);

	sb->header_offset = w->at;
	sb->map_offset = sb->header_offset + PAGE_BYTES;
	sb->map_bytes = map_bytes;
	w->at = sb->map_offset + map_space;
	error = seal_region(w, IMAGE_CRYPT_REGION_HEADER, buf, PAGE_BYTES,
			    sb->crypt.header_tag, &sb->header_hash);
	if (!error)
		error = seal_region(w, IMAGE_CRYPT_REGION_MAP, buf + PAGE_BYTES,
				    map_bytes, sb->crypt.map_tag,
				    &sb->map_hash);
	if (!error && blockdev_write(&w->dev, sb->header_offset, buf,
				     PAGE_BYTES + map_space))
		error = io_error(w, "writing the page map to");
	free(buf);
	return error;
}

/*
 * Write @bytes of @data as the next region, sealed under @domain with its
 * tag to @tag (in clear if @tag is NULL); its offset and hash to @sb.
 */
static int put_region(struct writer *w, const void *data, size_t bytes,
		      uint64_t domain, uint8_t *tag, uint64_t *offset,
		      uint64_t *hash, const char *what)
{
	size_t space = align_up(bytes, KHIB_IMAGE_ALIGN);
	uint8_t *buf = blockdev_buffer(space ? space : KHIB_IMAGE_ALIGN);
	int error = KEXEC_HIB_OK;

	if (!buf)
		return fail(w, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM, "no memory for the %s",
			    what);
	memset(buf, 0, space);
	memcpy(buf, data, bytes);
	*offset = w->at;
	w->at += space;
	if (tag)
		error = seal_region(w, domain, buf, bytes, tag, hash);
	else
		*hash = image_hash(buf, bytes);
	if (!error && space && blockdev_write(&w->dev, *offset, buf, space)) {
		int e = errno;
		char why[64];

		snprintf(why, sizeof(why), "writing the %s to", what);
		errno = e;
		error = io_error(w, why);
	}
	free(buf);
	return error;
}

/*
 * The group table, where each group's record lies: in clear (offsets and
 * sizes, which the record headers show too).
 */
static int write_group_table(struct writer *w, struct khib_image_super *sb)
{
	sb->group_table_bytes = w->nr_groups * sizeof(*w->table);
	return put_region(w, w->table, sb->group_table_bytes, 0, NULL,
			  &sb->group_table_offset, &sb->group_table_hash,
			  "group table");
}

static int write_zero_map(struct writer *w, struct khib_image_super *sb)
{
	sb->zero_map_bytes = bitmap_words(sb->nr_pages) * sizeof(uint64_t);
	return put_region(w, w->zero_bits, sb->zero_map_bytes,
			  IMAGE_CRYPT_REGION_ZERO_MAP, sb->crypt.zero_map_tag,
			  &sb->zero_map_offset, &sb->zero_map_hash, "zero map");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The descriptor's pages, ascending, each once: into @pfns, how many. */
static size_t free_pages_of(const struct descriptor_view *v, uint64_t *pfns)
{
	size_t n = 0;

	memcpy(pfns, v->desc_pfns, v->nr_desc_pfns * sizeof(*pfns));
	qsort(pfns, v->nr_desc_pfns, sizeof(*pfns), cmp_u64);
	for (size_t i = 0; i < v->nr_desc_pfns; i++)
		if (!n || pfns[i] != pfns[n - 1])
			pfns[n++] = pfns[i];
	return n;
}

/*
 * Write the memory map, last: the RAM ranges, the writing
 * kernel's own, the pages the jump swapped and the descriptor's pages,
 * which a restore in place needs.
 */
static int write_mem_map(struct writer *w, struct khib_image_super *sb)
{
	const struct descriptor_view *v = w->src->view;
	uint64_t nr_ranges = v->desc.nr_ram_ranges, nr_own = w->opt->nr_own;
	uint64_t *free_pfns = calloc(v->nr_desc_pfns + 1, sizeof(uint64_t));
	uint64_t nr_free = free_pfns ? free_pages_of(v, free_pfns) : 0;
	uint64_t bytes = mem_map_bytes(nr_ranges, nr_own, v->nr_redirects,
				       nr_free);
	struct khib_image_redirect *redirect;
	struct khib_image_range *range;
	char why[256];
	uint8_t *buf;
	int error;

	/* The image mirrors the descriptor's RAM map (the UAPI header). */
	_Static_assert(KHIB_IMAGE_MAX_RAM_RANGES >= KEXEC_HIB_MAX_RAM_RANGES,
		       "an image must hold every RAM range a descriptor lists");
	_Static_assert(sizeof(struct khib_image_range) ==
		       sizeof(struct kexec_hib_ram_range),
		       "a RAM range is the same two PFNs in both formats");
	if (nr_ranges > KHIB_IMAGE_MAX_RAM_RANGES ||
	    nr_own > KHIB_IMAGE_MAX_RAM_RANGES ||
	    v->nr_redirects > KHIB_IMAGE_MAX_REDIRECTS ||
	    nr_free > KHIB_IMAGE_MAX_FREE_PAGES) {
		free(free_pfns);
		return fail(w, KEXEC_HIB_ERR_DESCRIPTOR, 0,
			    "%llu RAM ranges, %zu swapped or %llu free pages are more than an image holds",
			    (unsigned long long)nr_ranges, v->nr_redirects,
			    (unsigned long long)nr_free);
	}
	buf = free_pfns ? calloc(1, bytes) : NULL;
	if (!buf) {
		free(free_pfns);
		return fail(w, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM,
			    "no memory for the memory map");
	}
	range = (struct khib_image_range *)buf;
	for (uint64_t i = 0; i < nr_ranges; i++) {
		range[i].start_pfn = v->desc.ram[i].start_pfn;
		range[i].end_pfn = v->desc.ram[i].end_pfn;
	}
	if (nr_own)
		memcpy(range + nr_ranges, w->opt->own, nr_own * sizeof(*range));
	redirect = (struct khib_image_redirect *)(range + nr_ranges + nr_own);
	for (size_t i = 0; i < v->nr_redirects; i++) {
		redirect[i].pfn = v->redirects[i].pfn;
		redirect[i].src_pfn = v->redirects[i].src_pfn;
	}
	memcpy(redirect + v->nr_redirects, free_pfns, nr_free * sizeof(uint64_t));
	free(free_pfns);
	if (!image_mem_map_check(&(struct image_mem_map) {
			.ram = range, .nr_ram = nr_ranges,
			.own = range + nr_ranges, .nr_own = nr_own,
			.redirects = redirect, .nr_redirects = v->nr_redirects,
			.free_pfns = (const uint64_t *)(redirect + v->nr_redirects),
			.nr_free = nr_free,
		}, why, sizeof(why))) {
		free(buf);
		return fail(w, KEXEC_HIB_ERR_DESCRIPTOR, 0,
			    "the image's memory map would be refused at resume: %s",
			    why);
	}
	sb->mem_map_bytes = bytes;
	sb->nr_ram_ranges = nr_ranges;
	sb->nr_own_ranges = nr_own;
	sb->nr_redirects = v->nr_redirects;
	sb->nr_free_pages = nr_free;
	error = put_region(w, buf, bytes, IMAGE_CRYPT_REGION_MEM_MAP,
			   sb->crypt.mem_map_tag, &sb->mem_map_offset,
			   &sb->mem_map_hash, "memory map");
	free(buf);
	return error;
}

/* The superblock in @state, written and flushed (image_super.h). */
static int write_super(struct writer *w, struct khib_image_super *sb,
		       uint32_t state)
{
	if (image_super_store(&w->dev, sb, state))
		return io_error(w, "writing the image superblock to");
	return KEXEC_HIB_OK;
}

static uint32_t ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)((now.tv_sec - t0->tv_sec) * 1000 +
			  (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/*
 * The page in which the hibernating kernel left its report, for a restore
 * to fill in: 0 unless it is an image page whose PFN fits the superblock.
 */
static uint32_t report_pfn(const struct descriptor_view *view)
{
	uint64_t pfn = view->desc.report / PAGE_BYTES;

	if (!view->desc.report || view->desc.report % PAGE_BYTES ||
	    pfn > UINT32_MAX || !descriptor_page_saved(view, pfn))
		return 0;
	return (uint32_t)pfn;
}

/*
 * A pre-copy on the target (khib_image.h) for this image to take records
 * from: its table is loaded, and @sb keeps naming it.  Nothing is taken
 * into an encrypted image (its records are in clear), or when the target
 * cannot hold the pre-copy and a whole image after it.
 */
static void load_precopy(struct writer *w, struct khib_image_super *sb)
{
	struct khib_image_super old;
	uint8_t *block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	char why[160];

	if (!block || blockdev_read(&w->dev, 0, block, KHIB_IMAGE_ALIGN)) {
		free(block);
		return;
	}
	memcpy(&old, block, sizeof(old));
	free(block);
	if (precopy_table_load(&w->dev, &old, w->opt->target_uuid, &w->precopy,
			       why, sizeof(why))) {
		if (old.state == KHIB_IMAGE_WRITING && old.nr_precopy)
			printf("khib-writer: the pre-copy on %s is not used: %s\n",
			       w->opt->target, why);
		return;
	}
	if (w->encrypted) {
		printf("khib-writer: the pre-copy on %s is not used: the image is encrypted\n",
		       w->opt->target);
		free(w->precopy);
		w->precopy = NULL;
		return;
	}
	w->sb_precopy_entries = old.nr_precopy;
	sb->precopy_offset = old.precopy_offset;
	sb->precopy_bytes = old.precopy_bytes;
	sb->precopy_hash = old.precopy_hash;
	sb->nr_precopy = old.nr_precopy;
	sb->precopy_end = old.precopy_end;
	sb->precopy_id = old.precopy_id;
	w->data_offset = align_up(old.precopy_offset + old.precopy_bytes,
				  KHIB_IMAGE_ALIGN);
}

/* Forget the pre-copy: the image is written from the start. */
static void drop_precopy(struct writer *w, struct khib_image_super *sb)
{
	free(w->precopy);
	w->precopy = NULL;
	w->sb_precopy_entries = 0;
	sb->precopy_offset = sb->precopy_bytes = sb->precopy_hash = 0;
	sb->nr_precopy = sb->precopy_end = sb->precopy_id = 0;
	w->data_offset = KHIB_IMAGE_ALIGN;
}

/*
 * A target too small would be written up to its end before ENOSPC, over
 * the image it held: refuse it before the first write.  With a pre-copy,
 * the new records go after it.
 */
static int target_fits(struct writer *w)
{
	const struct descriptor_view *v = w->src->view;
	uint64_t need = w->data_offset - KHIB_IMAGE_ALIGN + image_max_bytes(v->desc.nr_image_pages, w->nr_groups,
					page_map_bytes(v->chunks, v->nr_chunks),
					mem_map_bytes(v->desc.nr_ram_ranges,
						      w->opt->nr_own,
						      v->nr_redirects,
						      v->nr_desc_pfns));

	if (w->dev.size >= need)
		return KEXEC_HIB_OK;
	return fail(w, KEXEC_HIB_ERR_NO_SPACE, ENOSPC,
		    "the image target %s holds %llu MiB and this image may need %llu MiB; nothing written",
		    w->opt->target, (unsigned long long)(w->dev.size >> 20),
		    (unsigned long long)((need + (1 << 20) - 1) >> 20));
}

static int write_image(struct writer *w)
{
	const struct kexec_hib_descriptor *d = &w->src->view->desc;
	struct khib_image_super sb = {
		.magic = KHIB_IMAGE_MAGIC,
		.major = KHIB_IMAGE_MAJOR,
		.minor = KHIB_IMAGE_MINOR,
	};
	struct timespec t0;
	int error;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (getrandom(&w->image_id, sizeof(w->image_id), GRND_NONBLOCK) !=
	    sizeof(w->image_id))
		/* No entropy yet: time and sequence still differ per image. */
		w->image_id = (uint64_t)t0.tv_nsec << 32 ^ (uint64_t)t0.tv_sec ^
			      d->sequence << 48;
	sb.nr_pages = d->nr_image_pages;
	sb.resume = d->resume;
	memcpy(sb.target_uuid, w->opt->target_uuid, sizeof(sb.target_uuid));
	if (w->encrypted) {
		image_keys_new(&w->keys);
		sb.crypt.cipher = KHIB_CIPHER_XCHACHA20_POLY1305;
		sb.crypt.key_source = w->opt->key_source;
		memcpy(sb.crypt.nonce_prefix, w->keys.nonce_prefix,
		       sizeof(sb.crypt.nonce_prefix));
	}
	w->data_offset = KHIB_IMAGE_ALIGN;
	load_precopy(w, &sb);
	if (w->precopy && target_fits(w)) {
		printf("khib-writer: the pre-copy on %s is not used: the target cannot hold it and a whole image\n",
		       w->opt->target);
		drop_precopy(w, &sb);
	}
	if (w->precopy)
		printf("khib-writer: a pre-copy of %" PRIu64 " groups on %s may be kept\n",
		       (uint64_t)sb.nr_precopy, w->opt->target);
	error = target_fits(w);
	/* Whatever image was there stops being restorable first. */
	if (!error)
		error = write_super(w, &sb, KHIB_IMAGE_WRITING);
	if (!error)
		error = write_data(w);
	if (!error)
		error = write_metadata(w, &sb);
	if (!error)
		error = write_group_table(w, &sb);
	if (!error)
		error = write_zero_map(w, &sb);
	if (!error)
		error = write_mem_map(w, &sb);
	if (!error && blockdev_sync(&w->dev))
		error = io_error(w, "flushing the image to");
	if (error)
		return error;

	sb.page_size = PAGE_BYTES;
	sb.chunk_pages = KHIB_CHUNK_PAGES;
	sb.sequence = d->sequence;
	sb.image_id = w->image_id;
	sb.nr_pages = d->nr_image_pages;
	sb.nr_zero_pages = w->report->zero_pages;
	sb.nr_chunks = w->nr_groups;
	sb.nr_reused = w->report->reused;
	/* The data region holds the pre-copy's records too. */
	sb.data_offset = KHIB_IMAGE_ALIGN;
	sb.data_bytes = w->data_end - KHIB_IMAGE_ALIGN;
	sb.compressor = w->report->chunks_compressed ? KHIB_ENC_ZSTD :
			KHIB_ENC_RAW;
	sb.level = w->opt->level;
	sb.write_ms = ms_since(&t0);
	sb.report_pfn = report_pfn(w->src->view);
	/* The image mirrors the descriptor's field (the UAPI header). */
	_Static_assert(KHIB_IMAGE_RELEASE_LEN == KEXEC_HIB_RELEASE_LEN,
		       "the image's release field must hold the descriptor's");
	memcpy(sb.release, d->release, sizeof(sb.release));
	sb.release[sizeof(sb.release) - 1] = '\0';
	if (w->encrypted) {
		/* Last: the wrap binds every other field of the superblock. */
		struct khib_image_super aad;

		image_super_aad(&sb, &aad);
		if (image_crypt_wrap(w->opt->master_key, w->keys.data_key, &aad,
				     sizeof(aad), &sb.crypt.wrap))
			return fail(w, KEXEC_HIB_ERR_INTERNAL, 0,
				    "cannot wrap the image's key");
	}
	error = write_super(w, &sb, KHIB_IMAGE_VALID);
	if (error)
		return error;

	w->report->bytes = image_bytes_on_disk(&sb);
	w->report->ms = ms_since(&t0);
	if (w->opt->progress)
		w->opt->progress(w->opt->progress_ctx, d->nr_image_pages,
				 w->data_end - w->data_offset);
	return KEXEC_HIB_OK;
}

int image_write(const struct image_source *src,
		const struct writer_options *opt,
		struct writer_report *report)
{
	struct writer w = {
		.src = src,
		.opt = opt,
		.report = report,
	};
	int error;

	memset(report, 0, sizeof(*report));
	report->pages = src->view->desc.nr_image_pages;
	w.encrypted = opt->master_key != NULL;
	if (w.encrypted && image_crypt_init())
		return fail(&w, KEXEC_HIB_ERR_INTERNAL, 0,
			    "the cryptography library does not start");
	w.zero_bits = calloc(bitmap_words(report->pages) + 1, sizeof(uint64_t));
	if (!w.zero_bits ||
	    image_groups_build(src->view->chunks, src->view->nr_chunks,
			       &w.groups, &w.nr_groups) ||
	    !(w.table = calloc(w.nr_groups + 1, sizeof(*w.table)))) {
		error = fail(&w, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM,
			     "no memory for the zero map and groups of %llu pages",
			     (unsigned long long)report->pages);
		goto out;
	}
	if (blockdev_open(&w.dev, opt->target, true)) {
		error = fail(&w, KEXEC_HIB_ERR_TARGET, errno,
			     "cannot open the image target %s: %s",
			     opt->target, strerror(errno));
		goto out;
	}
	error = write_image(&w);
	image_crypt_wipe(&w.keys, sizeof(w.keys));
	blockdev_close(&w.dev);
out:
	free(w.zero_bits);
	free(w.groups);
	free(w.table);
	free(w.precopy);
	return error;
}
