/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last step of a restore in place: load the code that moves the
 * parked pages home and jumps into the restored kernel, and run it.
 */
#ifndef KHIB_RESTORE_JUMP_H
#define KHIB_RESTORE_JUMP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

#include "inplace_plan.h"

/*
 * Load the restore code for @plan with kexec.  @resume is the image's
 * resume record, the hibernating kernel's word on how its kernel is
 * entered.  Return 0, or -1 with @why filled in.
 */
int restore_jump_load(const struct inplace_plan *plan,
		      const struct kexec_hib_resume *resume,
		      char *why, size_t why_len);

/* Run it.  Returns only if the kexec could not start, with errno set. */
void restore_jump(void);

#endif
