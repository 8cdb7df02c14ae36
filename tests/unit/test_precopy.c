// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-copy end to end (docs/design.md, "Pre-copy"): khib-precopy's
 * code writes a fake machine's RAM, read through a core file laid out as
 * /proc/kcore, to a khib target; the machine changes a few groups; the
 * writer's code writes the image, keeping the pre-copy's records of the
 * groups that did not change; khib-restore's code reads every page back.
 * Then what must never be kept: a pre-copy of other memory, one into an
 * encrypted image, one that holds fewer pages than the image needs.
 */
#include <elf.h>
#include <fcntl.h>
#include <linux/kernel-page-flags.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blockdev.h"
#include "chunk_encoder.h"
#include "descriptor.h"
#include "fake_machine.h"
#include "image_reader.h"
#include "image_writer.h"
#include "kcore_ram.h"
#include "pack_choice.h"
#include "precopy_write.h"
#include "tap.h"

#define RAM_PAGES	3000
#define DIRECT_MAP	0xffff888000000000ULL
#define CORE_DATA	0x1000ULL	/* file offset of the direct map */

static char target[] = "/tmp/khib-precopy-XXXXXX";
static char core_path[] = "/tmp/khib-precopy-core-XXXXXX";
static char flags_path[] = "/tmp/khib-precopy-flags-XXXXXX";
static const uint8_t key[32] = { 7, 7, 7 };

/* /proc/kcore of machine @m as it runs: one direct-mapping segment. */
static int make_core(const struct fake_machine *m)
{
	uint64_t bytes = m->nr_pages * FAKE_PAGE;
	Elf64_Ehdr eh = {
		.e_type = ET_CORE, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_vaddr = DIRECT_MAP, .p_paddr = 0, .p_offset = CORE_DATA,
		.p_filesz = bytes, .p_memsz = bytes, .p_align = FAKE_PAGE,
	};
	int fd = open(core_path, O_RDWR | O_TRUNC);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	if (fd < 0 || pwrite(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    pwrite(fd, &ph, sizeof(ph), eh.e_phoff) != sizeof(ph) ||
	    pwrite(fd, m->mem, bytes, CORE_DATA) != (ssize_t)bytes) {
		perror(core_path);
		exit(1);
	}
	return fd;
}

/* /proc/kpageflags with the pages of PFNs [@from, @to) free. */
static int make_flags(const struct fake_machine *m, uint64_t from,
		      uint64_t to)
{
	int fd = open(flags_path, O_RDWR | O_TRUNC);

	for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++) {
		uint64_t f = pfn >= from && pfn < to ? 1ULL << KPF_BUDDY :
			     1ULL << KPF_LRU;

		if (pwrite(fd, &f, sizeof(f), (off_t)(pfn * 8)) != sizeof(f))
			exit(1);
	}
	return fd;
}

static void make_target(void)
{
	static const uint8_t uuid[KHIB_TARGET_UUID_LEN] = { 1, 2, 3 };
	struct blockdev dev;
	int fd = open(target, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || ftruncate(fd, 160 << 20) || close(fd) ||
	    blockdev_open(&dev, target, true) ||
	    image_super_format(&dev, uuid))
		exit(1);
	blockdev_close(&dev);
}

/* Run the pre-copy of @m (free pages as @flags_fd says, -1: none). */
static int precopy(const struct fake_machine *m, int flags_fd,
		   struct precopy_report *rep)
{
	volatile sig_atomic_t cancel = 0;
	struct precopy_options opt = { .target = target, .level = 1,
				       .cancel = &cancel };
	struct kcore_ram k;
	int ret;

	if (kcore_ram_parse(&k, make_core(m)))
		return -1;
	ret = precopy_write(&k, flags_fd, &opt, rep);
	if (ret)
		printf("# pre-copy: %s\n", rep->why);
	kcore_ram_close(&k);
	return ret;
}

static struct khib_image_super read_super(void)
{
	struct khib_image_super sb;
	int fd = open(target, O_RDONLY);

	if (fd < 0 || pread(fd, &sb, sizeof(sb), 0) != sizeof(sb))
		exit(1);
	close(fd);
	return sb;
}

/* Hash every candidate, whatever the disk's rate, unless told not to. */
static bool hash_when_disk_binds;

