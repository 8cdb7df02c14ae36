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

/* The x86-64 part of the image header (arch/x86/power/hibernate.c). */
struct x86_restore_record {
	uint64_t jump_address;		/* restore_registers() */
	uint64_t jump_address_phys;
	uint64_t cr3;
	uint64_t magic;
	uint64_t e820_checksum;
};

#define X86_RESTORE_MAGIC	0x23456789ABCDEF02ULL

/* restore_stub.S */
extern const uint8_t khib_stub_start[], khib_stub_params[], khib_stub_end[];

struct stub_params {
	uint64_t pml4;
	uint64_t moves;
	uint64_t cr3;
	uint64_t jump;
};

#define PAGE		4096ULL
#define LARGE_PAGE	(2ULL << 20)
#define PTE_TABLE	0x023ULL	/* present, writable, accessed */
#define PTE_LARGE	0x0e3ULL	/* the same, dirty, 2 MiB page */

static uint64_t *page_of(uint8_t *segment, unsigned int index)
{
	return (uint64_t *)(segment + index * PAGE);
}

/* Every GiB of RAM one to one, in 2 MiB pages, and the text page. */
static void build_tables(uint8_t *segment, uint64_t base, uint64_t gib,
			 const struct x86_restore_record *rec)
{
	uint64_t *pml4 = page_of(segment, INPLACE_PML4_PAGE);
	uint64_t *low_pdpt = page_of(segment, INPLACE_LOW_PDPT_PAGE);
	uint64_t *high_pdpt = page_of(segment, INPLACE_HIGH_PDPT_PAGE);
	uint64_t *high_pd = page_of(segment, INPLACE_HIGH_PD_PAGE);
	uint64_t va = rec->jump_address, text = rec->jump_address_phys;
	unsigned int pd = (va >> 21) & 511;

	pml4[0] = (base + INPLACE_LOW_PDPT_PAGE * PAGE) | PTE_TABLE;
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t *dir = page_of(segment, INPLACE_LOW_PD_PAGE + g);

		low_pdpt[g] = (base + (INPLACE_LOW_PD_PAGE + g) * PAGE) |
			      PTE_TABLE;
		for (uint64_t i = 0; i < 512; i++)
			dir[i] = ((g << 30) + i * LARGE_PAGE) | PTE_LARGE;
	}
	pml4[(va >> 39) & 511] = (base + INPLACE_HIGH_PDPT_PAGE * PAGE) |
				 PTE_TABLE;
	high_pdpt[(va >> 30) & 511] = (base + INPLACE_HIGH_PD_PAGE * PAGE) |
				      PTE_TABLE;
	/* Two large pages, in case restore_registers() crosses into the next. */
	high_pd[pd] = (text & ~(LARGE_PAGE - 1)) | PTE_LARGE;
	if (pd < 511)
		high_pd[pd + 1] = ((text & ~(LARGE_PAGE - 1)) + LARGE_PAGE) |
				  PTE_LARGE;
}

int restore_jump_load(const struct inplace_plan *plan,
		      const uint8_t *header_page, char *why, size_t why_len)
{
	size_t code = khib_stub_end - khib_stub_start;
	size_t params_at = khib_stub_params - khib_stub_start;
	uint64_t gib = (plan->max_pfn + (1ULL << 18) - 1) >> 18;
	uint64_t base = plan->segment_pfn * PAGE;
	uint64_t size = plan->segment_pages * PAGE;
	uint64_t moves_page = INPLACE_LOW_PD_PAGE + gib;
	struct x86_restore_record rec;
	struct kexec_segment segment;
	struct stub_params params;
	uint8_t *buf;
	long ret;

	memcpy(&rec, header_page, sizeof(rec));
	if (rec.magic != X86_RESTORE_MAGIC ||
	    (rec.jump_address ^ rec.jump_address_phys) & (LARGE_PAGE - 1) ||
	    (rec.jump_address >> 39 & 511) == 0) {
		snprintf(why, why_len,
			 "the image header does not name a way into the restored kernel (magic %#" PRIx64 ")",
			 rec.magic);
		return -1;
	}
	if (moves_page * PAGE + (plan->nr_runs + 1) * sizeof(struct move_run) >
	    size || code > PAGE) {
		snprintf(why, why_len, "the restore plan does not fit its pages");
		return -1;
	}
	buf = calloc(1, size);
	if (!buf) {
		snprintf(why, why_len, "no memory for the restore code");
		return -1;
	}
	build_tables(buf, base, gib, &rec);
	memcpy(buf + moves_page * PAGE, plan->runs,
	       plan->nr_runs * sizeof(struct move_run));
	params = (struct stub_params){
		.pml4 = base + INPLACE_PML4_PAGE * PAGE,
		.moves = base + moves_page * PAGE,
		.cr3 = rec.cr3,
		.jump = rec.jump_address,
	};
	memcpy(buf, khib_stub_start, code);
	memcpy(buf + params_at, &params, sizeof(params));

	segment.buf = buf;
	segment.bufsz = size;
	segment.mem = (void *)(uintptr_t)base;
	segment.memsz = size;
	ret = syscall(SYS_kexec_load, (unsigned long)base, 1UL, &segment,
		      (unsigned long)KEXEC_ARCH_DEFAULT);
	if (ret)
		snprintf(why, why_len, "kexec cannot load the restore code at %#" PRIx64 ": %s",
			 base, strerror(errno));
	free(buf);
	return ret ? -1 : 0;
}

void restore_jump(void)
{
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
}
