// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "conf_query.h"
#include "khib_conf.h"

int conf_query(const char *key)
{
	struct khib_conf conf;
	const char *value;
	char why[600];

	if (!khib_conf_known(key)) {
		fprintf(stderr, "khib-restore: --conf: unknown key \"%s\"; the keys are %s\n",
			key, khib_conf_keys());
		return 2;
	}
	if (khib_conf_read(NULL, &conf, why, sizeof(why))) {
		fprintf(stderr, "khib-restore: %s\n", why);
		return 2;
	}
	value = khib_conf_setting(&conf, key);
	/* A value lost on the way would pass for no value. */
	if (value && (printf("%s\n", value) < 0 || fflush(stdout))) {
		perror("khib-restore: --conf");
		return 2;
	}
	return 0;
}
