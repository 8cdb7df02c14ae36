/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handing the master key to the hibernate kernel (docs/security.md): a
 * one-file initramfs, built in a memfd, that kexec loads beside the
 * hibernate kernel's own; the writer takes the key from it at start and
 * removes the file.  The key is then only in the memory lent to the
 * hibernate kernel, which no image holds.
 */
#ifndef KHIB_KEY_HANDOVER_H
#define KHIB_KEY_HANDOVER_H

#include <stdint.h>

#include "image_crypt.h"

/* Where the hibernate kernel finds the key: a file of its root. */
#define KHIB_KEY_HANDOVER_FILE	"khib-master-key"

/*
 * A memfd holding the initramfs with @master_key and @key_sources (what
 * seals it, recorded in each image: key_store_sources()), positioned at
 * its start and inherited by programs this process runs: its fd, or -1.
 */
int key_handover_make(const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t key_sources);

/* Overwrite the memfd's key with zeros and close it. */
void key_handover_wipe(int fd);

/*
 * In the hibernate kernel: the key and its sources from "/" KHIB_KEY_HANDOVER_FILE,
 * which is then removed.  1 with the key, 0 if none was handed over,
 * -1 if the file is not a key.
 */
int key_handover_take(uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t *key_sources);

#endif