static int write_image(struct fake_machine *m, const uint8_t *master_key,
		       struct writer_report *rep)
{
	struct descriptor_view v;
	struct image_source src = { .view = &v, .page_at = fake_page_at,
				    .ctx = m };
	struct writer_options opt = { .target = target, .mode = COMPRESS_AUTO,
				      .level = 1, .threads = 2,
				      .master_key = master_key,
				      .hash_every_candidate =
						!hash_when_disk_binds };
	char why[256];
	int err;

	memcpy(opt.target_uuid, read_super().target_uuid,
	       sizeof(opt.target_uuid));
	if (descriptor_load(&v, m->desc_pfn * FAKE_PAGE, fake_read_page, m,
			    why, sizeof(why)))
		return -1;
	err = image_write(&src, &opt, rep);
	if (err)
		printf("# writer: %s\n", rep->why);
	descriptor_free(&v);
	return err;
}

/* Every page read back as the machine holds it? The pages read. */
static uint64_t read_back(const struct fake_machine *m,
			  const uint8_t *master_key, uint64_t *bad)
{
	struct image_reader r;
	struct stream_chunk c;
	uint64_t pages = 0;
	int ret;

	*bad = 1;
	if (image_open_keyed(&r, target, false, master_key) != IMAGE_VALID) {
		printf("# %s\n", r.why);
		return 0;
	}
	*bad = 0;
	while ((ret = image_next_chunk(&r, &c)) > 0) {
		uint32_t stored = 0, i = 0;

		for (unsigned int n = 0; n < KHIB_CHUNK_PAGES; n++) {
			uint64_t pfn = c.group * KHIB_CHUNK_PAGES + n;

			if (!(c.pfn_set[n / 64] >> (n % 64) & 1))
				continue;
			*bad += !!memcmp(stream_chunk_page(&c, i++, &stored),
					 m->original + pfn * FAKE_PAGE,
					 FAKE_PAGE);
			pages++;
		}
	}
	if (ret < 0) {
		printf("# %s\n", r.why);
		(*bad)++;
	}
	image_close(&r);
	return pages;
}

static void ok_read_back(const struct fake_machine *m,
			 const uint8_t *master_key, const char *what)
{
	uint64_t bad, pages = read_back(m, master_key, &bad);

	ok(pages == m->nr_saveable && bad == 0,
	   "%s: all %llu pages read back as the machine holds them (%llu wrong)",
	   what, (unsigned long long)pages, (unsigned long long)bad);
}

/* Change a byte of PFN @pfn while the system runs. */
static void touch(struct fake_machine *m, uint64_t pfn)
{
	((uint8_t *)fake_page(m, pfn))[77] ^= 0x5a;
	m->original[pfn * FAKE_PAGE + 77] ^= 0x5a;
}

static void test_kept(void)
{
	struct fake_machine m;
	struct precopy_report pre;
	struct writer_report rep;
	struct khib_image_super sb;
	uint64_t bad;
	int err;

	fake_init(&m, RAM_PAGES, 11);
	make_target();
	err = precopy(&m, -1, &pre);
	ok(!err && pre.groups == 16 && pre.pages == m.nr_pages,
	   "the pre-copy writes every page of the machine's %llu: %llu pages in %llu groups",
	   (unsigned long long)m.nr_pages, (unsigned long long)pre.pages,
	   (unsigned long long)pre.groups);
	sb = read_super();
	ok(sb.state == KHIB_IMAGE_WRITING && sb.nr_precopy == pre.groups &&
	   read_back(&m, NULL, &bad) == 0,
	   "a pre-copy alone is no image: the superblock says writing");
	/* The system runs on: groups 2 and 5 change. */
	touch(&m, 2 * 256 + 9);
	touch(&m, 5 * 256 + 200);
	fake_build_descriptor(&m, 4096, 100);
	err = write_image(&m, NULL, &rep);
	ok(err == KEXEC_HIB_OK, "the image is written over the pre-copy");
	sb = read_super();
	ok(rep.reused >= 9 && rep.chunks >= 2 &&
	   rep.reused + rep.chunks == sb.nr_chunks && sb.nr_reused == rep.reused,
	   "%llu of %llu groups kept from the pre-copy, %llu written again",
	   (unsigned long long)rep.reused, (unsigned long long)sb.nr_chunks,
	   (unsigned long long)rep.chunks);
	ok_read_back(&m, NULL, "the changed and the redirected pages too");
	fake_free(&m);
}

