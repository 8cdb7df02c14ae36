// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "restore_jump.h"
#include "resume_record.h"

/* restore_stub.S */
extern const uint8_t khib_stub_start[], khib_stub_params[], khib_stub_end[];

struct stub_params {
	uint64_t pml4;
	uint64_t moves;
	uint64_t cr3;
	uint64_t jump;
	uint64_t pml5;
};

#define PAGE		((uint64_t)KHIB_PAGE_SIZE)
#define LARGE_PAGE	(2ULL << 20)
#define PTE_TABLE	0x023ULL	/* present, writable, accessed */
#define PTE_LARGE	0x0e3ULL	/* the same, dirty, 2 MiB page */

static uint64_t *page_of(uint8_t *segment, uint64_t index)
{
	return (uint64_t *)(segment + index * PAGE);
}

/* Physical address of the restore code's page @index. */
static uint64_t phys_of(const struct inplace_plan *plan, uint64_t index)
{
	return plan->segment_pfns[index] * PAGE;
}

/*
 * Every GiB of RAM one to one, in 2 MiB pages, and the text page.  A CPU
 * in 5-level paging cannot leave it while paging is on: for one, the
 * stub loads a top level whose first and last entries both lead to the
 * same four levels, which then translate the identity map (top index 0)
 * and the kernel's text (top index 511) as they do in 4-level paging.
 */
static void build_tables(uint8_t *segment, const struct inplace_plan *plan,
			 uint64_t gib, const struct kexec_hib_resume *resume)
{
	uint64_t *pml5 = page_of(segment, INPLACE_PML5_PAGE);
	uint64_t *pml4 = page_of(segment, INPLACE_PML4_PAGE);
	uint64_t *low_pdpt = page_of(segment, INPLACE_LOW_PDPT_PAGE);
	uint64_t *high_pdpt = page_of(segment, INPLACE_HIGH_PDPT_PAGE);
	uint64_t *high_pd = page_of(segment, INPLACE_HIGH_PD_PAGE);
	uint64_t va = resume->entry, text = resume->entry_phys;
	unsigned int pd = (va >> 21) & 511;

	pml5[0] = phys_of(plan, INPLACE_PML4_PAGE) | PTE_TABLE;
	pml5[511] = pml5[0];
	pml4[0] = phys_of(plan, INPLACE_LOW_PDPT_PAGE) | PTE_TABLE;
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t *dir = page_of(segment, INPLACE_LOW_PD_PAGE + g);

		low_pdpt[g] = phys_of(plan, INPLACE_LOW_PD_PAGE + g) |
			      PTE_TABLE;
		for (uint64_t i = 0; i < 512; i++)
			dir[i] = ((g << 30) + i * LARGE_PAGE) | PTE_LARGE;
	}
	pml4[(va >> 39) & 511] = phys_of(plan, INPLACE_HIGH_PDPT_PAGE) |
				 PTE_TABLE;
	high_pdpt[(va >> 30) & 511] = phys_of(plan, INPLACE_HIGH_PD_PAGE) |
				      PTE_TABLE;
	/* Two large pages: the entry code may cross into the next. */
	high_pd[pd] = (text & ~(LARGE_PAGE - 1)) | PTE_LARGE;
	if (pd < 511)
		high_pd[pd + 1] = ((text & ~(LARGE_PAGE - 1)) + LARGE_PAGE) |
				  PTE_LARGE;
}

/* The moves, page after page, each page linked to the next. */
static void build_moves(uint8_t *segment, const struct inplace_plan *plan,
			uint64_t first_page)
{
	struct move_run *slot = (struct move_run *)page_of(segment, first_page);
	uint64_t page = first_page;
	size_t used = 0;

	for (size_t i = 0; i < plan->nr_runs; i++) {
		if (used == INPLACE_MOVES_PER_PAGE - 1) {
			page++;
			slot[used] = (struct move_run){
				.src_pfn = plan->segment_pfns[page],
				.nr_pages = INPLACE_MOVES_NEXT,
			};
			slot = (struct move_run *)page_of(segment, page);
			used = 0;
		}
		slot[used++] = plan->runs[i];
	}
	slot[used] = (struct move_run){ 0, 0, 0 };
}

/* One kexec segment per run of consecutive pages. */
static unsigned long make_segments(const struct inplace_plan *plan,
				   uint8_t *buf, struct kexec_segment *seg)
{
	unsigned long n = 0;

	for (uint64_t i = 0; i < plan->segment_pages; i++) {
		uint64_t end = n ? (uint64_t)(uintptr_t)seg[n - 1].mem +
				   seg[n - 1].memsz : 0;

		if (n && end == phys_of(plan, i)) {
			seg[n - 1].bufsz += PAGE;
			seg[n - 1].memsz += PAGE;
			continue;
		}
		if (n == INPLACE_MAX_SEGMENTS)
			return 0;
		seg[n].buf = buf + i * PAGE;
		seg[n].bufsz = PAGE;
		seg[n].mem = (void *)(uintptr_t)phys_of(plan, i);
		seg[n].memsz = PAGE;
		n++;
	}
	return n;
}

int restore_jump_load(const struct inplace_plan *plan,
		      const struct kexec_hib_resume *resume,
		      char *why, size_t why_len)
{
	size_t code = khib_stub_end - khib_stub_start;
	size_t params_at = khib_stub_params - khib_stub_start;
	uint64_t gib = (plan->max_pfn + (1ULL << 18) - 1) >> 18;
	uint64_t moves_page = INPLACE_LOW_PD_PAGE + gib;
	struct kexec_segment segments[INPLACE_MAX_SEGMENTS];
	struct stub_params params;
	unsigned long nr_segments;
	uint64_t entry;
	uint8_t *buf;
	long ret;

	/* Checked by the writer, and by the reader at open: again, so near. */
	if (resume_record_check(resume, plan->max_pfn, why, why_len) !=
	    RESUME_USABLE)
		return -1;
	if (moves_page >= plan->segment_pages || code > PAGE) {
		snprintf(why, why_len, "the restore plan does not fit its pages");
		return -1;
	}
	buf = calloc(plan->segment_pages, PAGE);
	if (!buf) {
		snprintf(why, why_len, "no memory for the restore code");
		return -1;
	}
	build_tables(buf, plan, gib, resume);
	build_moves(buf, plan, moves_page);
	entry = phys_of(plan, INPLACE_CODE_PAGE);
	params = (struct stub_params){
		.pml4 = phys_of(plan, INPLACE_PML4_PAGE),
		.moves = phys_of(plan, moves_page),
		.cr3 = resume->page_table,
		.jump = resume->entry,
		.pml5 = phys_of(plan, INPLACE_PML5_PAGE),
	};
	memcpy(buf, khib_stub_start, code);
	memcpy(buf + params_at, &params, sizeof(params));

	nr_segments = make_segments(plan, buf, segments);
	ret = nr_segments ?
	      syscall(SYS_kexec_load, (unsigned long)entry, nr_segments,
		      segments, (unsigned long)KEXEC_ARCH_DEFAULT) : -1;
	if (ret)
		snprintf(why, why_len, "kexec cannot load the restore code (%lu segments, first at %#" PRIx64 "): %s",
			 nr_segments, entry,
			 nr_segments ? strerror(errno) : "too many");
	free(buf);
	return ret ? -1 : 0;
}
void restore_jump(void)
{
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
}
