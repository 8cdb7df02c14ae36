/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last step of a restore in place: load the code that moves the
 * parked pages home and jumps into the restored kernel, and run it.
 */
#ifndef KHIB_RESTORE_JUMP_H
#define KHIB_RESTORE_JUMP_H

#include <stddef.h>
#include <stdint.h>

#include "inplace_plan.h"

/*
 * Load the restore code for @plan with kexec.  @header_page is the image's
 * header page, whose x86 part names restore_registers() and the page
 * tables to jump with.  Return 0, or -1 with @why filled in.
 */
int restore_jump_load(const struct inplace_plan *plan,
		      const uint8_t *header_page, char *why, size_t why_len);

/* Run it.  Returns only if the kexec could not start, with errno set. */
void restore_jump(void);

#endif
