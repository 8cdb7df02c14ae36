// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "physmem.h"

int physmem_open(struct physmem *pm)
{
	memset(pm, 0, sizeof(*pm));
	pm->fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	pm->prot = PROT_READ;
	pm->nr_windows = PHYSMEM_WINDOWS;
	return pm->fd < 0 ? -1 : 0;
}

void physmem_close(struct physmem *pm)
{
	physmem_unmap_windows(pm);
	if (pm->fd >= 0)
		close(pm->fd);
	pm->fd = -1;
}

#define PHYS_MAX_PFN	((uint64_t)INT64_MAX / PHYS_PAGE_SIZE)

static void *map_pages(struct physmem *pm, uint64_t pfn, uint64_t nr,
		       int prot)
{
	void *addr;

	/* The offset must fit off_t: PFNs come from another kernel. */
	if (nr == 0 || pfn > PHYS_MAX_PFN || nr > PHYS_MAX_PFN - pfn) {
		errno = EOVERFLOW;
		return NULL;
	}
	addr = mmap(NULL, nr * PHYS_PAGE_SIZE, prot, MAP_SHARED, pm->fd,
		    (off_t)(pfn * PHYS_PAGE_SIZE));
	return addr == MAP_FAILED ? NULL : addr;
}

bool physmem_read_page(void *ctx, uint64_t pfn, void *page)
{
	struct physmem *pm = ctx;
	void *addr = map_pages(pm, pfn, 1, PROT_READ);

	if (!addr)
		return false;
	memcpy(page, addr, PHYS_PAGE_SIZE);
	munmap(addr, PHYS_PAGE_SIZE);
	return true;
}

void *physmem_map_page_rw(struct physmem *pm, uint64_t pfn)
{
	return map_pages(pm, pfn, 1, PROT_READ | PROT_WRITE);
}

void physmem_unmap_page(void *addr)
{
	if (addr)
		munmap(addr, PHYS_PAGE_SIZE);
}

void physmem_set_ram(struct physmem *pm, const struct kexec_hib_ram_range *ram,
		     size_t nr_ram)
{
	physmem_unmap_windows(pm);
	pm->ram = ram;
	pm->nr_ram = nr_ram;
}

void physmem_set_quiesce(void *ctx, void (*hook)(void *), void *arg)
{
	struct physmem *pm = ctx;

	pm->quiesce = hook;
	pm->quiesce_arg = arg;
}

void physmem_unmap_windows(struct physmem *pm)
{
	for (int i = 0; i < PHYSMEM_WINDOWS; i++) {
		struct phys_window *w = &pm->win[i];

		if (w->nr_pages)
			munmap((void *)w->addr, w->nr_pages * PHYS_PAGE_SIZE);
		w->nr_pages = 0;
	}
}

static const struct kexec_hib_ram_range *ram_range_of(struct physmem *pm,
						 uint64_t pfn)
{
	size_t lo = 0, hi = pm->nr_ram;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pfn < pm->ram[mid].start_pfn)
			hi = mid;
		else if (pfn >= pm->ram[mid].end_pfn)
			lo = mid + 1;
		else
			return &pm->ram[mid];
	}
	return NULL;
}

/*
 * Windows are aligned to PHYSMEM_WINDOW_PAGES and clipped to one RAM
 * range, so that no mapping spans a hole that may hold device memory.
 * The one to replace is an unused window if there is one, else the least
 * recently used one that no page of the current chunk lies in.
 */
static struct phys_window *window_to_replace(struct physmem *pm)
{
	struct phys_window *victim = NULL;

	for (int i = 0; i < pm->nr_windows; i++) {
		struct phys_window *w = &pm->win[i];

		if (!w->nr_pages)
			return w;
		if (w->last_use > pm->chunk_tick)
			continue;
		if (!victim || w->last_use < victim->last_use)
			victim = w;
	}
	return victim;
}

void physmem_new_chunk(void *ctx)
{
	struct physmem *pm = ctx;

	pm->chunk_tick = pm->tick;
}

const void *physmem_page(void *ctx, uint64_t pfn)
{
	struct physmem *pm = ctx;
	const struct kexec_hib_ram_range *range;
	struct phys_window *victim;
	uint64_t start, end;
	void *addr;

	for (int n = 0; n < pm->nr_windows; n++) {
		int i = (pm->last_hit + n) % pm->nr_windows;
		struct phys_window *w = &pm->win[i];

		if (w->nr_pages && pfn - w->start_pfn < w->nr_pages) {
			w->last_use = ++pm->tick;
			pm->last_hit = i;
			return w->addr + (pfn - w->start_pfn) * PHYS_PAGE_SIZE;
		}
	}

	range = ram_range_of(pm, pfn);
	if (!range) {
		errno = ERANGE;
		return NULL;
	}
	start = pfn - pfn % PHYSMEM_WINDOW_PAGES;
	if (start < range->start_pfn)
		start = range->start_pfn;
	end = pfn - pfn % PHYSMEM_WINDOW_PAGES + PHYSMEM_WINDOW_PAGES;
	if (end > range->end_pfn)
		end = range->end_pfn;

	victim = window_to_replace(pm);
	if (!victim) {
		errno = E2BIG;
		return NULL;
	}
	addr = map_pages(pm, start, end - start, pm->prot);
	if (!addr)
		return NULL;
	if (victim->nr_pages && pm->quiesce)
		pm->quiesce(pm->quiesce_arg);
	if (victim->nr_pages)
		munmap((void *)victim->addr, victim->nr_pages * PHYS_PAGE_SIZE);
	victim->start_pfn = start;
	victim->nr_pages = end - start;
	victim->addr = addr;
	victim->last_use = ++pm->tick;
	return victim->addr + (pfn - start) * PHYS_PAGE_SIZE;
}

void physmem_allow_writes(struct physmem *pm, int nr_windows)
{
	physmem_unmap_windows(pm);
	pm->prot = PROT_READ | PROT_WRITE;
	if (nr_windows > 0 && nr_windows < PHYSMEM_WINDOWS)
		pm->nr_windows = nr_windows;
}

void *physmem_page_rw(struct physmem *pm, uint64_t pfn)
{
	if (!(pm->prot & PROT_WRITE)) {
		errno = EACCES;
		return NULL;
	}
	return (void *)physmem_page(pm, pfn);
}
