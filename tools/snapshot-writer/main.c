// SPDX-License-Identifier: GPL-2.0
/*
 * khib-writer: the /init of the hibernate kernel.
 *
 * Entered through a kexec jump from a hibernating kernel, it reads the
 * descriptor that kernel published, writes the pages it marks to the image
 * target and reports in the descriptor's status.  Once the image is safe
 * it powers the machine off itself (khib.finish=poweroff, the default) or
 * jumps back for the hibernating kernel to finish (khib.finish=return);
 * after a failure it always jumps back.  Entered
 * without a pending request, as when the loader boots it ahead of time to
 * park it, it writes nothing and jumps straight back.  Every later entry
 * resumes it where it jumped back, ready for the next request.
 *
 * Command line (set by the loader): khib.descriptor=ADDR khib.target=DEV
 * [khib.compress=auto|always|off] [khib.level=N] [khib.threads=N]
 * [khib.finish=poweroff|return] [khib.target_id=UUID] [khib.inplace=0], plus
 * kexec_jump_back_entry=ADDR from kexec-tools.  A value out of place (a
 * level past KHIB_LEVEL_MAX, an unknown mode) fails every hibernation with
 * KEXEC_HIB_ERR_USAGE, naming it.
 *
 * Booted instead with khib.restore=DEV [khib.target_id=UUID] (by
 * "khib-load -R" at boot), it restores the image on DEV in place and
 * enters the restored kernel (restore_in_place.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"
#include "cmdline.h"
#include "descriptor.h"
#include "image_format.h"
#include "image_writer.h"
#include "inplace_plan.h"
#include "khib_conf.h"
#include "jump_back.h"
#include "key_handover.h"
#include "meminfo.h"
#include "own_memory.h"
#include "physmem.h"
#include "progress.h"
#include "rate_probe.h"
#include "restore_in_place.h"
#include "status.h"
#include "system_ram.h"
#include "target_identity.h"

#define TARGET_WAIT_MS	10000

struct options {
	uint64_t descriptor;	/* physical address, 0 if not given */
	uint64_t jump_back_entry;	/* 0 if not given */
	char target[256];
	enum compress_mode mode;
	int level;
	unsigned int threads;
	bool bench;		/* measure reference rates after writing */
	uint64_t resume_free_kib;	/* free at restore time, 0: unknown */
	bool return_when_done;	/* khib.finish=return: jump back after success */
	bool inplace;		/* accept images only a restore in place loads */
	char target_id[TARGET_ID_LEN];	/* khib.target_id=, "" if not given */
	/* The machine's master key, handed over by khib-load: images are
	 * encrypted (docs/security.md). */
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
	uint32_t key_sources;	/* what seals the master key */
	bool encrypt;
	char bad[160];		/* why the options cannot be used, or "" */
};

static void setup_system(void)
{
	if (getpid() != 1)
		return;
	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) && errno != EBUSY)
		perror("khib-writer: mounting /dev");
	if (mount("proc", "/proc", "proc", 0, NULL) && errno != EBUSY)
		perror("khib-writer: mounting /proc");
}

static uint64_t cmdline_number(const char *key)
{
	char value[64], *end;
	uint64_t n;

	if (!cmdline_get(NULL, key, value, sizeof(value)))
		return 0;
	n = strtoull(value, &end, 0);
	return *end ? 0 : n;
}

static const char *const mode_names[] = {
	[COMPRESS_OFF] = "off",
	[COMPRESS_AUTO] = "auto",
	[COMPRESS_ALWAYS] = "always",
};

