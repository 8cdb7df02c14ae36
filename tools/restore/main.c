// SPDX-License-Identifier: GPL-2.0
/*
 * khib-restore: resume from a khib hibernation image, early in the boot of
 * the main system.
 *
 *   khib-restore [DEVICE]          restore, or return if there is nothing
 *                                  (valid) to restore; DEVICE defaults to
 *                                  khib.resume= on the kernel command line,
 *                                  else target= in /etc/khib.conf (a path,
 *                                  PARTUUID= or PARTLABEL=)
 *   khib-restore --check DEVICE    verify the whole image, touch nothing
 *   khib-restore --pending DEVICE  exit 0 if DEVICE holds a valid image not
 *                                  resumed yet, 1 if not (superblock only)
 *   khib-restore --identity DEVICE print the target UUID khib-load hands
 *                                  the writer (target_identity.h)
 *   khib-restore --claim DEVICE    check that DEVICE may be the target
 *                                  (target_setup.h), make a blank one a
 *                                  target, print its UUID
 *   khib-restore --format DEVICE   make DEVICE a target whatever it holds
 *                                  (khib-load --format asks first)
 *   khib-restore --discard DEVICE [WHY]
 *                                  make a valid image on DEVICE unusable
 *   khib-restore --target [NAME]   print the device NAME (a path, PARTUUID=,
 *                                  ...) or, without it, the default names
 *   khib-restore --lend-kib CPUS LEVEL
 *                                  print the KiB khib-load must lend the
 *                                  hibernate kernel on CPUS CPUs writing at
 *                                  zstd LEVEL, on this machine (lend_plan.h)
 *   khib-restore --memmap BYTES    print the memmap= options the hibernate
 *                                  kernel boots with, its RAM clipped to
 *                                  BYTES (hib_memmap.h; for khib-load)
 *   khib-restore --conf KEY        print KEY's value in /etc/khib.conf, or
 *                                  nothing if it is not set; status 2 and
 *                                  the bad line if the file is invalid
 *                                  (conf_query.h)
 *
 * An image too large to load beside this kernel through /dev/snapshot is
 * restored in place instead: the hibernate kernel is booted with kexec
 * into the memory it was lent at hibernation ("khib-load -R"), writes
 * every page where it belongs and enters the restored kernel.
 *
 * Options on the kernel command line: "noresume" discards a valid image
 * (and any valid image of this machine found on another device);
 * khib.inplace (or khib.inplace=1) restores in place whatever the image's
 * size; khib.inplace=0 tries /dev/snapshot first whatever the image's size
 * (a kernel short of memory then sends it in place); khib.resumedelay=SECONDS waits that long before looking for the
 * device; khib.resumewait waits for it for ever, khib.resumewait=SECONDS
 * that long (default 30).  SECONDS is a decimal from 0 to 3600; another
 * value is ignored, with a line saying so.
 *
 * Everything is verified while the image is fed to /dev/snapshot, before
 * the kernel replaces any memory; a bad image is refused with one line,
 * discarded, and the boot goes on.  The image is marked restored just
 * before the jump, so it is never resumed twice, nor after a normal boot.
 *
 * Exit status, for the initramfs:
 *   0  no image to resume: boot normally
 *   1  an image was refused and made unusable: boot normally
 *   2  bad usage
 *   3  a valid image may still be on the device and could be neither
 *      resumed nor made unusable: STOP the boot.  Booting on and resuming
 *      that image later, over file systems that have changed meanwhile,
 *      would destroy them.
 * The initramfs treats any other status (khib-restore killed) like 3.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "conf_query.h"
#include "hib_memmap.h"
#include "image_reader.h"
#include "inplace_plan.h"
#include "khib_conf.h"
#include "lend_plan.h"
#include "meminfo.h"
#include "progress.h"
#include "resume_key.h"
#include "snapshot_feed.h"
#include "stray_image.h"
#include "system_ram.h"
#include "target_identity.h"
#include "target_setup.h"

#define DEVICE_WAIT_S	30
#define DEVICE_WAIT_MAX_S	3600
#define RESUME_FREE_DIR	"/run/khib"

enum exit_status {
	BOOT_ON = 0,
	BOOT_ON_REFUSED = 1,
	BAD_USAGE = 2,
	STOP_BOOT = 3,
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Where the time of a restore goes, for its summary line. */
struct stream_times {
	double waiting;		/* for verified chunks */
	double feeding;		/* in write() to /dev/snapshot */
};

