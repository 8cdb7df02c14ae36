// SPDX-License-Identifier: GPL-2.0
/*
 * The image stream end to end: write an image from a fake hibernating
 * kernel's memory with the snapshot writer's code, read it back with
 * khib-restore's code, and check every page; then damage it in the ways a
 * disk or a power cut would and check that it is refused.  The same for
 * an encrypted image, and the changes an attacker could make to one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "descriptor.h"
#include "fake_machine.h"
#include "image_reader.h"
#include "image_writer.h"
#include "tap.h"

#define RAM_PAGES 3000

static char target[] = "/tmp/khib-unit-XXXXXX";

/* The machine's master key while an encrypted image is tested. */
static const uint8_t *master_key;

static void make_target(uint64_t bytes)
{
	int fd = open(target, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)bytes))
		perror(target);
	close(fd);
}

static int write_image_with(struct fake_machine *m, enum compress_mode mode,
			    int level, unsigned int threads,
			    struct writer_report *rep)
{
	struct descriptor_view v;
	struct image_source src = { .view = &v, .page_at = fake_page_at,
				    .ctx = m };
	struct writer_options opt = { .target = target, .mode = mode,
				      .level = level, .threads = threads,
				      .master_key = master_key };
	char why[256];
	int err;

	err = descriptor_load(&v, m->desc_pfn * FAKE_PAGE, fake_read_page, m,
			      why, sizeof(why));
	if (err) {
		printf("# descriptor: %s\n", why);
		return err;
	}
	err = image_write(&src, &opt, rep);
	descriptor_free(&v);
	return err;
}

static int write_image(struct fake_machine *m, int level,
		       struct writer_report *rep)
{
	return write_image_with(m, level ? COMPRESS_ALWAYS : COMPRESS_OFF,
				level, 2, rep);
}

/* Read the whole image; count pages that differ from the originals. */
static int read_back(struct fake_machine *m, uint64_t *pages,
		     uint64_t *mismatches, char *why)
{
	struct image_reader r;
	struct stream_chunk c;
	struct pfn_walk w;
	int ret;

	*pages = *mismatches = 0;
	if (image_open_keyed(&r, target, false, master_key) != IMAGE_VALID) {
		strcpy(why, r.why);
		return -1;
	}
	pfn_walk_init(&w, r.chunks, r.nr_chunks);
	while ((ret = image_next_chunk(&r, &c)) > 0) {
		uint32_t stored = 0;

		for (uint32_t i = 0; i < c.nr_pages; i++) {
			uint64_t pfn = pfn_walk_next(&w);

			if (memcmp(stream_chunk_page(&c, i, &stored),
				   m->original + pfn * FAKE_PAGE, FAKE_PAGE))
				(*mismatches)++;
			(*pages)++;
		}
	}
	strcpy(why, r.why);
	image_close(&r);
	return ret;
}

static struct khib_image_super read_super(void);

static const char *const mode_name[] = { "off", "auto", "always" };

static void test_round_trip(enum compress_mode mode, int level,
			    unsigned int threads)
{
	struct fake_machine m;
	struct writer_report rep;
	struct khib_image_super sb;
	uint64_t pages, bad;
	char why[256];
	int err;

	fake_init(&m, RAM_PAGES, 3);
	fake_build_descriptor(&m, 4096, 100);
	make_target(64 << 20);
	err = write_image_with(&m, mode, level, threads, &rep);
	ok(err == KEXEC_HIB_OK, "%s, level %d, %u threads: the image is written (%s)",
	   mode_name[mode], level, threads, err ? rep.why : "ok");
	sb = read_super();
	ok(rep.threads == threads && rep.chunks == sb.nr_chunks &&
	   sb.data_bytes % KHIB_RECORD_ALIGN == 0 &&
	   rep.chunks_compressed <= rep.chunks,
	   "level %d: %llu chunks in padded records, %llu compressed, %u threads",
	   level, (unsigned long long)rep.chunks,
	   (unsigned long long)rep.chunks_compressed, rep.threads);
	if (mode == COMPRESS_OFF)
		ok(rep.chunks_compressed == 0 && sb.compressor == KHIB_ENC_RAW,
		   "level %d: compression off stores every chunk as it is",
		   level);
	ok(rep.pages == m.nr_saveable && rep.zero_pages > 0 &&
	   rep.zero_pages < rep.pages,
	   "level %d: %llu pages, %llu of them zero, reported", level,
	   (unsigned long long)rep.pages,
	   (unsigned long long)rep.zero_pages);
	err = read_back(&m, &pages, &bad, why);
	ok(err == 0 && pages == m.nr_saveable && bad == 0,
	   "level %d: all %llu pages read back as they were, redirected ones too (%s)",
	   level, (unsigned long long)pages, err ? why : "ok");
	if (mode == COMPRESS_ALWAYS)
		ok(rep.bytes < (rep.pages - rep.zero_pages) * FAKE_PAGE,
		   "level %d: compression saves space (%llu bytes)", level,
		   (unsigned long long)rep.bytes);
	fake_free(&m);
}

