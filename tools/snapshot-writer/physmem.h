/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hibernating kernel's memory, seen through /dev/mem.  Data pages are
 * read through a few large cached mappings that are replaced as the walk
 * moves on, so there is no system call per page; descriptor pages are
 * copied one at a time.
 */
#ifndef KHIB_PHYSMEM_H
#define KHIB_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

#include "khib_image.h"

/* The hibernating kernel's page size, checked against its descriptor. */
#define PHYS_PAGE_SIZE		((uint64_t)KHIB_PAGE_SIZE)
#define PHYSMEM_WINDOWS		64
#define PHYSMEM_WINDOW_PAGES	4096	/* 16 MiB with 4 KiB pages */

struct phys_window {
	uint64_t start_pfn;
	uint64_t nr_pages;		/* 0: unused */
	const uint8_t *addr;
	uint64_t last_use;
};

struct physmem {
	int fd;
	const struct kexec_hib_ram_range *ram;
	size_t nr_ram;
	struct phys_window win[PHYSMEM_WINDOWS];
	uint64_t tick;
	uint64_t chunk_tick;		/* tick when the current chunk began */
	int last_hit;
	int prot;			/* of the windows */
	int nr_windows;			/* used, at most PHYSMEM_WINDOWS */
	/* Called before a window is unmapped: its pages may be in use. */
	void (*quiesce)(void *arg);
	void *quiesce_arg;
};

int physmem_open(struct physmem *pm);
void physmem_close(struct physmem *pm);

/* Copy one page; matches phys_read_fn.  Sets errno on failure. */
bool physmem_read_page(void *pm, uint64_t pfn, void *page);

/* Map one page writable, for the status area. */
void *physmem_map_page_rw(struct physmem *pm, uint64_t pfn);
void physmem_unmap_page(void *addr);

/* Mapped data pages are only handed out inside these RAM ranges. */
void physmem_set_ram(struct physmem *pm, const struct kexec_hib_ram_range *ram,
		     size_t nr_ram);

/* Address of a RAM page through a window, or NULL with errno set. */
const void *physmem_page(void *pm, uint64_t pfn);

/*
 * Map windows writable from now on, for a restore in place, and at most
 * @nr_windows of them: each mapped window holds page tables, and a
 * restore walks memory in order.
 */
void physmem_allow_writes(struct physmem *pm, int nr_windows);

/* Writable address of a RAM page, once writes are allowed. */
void *physmem_page_rw(struct physmem *pm, uint64_t pfn);

/*
 * Install the hook called before a window goes; matches set_quiesce.
 * Pages handed out since the last physmem_new_chunk() stay mapped: a
 * chunk whose pages span more than PHYSMEM_WINDOWS windows fails with
 * E2BIG.
 */
void physmem_set_quiesce(void *pm, void (*hook)(void *), void *arg);
void physmem_new_chunk(void *pm);

/* Drop all windows. */
void physmem_unmap_windows(struct physmem *pm);

#endif