/*
 * Stream all chunks, verified, to @feed (or nowhere, when checking);
 * zero pages only if not @skip_zero.  The report page goes filled in.
 */
static int stream_pages(struct image_reader *r, struct snapshot_feed *feed,
			bool skip_zero, struct stream_times *times)
{
	struct progress_meter meter;
	struct stream_chunk c;
	uint64_t done = 0;
	double t = now();
	int ret;

	progress_start(&meter, "khib-restore", "", r->sb.nr_pages);
	while ((ret = image_next_chunk(r, &c)) > 0) {
		uint32_t stored = 0;

		times->waiting += now() - t;
		t = now();
		if (feed)
			image_fill_report(r, &c, false);
		if (feed && skip_zero) {
			/* The chunk's other pages lie back to back. */
			for (uint32_t i = 0; i < c.nr_pages; i++)
				stored += !stream_chunk_is_zero(&c, i);
			if (stored && snapshot_feed_pages(feed, c.data, stored))
				return -1;
		}
		for (uint32_t i = 0; feed && !skip_zero && i < c.nr_pages; i++)
			if (snapshot_feed_page(feed,
					       stream_chunk_page(&c, i, &stored)))
				return -1;
		times->feeding += now() - t;
		t = now();
		done += c.nr_pages;
		progress_update(&meter, done, 0);
	}
	return ret < 0 ? -1 : 0;
}

static int check_image(const char *device)
{
	struct image_reader r;
	enum image_verdict v = resume_key_open(&r, device, false);
	struct stream_times times = { 0 };
	double t0 = now();

	if (v != IMAGE_VALID) {
		printf("khib-restore: %s: %s\n", device, r.why);
		return 1;
	}
	if (stream_pages(&r, NULL, false, &times)) {
		printf("khib-restore: %s: %s\n", device, r.why);
		image_close(&r);
		return 1;
	}
	printf("khib-restore: %s: image of %" PRIu64 " pages (Linux %s) is intact, checked in %.2f s\n",
	       device, (uint64_t)r.sb.nr_pages, r.sb.release, now() - t0);
	image_close(&r);
	return 0;
}

static int print_identity(const char *device)
{
	char id[TARGET_ID_LEN];

	if (target_identity(device, id, sizeof(id))) {
		fprintf(stderr, "khib-restore: cannot read %s: %s\n", device,
			strerror(errno));
		return 1;
	}
	printf("%s\n", id);
	return 0;
}

static int pending_image(const char *device)
{
	struct image_reader r;

	switch (image_open(&r, device, false)) {
	case IMAGE_VALID:
		break;
	case IMAGE_OTHER_FORMAT:
		printf("khib-restore: %s holds an %s\n", device, r.why);
		return 0;
	case IMAGE_CORRUPT:
		/* Sealed, it says it is valid: that is enough here. */
		if (r.locked) {
			printf("khib-restore: %s holds an encrypted image of %" PRIu64
			       " pages (Linux %s) that was not resumed\n", device,
			       (uint64_t)r.sb.nr_pages, r.sb.release);
			return 0;
		}
		return 1;
	default:
		return 1;
	}
	printf("khib-restore: %s holds a valid image of %" PRIu64
	       " pages (Linux %s) that was not resumed\n", device,
	       (uint64_t)r.sb.nr_pages, r.sb.release);
	image_close(&r);
	return 0;
}

/*
 * Let the console show what we said before the kernel prints again:
 * tty output drains in the background, kernel messages do not wait.
 */
