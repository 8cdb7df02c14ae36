// SPDX-License-Identifier: GPL-2.0
/*
 * Reading RAM through /proc/kcore (kcore_ram.c) and summing it in groups
 * (ram_groups.c), on a core file laid out as x86_64's: a note, the kernel
 * text (its own virtual-to-physical offset), vmalloc (no physical
 * address) and two direct-mapping RAM segments, one with ragged ends;
 * and a /proc/kpageflags that marks pages free.
 */
#include <elf.h>
#include <errno.h>
#include <linux/kernel-page-flags.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kcore_ram.h"
#include "ram_groups.h"
#include "tap.h"

#define PAGE		4096ULL
#define DIRECT_MAP	0xffff888000000000ULL
#define DATA_START	0x10000ULL	/* file offset of the direct map */
/* RAM: [4 KiB, 636 KiB) and [1 MiB, 3 MiB + 2 KiB): a ragged last page. */
#define LOW_START	0x1000ULL
#define LOW_END		0x9f000ULL
#define HIGH_START	0x100000ULL
#define HIGH_END	0x300800ULL

/* Two passes found group the same: its pages and which are in use. */
static bool same(const struct ram_group *x, const struct ram_group *y)
{
	return !memcmp(x->hash, y->hash, sizeof(x->hash)) &&
	       x->set_hash == y->set_hash && x->pages == y->pages;
}

static char core_path[] = "/tmp/khib-kcore-XXXXXX";
static char flags_path[] = "/tmp/khib-kflags-XXXXXX";

static Elf64_Phdr load(uint64_t vaddr, uint64_t paddr, uint64_t bytes,
		       uint64_t offset)
{
	return (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
		.p_vaddr = vaddr, .p_paddr = paddr, .p_offset = offset,
		.p_filesz = bytes, .p_memsz = bytes, .p_align = PAGE,
	};
}

static uint64_t ram_offset(uint64_t phys)
{
	return DATA_START + phys;
}

