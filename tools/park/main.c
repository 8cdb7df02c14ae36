// SPDX-License-Identifier: GPL-2.0
/*
 * khib-park: enter the loaded hibernate kernel once, ahead of any
 * hibernation, so that it boots now and waits, parked at its jump-back
 * point.  A later hibernation then enters a kernel that is already
 * running instead of booting one.  The hibernate kernel sees no pending
 * request, writes nothing and jumps straight back.
 *
 * The jump freezes user space for as long as the hibernate kernel takes to
 * boot (about a second and a half under QEMU TCG); run it where that pause
 * does not matter, right after loading.
 */
#include <errno.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0 = now();

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: khib-park\n");
		return 2;
	}
	sync();
	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		    LINUX_REBOOT_CMD_KEXEC, NULL)) {
		fprintf(stderr, "khib-park: cannot enter the hibernate kernel: %s%s\n",
			strerror(errno),
			errno == EINVAL ? " (none loaded with kexec --load-preserve-context?)" : "");
		return 1;
	}
	printf("khib-park: hibernate kernel booted and parked in %.2f s\n",
	       now() - t0);
	return 0;
}