static void drain_console(void)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/*
 * The boot cannot go on safely: say why and what the operator can do.
 * The image, if any, stays as it is.
 */
static int stop_boot(const char *device, const char *why)
{
	printf("khib-restore: %s; the boot stops here, because booting on while a valid image may be resumed later would destroy the file systems. Either fix the cause and reboot to resume the image, or discard it and boot on: boot with noresume, or run \"khib-restore --discard %s\" in the shell below and leave it\n",
	       why, device);
	drain_console();
	return STOP_BOOT;
}

/*
 * A refused image must not be resumed after the normal boot it leads to.
 * But one that the device failed to read may be intact: it is kept, and
 * the boot stops, so that the operator chooses.
 */
static int refuse(const struct image_reader *r, const char *device,
		  const char *why)
{
	char stop[1024];
	int discarded;

	if (r && image_may_be_intact(r)) {
		snprintf(stop, sizeof(stop),
			 "%s; the image on %s may be intact and is kept", why,
			 device);
		return stop_boot(device, stop);
	}
	discarded = image_super_discard(device);

	if (discarded < 0) {
		snprintf(stop, sizeof(stop),
			 "refusing the image on %s (%s), but it cannot be discarded: %s",
			 device, why, strerror(errno));
		return stop_boot(device, stop);
	}
	printf("khib-restore: refusing the image on %s: %s; %sbooting normally\n",
	       device, why, discarded > 0 ? "image discarded, " : "");
	drain_console();
	return BOOT_ON_REFUSED;
}

/*
 * Nothing to resume on @device (@why).  But a valid image of this machine
 * on another device means the target moved, or the configuration naming
 * it is gone: a normal boot must not pass it.
 */
static int boot_on(const char *device, const char *why)
{
	char stray[256], what[300], stop[1024];

	if (stray_image_find(device, stray, sizeof(stray), what,
			     sizeof(what))) {
		snprintf(stop, sizeof(stop),
			 "%s: %s; but %s holds %s: the image target's device name may have changed (or its configuration is gone). To resume it, name %s with khib.resume= (and target= in " KHIB_CONF_PATH ")",
			 device[0] ? device : "no image target configured", why,
			 stray, what, stray);
		return stop_boot(stray, stop);
	}
	printf("khib-restore: %s: %s; booting normally\n",
	       device[0] ? device : "no image target", why);
	return BOOT_ON;
}

/* Discard every valid image stray_image_find() sees; -1 if one stays. */
static int discard_strays(const char *device)
{
	char stray[256], what[300];

	for (int i = 0; i < 16 && stray_image_find(device, stray, sizeof(stray),
						    what, sizeof(what)); i++) {
		if (image_super_discard(stray) < 0) {
			printf("khib-restore: cannot discard the image on %s: %s\n",
			       stray, strerror(errno));
			return -1;
		}
		printf("khib-restore: noresume given; the image on %s (%s) is discarded\n",
		       stray, what);
	}
	return 0;
}

/*
 * The seconds of khib.resumedelay= or khib.resumewait=, or @dflt.  A bad
 * value is said and ignored: taken as a number it could wrap to no wait.
 */
static long seconds_option(const char *key, long dflt)
{
	unsigned long s;
	int ret = cmdline_get_ulong(NULL, key, 0, DEVICE_WAIT_MAX_S, &s);

	if (ret < 0)
		printf("khib-restore: ignoring %s=: not a whole number of seconds from 0 to %d; using %ld s\n",
		       key, DEVICE_WAIT_MAX_S, dflt);
	return ret > 0 ? (long)s : dflt;
}

/*
 * Wait for the resume device as khib.resumedelay= and khib.resumewait ask.
 * A device that does not appear is not "no image": it may hold one.
 */
