// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "key_store.h"
#include "khib_conf.h"

enum conf_kind {
	CONF_DEVICE,		/* a target name, as khib_device_path() takes */
	CONF_PATH,		/* an absolute path */
	CONF_NUMBER,		/* a decimal in [min, max] */
	CONF_CHOICE,		/* one of choices */
};

static const char *const compress_modes[] = { "auto", "always", "off", NULL };
static const char *const on_off[] = { "on", "off", NULL };

/*
 * Every key khib.conf may hold, what its value must be, and its default
 * (khib.conf(5)): the one place that says it, for the C tools and, through
 * khib-restore --conf, for the scripts.
 */
static const struct conf_key {
	const char *name;
	enum conf_kind kind;
	unsigned long min, max;
	const char *const *choices;
	const char *fallback;	/* when not set; NULL: none */
} conf_keys[] = {
	{ .name = "target", .kind = CONF_DEVICE },
	{ .name = "kernel", .kind = CONF_PATH,
	  .fallback = "/boot/khib-hibernate.bzImage" },
	{ .name = "lend_mib", .kind = CONF_NUMBER,
	  .min = KHIB_LEND_MIB_MIN, .max = KHIB_LEND_MIB_MAX },
	{ .name = "cpus", .kind = CONF_NUMBER, .min = 1, .max = KHIB_CPUS_MAX,
	  .fallback = "2" },
	{ .name = "compress", .kind = CONF_CHOICE, .choices = compress_modes,
	  .fallback = "auto" },
	{ .name = "level", .kind = CONF_NUMBER, .min = 0, .max = KHIB_LEVEL_MAX,
	  .fallback = "1" },
	{ .name = "park_delay", .kind = CONF_NUMBER,
	  .min = 0, .max = KHIB_PARK_DELAY_MAX, .fallback = "30" },
	{ .name = "precopy", .kind = CONF_CHOICE, .choices = on_off,
	  .fallback = "on" },
	{ .name = "precopy_mbps", .kind = CONF_NUMBER,
	  .min = 0, .max = KHIB_PRECOPY_MBPS_MAX, .fallback = "0" },
	{ .name = "key_store", .kind = CONF_PATH, .fallback = KHIB_KEYS_PATH },
	{ .name = "key_file", .kind = CONF_PATH },
};

#define NR_CONF_KEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(NR_CONF_KEYS <= KHIB_CONF_MAX_KEYS,
	       "struct khib_conf has no room for every key");

#define BLANKS		" \t"

/* Where the parse is, for its messages. */
struct conf_parse {
	const char *path;
	unsigned int line;
	char *why;
	size_t why_len;
};

static int __attribute__((format(printf, 2, 3)))
refuse(struct conf_parse *p, const char *fmt, ...)
{
	int n = snprintf(p->why, p->why_len, "%s:%u: ", p->path, p->line);
	va_list ap;

	if (n >= 0 && (size_t)n < p->why_len) {
		va_start(ap, fmt);
		vsnprintf(p->why + n, p->why_len - n, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

static int find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_CONF_KEYS; i++)
		if (strlen(conf_keys[i].name) == len &&
		    !strncmp(conf_keys[i].name, name, len))
			return (int)i;
	return -1;
}

const char *khib_conf_keys(void)
{
	static char list[128];

	if (list[0])
		return list;
	for (size_t i = 0, n = 0; i < NR_CONF_KEYS; i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
			      conf_keys[i].name,
			      i + 1 < NR_CONF_KEYS ? ", " : "");
	return list;
}

bool khib_conf_known(const char *key)
{
	return find_key(key, strlen(key)) >= 0;
}

const char *khib_conf_value(const struct khib_conf *conf, const char *key)
{
	int i = find_key(key, strlen(key));

	return i >= 0 && conf->set[i] ? conf->value[i] : NULL;
}

const char *khib_conf_setting(const struct khib_conf *conf, const char *key)
{
	const char *value = khib_conf_value(conf, key);
	int i = find_key(key, strlen(key));

	return value ? value : i >= 0 ? conf_keys[i].fallback : NULL;
}

const char *khib_conf_path(void)
{
	const char *path = secure_getenv(KHIB_CONF_ENV);

	return path && *path ? path : KHIB_CONF_PATH;
}

static int check_number(struct conf_parse *p, const struct conf_key *k,
			const char *v)
{
	unsigned long n;

	if (v[0] == '0' && v[1] >= '0' && v[1] <= '9')
		return refuse(p, "%s=%s: a leading zero (the shell reads that as octal); write the decimal number from %lu to %lu without it",
			      k->name, v, k->min, k->max);
	if (!cmdline_parse_ulong(v, &n)) {
		if (errno != ERANGE)
			return refuse(p, "%s=%s: not a decimal number; expected a whole number from %lu to %lu, digits only",
				      k->name, v, k->min, k->max);
		n = ULONG_MAX;
	}
	if (n < k->min || n > k->max)
		return refuse(p, "%s=%s is out of range: expected a whole number from %lu to %lu",
			      k->name, v, k->min, k->max);
	return 0;
}

static int check_choice(struct conf_parse *p, const struct conf_key *k,
			const char *v)
{
	char list[64];
	size_t n = 0;

	for (int i = 0; k->choices[i]; i++) {
		if (!strcmp(v, k->choices[i]))
			return 0;
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
			      i ? (k->choices[i + 1] ? ", " : " or ") : "",
			      k->choices[i]);
	}
	return refuse(p, "%s=%s: expected %s", k->name, v, list);
}

