// SPDX-License-Identifier: GPL-2.0
/*
 * The page map limits: the writer (test_descriptor) and the reader take
 * exactly the same set of maps, from the one definition in khib_image.h.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_machine.h"
#include "image_format.h"
#include "tap.h"

static uint64_t one_bit = 1;

/* @n records of one set bit each, PFNs 0, 2, 4, ... */
static void *encode_map(size_t n, size_t *len)
{
	struct pfn_chunk *c = calloc(n, sizeof(*c));
	void *buf;

	for (size_t i = 0; i < n; i++) {
		c[i].start_pfn = 2 * i;
		c[i].nr_pfns = 1;
		c[i].nr_set = 1;
		c[i].words = &one_bit;
	}
	*len = page_map_bytes(c, n);
	buf = aligned_alloc(8, *len);
	page_map_encode(buf, c, n);
	free(c);
	return buf;
}

static void test_record_count(void)
{
	struct pfn_chunk *chunks = NULL;
	size_t len, n = 0;
	char why[256] = "";
	void *map = encode_map(KHIB_MAX_MAP_CHUNKS, &len);

	ok(page_map_decode(map, len, &chunks, &n, why, sizeof(why)) &&
	   n == KHIB_MAX_MAP_CHUNKS,
	   "a page map of KHIB_MAX_MAP_CHUNKS records is read (%s)", why);
	free(chunks);
	free(map);

	map = encode_map(KHIB_MAX_MAP_CHUNKS + 1, &len);
	chunks = NULL;
	ok(!page_map_decode(map, len, &chunks, &n, why, sizeof(why)) &&
	   strstr(why, "more than"), "one record more is refused: %s", why);
	free(map);
}

static void test_record_size(void)
{
	struct khib_map_chunk rec = { .nr_pfns = KHIB_MAP_CHUNK_PFNS + 1 };
	size_t len = sizeof(rec) + (KHIB_MAP_CHUNK_PFNS / 8) + 8;
	uint8_t *buf = aligned_alloc(8, len);
	struct pfn_chunk *chunks = NULL;
	char why[256] = "";
	size_t n;

	memset(buf, 0, len);
	memcpy(buf, &rec, sizeof(rec));
	ok(!page_map_decode(buf, len, &chunks, &n, why, sizeof(why)) &&
	   strstr(why, "covers"), "a record of more than a page of bits is refused: %s",
	   why);
	free(buf);
}

/* A superblock that passes every check but the one under test. */
static void plausible_super(struct khib_image_super *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->magic = KHIB_IMAGE_MAGIC;
	sb->major = KHIB_IMAGE_MAJOR;
	sb->state = KHIB_IMAGE_VALID;
	sb->page_size = KHIB_PAGE_SIZE;
	sb->chunk_pages = KHIB_CHUNK_PAGES;
	sb->nr_pages = 1;
	sb->nr_chunks = 1;
	sb->group_table_bytes = sizeof(struct khib_group_entry);
	sb->group_table_offset = 4 * KHIB_IMAGE_ALIGN;
	sb->zero_map_bytes = 8;
	sb->header_offset = KHIB_IMAGE_ALIGN;
	sb->map_offset = 2 * KHIB_IMAGE_ALIGN;
	sb->nr_ram_ranges = 1;
	sb->mem_map_bytes = mem_map_bytes(1, 0, 0, 0);
	sb->mem_map_offset = 3 * KHIB_IMAGE_ALIGN;
	strcpy(sb->release, "6.12.117");
	fake_resume_record(&sb->resume, 1ULL << 18);
}

static enum image_verdict check(struct khib_image_super *sb, char *why)
{
	image_super_seal(sb);
	return image_super_check(sb, 1ULL << 40, why, 256);
}

static void test_super(void)
{
	struct khib_image_super sb;
	char why[256] = "";

	plausible_super(&sb);
	sb.map_bytes = page_map_max_bytes();
	ok(check(&sb, why) == IMAGE_VALID,
	   "a superblock with the largest page map passes (%s)", why);
	sb.map_bytes++;
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "page map size"),
	   "one byte more is refused: %s", why);

	plausible_super(&sb);
	sb.nr_ram_ranges = KHIB_IMAGE_MAX_RAM_RANGES;
	sb.nr_redirects = KHIB_IMAGE_MAX_REDIRECTS;
	sb.mem_map_bytes = mem_map_bytes(sb.nr_ram_ranges, 0, sb.nr_redirects, 0);
	ok(check(&sb, why) == IMAGE_VALID,
	   "the largest memory map passes (%s)", why);
	sb.nr_redirects++;
	sb.mem_map_bytes = mem_map_bytes(sb.nr_ram_ranges, 0, sb.nr_redirects, 0);
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "memory map"),
	   "one redirect more is refused: %s", why);
	plausible_super(&sb);
	sb.nr_ram_ranges = KHIB_IMAGE_MAX_RAM_RANGES + 1;
	sb.mem_map_bytes = mem_map_bytes(sb.nr_ram_ranges, 0, 0, 0);
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "memory map"),
	   "one RAM range more is refused: %s", why);
	plausible_super(&sb);
	sb.mem_map_bytes--;
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "memory map"),
	   "a memory map size that does not fit its counts is refused: %s",
	   why);
	plausible_super(&sb);
	sb.group_table_bytes += sizeof(struct khib_group_entry);
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "group"),
	   "a group table size that does not fit the groups is refused: %s",
	   why);
	plausible_super(&sb);
	sb.nr_reused = 2;
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "record"),
	   "more records reused than groups is refused: %s", why);

	/* Tools of another convention may resume it: kept, not damaged. */
	plausible_super(&sb);
	sb.resume.convention++;
	ok(check(&sb, why) == IMAGE_OTHER_FORMAT && strstr(why, "convention"),
	   "a resume convention these tools do not know is another format: %s",
	   why);
	plausible_super(&sb);
	sb.resume.page_table = 0;
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "cannot be entered"),
	   "a resume record no kernel states is refused: %s", why);

	plausible_super(&sb);
	memset(sb.release, 'x', sizeof(sb.release));
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "printable"),
	   "an unterminated release is refused: %s", why);
	plausible_super(&sb);
	sb.release[2] = '\n';
	ok(check(&sb, why) == IMAGE_CORRUPT && strstr(why, "printable"),
	   "a release with a control character is refused: %s", why);
}

int main(void)
{
	test_record_count();
	test_record_size();
	test_super();
	return tap_done();
}