static int wait_for_device(const char *device, char *why, size_t why_len)
{
	long delay = seconds_option("khib.resumedelay", 0);
	long wait_s = cmdline_has(NULL, "khib.resumewait") ? -1 :
		      seconds_option("khib.resumewait", DEVICE_WAIT_S);
	struct stat st;

	if (delay > 0)
		sleep((unsigned int)delay);
	if (wait_s < 0) {
		if (stat(device, &st))
			printf("khib-restore: waiting for %s (khib.resumewait)\n",
			       device);
		while (stat(device, &st))
			usleep(100 * 1000);
		return 0;
	}
	blockdev_wait(device, (unsigned int)wait_s * 1000);
	if (!stat(device, &st))
		return 0;
	snprintf(why, why_len,
		 "the resume device %s did not appear within %ld s, so whether it holds an image is unknown (khib.resumewait waits for it, khib.resumewait=SECONDS that long)",
		 device, wait_s);
	return -1;
}

/*
 * Is there room to load the image, and for the read-ahead buffers, with
 * the writer's margin to spare?  The kernel takes its page frames when the
 * PFN list is in, and below vm.min_free_kbytes page faults of the tools
 * themselves would wake the OOM killer.
 */
static bool image_fits_now(const struct image_reader *r, char *why,
			   size_t why_len)
{
	uint64_t need = image_resume_need_kib(r->sb.nr_pages,
					      (uint64_t)sysconf(_SC_PHYS_PAGES)) +
			chunk_stream_memory_kib(image_stream_threads()) +
			IMAGE_RESUME_MARGIN_KIB;
	uint64_t free_kib = meminfo_kib("MemFree"), reserve = min_free_kib();

	if (free_kib > reserve && need <= free_kib - reserve)
		return true;
	snprintf(why, why_len,
		 "the image needs %" PRIu64 " MiB to be loaded safely and %" PRIu64
		 " MiB are free in this boot (kept: %" PRIu64 " MiB)",
		 need >> 10, (free_kib > reserve ? free_kib - reserve : 0) >> 10,
		 reserve >> 10);
	return false;
}


/*
 * Whether this kernel takes the image's header page: the same memory size
 * and firmware memory map (x86: the e820 checksum) as the hibernated
 * kernel.  The kernel checks the header when the next page comes, so one
 * page of the PFN list follows it; nothing is loaded.
 */
static int header_accepted(struct image_reader *r, char *why, size_t why_len)
{
	static uint8_t pfn_page[KHIB_PAGE_SIZE] __attribute__((aligned(4096)));
	struct snapshot_feed feed = { .fd = -1 };
	int ret = 1;

	if (snapshot_feed_open(&feed) ||
	    snapshot_feed_page(&feed, r->header_page) ||
	    snapshot_feed_page(&feed, pfn_page)) {
		snprintf(why, why_len, "%s", feed.why);
		ret = feed.kernel_errno ? 0 : -1;
	}
	snapshot_feed_abort(&feed);
	return ret;
}

/*
 * The memory the hibernate kernel ran in at hibernation, in MiB from the
 * start of RAM (khib-load lends [4 KiB, MIB MiB)).  It is booted into the
 * same memory to restore in place.
 */
static uint64_t lent_mib(const struct image_reader *r)
{
	uint64_t end;

	if (!r->sb.nr_own_ranges)
		return 0;
	end = r->own[r->sb.nr_own_ranges - 1].end_pfn;
	return (end * KHIB_PAGE_SIZE + (1 << 20) - 1) >> 20;
}

/* Can the image be restored in place from the memory it was lent? */
static bool inplace_possible(const struct image_reader *r, char *why,
			     size_t why_len)
{
	struct inplace_input in;
	struct inplace_plan plan;

	if (!r->sb.nr_own_ranges) {
		snprintf(why, why_len, "the image does not say which memory it was written from");
		return false;
	}
	image_inplace_input(r, &in);
	if (inplace_plan_make(&plan, &in, r->own, r->sb.nr_own_ranges, why,
			      why_len))
		return false;
	inplace_plan_free(&plan);
	return true;
}