/* Is @v what @k wants? */
static int check_value(struct conf_parse *p, const struct conf_key *k,
		       const char *v)
{
	char device[KHIB_CONF_LINE_MAX + 32];

	switch (k->kind) {
	case CONF_DEVICE:
		if (!khib_device_path(v, device, sizeof(device)))
			return refuse(p, "%s=%s: expected a device path (/dev/...), PARTUUID= or PARTLABEL=",
				      k->name, v);
		return 0;
	case CONF_PATH:
		if (v[0] != '/')
			return refuse(p, "%s=%s: expected an absolute path",
				      k->name, v);
		return 0;
	case CONF_NUMBER:
		return check_number(p, k, v);
	case CONF_CHOICE:
		return check_choice(p, k, v);
	}
	return refuse(p, "%s: no check for this key (a bug)", k->name);
}

/*
 * Cut the value that starts at @s out of its line, quoted or not, and
 * check that nothing but blanks follows it.
 */
static int cut_value(struct conf_parse *p, const struct conf_key *k,
		     char *s, char **value)
{
	bool quoted = *s == '"' || *s == '\'';
	char *end, *rest, *quote;

	*value = s + quoted;
	if (*s == '#')
		return refuse(p, "%s= is followed by a comment, not a value; comments go on lines of their own",
			      k->name);
	if (quoted) {
		end = strchr(s + 1, *s);
		if (!end)
			return refuse(p, "%s: unmatched %c quote; close it at the end of the value",
				      k->name, *s);
		rest = end + 1;
	} else {
		end = s + strcspn(s, BLANKS);
		quote = strpbrk(s, "\"'");
		if (quote && quote < end)
			return refuse(p, "%s: a quote inside the value; quote all of the value or none of it",
				      k->name);
		rest = end;
	}
	rest += strspn(rest, BLANKS);
	*end = '\0';
	if (*rest == '#')
		return refuse(p, "%s: a comment after the value; comments go on lines of their own, starting with #",
			      k->name);
	if (*rest)
		return refuse(p, quoted ?
			      "%s: text after the closing quote; expected the end of the line" :
			      "%s: blanks inside the value; quote the whole value if they belong to it",
			      k->name);
	if (!**value)
		return refuse(p, "%s: no value; comment the line out to get the default",
			      k->name);
	return 0;
}

/* One line, of @len bytes (the first KHIB_CONF_LINE_MAX of them in @line). */
static int parse_line(struct conf_parse *p, char *line, long len,
		      struct khib_conf *conf)
{
	char *s = line + strspn(line, BLANKS), *value;
	size_t key_len;
	int i;

	if (len > KHIB_CONF_LINE_MAX)
		return refuse(p, "the line is %ld bytes long, over the %d a line may hold",
			      len, KHIB_CONF_LINE_MAX);
	if ((long)strlen(line) != len)
		return refuse(p, "a NUL byte: khib.conf must be plain text");
	for (char *c = line; *c; c++)
		if ((*c > 0 && *c < ' ' && *c != '\t') || *c == 0x7f)
			return refuse(p, "a control character (0x%02x): khib.conf must be plain text with Unix line ends",
				      *c);
	if (!*s || *s == '#')
		return 0;
	key_len = strcspn(s, "=" BLANKS);
	if (!key_len || s[key_len + strspn(s + key_len, BLANKS)] != '=')
		return refuse(p, "expected key=value, or a comment starting with #");
	i = find_key(s, key_len);
	if (i < 0)
		return refuse(p, "unknown key \"%.*s\"; the keys are %s",
			      (int)key_len, s, khib_conf_keys());
	s = strchr(s + key_len, '=') + 1;
	s += strspn(s, BLANKS);
	if (cut_value(p, &conf_keys[i], s, &value) ||
	    check_value(p, &conf_keys[i], value))
		return -1;
	/* The last setting of a key wins. */
	strcpy(conf->value[i], value);
	conf->set[i] = true;
	return 0;
}

