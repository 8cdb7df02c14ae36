// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jump_back.h"

int jump_back_load(struct physmem *pm, uint64_t entry)
{
	uint64_t page = entry & ~(uint64_t)(PHYS_PAGE_SIZE - 1);
	struct kexec_segment segment;
	void *copy = malloc(PHYS_PAGE_SIZE);
	long ret;

	if (!copy)
		return -1;
	if (!physmem_read_page(pm, page / PHYS_PAGE_SIZE, copy)) {
		free(copy);
		return -1;
	}
	segment.buf = copy;
	segment.bufsz = PHYS_PAGE_SIZE;
	segment.mem = (void *)(uintptr_t)page;
	segment.memsz = PHYS_PAGE_SIZE;
	ret = syscall(SYS_kexec_load, (unsigned long)entry, 1UL, &segment,
		      (unsigned long)(KEXEC_PRESERVE_CONTEXT |
				      KEXEC_ARCH_DEFAULT));
	free(copy);
	return ret ? -1 : 0;
}

int jump_back(void)
{
	sync();
	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		    LINUX_REBOOT_CMD_KEXEC, NULL))
		return -1;
	return 0;
}