/*
 * Hand the image to the hibernate kernel, which restores it in place:
 * "khib-load -R" boots it with kexec.  Returns only on failure.
 */
static int hand_to_hibernate_kernel(struct image_reader *r,
				    const char *device, const char *because)
{
	char why[600], mib[24];
	uint64_t lent = lent_mib(r);

	switch (header_accepted(r, why, sizeof(why))) {
	case 0:
		image_close(r);
		return refuse(NULL, device, why);
	case -1:
		image_close(r);
		return stop_boot(device, why);
	}
	if (!inplace_possible(r, why, sizeof(why))) {
		char stop[900];

		image_close(r);
		snprintf(stop, sizeof(stop),
			 "the image on %s cannot be restored in place either: %s",
			 device, why);
		return stop_boot(device, stop);
	}
	image_close(r);
	printf("khib-restore: %s; restoring it in place through the hibernate kernel (%" PRIu64 " MiB)\n",
	       because, lent);
	drain_console();
	snprintf(mib, sizeof(mib), "%" PRIu64, lent);
	/* khib-load -R replaces the running kernel: only from here. */
	setenv("KHIB_RESTORE_AT_BOOT", "1", 1);
	if (r->encrypted) {
		/* The hibernate kernel opens the image with the same key. */
		int fd = resume_key_handover();
		char fd_text[16];

		if (fd < 0) {
			snprintf(why, sizeof(why),
				 "cannot hand the key of the image on %s to the hibernate kernel",
				 device);
			return stop_boot(device, why);
		}
		snprintf(fd_text, sizeof(fd_text), "%d", fd);
		setenv("KHIB_KEY_FD", fd_text, 1);
	}
	resume_key_wipe();
	execlp("khib-load", "khib-load", "-R", "-t", device, "-m", mib,
	       (char *)NULL);
	snprintf(why, sizeof(why),
		 "cannot run khib-load to restore the image on %s in place: %s",
		 device, strerror(errno));
	return stop_boot(device, why);
}

/*
 * The kernel did not take the image.  A kernel short of memory says
 * nothing about the image, and nothing has been replaced yet: restore it
 * in place.  Anything else means the image is bad or foreign.
 */
static int not_loaded(struct image_reader *r, const char *device,
		      struct snapshot_feed *feed, const char *why)
{
	char because[600];

	if (feed->kernel_errno != ENOMEM)
		return refuse(r, device, why);
	snprintf(because, sizeof(because),
		 "%s: the kernel has too little memory to load the image", why);
	snapshot_feed_abort(feed);
	image_stop_stream(r);
	return hand_to_hibernate_kernel(r, device, because);
}

