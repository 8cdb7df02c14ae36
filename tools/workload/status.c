// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "status.h"

volatile sig_atomic_t status_check_requested;

static void on_check_request(int sig)
{
	(void)sig;
	status_check_requested = 1;
}

void status_catch_check_request(void)
{
	struct sigaction sa = {
		.sa_handler = on_check_request,
		.sa_flags = SA_RESTART,
	};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

void status_write(const char *path, const char *text)
{
	char tmp[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}
