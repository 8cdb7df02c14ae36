// SPDX-License-Identifier: GPL-2.0
/*
 * khib-precopy: the running system's side of a pre-copy (docs/design.md,
 * "Pre-copy").  For now it measures what a pre-copy would save: it reads
 * and hashes RAM in groups of 1 MiB through /proc/kcore, waits, does it
 * again, and says how much changed meanwhile and how fast RAM was read.
 *
 * usage: khib-precopy --measure SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "kcore_ram.h"
#include "ram_groups.h"

#define MIB_PAGES	256
#define MAX_WAIT	3600

static int usage(void)
{
	fprintf(stderr, "usage: khib-precopy --measure SECONDS (0 to %d)\n",
		MAX_WAIT);
	return 2;
}

static int pass(const struct kcore_ram *k, int flags_fd,
		struct ram_group *groups, struct ram_pass *p, int n)
{
	if (ram_groups_hash(k, flags_fd, groups, p) == 0)
		return 0;
	fprintf(stderr, "khib-precopy: pass %d over RAM failed: %s\n", n,
		strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct ram_group *first, *second;
	struct ram_pass p1, p2;
	struct kcore_ram k;
	uint64_t changed = 0, changed_pages = 0;
	unsigned long wait;
	size_t nr;
	int flags_fd;

	if (argc != 3 || strcmp(argv[1], "--measure") ||
	    !cmdline_parse_ulong(argv[2], &wait) || wait > MAX_WAIT)
		return usage();
	if (kcore_ram_open(&k, "/proc/kcore")) {
		fprintf(stderr, "khib-precopy: cannot read RAM through /proc/kcore: %s%s\n",
			strerror(errno),
			errno == EPERM ? " (needs root; a kernel in lockdown refuses)" :
			errno == ENOENT ? " (the kernel needs CONFIG_PROC_KCORE)" : "");
		return 1;
	}
	/* Without it free pages count as in use: more to read, still right. */
	flags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	nr = ram_groups_count(&k);
	first = calloc(nr, sizeof(*first));
	second = calloc(nr, sizeof(*second));
	if (!first || !second) {
		fprintf(stderr, "khib-precopy: no memory for %zu groups\n", nr);
		return 1;
	}
	if (pass(&k, flags_fd, first, &p1, 1))
		return 1;
	sleep((unsigned int)wait);
	if (pass(&k, flags_fd, second, &p2, 2))
		return 1;
	for (size_t g = 0; g < nr; g++) {
		if (!first[g].pages && !second[g].pages)
			continue;
		if (first[g].hash != second[g].hash ||
		    first[g].pages != second[g].pages) {
			changed++;
			changed_pages += second[g].pages;
		}
	}
	printf("khib-precopy: %zu MiB of RAM, %llu MiB in use in %llu groups of 1 MiB, read and hashed in %.2f s (%.0f MB/s%s); after %llu s, %llu groups (%.1f %%) changed, holding %llu MiB (%.1f %% of the pages in use)\n",
	       nr, (unsigned long long)(p1.pages / MIB_PAGES),
	       (unsigned long long)p1.groups, p1.seconds,
	       p1.seconds > 0 ? p1.pages * 4096 / 1e6 / p1.seconds : 0,
	       flags_fd < 0 ? "; no /proc/kpageflags: free pages counted" : "",
	       (unsigned long long)wait, (unsigned long long)changed,
	       p2.groups ? 100.0 * changed / p2.groups : 0,
	       (unsigned long long)(changed_pages / MIB_PAGES),
	       p2.pages ? 100.0 * changed_pages / p2.pages : 0);
	kcore_ram_close(&k);
	return 0;
}