static int restore(const char *device)
{
	struct snapshot_feed feed = { .fd = -1 };
	struct stream_times times = { 0 };
	enum image_verdict verdict;
	struct image_reader r;
	double t0 = now(), elapsed;
	char why[600];
	bool skip_zero, in_place = false;
	int given;
	int ret;

	if (wait_for_device(device, r.why, sizeof(r.why)))
		return stop_boot(device, r.why);
	/* Read-only first: a device that cannot be written is no reason to
	 * take a valid image for a bad one. */
	switch (resume_key_open(&r, device, false)) {
	case IMAGE_ABSENT:
	case IMAGE_SPENT:
		return boot_on(device, r.why);
	case IMAGE_CORRUPT:
		return refuse(&r, device, r.why);
	case IMAGE_OTHER_FORMAT:
		/* A package upgrade between hibernation and resume. */
		snprintf(why, sizeof(why),
			 "%s: %s; boot the kernel and initramfs it was written with to resume it",
			 device, r.why);
		return stop_boot(device, why);
	case IMAGE_VALID:
		image_close(&r);
		break;
	}
	if (!r.encrypted && resume_key_configured()) {
		/* Anyone can write an image in clear: it may be an attack. */
		snprintf(why, sizeof(why),
			 "the image is in clear, and this machine encrypts its images (khib-key status)");
		return refuse(NULL, device, why);
	}
	verdict = resume_key_open(&r, device, true);
	if (verdict == IMAGE_VALID && blockdev_read_only(&r.dev)) {
		snprintf(r.why, sizeof(r.why),
			 "%s is read-only, so the image could not be marked used",
			 device);
		image_close(&r);
		verdict = IMAGE_CORRUPT;
	}
	if (verdict != IMAGE_VALID) {
		/* It cannot be marked used, so it must not be resumed. */
		snprintf(why, sizeof(why),
			 "the image on %s is valid but cannot be resumed: %s", device,
			 r.why);
		return stop_boot(device, why);
	}
	printf("khib-restore: resuming Linux %s from %s: %" PRIu64
	       " pages, %" PRIu64 " MiB free\n", r.sb.release, device,
	       (uint64_t)r.sb.nr_pages, meminfo_kib("MemFree") >> 10);

	given = cmdline_get_flag(NULL, "khib.inplace", &in_place);
	if (given < 0)
		printf("khib-restore: ignoring khib.inplace=: expected 1 or 0\n");
	if (given > 0 && in_place)
		return hand_to_hibernate_kernel(&r, device, "khib.inplace given");
	/* khib.inplace=0: the kernel's own ENOMEM decides, not our estimate. */
	if (given <= 0 && !image_fits_now(&r, r.why, sizeof(r.why))) {
		char because[300];

		snprintf(because, sizeof(because), "%s", r.why);
		return hand_to_hibernate_kernel(&r, device, because);
	}
	/* Its buffers are taken before the kernel takes the image's memory. */
	if (image_start_stream(&r)) {
		ret = stop_boot(device, r.why);
		goto out;
	}
	/*
	 * User space is frozen only once the image is loaded: the threads
	 * that read and verify it ahead would be frozen too.  The kernel
	 * takes all the memory the image needs when the PFN list is in, so
	 * nothing running meanwhile can take page frames from it.
	 */
	skip_zero = snapshot_header_skip_zero_pages(r.header_page,
						    &r.sb.resume,
						    r.sb.nr_pages,
						    r.sb.nr_zero_pages);
	/* A kernel that will not take an image says nothing about it. */
	if (snapshot_feed_open(&feed)) {
		ret = stop_boot(device, feed.why);
		goto out;
	}
	if (snapshot_feed_page(&feed, r.header_page) ||
	    snapshot_feed_pfns(&feed, r.chunks, r.nr_chunks, r.sb.nr_pages,
			       skip_zero ? r.zero_bits : NULL,
			       r.sb.resume.pfn_zero_flag)) {
		ret = not_loaded(&r, device, &feed, feed.why);
		goto out;
	}
	if (stream_pages(&r, &feed, skip_zero, &times)) {
		ret = not_loaded(&r, device, &feed,
				 feed.why[0] ? feed.why : r.why);
		goto out;
	}
	image_stop_stream(&r);
	if (snapshot_feed_freeze(&feed)) {
		snprintf(why, sizeof(why), "%s; the image on %s is intact and kept",
			 feed.why, device);
		ret = stop_boot(device, why);
		goto out;
	}
	if (image_super_store(&r.dev, &r.sb, KHIB_IMAGE_RESTORED)) {
		/*
		 * Resumed unmarked, it could be resumed again after a crash.
		 * A device that fails a write says nothing about the image.
		 */
		snprintf(why, sizeof(why),
			 "cannot mark the image on %s as used (%s), so it is not resumed now; it is intact and kept",
			 device, strerror(errno));
		ret = stop_boot(device, why);
		goto out;
	}
	elapsed = now() - t0;
	printf("khib-restore: image loaded and verified in %.2f s, %.0f MB/s of image (waiting for verified data %.2f s, handing pages to the kernel %.2f s, %" PRIu64 " zero pages %s); jumping into it\n",
	       elapsed, r.sb.nr_pages * KHIB_PAGE_SIZE / 1e6 / elapsed,
	       times.waiting, times.feeding, (uint64_t)r.sb.nr_zero_pages,
	       skip_zero ? "left to the kernel" : "written out");
	drain_console();
	resume_key_wipe();
	snapshot_feed_restore(&feed);
	printf("khib-restore: %s; the image on %s is marked used; booting normally\n",
	       feed.why, device);
	ret = BOOT_ON_REFUSED;
out:
	snapshot_feed_abort(&feed);
	image_close(&r);
	return ret;
}

