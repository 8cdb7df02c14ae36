/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /etc/khib.conf, the one configuration file every khib tool reads:
 * "key=value" lines, '#' comments, blank lines; shell-compatible, so the
 * shell tools read the same file.  docs/configuration.md lists the keys.
 */
#ifndef KHIB_CONF_H
#define KHIB_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define KHIB_CONF_PATH	"/etc/khib.conf"

/*
 * Copy the value of @key in the configuration file @path (KHIB_CONF_PATH
 * when NULL) to @value, without quotes.  False if the file or the key is
 * absent, or the value does not fit.
 */
bool khib_conf_get(const char *path, const char *key, char *value,
		   size_t value_len);

/*
 * The device path a target names: a path as it is, UUID=, PARTUUID=,
 * LABEL= or PARTLABEL= as the /dev/disk/by-* link udev makes for it.
 * False (errno EINVAL) for an unknown form or a value that does not fit.
 */
bool khib_device_path(const char *name, char *path, size_t path_len);

/*
 * The image target this machine is set up for: khib.resume= on the kernel
 * command line, else "target" in KHIB_CONF_PATH, as a device path.  False
 * if neither names one (errno ENOENT) or the name is not understood
 * (EINVAL); @name gets the name either way, if there is one.
 */
bool khib_configured_target(char *path, size_t path_len, char *name,
			    size_t name_len);

#endif