static void poke(uint64_t offset, uint8_t xor)
{
	int fd = open(target, O_RDWR);
	uint8_t b;

	if (pread(fd, &b, 1, (off_t)offset) == 1) {
		b ^= xor;
		if (pwrite(fd, &b, 1, (off_t)offset) != 1)
			perror("poke");
	}
	close(fd);
}

static struct khib_image_super read_super(void)
{
	struct khib_image_super sb;
	int fd = open(target, O_RDONLY);

	if (pread(fd, &sb, sizeof(sb), 0) != sizeof(sb))
		memset(&sb, 0, sizeof(sb));
	close(fd);
	return sb;
}

/* Set the first redirect's source to @src, every hash made right again. */
static uint64_t set_redirect_source(uint64_t src)
{
	struct khib_image_super sb = read_super();
	uint64_t at = sb.mem_map_offset +
		      (sb.nr_ram_ranges + sb.nr_own_ranges) *
		      sizeof(struct khib_image_range) +
		      offsetof(struct khib_image_redirect, src_pfn);
	uint8_t *map = malloc(sb.mem_map_bytes);
	int fd = open(target, O_RDWR);
	uint64_t old = 0;

	if (!map || !sb.nr_redirects ||
	    pread(fd, &old, sizeof(old), (off_t)at) != sizeof(old) ||
	    pwrite(fd, &src, sizeof(src), (off_t)at) != sizeof(src) ||
	    pread(fd, map, sb.mem_map_bytes, (off_t)sb.mem_map_offset) !=
	    (ssize_t)sb.mem_map_bytes)
		perror("set_redirect_source");
	sb.mem_map_hash = image_hash(map, sb.mem_map_bytes);
	image_super_seal(&sb);
	if (pwrite(fd, &sb, sizeof(sb), 0) != sizeof(sb))
		perror("set_redirect_source");
	close(fd);
	free(map);
	return old;
}

