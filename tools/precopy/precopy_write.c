// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "blockdev.h"
#include "chunk_encoder.h"
#include "image_format.h"
#include "image_groups.h"
#include "pack_choice.h"
#include "precopy_table.h"
#include "precopy_write.h"
#include "ram_groups.h"
#include "target_check.h"
#include "target_identity.h"

#define GROUP_BYTES	(RAM_GROUP_PAGES * KHIB_PAGE_SIZE)

_Static_assert(RAM_GROUP_PAGES == KHIB_CHUNK_PAGES,
	       "a RAM group is an image group");

struct precopy {
	const struct kcore_ram *k;
	int flags_fd;
	const struct precopy_options *opt;
	struct precopy_report *rep;
	struct blockdev dev;
	struct khib_image_super sb;
	struct khib_precopy_entry *table;
	struct pack_choice pack;
	uint64_t nr;		/* entries filled */
	uint64_t offset;	/* where the next record goes */
	double start;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int __attribute__((format(printf, 2, 3)))
fail(struct precopy *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->rep->why, sizeof(p->rep->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* RAM pages and the PFN past the last, by the kcore segments. */
static void ram_extent(const struct kcore_ram *k, uint64_t *pages,
		       uint64_t *end_pfn)
{
	*pages = 0;
	*end_pfn = 0;
	for (size_t i = 0; i < k->nr; i++) {
		*pages += k->seg[i].bytes / KHIB_PAGE_SIZE;
		*end_pfn = (k->seg[i].phys + k->seg[i].bytes) / KHIB_PAGE_SIZE;
	}
}

/*
 * The target must be khib's (its superblock of this format names a
 * target UUID), hold no valid image, not be in use, and have room for a
 * pre-copy of all RAM and a whole image after it: else the writer would
 * not use what is written.
 */
static int check_target(struct precopy *p, uint64_t nr_groups)
{
	uint8_t *block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	uint64_t ram_pages, end_pfn, need;
	char why[160];

	if (target_in_use(p->opt->target, why, sizeof(why)) > 0)
		return fail(p, "%s; nothing written", why);
	if (!block || blockdev_read(&p->dev, 0, block, KHIB_IMAGE_ALIGN)) {
		free(block);
		return fail(p, "cannot read the superblock of %s: %s",
			    p->opt->target, strerror(errno));
	}
	memcpy(&p->sb, block, sizeof(p->sb));
	free(block);
	if (!image_super_sealed(&p->sb) || target_uuid_unset(p->sb.target_uuid))
		return fail(p, "%s is not a khib target of this format (khib-load makes it one); nothing written",
			    p->opt->target);
	if (p->sb.state == KHIB_IMAGE_VALID)
		return fail(p, "%s holds a valid image, which is never overwritten; nothing written",
			    p->opt->target);
	ram_extent(p->k, &ram_pages, &end_pfn);
	need = KHIB_IMAGE_ALIGN + (ram_pages + nr_groups) * KHIB_PAGE_SIZE +
	       align_up(nr_groups * sizeof(*p->table), KHIB_IMAGE_ALIGN) +
	       target_need_bytes(ram_pages, end_pfn);
	if (p->dev.size < need) {
		p->rep->skipped = 1;
		return fail(p, "%s holds %" PRIu64 " MiB; a pre-copy and a whole image after it may need %" PRIu64
			    " MiB",
			    p->opt->target, p->dev.size >> 20, need >> 20);
	}
	return 0;
}

/* Keep the write rate at opt->mbps at most. */
static void hold_rate(struct precopy *p)
{
	double due;

	if (!p->opt->mbps)
		return;
	due = p->start + (double)(p->offset - KHIB_IMAGE_ALIGN) /
			 (p->opt->mbps * 1e6);
	while (now() < due && !*p->opt->cancel) {
		double left = due - now();
		struct timespec t = {
			.tv_sec = (time_t)left,
			.tv_nsec = (long)((left - (time_t)left) * 1e9),
		};

		nanosleep(&t, NULL);
	}
}

/*
 * Encode group @g's @n pages into @record, compressed where that pays at
 * the resume (pack_choice.h).
 */
static int encode_group(struct precopy *p, struct chunk_encoder *enc,
			size_t g, const uint64_t *used, const void *const *pages,
			uint32_t n, uint8_t *record, struct chunk_result *res)
{
	size_t raw;

	if (!chunk_encode(enc, g, used, pages, p->opt->level, record, res))
		return fail(p, "group %zu: %s", g, res->error);
	if (!res->compressed)
		return 0;
	raw = (size_t)(n - res->zero_pages) * KHIB_PAGE_SIZE;
	if (pack_choice_keep(&p->pack, record, res->record_bytes, raw))
		return 0;
	if (!chunk_encode(enc, g, used, pages, 0, record, res))
		return fail(p, "group %zu: %s", g, res->error);
	return 0;
}

/* Encode group @g from @buf into @record and write it; its entry. */
static int write_group(struct precopy *p, struct chunk_encoder *enc,
		       size_t g, const uint8_t *buf, const uint64_t *used,
		       uint8_t *record)
{
	struct khib_precopy_entry *e = &p->table[p->nr];
	const void *pages[RAM_GROUP_PAGES];
	struct chunk_result res;
	uint32_t n = 0;
	double t0;

	for (unsigned int i = 0; i < RAM_GROUP_PAGES; i++)
		if (group_bit(used, i))
			pages[n++] = buf + (size_t)i * KHIB_PAGE_SIZE;
	if (encode_group(p, enc, g, used, pages, n, record, &res))
		return -1;
	t0 = pack_choice_cpu_ns();
	if (image_content_hash(pages, n, e->hash))
		return fail(p, "no memory to hash group %zu", g);
	pack_choice_note_hash(&p->pack, (size_t)n * KHIB_PAGE_SIZE,
			      pack_choice_cpu_ns() - t0);
	pack_choice_account(&p->pack, res.record_bytes,
			    (size_t)(n - res.zero_pages) * KHIB_PAGE_SIZE,
			    res.compressed);
	if (blockdev_write(&p->dev, p->offset, record, res.record_bytes))
		return fail(p, "cannot write to %s: %s", p->opt->target,
			    strerror(errno));
	e->group = g;
	e->offset = p->offset;
	e->bytes = (uint32_t)res.record_bytes;
	e->nr_pages = n;
	memcpy(e->page_set, used, sizeof(e->page_set));
	p->offset += res.record_bytes;
	p->nr++;
	p->rep->pages += n;
	p->rep->compressed += res.compressed;
	return 0;
}

static void show_progress(struct precopy *p, size_t g, size_t nr_groups,
			  unsigned int *tenth)
{
	unsigned int now_tenth = (unsigned int)(10 * (g + 1) / nr_groups);

	if (now_tenth <= *tenth || now_tenth == 10)
		return;
	*tenth = now_tenth;
	printf("khib-precopy: %u0 %%, %" PRIu64 " MiB of RAM in use written\n",
	       now_tenth, p->rep->pages >> 8);
	fflush(stdout);
}

static int write_groups(struct precopy *p, size_t nr_groups)
{
	struct chunk_encoder enc;
	uint8_t *buf = malloc(GROUP_BYTES);
	uint8_t *record = blockdev_buffer(image_record_max());
	unsigned int tenth = 0;
	int ret = -1;

	if (!buf || !record || chunk_encoder_init(&enc)) {
		fail(p, "no memory to read RAM");
		goto out;
	}
	if (pack_choice_init(&p->pack, p->opt->decoders)) {
		fail(p, "no memory for a decompressor");
		goto free_enc;
	}
	/* Before any record: what a resume reads it at. */
	if (p->opt->level &&
	    pack_choice_probe_disk(&p->pack, &p->dev, KHIB_IMAGE_ALIGN)) {
		fail(p, "cannot read %s: %s", p->opt->target, strerror(errno));
		goto free_enc;
	}
	enc.image_id = p->sb.precopy_id;
	enc.pass = KHIB_PASS_PRECOPY;
	for (size_t g = 0; g < nr_groups && !*p->opt->cancel; g++) {
		uint64_t used[RAM_GROUP_PAGES / 64];
		int pages = ram_group_read(p->k, p->flags_fd, g, buf, used);

		if (pages < 0) {
			fail(p, "cannot read RAM group %zu: %s", g,
			     strerror(errno));
			goto free_enc;
		}
		if (pages && write_group(p, &enc, g, buf, used, record))
			goto free_enc;
		hold_rate(p);
		show_progress(p, g, nr_groups, &tenth);
	}
	ret = 0;
free_enc:
	p->rep->disk_mbps = p->pack.disk_ns_per_byte ?
			    1e3 / p->pack.disk_ns_per_byte : 0;
	p->rep->unpack_mbps = p->pack.unpack_ns_per_byte ?
			      1e3 / p->pack.unpack_ns_per_byte : 0;
	pack_choice_free(&p->pack);
	chunk_encoder_free(&enc);
out:
	free(buf);
	free(record);
	return ret;
}

static int run(struct precopy *p)
{
	size_t nr_groups = ram_groups_count(p->k);
	struct khib_image_super sb = {
		.magic = KHIB_IMAGE_MAGIC,
		.major = KHIB_IMAGE_MAJOR,
		.minor = KHIB_IMAGE_MINOR,
	};

	p->table = calloc(nr_groups + 1, sizeof(*p->table));
	if (!p->table)
		return fail(p, "no memory for %zu groups", nr_groups);
	if (check_target(p, nr_groups))
		return -1;
	if (getrandom(&sb.precopy_id, sizeof(sb.precopy_id), 0) !=
	    sizeof(sb.precopy_id))
		return fail(p, "no random identity for the pre-copy: %s",
			    strerror(errno));
	memcpy(sb.target_uuid, p->sb.target_uuid, sizeof(sb.target_uuid));
	sb.state = p->sb.state;
	p->sb = sb;
	/* From here on the target holds no image, and never a valid one. */
	if (image_super_store(&p->dev, &p->sb, KHIB_IMAGE_WRITING))
		return fail(p, "cannot write the superblock of %s: %s",
			    p->opt->target, strerror(errno));
	p->offset = KHIB_IMAGE_ALIGN;
	p->start = now();
	if (write_groups(p, nr_groups))
		return -1;
	p->rep->cancelled = *p->opt->cancel != 0;
	p->sb.precopy_end = p->offset;
	if (precopy_table_store(&p->dev, &p->sb, p->table, p->nr))
		return fail(p, "cannot write the pre-copy's table to %s: %s",
			    p->opt->target, strerror(errno));
	p->rep->groups = p->nr;
	p->rep->bytes = p->sb.precopy_offset +
			align_up(p->sb.precopy_bytes, KHIB_IMAGE_ALIGN) -
			KHIB_IMAGE_ALIGN;
	return 0;
}

int precopy_write(const struct kcore_ram *k, int kpageflags_fd,
		  const struct precopy_options *opt,
		  struct precopy_report *rep)
{
	struct precopy p = {
		.k = k, .flags_fd = kpageflags_fd, .opt = opt, .rep = rep,
	};
	double t0 = now();
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (blockdev_open(&p.dev, opt->target, true)) {
		snprintf(rep->why, sizeof(rep->why), "cannot open %s: %s",
			 opt->target, strerror(errno));
		return -1;
	}
	ret = run(&p);
	if (rep->skipped)
		ret = 0;
	blockdev_close(&p.dev);
	free(p.table);
	rep->seconds = now() - t0;
	return ret;
}