/* "noresume": boot fresh, and never resume this image afterwards. */
static int discard(const char *device)
{
	char why[600];

	if (wait_for_device(device, why, sizeof(why)))
		return stop_boot(device, why);
	if (discard_strays(device)) {
		snprintf(why, sizeof(why),
			 "noresume given, but a valid image on another device cannot be discarded");
		return stop_boot(device, why);
	}
	switch (image_super_discard(device)) {
	case 1:
		printf("khib-restore: noresume given; the image on %s is discarded\n",
		       device);
		return BOOT_ON;
	case 0:
		printf("khib-restore: noresume given; no image to discard on %s\n",
		       device);
		return BOOT_ON;
	default:
		snprintf(why, sizeof(why),
			 "noresume given, but the image on %s cannot be discarded: %s",
			 device, strerror(errno));
		return stop_boot(device, why);
	}
}

/*
 * What is free now, at the point where a resume would load its image, is
 * what the next resume will have: khib-load hands it to the hibernate
 * kernel, which refuses an image too large to load.  Left out: the
 * kernel's reserve (below it the page faults of khib-restore itself
 * would wake the OOM killer) and the read-ahead buffers khib-restore takes
 * before the image goes in.
 */
static void record_resume_memory(void)
{
	uint64_t kib = meminfo_kib("MemFree");
	uint64_t keep = min_free_kib() +
			chunk_stream_memory_kib(image_stream_threads());
	FILE *f;

	if (kib <= keep || (mkdir(RESUME_FREE_DIR, 0755) && errno != EEXIST))
		return;
	kib -= keep;
	f = fopen(RESUME_FREE_DIR "/resume-free-kib", "w");
	if (!f)
		return;
	fprintf(f, "%" PRIu64 "\n", kib);
	fclose(f);
}

/* --discard: make the image on @device unusable, saying so. */
static int discard_now(const char *device, const char *because)
{
	switch (image_super_discard(device)) {
	case 1:
		printf("khib-restore: the image on %s is discarded%s\n", device,
		       because);
		return 0;
	case 0:
		printf("khib-restore: no valid image on %s to discard\n", device);
		return 0;
	default:
		fprintf(stderr, "khib-restore: cannot discard the image on %s: %s\n",
			device, strerror(errno));
		return 1;
	}
}

/* --lend-kib: what to lend the hibernate kernel on this machine. */
static int print_lend_need(const char *cpus_arg, const char *level_arg)
{
	struct khib_image_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	char *end_cpus, *end_level;
	unsigned long cpus = strtoul(cpus_arg, &end_cpus, 10);
	long level = strtol(level_arg, &end_level, 10);
	int nr = system_ram_ranges(ram, KHIB_IMAGE_MAX_RAM_RANGES);

	if (*end_cpus || *end_level || !cpus || cpus > 65536 || level < 0) {
		fprintf(stderr, "khib-restore: --lend-kib wants a number of CPUs and a zstd level\n");
		return BAD_USAGE;
	}
	if (nr <= 0) {
		fprintf(stderr, "khib-restore: cannot read this kernel's memory map: %s\n",
			strerror(nr < 0 ? errno : ENOENT));
		return EXIT_FAILURE;
	}
	printf("%" PRIu64 "\n", lend_need_kib((unsigned int)cpus, (int)level,
					      ram[nr - 1].end_pfn));
	return 0;
}

