/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /etc/khib.conf, the one configuration file every khib tool reads, and
 * its one parser: the shell scripts ask "khib-restore --conf KEY" rather
 * than read the file themselves, so that all agree (khib.conf(5)).
 *
 * A line is blank, a comment (its first non-blank is '#'), or
 * "key=value", with blanks allowed around the key, the '=' and the value.
 * A value may be wrapped in one pair of double or single quotes, which
 * then may hold blanks.  Everything else is refused with the line's
 * number: an unknown key, a comment after a value, a bad or out-of-range
 * number (decimal only, no sign, no leading zero), a line longer than
 * KHIB_CONF_LINE_MAX bytes, an unmatched quote, blanks in an unquoted
 * value, an empty value, control characters.  The last setting of a key
 * wins.  A missing file sets nothing.
 *
 * $KHIB_CONF, if set, names another file to read instead (for tests).
 */
#ifndef KHIB_CONF_H
#define KHIB_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define KHIB_CONF_PATH		"/etc/khib.conf"
#define KHIB_CONF_ENV		"KHIB_CONF"
#define KHIB_CONF_LINE_MAX	511	/* bytes of a line, newline excluded */
#define KHIB_CONF_MAX_KEYS	12

/* What to say about a target named by UUID= or LABEL=. */
#define KHIB_TARGET_NAMES_HINT \
	"UUID= and LABEL= name a file system, and a khib target holds none (udev makes no link for it once an image is written): name it by PARTUUID=, PARTLABEL= or a /dev/disk/by-id path"

/*
 * The ranges of the settings, shared with the hibernate kernel's command
 * line, which carries them (khib.level=, nr_cpus=).  zstd goes to 22, but
 * levels past 19 (its "ultra" ones) only cost time on 1-MiB chunks.
 */
#define KHIB_LEND_MIB_MIN	32
#define KHIB_LEND_MIB_MAX	4096
#define KHIB_CPUS_MAX		512
#define KHIB_LEVEL_MAX		19
/* Seconds khib-load -A waits after a resume before it parks (-w). */
#define KHIB_PARK_DELAY_MAX	3600
/* The pre-copy's write rate at most, MB/s; 0 for no limit. */
#define KHIB_PRECOPY_MBPS_MAX	100000

/* The settings of one file: value[i] is that of the table's key i. */
struct khib_conf {
	bool set[KHIB_CONF_MAX_KEYS];
	char value[KHIB_CONF_MAX_KEYS][KHIB_CONF_LINE_MAX + 1];
};

/* The file read when no path is given: $KHIB_CONF, else KHIB_CONF_PATH. */
const char *khib_conf_path(void);

/*
 * Read and check the whole file @path (khib_conf_path() when NULL) into
 * @conf.  0 when it is valid or missing; -1 otherwise (errno EINVAL for a
 * bad line, else the error that stopped the read), with the reason in
 * @why as "PATH:LINE: what is wrong, what is expected".
 */
int khib_conf_read(const char *path, struct khib_conf *conf, char *why,
		   size_t why_len);

/* Whether @key is a setting khib.conf may hold. */
bool khib_conf_known(const char *key);

/* The known keys, as "target, kernel, ...", for messages. */
const char *khib_conf_keys(void);

/* The value of @key in @conf, or NULL if it is not set or not known. */
const char *khib_conf_value(const struct khib_conf *conf, const char *key);

/* The value of @key in @conf, else its default, else NULL (no default). */
const char *khib_conf_setting(const struct khib_conf *conf, const char *key);

/*
 * Copy the value of @key in the file @path (khib_conf_path() when NULL)
 * to @value.  1 if it is set, 0 if not (or the file is missing), -1 if
 * the file is invalid or unreadable, or the value does not fit (errno
 * ENAMETOOLONG), with the reason in @why.
 */
int khib_conf_get(const char *path, const char *key, char *value,
		  size_t value_len, char *why, size_t why_len);

/*
 * The device path a target names: a path as it is, PARTUUID= or
 * PARTLABEL= as the /dev/disk/by-* link udev makes for it.  False, errno
 * EMEDIUMTYPE, for UUID= and LABEL= (a file system's names, which a khib
 * target does not keep: KHIB_TARGET_NAMES_HINT), EINVAL for an unknown
 * form or a value that does not fit.
 */
bool khib_device_path(const char *name, char *path, size_t path_len);

/*
 * The image target this machine is set up for: khib.resume= on the kernel
 * command line, else "target" in khib_conf_path(), as a device path.
 * False if neither names one (errno ENOENT), the name is not understood
 * (EINVAL) or the file is invalid (EBADMSG).  @name gets the name, if
 * there is one, or with EBADMSG the file's "PATH:LINE: ..." reason.
 */
bool khib_configured_target(char *path, size_t path_len, char *name,
			    size_t name_len);

#endif
