/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The master key at resume (docs/security.md): opening an encrypted
 * image asks for it once (the key file of khib.conf, or a passphrase on
 * the console), and a machine with a key store refuses images in clear.
 */
#ifndef KHIB_RESUME_KEY_H
#define KHIB_RESUME_KEY_H

#include <stdbool.h>

#include "image_reader.h"

/* Whether this machine encrypts its images: its key store exists. */
bool resume_key_configured(void);

/*
 * image_open() for an image that may be encrypted: the key is asked for
 * the first time one is needed, and kept for the next opens.  If it could
 * not be had, the verdict is IMAGE_CORRUPT with r->locked set.
 */
enum image_verdict resume_key_open(struct image_reader *r,
				   const char *device, bool writable);

/*
 * For a restore in place: a descriptor of the initramfs that hands the
 * key to the hibernate kernel (key_handover.h), or -1 if there is no key.
 */
int resume_key_handover(void);

/* Forget the key. */
void resume_key_wipe(void);

#endif