static void test_not_kept(void)
{
	struct fake_machine m, other;
	struct precopy_report pre;
	struct writer_report rep;
	int flags, err;

	/* A pre-copy of other memory: nothing matches. */
	fake_init(&m, RAM_PAGES, 12);
	fake_init(&other, RAM_PAGES, 13);
	make_target();
	precopy(&other, -1, &pre);
	fake_build_descriptor(&m, 4096, 100);
	err = write_image(&m, NULL, &rep);
	ok(err == KEXEC_HIB_OK && rep.reused == 0,
	   "a pre-copy of other memory: no record kept (%llu)",
	   (unsigned long long)rep.reused);
	ok_read_back(&m, NULL, "a pre-copy of other memory");
	fake_free(&other);
	fake_free(&m);

	/* Encrypted: the pre-copy's records are in clear, never kept. */
	fake_init(&m, RAM_PAGES, 14);
	make_target();
	precopy(&m, -1, &pre);
	fake_build_descriptor(&m, 4096, 100);
	err = write_image(&m, key, &rep);
	ok(err == KEXEC_HIB_OK && rep.reused == 0,
	   "an encrypted image keeps nothing from a pre-copy");
	ok_read_back(&m, key, "encrypted");
	fake_free(&m);

	/* Pages free at the pre-copy, in the image now: that group again. */
	fake_init(&m, RAM_PAGES, 15);
	make_target();
	flags = make_flags(&m, 3 * 256 + 10, 3 * 256 + 20);
	err = precopy(&m, flags, &pre);
	ok(!err && pre.pages == m.nr_pages - 10,
	   "free pages are left out of the pre-copy (%llu pages)",
	   (unsigned long long)pre.pages);
	close(flags);
	fake_build_descriptor(&m, 4096, 100);
	err = write_image(&m, NULL, &rep);
	ok(err == KEXEC_HIB_OK && rep.chunks >= 1 && rep.reused >= 9,
	   "a group whose image pages the pre-copy lacks is written again (%llu written, %llu kept)",
	   (unsigned long long)rep.chunks, (unsigned long long)rep.reused);
	ok_read_back(&m, NULL, "pages free at the pre-copy");
	fake_free(&m);
}

/* As the writer runs: candidates hashed while keeping them pays. */
static void test_auto(void)
{
	struct fake_machine m;
	struct precopy_report pre;
	struct writer_report rep;
	int err;

	fake_init(&m, RAM_PAGES, 17);
	make_target();
	precopy(&m, -1, &pre);
	touch(&m, 7 * 256 + 1);
	fake_build_descriptor(&m, 4096, 100);
	hash_when_disk_binds = true;
	err = write_image(&m, NULL, &rep);
	hash_when_disk_binds = false;
	ok(err == KEXEC_HIB_OK && rep.candidates == 12 && rep.hashed >= 2 &&
	   rep.reused <= rep.hashed && rep.reused + rep.chunks == 12,
	   "as the writer decides: %llu of %llu candidates hashed, %llu kept",
	   (unsigned long long)rep.hashed, (unsigned long long)rep.candidates,
	   (unsigned long long)rep.reused);
	ok_read_back(&m, NULL, "candidates hashed as the writer decides");
	fake_free(&m);
}

static void test_refused(void)
{
	struct fake_machine m;
	struct precopy_report pre;
	struct writer_report rep;
	int fd, err;

	fake_init(&m, RAM_PAGES, 16);
	make_target();
	fake_build_descriptor(&m, 4096, 100);
	write_image(&m, NULL, &rep);
	err = precopy(&m, -1, &pre);
	ok(err && strstr(pre.why, "valid image") &&
	   read_super().state == KHIB_IMAGE_VALID,
	   "a valid image is never written over: %s", pre.why);
	fd = open(target, O_RDWR | O_TRUNC);
	if (fd < 0 || ftruncate(fd, 160 << 20))
		exit(1);
	close(fd);
	err = precopy(&m, -1, &pre);
	ok(err && strstr(pre.why, "not a khib target"),
	   "a device that is not a khib target is not written: %s", pre.why);
	fake_free(&m);
}

static bool probe_target(struct pack_choice *c)
{
	struct blockdev dev;
	bool done;

	if (blockdev_open(&dev, target, false))
		return false;
	done = !pack_choice_probe_disk(c, &dev, KHIB_IMAGE_ALIGN);
	blockdev_close(&dev);
	return done;
}

/*
 * The pre-copy's records stay compressed only where reading the bytes
 * saved takes the resume longer than decompressing them.
 */
