// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "key_handover.h"
#include "key_store.h"
#include "key_unlock.h"
#include "resume_key.h"

/* Three passphrases, then the boot stops with the image kept. */
#define PASSPHRASE_TRIES	3

static uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
static uint32_t key_sources;
static enum { KEY_NOT_ASKED, KEY_HELD, KEY_MISSING } key_state;
static char key_why[200];

bool resume_key_configured(void)
{
	char path[512];

	key_store_configured(path, sizeof(path));
	return access(path, F_OK) == 0;
}

static void ask_for_key(void)
{
	key_state = key_unlock_configured(PASSPHRASE_TRIES, master_key,
					  &key_sources, key_why,
					  sizeof(key_why)) ? KEY_MISSING :
							     KEY_HELD;
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