static void test_damage(void)
{
	struct fake_machine m;
	struct writer_report rep;
	struct khib_image_super sb;
	struct image_reader r;
	uint64_t pages, bad;
	char why[256];

	fake_init(&m, RAM_PAGES, 4);
	fake_build_descriptor(&m, 32768, 10);
	make_target(64 << 20);
	write_image(&m, 1, &rep);
	sb = read_super();

	poke(sb.data_offset + sb.data_bytes / 2, 0x10);
	ok(read_back(&m, &pages, &bad, why) < 0 && strstr(why, "chunk"),
	   "a flipped bit in the data is caught: %s", why);
	poke(sb.data_offset + sb.data_bytes / 2, 0x10);
	ok(read_back(&m, &pages, &bad, why) == 0 && bad == 0,
	   "flipped back, the image is good again");

	{
		struct khib_chunk_header h;
		int fd = open(target, O_RDONLY);
		uint64_t pad;

		if (pread(fd, &h, sizeof(h), (off_t)sb.data_offset) != sizeof(h))
			memset(&h, 0, sizeof(h));
		close(fd);
		pad = sb.data_offset + sizeof(h) + h.payload_bytes;
		ok(pad % KHIB_RECORD_ALIGN != 0, "the first record is padded");
		poke(pad, 0x01);
		ok(read_back(&m, &pages, &bad, why) < 0 &&
		   strstr(why, "padding"),
		   "a flipped bit in a record's padding is caught: %s", why);
		poke(pad, 0x01);
	}

	poke(sb.zero_map_offset, 0x01);
	ok(image_open(&r, target, false) == IMAGE_CORRUPT &&
	   strstr(r.why, "zero map"),
	   "a damaged zero map is refused before any data: %s", r.why);
	poke(sb.zero_map_offset, 0x01);

	poke(sb.mem_map_offset, 0x01);
	ok(image_open(&r, target, false) == IMAGE_CORRUPT &&
	   strstr(r.why, "memory map checksum"),
	   "a damaged memory map is refused before any data: %s", r.why);
	poke(sb.mem_map_offset, 0x01);
	{
		uint64_t old = set_redirect_source(1ULL << 40);

		ok(sb.nr_redirects > 0 &&
		   image_open(&r, target, false) == IMAGE_CORRUPT &&
		   strstr(r.why, "outside RAM"),
		   "a swapped page outside RAM is refused, hashes and all: %s",
		   r.why);
		set_redirect_source(old);
		ok(image_open(&r, target, false) == IMAGE_VALID,
		   "put back, the image is good again");
		image_close(&r);
	}

	poke(sb.map_offset + 40, 0x01);
	ok(image_open(&r, target, false) == IMAGE_CORRUPT &&
	   strstr(r.why, "page map"), "a damaged page map is refused before any data: %s",
	   r.why);
	poke(sb.map_offset + 40, 0x01);

	poke(offsetof(struct khib_image_super, nr_pages), 0x01);
	ok(image_open(&r, target, false) == IMAGE_CORRUPT &&
	   strstr(r.why, "superblock checksum"),
	   "a damaged superblock is refused: %s", r.why);
	poke(offsetof(struct khib_image_super, nr_pages), 0x01);

	ok(image_open(&r, target, true) == IMAGE_VALID &&
	   image_super_store(&r.dev, &r.sb, KHIB_IMAGE_RESTORED) == 0,
	   "the image can be marked restored");
	image_close(&r);
	ok(image_open(&r, target, false) == IMAGE_SPENT &&
	   strstr(r.why, "restored already"),
	   "a restored image is not offered again: %s", r.why);
	ok(image_super_discard(target) == 0,
	   "a restored image is not discarded: there is nothing to discard");
	{
		struct khib_image_super sb;
		struct blockdev dev;
		bool unreadable = false;
		char why[256];

		ok(!blockdev_open(&dev, target, true) &&
		   image_super_read(&dev, &sb, &unreadable, why,
				    sizeof(why)) == IMAGE_SPENT &&
		   image_super_store(&dev, &sb, KHIB_IMAGE_VALID) == -1 &&
		   errno == EINVAL,
		   "a restored image cannot be made valid again");
		ok(image_super_store(&dev, &sb, KHIB_IMAGE_DISCARDED) == -1 &&
		   errno == EINVAL, "nor discarded: it is spent");
		blockdev_close(&dev);
	}

	make_target(64 << 20);
	ok(image_open(&r, target, false) == IMAGE_ABSENT,
	   "an empty device holds no image: %s", r.why);
	fake_free(&m);
}

/*
 * A chunk left on the device by an older image, at the place and in the
 * shape the new image's would have, is refused by its image identity.
 */
static void test_replayed_chunk(void)
{
	struct fake_machine m;
	struct writer_report rep;
	struct khib_image_super old_sb, sb;
	uint64_t pages, bad;
	uint8_t *record;
	size_t len;
	char why[256];
	int fd;

	fake_init(&m, RAM_PAGES, 5);
	fake_build_descriptor(&m, 4096, 10);
	make_target(64 << 20);
	write_image(&m, 0, &rep);
	old_sb = read_super();
	len = KHIB_RECORD_ALIGN * 8;
	record = malloc(len);
	fd = open(target, O_RDONLY);
	if (!record || pread(fd, record, len, (off_t)old_sb.data_offset) !=
		       (ssize_t)len)
		perror("test_replayed_chunk");
	close(fd);

	write_image(&m, 0, &rep);
	sb = read_super();
	ok(sb.image_id != old_sb.image_id && sb.data_offset == old_sb.data_offset,
	   "two images of the same memory differ in their identity only");
	fd = open(target, O_RDWR);
	if (pwrite(fd, record, len, (off_t)sb.data_offset) != (ssize_t)len)
		perror("test_replayed_chunk");
	close(fd);
	ok(read_back(&m, &pages, &bad, why) < 0 &&
	   strstr(why, "belongs to another image"),
	   "a chunk of the older image in its place is refused: %s", why);
	free(record);
	fake_free(&m);
}