static void test_packing(void)
{
	static uint8_t mem[KHIB_CHUNK_PAGES][KHIB_PAGE_SIZE];
	const void *pages[KHIB_CHUNK_PAGES];
	uint64_t set[KHIB_CHUNK_PAGES / 64];
	uint8_t *record = malloc(image_record_max());
	/* Hashing 330 MB/s, decompressing 170 MB/s, on one CPU. */
	struct pack_choice slow_disk = {
		.disk_ns_per_byte = 20.0, .hash_ns_per_byte = 3.0,
		.unpack_ns_per_byte = 6.0, .decoders = 1,
	};
	struct pack_choice fast_disk = slow_disk;
	struct pack_choice fresh = { .decoders = 1 };
	struct chunk_encoder enc;
	struct pack_choice c;
	struct chunk_result res;
	bool kept, stored, encoded;
	unsigned int n = 0, n2;

	fast_disk.disk_ns_per_byte = 2.2;
	ok(pack_choice_pays(&slow_disk, 512 << 10, 1 << 20),
	   "50 MB/s disk, half saved: compressed, decompressing hides behind the disk");
	ok(!pack_choice_pays(&fast_disk, 512 << 10, 1 << 20),
	   "450 MB/s disk: as they are, decompressing would outlast the disk");
	ok(pack_choice_pays(&fresh, 512 << 10, 1 << 20),
	   "nothing measured yet: compressed");
	/* 125 MB/s: compressed while the decoders' time stays in the disk's. */
	slow_disk.disk_ns_per_byte = 8.0;
	for (unsigned int i = 0; i < 100; i++) {
		bool pays = pack_choice_pays(&slow_disk, 512 << 10, 1 << 20);

		n += pays;
		pack_choice_account(&slow_disk, pays ? 512 << 10 : 1 << 20,
				    1 << 20, pays);
	}
	ok(n > 30 && n < 70 && slow_disk.cpu_ns <= slow_disk.disk_ns + 9e6,
	   "125 MB/s disk: about half compressed, the decoders within the disk's time");
	fast_disk = slow_disk;
	fast_disk.decoders = 2;
	fast_disk.cpu_ns = fast_disk.disk_ns = 0;
	n2 = 0;
	for (unsigned int i = 0; i < 100; i++) {
		bool pays = pack_choice_pays(&fast_disk, 512 << 10, 1 << 20);

		n2 += pays;
		pack_choice_account(&fast_disk, pays ? 512 << 10 : 1 << 20,
				    1 << 20, pays);
	}
	ok(n2 > n, "with two decoders at the resume more stays compressed (%u of 100 against %u)",
	   n2, n);

	memset(set, 0xff, sizeof(set));
	for (unsigned int i = 0; i < KHIB_CHUNK_PAGES; i++) {
		for (unsigned int b = 0; b < KHIB_PAGE_SIZE; b++)
			mem[i][b] = (uint8_t)((i * 7 + b / 64) & 0x3f);
		pages[i] = mem[i];
	}
	encoded = record && !chunk_encoder_init(&enc) &&
		  chunk_encode(&enc, 3, set, pages, 1, record, &res) &&
		  res.compressed;
	ok(encoded, "a group of patterned pages compresses");
	if (!encoded || pack_choice_init(&c, 1))
		return;
	c.disk_ns_per_byte = 20.0;	/* 50 MB/s */
	c.hash_ns_per_byte = 3.0;
	kept = pack_choice_keep(&c, record, res.record_bytes, sizeof(mem));
	ok(c.unpack_ns_per_byte > 0, "decompressing the record was timed");
	ok(kept, "with a 50 MB/s disk the record stays compressed");
	c.disk_ns_per_byte = c.unpack_ns_per_byte / 1000;
	stored = !pack_choice_keep(&c, record, res.record_bytes, sizeof(mem));
	ok(stored, "with a disk far faster than decompression it is stored as it is");
	ok(c.seen == 2 && c.kept == 1, "and the choice is counted");
	c.disk_ns_per_byte = 0;
	ok(probe_target(&c) && c.disk_ns_per_byte > 0,
	   "reading the target straight through measured its rate");
	pack_choice_free(&c);
	chunk_encoder_free(&enc);
	free(record);
}

int main(void)
{
	int fd = mkstemp(target);

	if (fd < 0 || close(fd) || (fd = mkstemp(core_path)) < 0 ||
	    close(fd) || (fd = mkstemp(flags_path)) < 0 || close(fd))
		return 1;
	test_kept();
	test_not_kept();
	test_auto();
	test_refused();
	test_packing();
	unlink(target);
	unlink(core_path);
	unlink(flags_path);
	return tap_done();
}
