// SPDX-License-Identifier: GPL-2.0
/*
 * A disk file system kept busy while the machine hibernates.  File N
 * ("cNNNNNNNN") holds N % 64 + 1 pages of the pattern seeded by its name.
 * It is written under a temporary name, every fourth one is fsync()ed,
 * then it is renamed into place, file N - CHURN_KEEP is deleted and N is
 * appended to the log.  A hibernation can fall between any two of these
 * system calls; whenever the process itself looks (on SIGUSR1, between two
 * files), the directory must hold exactly the files last - CHURN_KEEP + 1
 * to last, each with its pattern, and the log must read 1 to last.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "churn.h"
#include "pattern.h"
#include "status.h"

#define CHURN_KEEP	128
#define CHURN_MAX_PAGES	64
#define CHURN_LOG	"log"

struct churn {
	const char *dir;
	uint64_t last;		/* the newest file renamed into place */
	int log_fd;
	uint8_t *want;		/* a file's expected content */
	uint8_t *got;		/* what was read back */
	char why[256];		/* the first difference a check found */
};

static size_t file_bytes(uint64_t n)
{
	return (n % CHURN_MAX_PAGES + 1) * PATTERN_PAGE;
}

static void file_content(struct churn *c, uint64_t n, char *name,
			 size_t name_len)
{
	struct pattern p;

	snprintf(name, name_len, "c%08" PRIu64, n);
	pattern_init(&p, pattern_seed(name));
	pattern_fill(&p, c->want, file_bytes(n));
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "khib-workload: churn: %s %s: %s\n", what, path,
		strerror(errno));
	return -1;
}

static int write_next(struct churn *c)
{
	uint64_t n = c->last + 1;
	char name[32], path[512], tmp[512], line[32];
	int fd, len;

	file_content(c, n, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", c->dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("creating", tmp);
	if (write(fd, c->want, file_bytes(n)) != (ssize_t)file_bytes(n) ||
	    (n % 4 == 0 && fsync(fd))) {
		close(fd);
		return fail("writing", tmp);
	}
	if (close(fd))
		return fail("closing", tmp);
	if (rename(tmp, path))
		return fail("renaming", tmp);
	if (n > CHURN_KEEP) {
		snprintf(path, sizeof(path), "%s/c%08" PRIu64, c->dir,
			 n - CHURN_KEEP);
		if (unlink(path))
			return fail("deleting", path);
	}
	len = snprintf(line, sizeof(line), "%" PRIu64 "\n", n);
	if (write(c->log_fd, line, (size_t)len) != len)
		return fail("appending to", CHURN_LOG);
	c->last = n;
	return 0;
}

static bool check_file(struct churn *c, const char *name)
{
	char path[512], expected[32];
	uint64_t n;
	ssize_t got;
	int fd;

	if (sscanf(name, "c%" SCNu64, &n) != 1 || n == 0 || n > c->last ||
	    n + CHURN_KEEP <= c->last) {
		snprintf(c->why, sizeof(c->why), "unexpected file %.64s",
			 name);
		return false;
	}
	file_content(c, n, expected, sizeof(expected));
	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(c->why, sizeof(c->why), "%.64s: %s", name,
			 strerror(errno));
		return false;
	}
	/* One byte more than expected shows a file that grew. */
	got = read(fd, c->got, file_bytes(n) + 1);
	close(fd);
	if (got != (ssize_t)file_bytes(n) ||
	    memcmp(c->got, c->want, file_bytes(n))) {
		snprintf(c->why, sizeof(c->why),
			 "%.64s: %zd bytes, not the %zu written or not the same",
			 name, got, file_bytes(n));
		return false;
	}
	return true;
}

static bool check_log(struct churn *c)
{
	char path[512], line[32];
	uint64_t n, want = 1;
	bool ok = true;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", c->dir, CHURN_LOG);
	f = fopen(path, "r");
	if (!f) {
		snprintf(c->why, sizeof(c->why), "log: %s", strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), f)) {
		ok = sscanf(line, "%" SCNu64, &n) == 1 && n == want;
		if (!ok)
			snprintf(c->why, sizeof(c->why),
				 "log line %" PRIu64 " reads %.20s",
				 want, line);
		want++;
	}
	fclose(f);
	if (ok && want != c->last + 1) {
		snprintf(c->why, sizeof(c->why),
			 "log ends at %" PRIu64 ", not %" PRIu64, want - 1,
			 c->last);
		ok = false;
	}
	return ok;
}

/* Check the whole directory; the result goes to STATUS.check. */
static void check(struct churn *c, const char *status, uint64_t nr)
{
	uint64_t first = c->last > CHURN_KEEP ? c->last - CHURN_KEEP + 1 : 1;
	uint64_t files = 0;
	char line[400], path[512];
	bool ok = true;
	struct dirent *e;
	DIR *d = opendir(c->dir);

	c->why[0] = '\0';
	if (!d) {
		snprintf(c->why, sizeof(c->why), "%.128s: %s", c->dir,
			 strerror(errno));
		ok = false;
	}
	while (ok && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, CHURN_LOG) ||
		    !strcmp(e->d_name, "lost+found"))
			continue;
		ok = check_file(c, e->d_name);
		files++;
	}
	if (d)
		closedir(d);
	if (ok && files != c->last - first + 1) {
		snprintf(c->why, sizeof(c->why),
			 "%" PRIu64 " files, not %" PRIu64, files,
			 c->last - first + 1);
		ok = false;
	}
	if (ok)
		ok = check_log(c);
	snprintf(line, sizeof(line), "check %" PRIu64 " files %" PRIu64
		 " last %" PRIu64 " %s%s%s\n", nr, files, c->last,
		 ok ? "ok" : "BAD", ok ? "" : ": ", c->why);
	snprintf(path, sizeof(path), "%s.check", status);
	status_write(path, line);
}

int churn(const char *dir, const char *status)
{
	struct churn c = { .dir = dir };
	char path[512], line[64];
	uint64_t checks = 0;

	c.want = malloc(CHURN_MAX_PAGES * PATTERN_PAGE);
	c.got = malloc(CHURN_MAX_PAGES * PATTERN_PAGE + 1);
	snprintf(path, sizeof(path), "%s/%s", dir, CHURN_LOG);
	c.log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (!c.want || !c.got || c.log_fd < 0) {
		fail("starting in", dir);
		return 1;
	}
	status_catch_check_request();
	for (;;) {
		if (write_next(&c))
			return 1;
		if (status_check_requested) {
			status_check_requested = 0;
			check(&c, status, ++checks);
		}
		if (c.last % 16 == 0) {
			snprintf(line, sizeof(line), "pid %d last %" PRIu64 "\n",
				 getpid(), c.last);
			status_write(status, line);
		}
		/* About 100 files a second: busy, but not a CPU hog. */
		usleep(10 * 1000);
	}
}