/*
 * Read one whole line into @buf (KHIB_CONF_LINE_MAX + 1 bytes), without
 * its newline.  A longer one is read to its end all the same, so that its
 * tail is never taken for a line of its own.  Returns the line's length,
 * or -1 at the end of the file.
 */
static long read_line(FILE *f, char *buf)
{
	long len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (len < KHIB_CONF_LINE_MAX)
			buf[len] = (char)c;
		len++;
	}
	if (c == EOF && !len)
		return -1;
	buf[len < KHIB_CONF_LINE_MAX ? len : KHIB_CONF_LINE_MAX] = '\0';
	return len;
}

int khib_conf_read(const char *path, struct khib_conf *conf, char *why,
		   size_t why_len)
{
	struct conf_parse p = {
		.path = path ? path : khib_conf_path(),
		.why = why,
		.why_len = why_len,
	};
	char line[KHIB_CONF_LINE_MAX + 1];
	int ret = 0, saved;
	FILE *f;
	long len;

	memset(conf, 0, sizeof(*conf));
	f = fopen(p.path, "r");
	if (!f && errno == ENOENT)
		return 0;
	if (!f)
		goto unreadable;
	while (!ret && (len = read_line(f, line)) >= 0) {
		p.line++;
		ret = parse_line(&p, line, len, conf);
	}
	saved = errno;
	if (!ret && ferror(f)) {
		fclose(f);
		errno = saved;
		goto unreadable;
	}
	fclose(f);
	errno = saved;
	/* An invalid file sets nothing: no tool goes on with half of it. */
	if (ret)
		memset(conf->set, 0, sizeof(conf->set));
	return ret;

unreadable:
	saved = errno;
	snprintf(why, why_len, "cannot read %s: %s", p.path, strerror(saved));
	errno = saved;
	return -1;
}

int khib_conf_get(const char *path, const char *key, char *value,
		  size_t value_len, char *why, size_t why_len)
{
	struct khib_conf conf;
	const char *v;

	if (khib_conf_read(path, &conf, why, why_len))
		return -1;
	v = khib_conf_value(&conf, key);
	if (!v)
		return 0;
	if (snprintf(value, value_len, "%s", v) >= (int)value_len) {
		snprintf(why, why_len, "%s: the value of %s is %zu bytes long, more than the %zu bytes this tool takes",
			 path ? path : khib_conf_path(), key, strlen(v),
			 value_len - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	return 1;
}

bool khib_device_path(const char *name, char *path, size_t path_len)
{
	static const struct {
		const char *tag, *dir;
	} links[] = {
		{ "PARTUUID=", "/dev/disk/by-partuuid/" },
		{ "PARTLABEL=", "/dev/disk/by-partlabel/" },
	};
	int n = -1;

	/*
	 * udev links these only for a file system or swap signature, which
	 * the first image overwrites: the next boot would wait for a link
	 * that never comes.
	 */
	if (!strncmp(name, "UUID=", 5) || !strncmp(name, "LABEL=", 6)) {
		errno = EMEDIUMTYPE;
		return false;
	}
	if (name[0] == '/') {
		n = snprintf(path, path_len, "%s", name);
	} else {
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
			size_t len = strlen(links[i].tag);

			if (!strncmp(name, links[i].tag, len) && name[len] &&
			    !strchr(name + len, '/')) {
				n = snprintf(path, path_len, "%s%s",
					     links[i].dir, name + len);
				break;
			}
		}
	}
	if (n < 0 || n >= (int)path_len) {
		errno = EINVAL;
		return false;
	}
	return true;
}

bool khib_configured_target(char *path, size_t path_len, char *name,
			    size_t name_len)
{
	char why[512];
	int ret;

	if (cmdline_get(NULL, "khib.resume", name, name_len))
		return khib_device_path(name, path, path_len);
	ret = khib_conf_get(NULL, "target", name, name_len, why, sizeof(why));
	if (ret < 0) {
		snprintf(name, name_len, "%s", why);
		errno = EBADMSG;
		return false;
	}
	if (!ret) {
		name[0] = '\0';
		errno = ENOENT;
		return false;
	}
	return khib_device_path(name, path, path_len);
}
