/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Getting the master key out of the key store (key_store.h): with the key
 * file the operator named, or with a passphrase asked on the terminal.
 * Shared by khib-key (at load, at setup) and khib-restore (at resume).
 */
#ifndef KHIB_KEY_UNLOCK_H
#define KHIB_KEY_UNLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "image_crypt.h"

/*
 * Ask for a passphrase on the terminal (stdin when there is none), with
 * echo off: its length without the newline, or -1 on end of input.
 */
long passphrase_ask(const char *prompt, char *buf, size_t cap);

/*
 * The master key of the store at @store_path: from @key_file if it is
 * not NULL, else from a passphrase asked up to @tries times.  0, or -1
 * with why set.
 */
int key_unlock(const char *store_path, const char *key_file, int tries,
	       uint8_t master_key[IMAGE_CRYPT_KEY_BYTES], char *why,
	       size_t why_len);

#endif
