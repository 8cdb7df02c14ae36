/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the workload's long-running modes talk to the test script: status
 * files replaced atomically, and SIGUSR1 asking for a check.
 */
#ifndef KHIB_WORKLOAD_STATUS_H
#define KHIB_WORKLOAD_STATUS_H

#include <signal.h>

extern volatile sig_atomic_t status_check_requested;

/* Set status_check_requested on SIGUSR1. */
void status_catch_check_request(void);
/* Replace @path with @text in one rename, so a reader never sees half. */
void status_write(const char *path, const char *text);

#endif
