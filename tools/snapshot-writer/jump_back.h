/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Jumping back to the hibernating kernel: a preserve-context kexec image
 * whose entry is the jump-back point kexec-tools put on our command line.
 */
#ifndef KHIB_JUMP_BACK_H
#define KHIB_JUMP_BACK_H

#include <stddef.h>
#include <stdint.h>

#include "physmem.h"

/*
 * Load the jump-back image.  Its single segment is a copy of the page that
 * holds @entry: the kexec code maps only segments, and swapping the page
 * with an identical copy changes nothing.  Return 0, or -1 with errno set.
 */
int jump_back_load(struct physmem *pm, uint64_t entry);

/*
 * Jump.  Returns 0 when the hibernating kernel enters us again, or -1 with
 * errno set if the jump did not happen.
 */
int jump_back(void);

#endif
