// SPDX-License-Identifier: GPL-2.0
/*
 * /etc/khib.conf as every khib tool reads it: what is taken, what is
 * refused and on which line, and the target names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "khib_conf.h"
#include "tap.h"

static char conf_path[] = "/tmp/khib-test-conf-XXXXXX";

static void write_conf(const char *text, size_t len)
{
	int fd;

	strcpy(conf_path + strlen(conf_path) - 6, "XXXXXX");
	fd = mkstemp(conf_path);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		abort();
	close(fd);
}

#define WRITE_CONF(text)	write_conf(text, sizeof(text) - 1)

static void test_get(void)
{
	static const char text[] = "# comment\n"
		"\n"
		"   # an indented comment\n"
		"target=PARTLABEL=khib-image\n"
		"  compress = \"always\"  \n"
		"lend_mib='48'\n"
		"#level=3\n"
		"kernel=\"/boot/my kernel\"\n"
		"cpus\t=\t4\t\n"
		"park_delay=0\n"
		"target=/dev/vdb";
	struct khib_conf conf;
	char v[64], why[600];

	write_conf(text, sizeof(text) - 1);
	ok(khib_conf_read(conf_path, &conf, why, sizeof(why)) == 0,
	   "a valid file is read");
	ok(khib_conf_get(conf_path, "target", v, sizeof(v), why,
			 sizeof(why)) == 1 && !strcmp(v, "/dev/vdb"),
	   "the last setting of a key wins, on a last line without newline: %s",
	   v);
	ok(khib_conf_get(conf_path, "compress", v, sizeof(v), why,
			 sizeof(why)) == 1 && !strcmp(v, "always"),
	   "blanks and double quotes go: %s", v);
	ok(khib_conf_get(conf_path, "lend_mib", v, sizeof(v), why,
			 sizeof(why)) == 1 && !strcmp(v, "48"),
	   "single quotes go: %s", v);
	ok(!strcmp(khib_conf_value(&conf, "kernel"), "/boot/my kernel"),
	   "a quoted path keeps its blanks");
	ok(!strcmp(khib_conf_value(&conf, "cpus"), "4"),
	   "tabs around '=' and after the value go");
	ok(!strcmp(khib_conf_value(&conf, "park_delay"), "0"),
	   "park_delay=0 (park at once after a resume) is taken");
	ok(khib_conf_get(conf_path, "level", v, sizeof(v), why,
			 sizeof(why)) == 0, "a commented-out key is not set");
	ok(!khib_conf_value(&conf, "targe") && !khib_conf_known("targe") &&
	   khib_conf_known("level"), "a key is matched whole");
	ok(khib_conf_get(conf_path, "target", v, 8, why, sizeof(why)) == -1 &&
	   errno == ENAMETOOLONG, "a value too long for the buffer is refused, not cut: %s",
	   why);
	unlink(conf_path);

	ok(khib_conf_read("/nonexistent/khib.conf", &conf, why,
			  sizeof(why)) == 0 && !khib_conf_value(&conf, "target"),
	   "a missing file is no error and sets nothing");
	ok(khib_conf_get("/nonexistent/khib.conf", "target", v, sizeof(v), why,
			 sizeof(why)) == 0, "a missing file has no keys");
}

/* @text is refused on line @line, saying @what; nothing of it is used. */
static void refused(const char *text, size_t len, unsigned int line,
		    const char *what, const char *test)
{
	struct khib_conf conf;
	char why[600], where[64];
	int ret;
	bool none = true;

	write_conf(text, len);
	snprintf(where, sizeof(where), "%s:%u: ", conf_path, line);
	ret = khib_conf_read(conf_path, &conf, why, sizeof(why));
	for (int i = 0; i < KHIB_CONF_MAX_KEYS; i++)
		none &= !conf.set[i];
	ok(ret == -1 && errno == EINVAL && !strncmp(why, where, strlen(where)) &&
	   strstr(why, what) && none, "%s: %s", test, ret ? why : "taken");
	unlink(conf_path);
}

#define REFUSED(text, line, what, test) \
	refused(text, sizeof(text) - 1, line, what, test)

static void test_refused(void)
{
	REFUSED("# c\ntarget=/dev/vda\nfoo=1\n", 3, "unknown key \"foo\"",
		"an unknown key");
	REFUSED("target=/dev/vda\nlend_mib=32 # x\n", 2,
		"comments go on lines of their own", "a comment after a value");
	REFUSED("kernel=\"/boot/x\" # x\n", 1,
		"comments go on lines of their own",
		"a comment after a quoted value");
	REFUSED("cpus= # two\n", 1, "followed by a comment",
		"a comment instead of a value");
	REFUSED("\n\nlend_mib=032\n", 3, "leading zero", "an octal-looking 032");
	REFUSED("level=-1\n", 1, "not a decimal number", "a negative number");
	REFUSED("level=+1\n", 1, "not a decimal number", "a signed number");
	REFUSED("level=0x3\n", 1, "not a decimal number", "a hex number");
	REFUSED("level=abc\n", 1, "not a decimal number", "letters for a number");
	REFUSED("lend_mib=4097\n", 1, "out of range", "lend_mib over 4096");
	REFUSED("lend_mib=31\n", 1, "out of range", "lend_mib under 32");
	REFUSED("cpus=0\n", 1, "out of range", "cpus=0");
	REFUSED("level=20\n", 1, "out of range", "level over 19");
	REFUSED("park_delay=3601\n", 1, "out of range", "park_delay over an hour");
	REFUSED("cpus=99999999999999999999999\n", 1, "out of range",
		"a number past an unsigned long");
	REFUSED("compress=fast\n", 1, "expected auto, always or off",
		"an unknown compression mode");
	REFUSED("target=vdb\n", 1, "expected a device path", "a bare device name");
	REFUSED("target=LABEL=\n", 1, "expected a device path", "an empty label");
	REFUSED("kernel=boot/khib\n", 1, "absolute path", "a relative kernel path");
	REFUSED("# c\nkernel=\"/boot/x\n", 2, "unmatched \" quote",
		"an unmatched double quote");
	REFUSED("kernel='/boot/x\n", 1, "unmatched ' quote",
		"an unmatched single quote");
	REFUSED("kernel=/boot/my kernel\n", 1, "blanks inside the value",
		"blanks in an unquoted value");
	REFUSED("kernel=\"/boot/x\" y\n", 1, "after the closing quote",
		"text after a closing quote");
	REFUSED("kernel=/boot/a\"b\"\n", 1, "a quote inside the value",
		"a quote inside an unquoted value");
	REFUSED("cpus=\n", 1, "no value", "an empty value");
	REFUSED("cpus=''\n", 1, "no value", "an empty quoted value");
	REFUSED("just words\n", 1, "expected key=value", "a line with no '='");
	REFUSED("=4\n", 1, "expected key=value", "a line with no key");
	REFUSED("cpus=4\r\n", 1, "control character", "a DOS line end");
	REFUSED("cpus=4\0x\n", 1, "NUL byte", "a NUL byte");
}

