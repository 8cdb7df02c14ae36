// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kcore_ram.h"

/* More program headers than any kernel writes (one per kcore_list entry). */
#define KCORE_MAX_PHDRS	4096

static int by_phys(const void *a, const void *b)
{
	const struct kcore_segment *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

static int header_ok(const Elf64_Ehdr *eh)
{
	return !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
	       eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh->e_ident[EI_DATA] == ELFDATA2LSB && eh->e_type == ET_CORE &&
	       eh->e_phentsize == sizeof(Elf64_Phdr) && eh->e_phnum &&
	       eh->e_phnum <= KCORE_MAX_PHDRS;
}

/* x86_64's kernel text mapping (__START_KERNEL_map): not the direct map. */
#define KERNEL_TEXT_MAP	0xffffffff80000000ULL

/* Whether @p maps RAM at a physical address (not vmalloc, not text). */
static int maps_ram(const Elf64_Phdr *p)
{
	return p->p_type == PT_LOAD && p->p_paddr != (Elf64_Addr)-1 &&
	       p->p_filesz && p->p_vaddr >= p->p_paddr &&
	       p->p_vaddr < KERNEL_TEXT_MAP;
}

int kcore_ram_parse(struct kcore_ram *k, int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	size_t len;
	uint64_t delta = 0, largest = 0;
	int ret = -1;

	k->fd = fd;
	k->nr = 0;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || !header_ok(&eh)) {
		errno = ENOEXEC;
		return -1;
	}
	len = (size_t)eh.e_phnum * sizeof(*ph);
	ph = malloc(len);
	if (!ph)
		return -1;
	if (pread(fd, ph, len, eh.e_phoff) != (ssize_t)len) {
		errno = ENOEXEC;
		goto out;
	}
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (maps_ram(&ph[i]) && ph[i].p_filesz > largest) {
			largest = ph[i].p_filesz;
			delta = ph[i].p_vaddr - ph[i].p_paddr;
		}
	}
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (!maps_ram(&ph[i]) || ph[i].p_vaddr - ph[i].p_paddr != delta)
			continue;
		if (k->nr == KCORE_RAM_MAX_SEGMENTS) {
			errno = E2BIG;
			goto out;
		}
		k->seg[k->nr++] = (struct kcore_segment){
			.phys = ph[i].p_paddr, .bytes = ph[i].p_filesz,
			.offset = ph[i].p_offset,
		};
	}
	if (!k->nr) {
		errno = ENOENT;
		goto out;
	}
	qsort(k->seg, k->nr, sizeof(k->seg[0]), by_phys);
	ret = 0;
out:
	free(ph);
	return ret;
}

int kcore_ram_open(struct kcore_ram *k, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (kcore_ram_parse(k, fd)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return 0;
}

void kcore_ram_close(struct kcore_ram *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

ssize_t kcore_ram_read(const struct kcore_ram *k, uint64_t phys, void *buf,
		       size_t len)
{
	for (size_t i = 0; i < k->nr; i++) {
		const struct kcore_segment *s = &k->seg[i];
		uint64_t left;

		if (phys < s->phys || phys - s->phys >= s->bytes)
			continue;
		left = s->bytes - (phys - s->phys);
		if (len > left)
			len = left;
		return pread(k->fd, buf, len, s->offset + (phys - s->phys));
	}
	return 0;
}