/* --memmap: the hibernate kernel's memory map, for khib-load. */
static int print_memmap(const char *limit_arg)
{
	static struct iomem_entry entries[IOMEM_MAX_ENTRIES];
	static char memmap[16384];
	char *end;
	unsigned long long limit = strtoull(limit_arg, &end, 0);
	int n;

	if (*end || end == limit_arg || limit < (1ULL << 20)) {
		fprintf(stderr, "khib-restore: --memmap wants the bytes lent, 1 MiB or more\n");
		return BAD_USAGE;
	}
	n = iomem_read(entries, IOMEM_MAX_ENTRIES);
	if (n <= 0 || hib_memmap(entries, (size_t)n, limit, memmap,
				 sizeof(memmap))) {
		fprintf(stderr, "khib-restore: cannot make the hibernate kernel's memory map from /proc/iomem: %s\n",
			n < 0 ? strerror(errno) : n == 0 ? "it is empty" :
			"too many entries");
		return EXIT_FAILURE;
	}
	printf("%s\n", memmap);
	return 0;
}

/* --target: the device a name or the configuration names, for scripts. */
static int print_target(const char *given)
{
	char device[256], name[256];
	bool found;

	if (given)
		found = khib_device_path(given, device, sizeof(device));
	else
		found = khib_configured_target(device, sizeof(device), name,
					       sizeof(name));
	if (!found) {
		fprintf(stderr, "khib-restore: %s\n", errno == ENOENT ?
			"no image target: khib.resume= on the kernel command line or target= in " KHIB_CONF_PATH " names one" :
			errno == EMEDIUMTYPE ? KHIB_TARGET_NAMES_HINT :
			errno == EBADMSG ? name :
			"the image target is not a path, PARTUUID= or PARTLABEL=");
		return 1;
	}
	printf("%s\n", device);
	return 0;
}

int main(int argc, char **argv)
{
	char device[256], name[256], why[700];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 1)
		record_resume_memory();
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return check_image(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--pending"))
		return pending_image(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--identity"))
		return print_identity(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--claim"))
		return target_setup(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "--format"))
		return target_setup(argv[2], true);
	if (argc == 3 && !strcmp(argv[1], "--discard"))
		return discard_now(argv[2], "");
	if (argc == 4 && !strcmp(argv[1], "--discard"))
		return discard_now(argv[2], argv[3]);
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "--target"))
		return print_target(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--lend-kib"))
		return print_lend_need(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "--conf"))
		return conf_query(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--memmap"))
		return print_memmap(argv[2]);
	if (argc == 2 && argv[1][0] != '-')
		return restore(argv[1]);
	if (argc != 1) {
		fprintf(stderr, "usage: khib-restore [DEVICE] | --check DEVICE | --pending DEVICE | --identity DEVICE | --claim DEVICE | --format DEVICE | --discard DEVICE [WHY] | --target [NAME] | --lend-kib CPUS LEVEL | --memmap BYTES | --conf KEY\n");
		return BAD_USAGE;
	}
	if (!khib_configured_target(device, sizeof(device), name,
				    sizeof(name))) {
		if (errno == ENOENT) {
			if (cmdline_has(NULL, "noresume") && discard_strays(""))
				return stop_boot("", "noresume given, but a valid image cannot be discarded");
			return boot_on("", "no khib.resume= on the kernel command line and no target in " KHIB_CONF_PATH);
		}
		/* It may name a device that holds an image. */
		if (errno == EBADMSG) {
			printf("khib-restore: %s; the boot stops here, because the target that file names may hold an image. Boot with khib.resume=DEVICE (and noresume to discard the image), then fix the file and run update-initramfs -u\n",
			       name);
			drain_console();
			return STOP_BOOT;
		}
		snprintf(why, sizeof(why),
			 "the image target \"%s\" is not understood: %s", name,
			 errno == EMEDIUMTYPE ? KHIB_TARGET_NAMES_HINT :
			 "a path, PARTUUID= or PARTLABEL= is");
		return stop_boot(name, why);
	}
	if (cmdline_has(NULL, "noresume"))
		return discard(device);
	return restore(device);
}