/* Keep the first reason the options cannot be used. */
static void __attribute__((format(printf, 2, 3)))
bad_option(struct options *opt, const char *fmt, ...)
{
	va_list ap;

	if (opt->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(opt->bad, sizeof(opt->bad), fmt, ap);
	va_end(ap);
}

/* A decimal option in [@min, @max], @dflt when absent. */
static unsigned long number_option(struct options *opt, const char *key,
				   unsigned long min, unsigned long max,
				   unsigned long dflt)
{
	unsigned long n = dflt;

	if (cmdline_get_ulong(NULL, key, min, max, &n) < 0)
		bad_option(opt, "%s= on the hibernate kernel's command line is not a decimal from %lu to %lu",
			   key, min, max);
	return n;
}

static bool flag_option(struct options *opt, const char *key, bool dflt)
{
	bool set = dflt;

	if (cmdline_get_flag(NULL, key, &set) < 0)
		bad_option(opt, "%s= on the hibernate kernel's command line is not 0 or 1",
			   key);
	return set;
}

static void read_mode(struct options *opt)
{
	char value[16];

	opt->mode = COMPRESS_AUTO;
	if (!cmdline_given(NULL, "khib.compress"))
		return;
	if (cmdline_get(NULL, "khib.compress", value, sizeof(value)))
		for (int m = COMPRESS_OFF; m <= COMPRESS_ALWAYS; m++)
			if (!strcmp(value, mode_names[m])) {
				opt->mode = m;
				return;
			}
	bad_option(opt, "khib.compress= on the hibernate kernel's command line is not auto, always or off");
}

static void read_finish(struct options *opt)
{
	char value[16];

	opt->return_when_done = false;
	if (!cmdline_given(NULL, "khib.finish"))
		return;
	if (cmdline_get(NULL, "khib.finish", value, sizeof(value)) &&
	    (!strcmp(value, "poweroff") || !strcmp(value, "return"))) {
		opt->return_when_done = !strcmp(value, "return");
		return;
	}
	bad_option(opt, "khib.finish= on the hibernate kernel's command line is not poweroff or return");
}

/*
 * The loader's options.  A bad one fails every hibernation (opt->bad)
 * rather than be taken for something else: khib.level=abc once meant no
 * compression.
 */
static void read_options(struct options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->descriptor = cmdline_number("khib.descriptor");
	opt->jump_back_entry = cmdline_number("kexec_jump_back_entry");
	if (!cmdline_get(NULL, "khib.target", opt->target, sizeof(opt->target)))
		opt->target[0] = '\0';
	read_mode(opt);
	opt->level = (int)number_option(opt, "khib.level", 0, KHIB_LEVEL_MAX,
					1);
	if (!opt->level)
		opt->mode = COMPRESS_OFF;
	/* 0: one encoder per CPU. */
	opt->threads = (unsigned int)number_option(opt, "khib.threads", 0,
						   KHIB_CPUS_MAX, 0);
	opt->bench = flag_option(opt, "khib.bench", false);
	opt->resume_free_kib = number_option(opt, "khib.resume_free_kib", 0,
					     ULONG_MAX >> 10, 0);
	if (!cmdline_get(NULL, "khib.target_id", opt->target_id,
			 sizeof(opt->target_id)))
		opt->target_id[0] = '\0';
	opt->inplace = flag_option(opt, "khib.inplace", true);
	read_finish(opt);
	switch (key_handover_take(opt->master_key, &opt->key_sources)) {
	case 1:
		opt->encrypt = true;
		break;
	case -1:
		snprintf(opt->bad, sizeof(opt->bad),
			 "the master key handed over is not a key");
		break;
	}
}

static double uptime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct progress {
	struct status_channel *status;
	struct progress_meter meter;
};

static void show_progress(void *ctx, uint64_t pages, uint64_t bytes)
{
	struct progress *p = ctx;

	status_progress(p->status, pages, bytes);
	progress_update(&p->meter, pages, bytes);
}

/*
 * The benchmark's reference rates, in the hibernate kernel itself: direct
 * writes of as many bytes as the image holds, past the image, and memory
 * copies; the writer's rate is given as a fraction of each.
 */
static void measure_rates(const struct options *opt,
			  const struct writer_report *report)
{
	uint64_t image = report->pages * PHYS_PAGE_SIZE, written;
	double writer = report->ms ? image / 1000.0 / report->ms : 0;
	double t0 = uptime();
	double disk = probe_direct_write(opt->target, report->bytes, image,
					 &written);
	double copy = probe_memory_copy(1ULL << 30);

	if (disk <= 0 || copy <= 0) {
		printf("khib-writer: bench: cannot measure the reference rates: %s\n",
		       strerror(errno));
		return;
	}
	printf("khib-writer: bench: direct write %.0f MB/s (%" PRIu64
	       " MiB past the image), memory copy %.0f MB/s; writer %.0f MB/s = %.0f%% of direct write, %.1f%% of memory copy; probe took %.2f s\n",
	       disk, written >> 20, copy, writer, 100 * writer / disk,
	       100 * writer / copy, uptime() - t0);
	/* A resume's floors: reading the image back, hashing it. */
	t0 = uptime();
	disk = probe_direct_read(opt->target, report->bytes);
	copy = probe_hash(1ULL << 30);
	if (disk <= 0 || copy <= 0)
		printf("khib-writer: bench: cannot measure the read and hash rates: %s\n",
		       strerror(errno));
	else
		printf("khib-writer: bench: direct read %.0f MB/s (the image), hash %.0f MB/s on one thread (XXH3); probe took %.2f s\n",
		       disk, copy, uptime() - t0);
	/* Encrypted: how fast one thread seals, beside the disk's rate. */
	if (opt->encrypt) {
		t0 = uptime();
		copy = probe_cipher(256ULL << 20);
		printf("khib-writer: bench: cipher %.0f MB/s on one thread (XChaCha20-Poly1305); probe took %.2f s\n",
		       copy, uptime() - t0);
	}
}

/*
 * An image the resuming kernel cannot load would fail at the next boot,
 * so it is refused now, while the system can still run on.  khib-restore
 * records at each boot what is free where a resume loads its image, less
 * its own buffers and the kernel's reserve.  An image that does not fit
 * there, with IMAGE_RESUME_MARGIN_KIB to spare, is restored in place
 * instead (restore_in_place.h), which needs only the plan that this
 * kernel's own memory allows.
 */
#define MAX_OWN_RANGES	64

/* This kernel's own RAM, read once per request. */
struct own_ram {
	struct khib_image_range ranges[MAX_OWN_RANGES];
	size_t nr;
};

/* Can the image be restored in place, from the memory this kernel has? */
static bool inplace_restorable(const struct descriptor_view *view,
			       const struct own_ram *own,
			       char *why, size_t why_len)
{
	struct khib_image_range ram[KEXEC_HIB_MAX_RAM_RANGES];
	struct khib_image_redirect *redirects;
	struct inplace_input in;
	struct inplace_plan plan;
	bool possible;

	redirects = calloc(view->nr_redirects + 1, sizeof(*redirects));
	if (!redirects) {
		snprintf(why, why_len, "no memory to plan a restore in place");
		return false;
	}
	for (size_t i = 0; i < view->nr_redirects; i++)
		redirects[i] = (struct khib_image_redirect){
			view->redirects[i].pfn, view->redirects[i].src_pfn };
	for (uint32_t i = 0; i < view->desc.nr_ram_ranges; i++)
		ram[i] = (struct khib_image_range){ view->desc.ram[i].start_pfn,
						    view->desc.ram[i].end_pfn };
	in = (struct inplace_input){
		.chunks = view->chunks,
		.nr_chunks = view->nr_chunks,
		.ram = ram,
		.nr_ram = view->desc.nr_ram_ranges,
		.redirects = redirects,
		.nr_redirects = view->nr_redirects,
		.free_pfns = view->desc_pfns,
		.nr_free = view->nr_desc_pfns,
	};
	possible = !inplace_plan_make(&plan, &in, own->ranges, own->nr, why,
				      why_len);
	if (possible) {
		printf("khib-writer: a restore in place parks %" PRIu64 " pages and needs %" PRIu64 " of %" PRIu64 " spare pages for its last step\n",
		       plan.parked, plan.segment_pages, plan.spare);
		inplace_plan_free(&plan);
	}
	free(redirects);
	return possible;
}

static bool image_fits_resume(const struct options *opt,
			      const struct descriptor_view *view,
			      const struct own_ram *own,
			      char *why, size_t why_len)
{
	uint64_t pages = view->desc.nr_image_pages;
	uint64_t need_kib = image_resume_need_kib(pages,
						  view->desc.nr_ram_pages) +
			    IMAGE_RESUME_MARGIN_KIB;
	char inplace_why[200] = "not allowed (khib-load -P)";

	if (!opt->resume_free_kib) {
		printf("khib-writer: the memory free at resume is unknown (no khib.resume_free_kib=); not checking that the image fits\n");
		return true;
	}
	if (need_kib <= opt->resume_free_kib) {
		printf("khib-writer: the image needs %" PRIu64 " MiB to be restored; %" PRIu64
		       " MiB are free at resume\n", need_kib >> 10,
		       opt->resume_free_kib >> 10);
		return true;
	}
	if (opt->inplace &&
	    inplace_restorable(view, own, inplace_why, sizeof(inplace_why))) {
		printf("khib-writer: the image needs %" PRIu64 " MiB to be loaded at resume, %" PRIu64
		       " MiB are free there: it will be restored in place\n",
		       need_kib >> 10, opt->resume_free_kib >> 10);
		return true;
	}
	printf("khib-writer: a restore in place is not possible either: %s\n",
	       inplace_why);
	/* One line of at most KEXEC_HIB_MESSAGE_LEN for the kernel log. */
	snprintf(why, why_len,
		 "image of %" PRIu64 " MiB too big to resume: %" PRIu64
		 " MiB free at resume, %" PRIu64 " needed; free %" PRIu64 " MiB and retry",
		 pages >> 8, opt->resume_free_kib >> 10, need_kib >> 10,
		 (need_kib - opt->resume_free_kib + 1023) >> 10);
	return false;
}


/* Is every page of this kernel's RAM that the image holds swapped out? */
static bool own_memory_safe(const struct descriptor_view *view,
			    const struct own_ram *own, char *why, size_t why_len)
{
	char list[200];
	uint64_t checked;
	size_t len = 0;

	if (own_memory_check(view, own->ranges, own->nr, &checked, why,
			     why_len))
		return false;
	/* Where a restore in place will run, for the log. */
	list[0] = '\0';
	for (size_t i = 0; i < own->nr && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len,
				"%s%#" PRIx64 "-%#" PRIx64, i ? ", " : "",
				(uint64_t)own->ranges[i].start_pfn,
				(uint64_t)own->ranges[i].end_pfn);
	printf("khib-writer: none of its own %" PRIu64 " MiB of RAM (PFNs %s) is saved in place of the main kernel's\n",
	       checked >> 8, list);
	return true;
}

/*
 * Find the device khib-load chose: the one khib target whose UUID is
 * khib.target_id=, whatever its name in this kernel.  Nothing else is
 * written: not a device without that UUID (a file system, a disk that
 * took the target's name), nor one of two that claim it.
 */
static bool identify_target(struct options *opt, uint8_t *uuid, char *why,
			    size_t why_len)
{
	char found[sizeof(opt->target)];
	int matches;

	if (target_uuid_parse(opt->target_id, uuid)) {
		snprintf(why, why_len,
			 "no valid khib.target_id= (the target's UUID) on the command line, so %s is not known to be the image target; writing nothing",
			 opt->target);
		return false;
	}
	matches = target_find(opt->target_id, found, sizeof(found));
	if (matches == 1) {
		if (strcmp(found, opt->target))
			printf("khib-writer: %s is not the image target khib-load chose, %s is; writing there\n",
			       opt->target, found);
		memcpy(opt->target, found, sizeof(opt->target));
		return true;
	}
	if (matches)
		snprintf(why, why_len,
			 "%d devices have target UUID %s; nothing written",
			 matches, opt->target_id);
	else
		snprintf(why, why_len,
			 "no device has target UUID %s (%s changed or gone since khib-load); nothing written",
			 opt->target_id, opt->target);
	return false;
}

/* Returns true once the image is complete and flushed to the target. */
static bool save_image(struct options *opt, struct physmem *pm,
		       struct status_channel *status)
{
	struct descriptor_view view;
	struct writer_report report;
	struct progress progress = { .status = status };
	struct writer_options wopt = {
		.target = opt->target,
		.mode = opt->mode,
		.level = opt->level,
		.threads = opt->threads,
		.master_key = opt->encrypt ? opt->master_key : NULL,
		.key_source = opt->key_sources,
		.progress = show_progress,
		.progress_ctx = &progress,
	};
	struct own_ram own;
	int nr_own = system_ram_ranges(own.ranges, MAX_OWN_RANGES);
	int own_errno = errno;	/* why, if nr_own < 0 */
	struct image_source src = {
		.view = &view,
		.page_at = physmem_page,
		.set_quiesce = physmem_set_quiesce,
		.new_chunk = physmem_new_chunk,
		.ctx = pm,
	};
	char why[256];
	int error;

	if (opt->bad[0]) {
		status_fail(status, KEXEC_HIB_ERR_USAGE, EINVAL, opt->bad);
		return false;
	}
	if (!opt->target[0]) {
		status_fail(status, KEXEC_HIB_ERR_USAGE, 0,
			    "no khib.target= on the hibernate kernel's command line");
		return false;
	}
	error = descriptor_load(&view, opt->descriptor, physmem_read_page, pm,
				why, sizeof(why));
	if (error) {
		status_fail(status, error, 0, why);
		return false;
	}
	if (nr_own < 0) {
		snprintf(why, sizeof(why),
			 "cannot read this kernel's memory map: %s",
			 strerror(own_errno));
		descriptor_free(&view);
		status_fail(status, KEXEC_HIB_ERR_USAGE, 0, why);
		return false;
	}
	own.nr = (size_t)nr_own;
	wopt.own = own.ranges;
	wopt.nr_own = own.nr;
	if (!own_memory_safe(&view, &own, why, sizeof(why))) {
		descriptor_free(&view);
		status_fail(status, KEXEC_HIB_ERR_USAGE, 0, why);
		return false;
	}
	if (!image_fits_resume(opt, &view, &own, why, sizeof(why))) {
		descriptor_free(&view);
		status_fail(status, KEXEC_HIB_ERR_NO_MEMORY, ENOMEM, why);
		return false;
	}
	status_writing(status, view.desc.nr_image_pages);
	printf("khib-writer: saving %" PRIu64 " pages of Linux %s to %s"
	       " (compression %s, zstd level %d, %s)\n",
	       (uint64_t)view.desc.nr_image_pages, view.desc.release,
	       opt->target, mode_names[opt->mode], opt->level,
	       opt->encrypt ? "encrypted" : "in clear");

	blockdev_wait(opt->target, TARGET_WAIT_MS);
	if (!identify_target(opt, wopt.target_uuid, why, sizeof(why))) {
		descriptor_free(&view);
		status_fail(status, KEXEC_HIB_ERR_TARGET, ENODEV, why);
		return false;
	}
	physmem_set_ram(pm, view.desc.ram, view.desc.nr_ram_ranges);
	progress_start(&progress.meter, "khib-writer", "",
		       view.desc.nr_image_pages);
	error = image_write(&src, &wopt, &report);
	physmem_set_ram(pm, NULL, 0);
	descriptor_free(&view);
	if (error) {
		status_fail(status, error, report.sys_errno, report.why);
		return false;
	}
	printf("khib-writer: wrote %" PRIu64 " pages (%" PRIu64 " MiB, %"
	       PRIu64 " of them zero) to %s: %" PRIu64
	       " MiB on disk in %.2f s, %.0f MB/s of image; %u threads, compression %s: %"
	       PRIu64 " of %" PRIu64 " chunks compressed, %" PRIu64
	       " kept from the pre-copy (%" PRIu64 " of %" PRIu64
	       " candidates hashed); %" PRIu64 " MiB free\n",
	       report.pages, report.pages >> 8, report.zero_pages, opt->target,
	       report.bytes >> 20, report.ms / 1000.0,
	       report.ms ? report.pages * PHYS_PAGE_SIZE / 1000.0 / report.ms : 0.0,
	       report.threads, mode_names[opt->mode],
	       report.chunks_compressed, report.chunks, report.reused,
	       report.hashed, report.candidates,
	       meminfo_kib("MemFree") >> 10);
	if (opt->bench)
		measure_rates(opt, &report);
	status_done(status);
	return true;
}

/*
 * Answer the hibernating kernel's request, if there is one, in its status.
 * @last_served is the sequence of the last request answered.  Returns true
 * if an image was written.
 */
static bool serve(struct options *opt, struct physmem *pm,
		  uint64_t *last_served)
{
	struct status_channel status;
	uint64_t sequence;
	bool written;
	void *page;

	page = physmem_map_page_rw(pm, opt->descriptor / PHYS_PAGE_SIZE);
	if (!page) {
		fprintf(stderr,
			"khib-writer: cannot map the descriptor at %#" PRIx64
			": %s; the hibernation will fail\n",
			opt->descriptor, strerror(errno));
		return false;
	}
	if (!status_pending(page, *last_served, &sequence)) {
		printf("khib-writer: no hibernation pending; parked with %" PRIu64
		       " MiB free, jumping back\n", meminfo_kib("MemFree") >> 10);
		physmem_unmap_page(page);
		return false;
	}
	*last_served = sequence;
	status_open(&status, page);
	written = save_image(opt, pm, &status);
	physmem_unmap_page(page);
	return written;
}

/*
 * With the image safe on disk, nothing the hibernating kernel would do
 * after a jump back is needed any more: its devices were frozen and its
 * file systems synced before it jumped, and it would only resume them to
 * shut them down again.  Powering off from here saves that round trip.
 * If powering off fails, jump back and let that kernel do it.
 */
static void power_off(const struct options *opt)
{
	printf("khib-writer: image safe on %s; powering off\n", opt->target);
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_POWER_OFF, NULL);
	fprintf(stderr, "khib-writer: cannot power off: %s; jumping back for the main kernel to do it\n",
		strerror(errno));
}