static void test_too_small(void)
{
	struct fake_machine m;
	struct writer_report rep;
	struct image_reader r;
	int err;

	fake_init(&m, RAM_PAGES, 5);
	fake_build_descriptor(&m, 32768, 0);
	make_target(1 << 20);
	err = write_image(&m, 0, &rep);
	ok(err == KEXEC_HIB_ERR_NO_SPACE && strstr(rep.why, "nothing written"),
	   "a target that is too small fails with NO_SPACE: %s", rep.why);
	ok(image_open(&r, target, false) == IMAGE_ABSENT,
	   "before anything is written to it: %s", r.why);
	fake_free(&m);
}

static void test_missing_target(void)
{
	struct fake_machine m;
	struct writer_report rep;
	char saved[sizeof(target)];
	int err;

	fake_init(&m, 100, 6);
	fake_build_descriptor(&m, 32768, 0);
	memcpy(saved, target, sizeof(target));
	strcpy(target + strlen(target) - 6, "nodir/");
	err = write_image(&m, 1, &rep);
	ok(err == KEXEC_HIB_ERR_TARGET && strstr(rep.why, "cannot open"),
	   "a missing target fails with TARGET: %s", rep.why);
	memcpy(target, saved, sizeof(target));
	fake_free(&m);
}

/* Whether @len bytes at @needle occur anywhere on the target. */
static bool on_target(const void *needle, size_t len)
{
	int fd = open(target, O_RDONLY);
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *all = malloc((size_t)size);
	bool found;

	found = all && pread(fd, all, (size_t)size, 0) == size &&
		memmem(all, (size_t)size, needle, len);
	free(all);
	close(fd);
	return found;
}

/* A page the image holds that is not all zero, nor seen twice. */
static const uint8_t *telling_page(struct fake_machine *m)
{
	static const uint8_t zero[FAKE_PAGE];

	for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++) {
		const uint8_t *p = m->original + pfn * FAKE_PAGE;

		if (m->saveable[pfn] && memcmp(p, zero, FAKE_PAGE))
			return p;
	}
	return NULL;
}

