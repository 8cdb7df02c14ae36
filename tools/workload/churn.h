/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHIB_WORKLOAD_CHURN_H
#define KHIB_WORKLOAD_CHURN_H

/*
 * Keep a disk file system busy across hibernations and check, on SIGUSR1,
 * that nothing written was lost or changed.  Never returns unless an
 * operation fails.
 */
int churn(const char *dir, const char *status);

#endif