/* Lines are read whole: a long one is refused, its tail is not a line. */
static void test_long_lines(void)
{
	char text[1400], why[600];
	struct khib_conf conf;
	size_t n;

	/* 600 bytes, whose tail past byte 511 reads "target=/dev/evil". */
	n = (size_t)snprintf(text, sizeof(text), "cpus=2\n#%0583d%s\ncpus=3\n",
			     0, "target=/dev/evil");
	refused(text, n, 2, "600 bytes long, over the 511",
		"a 600-byte line, on its own line number");

	/* Exactly the limit is taken, and the next line is line 3. */
	n = (size_t)snprintf(text, sizeof(text), "cpus=2\n#%0510d\nfoo=1\n", 0);
	refused(text, n, 3, "unknown key", "a 511-byte line is one line");
	n = (size_t)snprintf(text, sizeof(text), "#%0510d\ncpus=3\n", 0);
	write_conf(text, n);
	ok(!khib_conf_read(conf_path, &conf, why, sizeof(why)) &&
	   !strcmp(khib_conf_value(&conf, "cpus"), "3"),
	   "a 511-byte comment is taken, the line after it too");
	unlink(conf_path);
	n = (size_t)snprintf(text, sizeof(text), "#%0511d\n", 0);
	refused(text, n, 1, "512 bytes long", "a 512-byte line");
}

/* The tools' way in: khib_configured_target() and $KHIB_CONF. */
static void test_configured_target(void)
{
	char path[256], name[256];

	if (cmdline_given(NULL, "khib.resume")) {
		ok(1, "# skip: this machine boots with khib.resume=");
		return;
	}
	WRITE_CONF("target=PARTLABEL=khib-image\n");
	setenv(KHIB_CONF_ENV, conf_path, 1);
	ok(!strcmp(khib_conf_path(), conf_path), "$KHIB_CONF names the file");
	ok(khib_configured_target(path, sizeof(path), name, sizeof(name)) &&
	   !strcmp(path, "/dev/disk/by-partlabel/khib-image") &&
	   !strcmp(name, "PARTLABEL=khib-image"), "target= is the target: %s",
	   path);
	unlink(conf_path);
	WRITE_CONF("target=/dev/vdb\nlevel=3 # fast\n");
	setenv(KHIB_CONF_ENV, conf_path, 1);
	ok(!khib_configured_target(path, sizeof(path), name, sizeof(name)) &&
	   errno == EBADMSG && strstr(name, ":2: level: a comment"),
	   "an invalid file is an error naming its line, not a target: %s",
	   name);
	unlink(conf_path);
	ok(!khib_configured_target(path, sizeof(path), name, sizeof(name)) &&
	   errno == ENOENT, "no file, no target");
	unsetenv(KHIB_CONF_ENV);
	ok(!strcmp(khib_conf_path(), KHIB_CONF_PATH), "else /etc/khib.conf");
}

static void test_device_path(void)
{
	static const struct {
		const char *name, *path;
	} good[] = {
		{ "/dev/vda", "/dev/vda" },
		{ "PARTUUID=6e2f-02", "/dev/disk/by-partuuid/6e2f-02" },
		{ "PARTLABEL=khib-image", "/dev/disk/by-partlabel/khib-image" },
	};
	static const char *const bad[] = {
		"vda", "UUID=0b6c-11", "LABEL=swapless", "PARTUUID=",
		"PARTLABEL=../../vda", "SERIAL=123",
	};
	char p[64];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(khib_device_path(good[i].name, p, sizeof(p)) &&
		   !strcmp(p, good[i].path), "%s names %s", good[i].name, p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!khib_device_path(bad[i], p, sizeof(p)),
		   "%s is refused", bad[i]);
	errno = 0;
	ok(!khib_device_path("UUID=0b6c-11", p, sizeof(p)) &&
	   errno == EMEDIUMTYPE,
	   "UUID= is refused as a file system's name (EMEDIUMTYPE)");
	ok(!khib_device_path("PARTLABEL=a-label-far-too-long-for-this-small-buffer",
			     p, 32), "a path that does not fit is refused");
}

int main(void)
{
	test_get();
	test_refused();
	test_long_lines();
	test_configured_target();
	test_device_path();
	return tap_done();
}
