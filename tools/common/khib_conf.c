// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "khib_conf.h"

/* Strip blanks around @s, and one pair of quotes around the rest. */
static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s[n - 1] = '\0';
		s++;
	}
	return s;
}

bool khib_conf_get(const char *path, const char *key, char *value,
		   size_t value_len)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path ? path : KHIB_CONF_PATH, "r");

	if (!f)
		return false;
	/* The last setting wins, as when the shell reads the file. */
	while (fgets(line, sizeof(line), f)) {
		char *name = trim(line);
		char *eq = strchr(name, '=');

		if (*name == '#' || !eq)
			continue;
		*eq = '\0';
		if (strcmp(trim(name), key))
			continue;
		found = snprintf(value, value_len, "%s", trim(eq + 1)) <
			(int)value_len;
	}
	fclose(f);
	return found;
}

bool khib_device_path(const char *name, char *path, size_t path_len)
{
	static const struct {
		const char *tag, *dir;
	} links[] = {
		{ "UUID=", "/dev/disk/by-uuid/" },
		{ "PARTUUID=", "/dev/disk/by-partuuid/" },
		{ "LABEL=", "/dev/disk/by-label/" },
		{ "PARTLABEL=", "/dev/disk/by-partlabel/" },
	};
	int n = -1;

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
	if (!cmdline_get(NULL, "khib.resume", name, name_len) &&
	    !khib_conf_get(NULL, "target", name, name_len)) {
		name[0] = '\0';
		errno = ENOENT;
		return false;
	}
	return khib_device_path(name, path, path_len);
}
