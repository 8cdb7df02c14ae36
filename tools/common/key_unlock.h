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
 * Ask for a passphrase: through Plymouth while it shows a boot splash;
 * through systemd's password agents (systemd-ask-password: the console,
 * a desktop, "systemd-tty-ask-password-agent") when there is no terminal,
 * as in a service; else on the terminal (stdin when there is none), with
 * echo off.  Its length without the newline, or -1 on end of input or
 * when no one answered.
 */
long passphrase_ask(const char *prompt, char *buf, size_t cap);

/*
 * The master key of the store at @store_path: from @key_file if it is
 * not NULL, else unsealed by the TPM if the store has a TPM slot, else
 * (or if the TPM refuses: the boot state changed) from a passphrase
 * asked up to @tries times.  0 with @key_sources set to the store's
 * (key_store_sources()), or -1 with why set.
 */
int key_unlock(const char *store_path, const char *key_file, int tries,
	       uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
	       uint32_t *key_sources, char *why, size_t why_len);

/* The key store khib.conf names (key_store=), or its default. */
void key_store_configured(char *path, size_t len);

/* key_unlock() with the store and key file (key_file=) of khib.conf. */
int key_unlock_configured(int tries, uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			  uint32_t *key_sources, char *why, size_t why_len);

#endif