/* A core file of 5 program headers, RAM pages filled with @seed. */
static int make_core(int fd, uint8_t seed, int with_ram)
{
	Elf64_Ehdr eh = {
		.e_type = ET_CORE, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 5,
	};
	Elf64_Phdr ph[5] = {
		{ .p_type = PT_NOTE, .p_offset = 0x1000, .p_filesz = 64 },
		/* Text: its physical address too, at another offset. */
		load(0xffffffff81000000ULL, 0x1000000, 2 << 20, 0x20000000),
		load(0xffffc90000000000ULL, (Elf64_Addr)-1, 1 << 20, 0x30000000),
		load(DIRECT_MAP + LOW_START, LOW_START, LOW_END - LOW_START,
		     ram_offset(LOW_START)),
		load(DIRECT_MAP + HIGH_START, HIGH_START, HIGH_END - HIGH_START,
		     ram_offset(HIGH_START)),
	};
	uint8_t page[PAGE];

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	if (!with_ram)
		eh.e_phnum = 3;
	if (ftruncate(fd, 0) || pwrite(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    pwrite(fd, ph, sizeof(ph), eh.e_phoff) != sizeof(ph))
		return -1;
	for (uint64_t p = 0; p < HIGH_END; p += PAGE) {
		size_t len = p + PAGE > HIGH_END ? HIGH_END - p : PAGE;

		if (p < LOW_START || (p >= LOW_END && p < HIGH_START))
			continue;
		memset(page, seed ^ (uint8_t)(p / PAGE), sizeof(page));
		memcpy(page, &p, sizeof(p));
		if (pwrite(fd, page, len, ram_offset(p)) != (ssize_t)len)
			return -1;
	}
	return 0;
}

static void set_page_byte(int fd, uint64_t phys, uint8_t value)
{
	if (pwrite(fd, &value, 1, ram_offset(phys) + 100) != 1)
		abort();
}

static void set_free(int fd, uint64_t pfn, int free_page)
{
	uint64_t flags = free_page ? 1ULL << KPF_BUDDY : 1ULL << KPF_LRU;

	if (pwrite(fd, &flags, sizeof(flags), pfn * 8) != sizeof(flags))
		abort();
}

int main(void)
{
	int core = mkstemp(core_path), kflags = mkstemp(flags_path);
	struct ram_group a[8], b[8];
	struct ram_pass pass;
	struct kcore_ram k;
	uint8_t buf[PAGE];

	if (core < 0 || kflags < 0 || make_core(core, 0x5a, 1))
		return 1;
	for (uint64_t pfn = 0; pfn < 1024; pfn++)
		set_free(kflags, pfn, 0);

	ok(kcore_ram_parse(&k, dup(core)) == 0, "a core file with RAM is parsed");
	ok(k.nr == 2 && k.seg[0].phys == LOW_START &&
	   k.seg[0].bytes == LOW_END - LOW_START &&
	   k.seg[1].phys == HIGH_START && k.seg[1].bytes == HIGH_END - HIGH_START,
	   "only the direct mapping's two segments are taken (not text, vmalloc or the note)");
	ok(kcore_ram_read(&k, HIGH_START + 5 * PAGE, buf, PAGE) == PAGE &&
	   !memcmp(buf, &(uint64_t){ HIGH_START + 5 * PAGE }, 8),
	   "a page reads from its own place in the file");
	ok(kcore_ram_read(&k, HIGH_END - 0x800, buf, PAGE) == 0x800,
	   "a read stops where its segment ends");
	ok(kcore_ram_read(&k, LOW_END, buf, PAGE) == 0,
	   "a physical address in a hole reads nothing");
	ok(ram_groups_count(&k) == 4, "RAM up to 3 MiB and a bit is 4 groups: %zu",
	   ram_groups_count(&k));

	ok(ram_groups_hash(&k, kflags, a, &pass) == 0,
	   "every group is read and hashed");
	ok(a[0].pages == 158 && a[1].pages == 256 && a[2].pages == 256 &&
	   a[3].pages == 0,
	   "pages in use per group: %u %u %u %u (the ragged last page is not RAM)",
	   a[0].pages, a[1].pages, a[2].pages, a[3].pages);
	ok(pass.groups == 3 && pass.pages == 158 + 512,
	   "the pass counts %llu groups, %llu pages",
	   (unsigned long long)pass.groups, (unsigned long long)pass.pages);

	ram_groups_hash(&k, kflags, b, &pass);
	ok(!memcmp(a, b, sizeof(a)), "the same RAM hashes the same");

	set_page_byte(core, HIGH_START + 30 * PAGE, 0xee);
	ram_groups_hash(&k, kflags, b, &pass);
	ok(same(&b[0], &a[0]) && !same(&b[1], &a[1]) && same(&b[2], &a[2]),
	   "one changed byte changes its group's hash, and only that one");

	set_free(kflags, 600, 1);
	ram_groups_hash(&k, kflags, a, &pass);
	set_page_byte(core, 600 * PAGE, 0x11);
	ram_groups_hash(&k, kflags, b, &pass);
	ok(a[2].pages == 255 && same(&b[2], &a[2]),
	   "a free page is left out: what it holds does not count");
	set_free(kflags, 600, 0);
	ram_groups_hash(&k, kflags, b, &pass);
	ok(b[2].pages == 256 && !same(&b[2], &a[2]),
	   "a page taken into use changes its group");

	ok(ram_groups_hash(&k, -1, b, &pass) == 0 && b[0].pages == 158 &&
	   b[2].pages == 256,
	   "without /proc/kpageflags every page counts");
	kcore_ram_close(&k);

	ok(make_core(core, 0x5a, 0) == 0 &&
	   kcore_ram_parse(&k, core) == -1 && errno == ENOENT,
	   "a core file without RAM segments is refused (ENOENT)");
	if (ftruncate(core, 0) || pwrite(core, "not an ELF file", 15, 0) != 15)
		return 1;
	ok(kcore_ram_parse(&k, core) == -1 && errno == ENOEXEC,
	   "a file that is not a 64-bit core file is refused (ENOEXEC)");
	close(core);
	close(kflags);
	unlink(core_path);
	unlink(flags_path);
	return tap_done();
}
