/* SPDX-License-Identifier: GPL-2.0 */
/*
 * This kernel's RAM, read while the system runs, through /proc/kcore (an
 * ELF core file of the running kernel).  Of its PT_LOAD segments only
 * those of the direct mapping are taken: they carry a physical address,
 * and all share one offset between virtual and physical address, that of
 * the largest segment; the kernel text's segment, above x86_64's
 * __START_KERNEL_map, is left out.  Reading
 * needs CAP_SYS_RAWIO; under lockdown the kernel refuses, as it refuses
 * kexec_load.
 */
#ifndef KHIB_KCORE_RAM_H
#define KHIB_KCORE_RAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KCORE_RAM_MAX_SEGMENTS	256

struct kcore_segment {
	uint64_t phys;		/* first byte */
	uint64_t bytes;
	uint64_t offset;	/* in the file */
};

struct kcore_ram {
	int fd;
	size_t nr;		/* segments, by ascending phys */
	struct kcore_segment seg[KCORE_RAM_MAX_SEGMENTS];
};

/*
 * Take the direct mapping's segments from the ELF header of @fd (kept
 * open in @k).  0, or -1 with errno set: ENOEXEC if it is not a 64-bit
 * little-endian core file, ENOENT if it maps no RAM, E2BIG if too many.
 */
int kcore_ram_parse(struct kcore_ram *k, int fd);

/* The same for @path (/proc/kcore). */
int kcore_ram_open(struct kcore_ram *k, const char *path);
void kcore_ram_close(struct kcore_ram *k);

/*
 * Read up to @len bytes of RAM from physical address @phys, as far as the
 * segment that holds @phys goes.  Bytes read, 0 if no segment holds @phys,
 * or -1 with errno set.
 */
ssize_t kcore_ram_read(const struct kcore_ram *k, uint64_t phys, void *buf,
		       size_t len);

#endif