static void test_encrypted(void)
{
	uint8_t key[IMAGE_CRYPT_KEY_BYTES], other[IMAGE_CRYPT_KEY_BYTES];
	struct fake_machine m;
	struct writer_report rep;
	struct khib_image_super sb, spent;
	struct image_reader r;
	const uint8_t *page;
	uint64_t pages, bad;
	char why[256];
	int level, err;

	memset(key, 0x5a, sizeof(key));
	memcpy(other, key, sizeof(key));
	other[31] ^= 1;
	for (level = 0; level <= 1; level++) {
		fake_init(&m, RAM_PAGES, 5);
		fake_build_descriptor(&m, 4096, 100);
		make_target(64 << 20);
		page = telling_page(&m);
		master_key = NULL;
		write_image(&m, level, &rep);
		ok(page && on_target(page, FAKE_PAGE) == (level == 0),
		   "level %d, in clear: a page of memory %s on the target",
		   level, level ? "is compressed" : "shows as it is");
		master_key = key;
		ok(write_image(&m, level, &rep) == KEXEC_HIB_OK,
		   "level %d: an encrypted image is written", level);
		sb = read_super();
		ok(sb.crypt.cipher == KHIB_CIPHER_XCHACHA20_POLY1305 &&
		   !on_target(page, FAKE_PAGE) && !on_target(page + 512, 64),
		   "level %d: no page of memory, nor a part of one, shows on the target",
		   level);
		err = read_back(&m, &pages, &bad, why);
		ok(err == 0 && pages == m.nr_saveable && bad == 0,
		   "level %d: with the key, all %llu pages read back as they were (%s)",
		   level, (unsigned long long)pages, err ? why : "ok");
		/* The last machine stays, for the reads below. */
		if (level == 0)
			fake_free(&m);
	}

	master_key = NULL;
	ok(image_open(&r, target, false) == IMAGE_CORRUPT &&
	   image_may_be_intact(&r) && strstr(r.why, "no key"),
	   "without a key it is refused, and kept: %s", r.why);
	master_key = other;
	ok(read_back(&m, &pages, &bad, why) < 0 && strstr(why, "does not open"),
	   "with another key it is refused: %s", why);
	ok(image_open_keyed(&r, target, false, other) == IMAGE_CORRUPT &&
	   image_may_be_intact(&r),
	   "and kept: a wrong key says nothing about the image");
	master_key = key;

	/* An attacker makes every hash right again: the keys still tell. */
	sb = read_super();
	{
		struct khib_image_super forged = sb;
		int fd = open(target, O_RDWR);

		forged.write_ms ^= 1;
		image_super_seal(&forged);
		if (pwrite(fd, &forged, sizeof(forged), 0) != sizeof(forged))
			perror("forge");
		close(fd);
	}
	ok(image_open_keyed(&r, target, false, key) == IMAGE_CORRUPT &&
	   strstr(r.why, "changed superblock"),
	   "a superblock changed and resealed does not open: %s", r.why);
	{
		int fd = open(target, O_RDWR);

		if (pwrite(fd, &sb, sizeof(sb), 0) != sizeof(sb))
			perror("restore");
		close(fd);
	}
	ok(image_open_keyed(&r, target, false, key) == IMAGE_VALID,
	   "put back, it opens again");
	image_close(&r);

	poke(sb.data_offset + sizeof(struct khib_chunk_header) + 100, 0x04);
	ok(read_back(&m, &pages, &bad, why) < 0 && strstr(why, "chunk 0") &&
	   strstr(why, "does not open"),
	   "a changed byte of a sealed chunk is refused: %s", why);
	{
		struct stream_chunk c;

		ok(image_open_keyed(&r, target, false, key) == IMAGE_VALID &&
		   image_next_chunk(&r, &c) < 0 && image_may_be_intact(&r),
		   "and the image is kept: undone, the change leaves it whole");
		image_close(&r);
	}
	poke(sb.data_offset + sizeof(struct khib_chunk_header) + 100, 0x04);
	ok(read_back(&m, &pages, &bad, why) == 0 && bad == 0,
	   "undone, every page reads back again");
	poke(sb.map_offset + 8, 0x01);
	ok(image_open_keyed(&r, target, false, key) == IMAGE_CORRUPT &&
	   image_may_be_intact(&r),
	   "a changed page map is refused, and the image kept: %s", r.why);
	poke(sb.map_offset + 8, 0x01);

	ok(image_open_keyed(&r, target, true, key) == IMAGE_VALID &&
	   image_super_store(&r.dev, &r.sb, KHIB_IMAGE_RESTORED) == 0,
	   "the image is marked restored");
	image_close(&r);
	spent = read_super();
	ok(!memcmp(&spent.crypt.wrap,
		   &(struct khib_wrapped_key){ 0 }, sizeof(spent.crypt.wrap)) &&
	   memcmp(&sb.crypt.wrap, &spent.crypt.wrap, sizeof(sb.crypt.wrap)),
	   "marked restored, its wrapped key is gone: no key can read it again");
	master_key = NULL;
	fake_free(&m);
}

int main(void)
{
	int fd = mkstemp(target);

	if (fd < 0)
		return 1;
	close(fd);
	test_round_trip(COMPRESS_OFF, 0, 1);
	test_round_trip(COMPRESS_ALWAYS, 1, 3);
	test_round_trip(COMPRESS_ALWAYS, -5, 2);
	test_round_trip(COMPRESS_AUTO, 1, 2);
	test_damage();
	test_encrypted();
	test_replayed_chunk();
	test_too_small();
	test_missing_target();
	unlink(target);
	return tap_done();
}