static void reboot_with(int cmd)
{
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, NULL);
	for (;;)
		pause();
}

/*
 * Restore mode.  The machine boots again whatever happens, except with a
 * valid image that could be neither restored nor made unusable: then it
 * powers off, since a normal boot could resume that image later over
 * changed file systems.
 */
static void restore_mode(struct options *opt)
{
	uint8_t uuid[KHIB_TARGET_UUID_LEN];
	char why[512];

	printf("khib-writer: hibernate kernel up after %.2f s to restore the image on %s in place\n",
	       uptime(), opt->target);
	blockdev_wait(opt->target, TARGET_WAIT_MS);
	if (!identify_target(opt, uuid, why, sizeof(why))) {
		printf("khib-writer: %s; powering off with the image kept\n", why);
		reboot_with(LINUX_REBOOT_CMD_POWER_OFF);
	}
	if (restore_in_place(opt->target,
			     opt->encrypt ? opt->master_key : NULL))
		reboot_with(LINUX_REBOOT_CMD_RESTART);
	printf("khib-writer: powering off with the image kept; boot with noresume to discard it\n");
	reboot_with(LINUX_REBOOT_CMD_POWER_OFF);
}

int main(void)
{
	struct options opt;
	struct physmem pm;
	uint64_t last_served = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_system();
	read_options(&opt);
	if (cmdline_get(NULL, "khib.restore", opt.target, sizeof(opt.target)))
		restore_mode(&opt);
	printf("khib-writer: hibernate kernel up after %.2f s\n", uptime());
	if (opt.bad[0])
		printf("khib-writer: %s; every hibernation will be refused\n",
		       opt.bad);

	if (!opt.descriptor || !opt.jump_back_entry) {
		/* Without them there is no way to report or to go back. */
		fprintf(stderr, "khib-writer: khib.descriptor= or kexec_jump_back_entry= missing from the command line; load the hibernate kernel with khib-load\n");
		for (;;)
			pause();
	}
	if (physmem_open(&pm)) {
		fprintf(stderr, "khib-writer: cannot open /dev/mem: %s\n",
			strerror(errno));
		for (;;)
			pause();
	}

	/*
	 * The jump-back image is loaded once and used for every jump back.
	 * Its segment is the hibernating kernel's page holding the jump-back
	 * entry, which also holds that kernel's saved stack pointer and page
	 * tables of its latest jump.  Every jump swaps the page with the
	 * image's copy, so after an entry the current page sits in the copy
	 * and the next jump back swaps it home.  A fresh image per jump would
	 * copy the stale page instead and return to the stack of an earlier
	 * jump.
	 */
	for (bool loaded = false;;) {
		if (serve(&opt, &pm, &last_served) && !opt.return_when_done)
			power_off(&opt);
		if (!loaded && jump_back_load(&pm, opt.jump_back_entry)) {
			fprintf(stderr, "khib-writer: cannot load the jump back: %s; retrying\n",
				strerror(errno));
			sleep(1);
			continue;
		}
		loaded = true;
		if (jump_back()) {
			fprintf(stderr, "khib-writer: cannot jump back: %s; retrying\n",
				strerror(errno));
			loaded = false;
			sleep(1);
			continue;
		}
		printf("khib-writer: entered again at %.2f s\n", uptime());
	}
}
