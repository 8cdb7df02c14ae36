// SPDX-License-Identifier: GPL-2.0
/*
 * khib-workload: fills memory with data whose hashes it records, and keeps
 * a process counting, so that a hibernate/resume cycle can be checked byte
 * for byte.
 *
 *   khib-workload fill DIR MIB     write MIB MiB of files to DIR (a tmpfs)
 *                                  and print "file NAME HASH" per file
 *   khib-workload hash DIR         print "file NAME HASH" per file in DIR
 *   khib-workload hold MIB STATUS  keep MIB MiB of anonymous memory and
 *                                  count; STATUS gets "pid P count C" ten
 *                                  times a second; on SIGUSR1 the memory is
 *                                  checked and STATUS.check gets
 *                                  "check N anon MIB ok|BAD"
 *   khib-workload churn DIR STATUS keep writing, renaming and deleting
 *                                  files in DIR (a disk file system); on
 *                                  SIGUSR1 check every file (churn.c)
 *   khib-workload dirty MIB        keep MIB MiB of anonymous memory and
 *                                  change every page of it once a second
 *                                  (dirty.c)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "churn.h"
#include "dirty.h"
#include "pattern.h"
#include "status.h"

#define MIB		(1024 * 1024)
#define FILE_MIB	16

static int usage(void)
{
	fprintf(stderr,
		"usage: khib-workload fill DIR MIB | hash DIR | hold MIB STATUS\n"
		"       khib-workload churn DIR STATUS | dirty MIB\n");
	return 2;
}

static int hash_file(const char *dir, const char *name, uint64_t *hash)
{
	char path[512], *buf = malloc(MIB);
	XXH3_state_t *st = XXH3_createState();
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf || !st) {
		fprintf(stderr, "khib-workload: %s: %s\n", path,
			strerror(errno));
		goto fail;
	}
	XXH3_64bits_reset(st);
	while ((n = read(fd, buf, MIB)) > 0)
		XXH3_64bits_update(st, buf, (size_t)n);
	if (n < 0) {
		fprintf(stderr, "khib-workload: reading %s: %s\n", path,
			strerror(errno));
		goto fail;
	}
	*hash = XXH3_64bits_digest(st);
	close(fd);
	free(buf);
	XXH3_freeState(st);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH3_freeState(st);
	return -1;
}

static int fill(const char *dir, long mib)
{
	char *buf = malloc(MIB);

	if (!buf)
		return 1;
	for (long done = 0, i = 0; done < mib; i++) {
		long size = mib - done < FILE_MIB ? mib - done : FILE_MIB;
		char name[32], path[512];
		struct pattern p;
		uint64_t hash;
		int fd;

		snprintf(name, sizeof(name), "data%03ld", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			fprintf(stderr, "khib-workload: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		pattern_init(&p, pattern_seed(name));
		for (long m = 0; m < size; m++) {
			pattern_fill(&p, buf, MIB);
			if (write(fd, buf, MIB) != MIB) {
				fprintf(stderr, "khib-workload: writing %s: %s\n",
					path, strerror(errno));
				return 1;
			}
		}
		close(fd);
		if (hash_file(dir, name, &hash))
			return 1;
		printf("file %s %016" PRIx64 "\n", name, hash);
		done += size;
	}
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int hash_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, by_name), bad = 0;

	if (n < 0) {
		fprintf(stderr, "khib-workload: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		uint64_t hash;

		if (list[i]->d_name[0] != '.') {
			if (hash_file(dir, list[i]->d_name, &hash))
				bad = 1;
			else
				printf("file %s %016" PRIx64 "\n",
				       list[i]->d_name, hash);
		}
		free(list[i]);
	}
	free(list);
	return bad;
}

static int hold(long mib, const char *status)
{
	size_t len = (size_t)mib * MIB;
	uint8_t *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char line[256], check_path[512];
	struct pattern p;
	uint64_t want, count = 0, checks = 0;

	if (mem == MAP_FAILED) {
		fprintf(stderr, "khib-workload: cannot map %ld MiB: %s\n", mib,
			strerror(errno));
		return 1;
	}
	pattern_init(&p, pattern_seed("anon"));
	pattern_fill(&p, mem, len);
	want = XXH3_64bits(mem, len);
	status_catch_check_request();
	snprintf(check_path, sizeof(check_path), "%s.check", status);

	for (;;) {
		for (int i = 0; i < 100000; i++)
			count++;
		if (status_check_requested) {
			uint64_t got = XXH3_64bits(mem, len);

			status_check_requested = 0;
			snprintf(line, sizeof(line), "check %" PRIu64
				 " anon %ld %s\n", ++checks, mib,
				 got == want ? "ok" : "BAD");
			status_write(check_path, line);
		}
		snprintf(line, sizeof(line), "pid %d count %" PRIu64 "\n",
			 getpid(), count);
		status_write(status, line);
		usleep(100 * 1000);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "hash"))
		return hash_dir(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(atol(argv[2]), argv[3]);
	if (argc == 4 && !strcmp(argv[1], "churn"))
		return churn(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "dirty"))
		return dirty(atol(argv[2]));
	return usage();
}
