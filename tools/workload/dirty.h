/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHIB_WORKLOAD_DIRTY_H
#define KHIB_WORKLOAD_DIRTY_H

/*
 * Keep @mib MiB of anonymous memory and write a word into every page of
 * it once a second, so that a known share of RAM keeps changing (what a
 * pre-copy must write again).  Never returns unless memory is refused.
 */
int dirty(long mib);

#endif
