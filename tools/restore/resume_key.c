// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "key_handover.h"
#include "key_store.h"
#include "key_unlock.h"
#include "khib_conf.h"
#include "resume_key.h"

/* Three passphrases, then the boot stops with the image kept. */
#define PASSPHRASE_TRIES	3

static uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
static uint32_t key_sources;
static enum { KEY_NOT_ASKED, KEY_HELD, KEY_MISSING } key_state;
static char key_why[200];

static void store_path(char *path, size_t len)
{
	char why[256];

	if (khib_conf_get(NULL, "key_store", path, len, why, sizeof(why)) <= 0)
		snprintf(path, len, "%s", KHIB_KEYS_PATH);
}

bool resume_key_configured(void)
{
	char path[512];

	store_path(path, sizeof(path));
	return access(path, F_OK) == 0;
}

static void ask_for_key(void)
{
	char path[512], key_file[512], why[256];
	int has_file;

	store_path(path, sizeof(path));
	has_file = khib_conf_get(NULL, "key_file", key_file, sizeof(key_file),
				 why, sizeof(why));
	if (key_unlock(path, has_file > 0 ? key_file : NULL, PASSPHRASE_TRIES,
		       master_key, &key_sources, key_why, sizeof(key_why))) {
		key_state = KEY_MISSING;
		return;
	}
	key_state = KEY_HELD;
}

enum image_verdict resume_key_open(struct image_reader *r,
				   const char *device, bool writable)
{
	enum image_verdict v;

	v = image_open_keyed(r, device, writable,
			     key_state == KEY_HELD ? master_key : NULL);
	if (v != IMAGE_CORRUPT || !r->locked || key_state != KEY_NOT_ASKED)
		goto out;
	ask_for_key();
	if (key_state == KEY_HELD)
		v = image_open_keyed(r, device, writable, master_key);
out:
	if (v == IMAGE_CORRUPT && r->locked && key_state == KEY_MISSING)
		snprintf(r->why, sizeof(r->why), "the image is encrypted: %s",
			 key_why);
	return v;
}

int resume_key_handover(void)
{
	return key_state == KEY_HELD ? key_handover_make(master_key, key_sources) : -1;
}

void resume_key_wipe(void)
{
	image_crypt_wipe(master_key, sizeof(master_key));
	key_state = KEY_NOT_ASKED;
}
