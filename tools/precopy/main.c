// SPDX-License-Identifier: GPL-2.0
/*
 * khib-precopy: the running system's side of a pre-copy (docs/design.md,
 * "Pre-copy").  --write writes RAM's pages in use to the image target
 * while the system runs (precopy_write.h), at idle priority and at most
 * --mbps MB/s, so that the hibernation that follows writes only what
 * changed; SIGINT or SIGTERM stop it early, keeping what was written.
 * --measure says what a pre-copy would save: it reads and hashes RAM in
 * groups of 1 MiB through /proc/kcore, waits, does it again, and says how
 * much changed meanwhile and how fast RAM was read.
 *
 * --auto does what khib.conf says before a hibernation: the pre-copy to
 * the configured target at precopy_mbps=, unless precopy=off or the
 * images are encrypted (the pre-copy's records are in clear: it would
 * put RAM on the disk unsealed), saying so in one line either way.
 *
 * usage: khib-precopy --auto
 *        khib-precopy --write TARGET [--mbps N] [--level N]
 *        khib-precopy --measure SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmdline.h"
#include "kcore_ram.h"
#include "khib_conf.h"
#include "precopy_write.h"
#include "ram_groups.h"
#include "worker_memory.h"

#define MIB_PAGES	256
#define MAX_WAIT	3600
#define MAX_MBPS	100000
#define MAX_LEVEL	19
/* The I/O priority class "idle" (linux/ioprio.h). */
#define IOPRIO_CLASS_IDLE	3
#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_CLASS_SHIFT	13

static volatile sig_atomic_t cancelled;

static int usage(void)
{
	fprintf(stderr, "usage: khib-precopy --auto\n"
			"       khib-precopy --write TARGET [--mbps N (0 to %d, 0: no limit)] [--level N (0 to %d)]\n"
			"       khib-precopy --measure SECONDS (0 to %d)\n",
		MAX_MBPS, MAX_LEVEL, MAX_WAIT);
	return 2;
}

static int open_ram(struct kcore_ram *k)
{
	if (kcore_ram_open(k, "/proc/kcore") == 0)
		return 0;
	fprintf(stderr, "khib-precopy: cannot read RAM through /proc/kcore: %s%s\n",
		strerror(errno),
		errno == EPERM ? " (needs root; a kernel in lockdown refuses)" :
		errno == ENOENT ? " (the kernel needs CONFIG_PROC_KCORE)" : "");
	return -1;
}

static void cancel(int sig)
{
	(void)sig;
	cancelled = 1;
}

/* Out of the workload's way: the lowest CPU and I/O priority. */
static void step_aside(void)
{
	if (setpriority(PRIO_PROCESS, 0, 19))
		perror("khib-precopy: setpriority");
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT))
		perror("khib-precopy: ioprio_set");
}

/* Why its records are compressed or not, in one line. */
static void show_packing(const struct precopy_options *opt,
			 const struct precopy_report *rep)
{
	if (!opt->level) {
		printf("khib-precopy: records stored as they are (compression off)\n");
		return;
	}
	printf("khib-precopy: %llu of %llu records compressed: the target reads %.0f MB/s, a resume decodes on %u CPUs (zstd level %d: %.0f MB/s each)%s\n",
	       (unsigned long long)rep->compressed,
	       (unsigned long long)rep->groups, rep->disk_mbps, opt->decoders,
	       opt->level, rep->unpack_mbps,
	       rep->compressed < rep->groups ?
	       "; a record stays compressed where decompressing it hides behind reading the disk at the resume" :
	       "");
}

static int write_precopy(struct precopy_options *opt)
{
	struct sigaction sa = { .sa_handler = cancel };
	struct precopy_report rep;
	struct kcore_ram k;
	int flags_fd, ret;

	opt->cancel = &cancelled;
	if (open_ram(&k))
		return 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	step_aside();
	/* Without it free pages count as in use: more to write, still right. */
	flags_fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ret = precopy_write(&k, flags_fd, opt, &rep);
	kcore_ram_close(&k);
	if (flags_fd >= 0)
		close(flags_fd);
	if (ret) {
		fprintf(stderr, "khib-precopy: %s\n", rep.why);
		return 1;
	}
	if (rep.skipped) {
		printf("khib-precopy: not done: %s\n", rep.why);
		return 0;
	}
	printf("khib-precopy: wrote %llu MiB of RAM in use (%llu groups, %llu MiB on disk) to %s in %.1f s (%.0f MB/s)%s; the hibernation writes only what changes from now on\n",
	       (unsigned long long)(rep.pages / MIB_PAGES),
	       (unsigned long long)rep.groups,
	       (unsigned long long)(rep.bytes >> 20), opt->target, rep.seconds,
	       rep.seconds > 0 ? rep.bytes / 1e6 / rep.seconds : 0,
	       rep.cancelled ? ", stopped early" : "");
	show_packing(opt, &rep);
	return 0;
}

