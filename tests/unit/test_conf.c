// SPDX-License-Identifier: GPL-2.0
/* /etc/khib.conf as the C tools read it, and the target names they take. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "khib_conf.h"
#include "tap.h"

static char conf_path[] = "/tmp/khib-test-conf-XXXXXX";

static void write_conf(const char *text)
{
	int fd = mkstemp(conf_path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void test_get(void)
{
	char v[64];

	write_conf("# comment\n"
		   "\n"
		   "target=PARTLABEL=khib-image\n"
		   "  compress = \"always\"  \n"
		   "lend_mib='48'\n"
		   "#level=3\n"
		   "target=/dev/vdb\n"
		   "long=0123456789012345678901234567890123456789"
		   "0123456789012345678901234567890123456789\n");
	ok(khib_conf_get(conf_path, "target", v, sizeof(v)) &&
	   !strcmp(v, "/dev/vdb"), "the last setting of a key wins: %s", v);
	ok(khib_conf_get(conf_path, "compress", v, sizeof(v)) &&
	   !strcmp(v, "always"), "blanks and double quotes go: %s", v);
	ok(khib_conf_get(conf_path, "lend_mib", v, sizeof(v)) &&
	   !strcmp(v, "48"), "single quotes go: %s", v);
	ok(!khib_conf_get(conf_path, "level", v, sizeof(v)),
	   "a commented-out key is absent");
	ok(!khib_conf_get(conf_path, "targe", v, sizeof(v)),
	   "a key is matched whole");
	ok(!khib_conf_get(conf_path, "long", v, sizeof(v)),
	   "a value too long for the buffer is refused, not cut");
	ok(!khib_conf_get("/nonexistent/khib.conf", "target", v, sizeof(v)),
	   "a missing file has no keys");
	unlink(conf_path);
}

static void test_device_path(void)
{
	static const struct {
		const char *name, *path;
	} good[] = {
		{ "/dev/vda", "/dev/vda" },
		{ "UUID=0b6c-11", "/dev/disk/by-uuid/0b6c-11" },
		{ "PARTUUID=6e2f-02", "/dev/disk/by-partuuid/6e2f-02" },
		{ "LABEL=swapless", "/dev/disk/by-label/swapless" },
		{ "PARTLABEL=khib-image", "/dev/disk/by-partlabel/khib-image" },
	};
	static const char *const bad[] = {
		"vda", "UUID=", "LABEL=../../vda", "SERIAL=123",
	};
	char p[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(khib_device_path(good[i].name, p, sizeof(p)) &&
		   !strcmp(p, good[i].path), "%s names %s", good[i].name, p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!khib_device_path(bad[i], p, sizeof(p)),
		   "%s is refused", bad[i]);
	ok(!khib_device_path("PARTLABEL=a-label-far-too-long-for-this-small-buffer",
			     p, 32), "a path that does not fit is refused");
}

int main(void)
{
	test_get();
	test_device_path();
	return tap_done();
}