/*
 * The CPUs a resume decodes on for certain: this system's, at most the
 * @hib_cpus the hibernate kernel brings up (a restore in place decodes
 * there).
 */
static unsigned int resume_decoders(unsigned long hib_cpus)
{
	unsigned int online = worker_cpus_online();

	if (!hib_cpus)
		hib_cpus = 1;
	return hib_cpus < online ? (unsigned int)hib_cpus : online;
}

/* The number khib.conf holds for @key, or its default (checked there). */
static unsigned long conf_number(const struct khib_conf *conf,
				 const char *key)
{
	const char *v = khib_conf_setting(conf, key);
	unsigned long n;

	return v && cmdline_parse_ulong(v, &n) ? n : 0;
}

static int write_named(int argc, char **argv)
{
	struct precopy_options opt = { .target = argv[2], .level = 1 };
	struct khib_conf conf;
	char why[512];

	/* The hibernate kernel's CPUs, as khib-load brings them up. */
	if (khib_conf_read(NULL, &conf, why, sizeof(why))) {
		fprintf(stderr, "khib-precopy: %s\n", why);
		return 1;
	}
	opt.decoders = resume_decoders(conf_number(&conf, "cpus"));
	for (int i = 3; i < argc; i += 2) {
		unsigned long v;

		if (i + 1 >= argc || !cmdline_parse_ulong(argv[i + 1], &v))
			return usage();
		if (!strcmp(argv[i], "--mbps") && v <= MAX_MBPS)
			opt.mbps = (unsigned int)v;
		else if (!strcmp(argv[i], "--level") && v <= MAX_LEVEL)
			opt.level = (int)v;
		else
			return usage();
	}
	return write_precopy(&opt);
}

static int write_configured(void)
{
	char target[256], name[KHIB_CONF_LINE_MAX + 1], why[512];
	struct precopy_options opt = { .target = target };
	struct khib_conf conf;
	const char *on, *store, *compress;

	if (khib_conf_read(NULL, &conf, why, sizeof(why))) {
		fprintf(stderr, "khib-precopy: %s\n", why);
		return 1;
	}
	on = khib_conf_setting(&conf, "precopy");
	if (!strcmp(on, "off")) {
		printf("khib-precopy: off (precopy=off in %s)\n",
		       khib_conf_path());
		return 0;
	}
	store = khib_conf_setting(&conf, "key_store");
	if (!access(store, F_OK)) {
		printf("khib-precopy: not done: images are encrypted (%s), and a pre-copy is written in clear\n",
		       store);
		return 0;
	}
	name[0] = '\0';
	if (!khib_configured_target(target, sizeof(target), name,
				    sizeof(name))) {
		fprintf(stderr, "khib-precopy: no image target configured%s%s\n",
			*name ? ": " : "", name);
		return 1;
	}
	opt.mbps = (unsigned int)conf_number(&conf, "precopy_mbps");
	compress = khib_conf_setting(&conf, "compress");
	opt.level = !strcmp(compress, "off") ? 0 :
		    (int)conf_number(&conf, "level");
	opt.decoders = resume_decoders(conf_number(&conf, "cpus"));
	return write_precopy(&opt);
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

	if (argc >= 3 && !strcmp(argv[1], "--write"))
		return write_named(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "--auto"))
		return write_configured();
	if (argc != 3 || strcmp(argv[1], "--measure") ||
	    !cmdline_parse_ulong(argv[2], &wait) || wait > MAX_WAIT)
		return usage();
	if (open_ram(&k))
		return 1;
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
		if (memcmp(first[g].hash, second[g].hash,
			   sizeof(first[g].hash)) ||
		    first[g].set_hash != second[g].set_hash) {
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
