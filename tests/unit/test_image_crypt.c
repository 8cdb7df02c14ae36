// SPDX-License-Identifier: GPL-2.0
/*
 * Encrypted images' cryptography (image_crypt.c): what is sealed opens
 * only with its own key, domain and associated data; a changed byte
 * anywhere is refused; wrapped keys open only under their key and
 * associated data; the key-encryption keys are reproducible from the
 * same secret and salt and differ otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "image_crypt.h"
#include "tap.h"

#define LEN	(64 * 1024)

struct header {
	uint64_t index;
	uint64_t image_id;
};

static uint8_t plain[LEN], buf[LEN];

static void chunks(void)
{
	struct image_keys keys, other;
	struct header h = { .index = 7, .image_id = 0x1234 };
	uint8_t tag[IMAGE_CRYPT_TAG_BYTES], tag2[IMAGE_CRYPT_TAG_BYTES];
	size_t i;

	for (i = 0; i < LEN; i++)
		plain[i] = i * 31 + 7;
	image_keys_new(&keys);
	image_keys_new(&other);
	ok(memcmp(keys.data_key, other.data_key, sizeof(keys.data_key)) &&
	   memcmp(keys.nonce_prefix, other.nonce_prefix,
		  sizeof(keys.nonce_prefix)),
	   "two images get different data keys and nonce prefixes");

	memcpy(buf, plain, LEN);
	ok(!image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag) &&
	   memcmp(buf, plain, LEN), "a chunk is sealed in place");
	ok(!image_crypt_open(&keys, h.index, &h, sizeof(h), buf, LEN, tag) &&
	   !memcmp(buf, plain, LEN), "and opens to what it was");

	{
		static uint8_t again[LEN];

		memcpy(buf, plain, LEN);
		memcpy(again, plain, LEN);
		image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag);
		image_crypt_seal(&keys, h.index + 1, &h, sizeof(h), again, LEN,
				 tag2);
		ok(memcmp(buf, again, LEN) && memcmp(tag, tag2, sizeof(tag)),
		   "the same data in another domain seals differently (no nonce reuse)");
	}

	buf[LEN / 2] ^= 0x10;
	ok(image_crypt_open(&keys, h.index, &h, sizeof(h), buf, LEN, tag),
	   "a flipped bit in the ciphertext is refused");
	ok(buf[0] == 0 && buf[LEN - 1] == 0, "and nothing of it is left in the buffer");

	memcpy(buf, plain, LEN);
	image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag);
	h.image_id ^= 1;
	ok(image_crypt_open(&keys, h.index, &h, sizeof(h), buf, LEN, tag),
	   "a changed header (associated data) is refused");
	h.image_id ^= 1;

	memcpy(buf, plain, LEN);
	image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag);
	ok(image_crypt_open(&keys, h.index + 1, &h, sizeof(h), buf, LEN, tag),
	   "a chunk opened at another index (moved or replayed) is refused");

	memcpy(buf, plain, LEN);
	image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag);
	ok(image_crypt_open(&other, h.index, &h, sizeof(h), buf, LEN, tag),
	   "a chunk of another image (another data key) is refused");

	memcpy(buf, plain, LEN);
	image_crypt_seal(&keys, IMAGE_CRYPT_REGION_MAP, NULL, 0, buf, LEN, tag);
	ok(image_crypt_open(&keys, IMAGE_CRYPT_REGION_ZERO_MAP, NULL, 0, buf,
			    LEN, tag),
	   "a region opened as another region is refused");

	memcpy(buf, plain, LEN);
	image_crypt_seal(&keys, h.index, &h, sizeof(h), buf, LEN, tag);
	tag[3] ^= 1;
	ok(image_crypt_open(&keys, h.index, &h, sizeof(h), buf, LEN, tag),
	   "a damaged tag is refused");
}

static void wraps(void)
{
	uint8_t kek[IMAGE_CRYPT_KEY_BYTES], key[IMAGE_CRYPT_KEY_BYTES];
	uint8_t out[IMAGE_CRYPT_KEY_BYTES], wrong[IMAGE_CRYPT_KEY_BYTES];
	const char aad[] = "superblock fields";
	struct khib_wrapped_key w, w2;

	memset(kek, 0xa5, sizeof(kek));
	memset(key, 0x3c, sizeof(key));
	ok(!image_crypt_wrap(kek, key, aad, sizeof(aad), &w) &&
	   !memmem(&w, sizeof(w), key, 8), "a key is wrapped; its bytes do not show");
	ok(!image_crypt_unwrap(kek, &w, aad, sizeof(aad), out) &&
	   !memcmp(out, key, sizeof(key)), "and unwraps under its key");
	image_crypt_wrap(kek, key, aad, sizeof(aad), &w2);
	ok(memcmp(w.nonce, w2.nonce, sizeof(w.nonce)) &&
	   memcmp(w.sealed, w2.sealed, sizeof(w.sealed)),
	   "two wraps of one key take different nonces and differ");
	memcpy(wrong, kek, sizeof(kek));
	wrong[0] ^= 1;
	ok(image_crypt_unwrap(wrong, &w, aad, sizeof(aad), out) &&
	   !memcmp(out, (uint8_t[IMAGE_CRYPT_KEY_BYTES]){ 0 }, sizeof(out)),
	   "a wrong key-encryption key is refused, and nothing returned");
	ok(image_crypt_unwrap(kek, &w, aad, sizeof(aad) - 2, out),
	   "changed associated data (a superblock field) is refused");
	w.sealed[5] ^= 1;
	ok(image_crypt_unwrap(kek, &w, aad, sizeof(aad), out),
	   "a damaged wrapped key is refused");
}

static void keks(void)
{
	uint8_t salt[IMAGE_CRYPT_SALT_BYTES] = { 1, 2, 3 };
	uint8_t a[IMAGE_CRYPT_KEY_BYTES], b[IMAGE_CRYPT_KEY_BYTES];
	/* The least memory and passes Argon2id allows: a unit test. */
	const uint64_t ops = 1, mem = 8192;

	ok(!image_crypt_kek_passphrase("correct horse", 13, salt, ops, mem, a) &&
	   !image_crypt_kek_passphrase("correct horse", 13, salt, ops, mem, b) &&
	   !memcmp(a, b, sizeof(a)),
	   "a passphrase and salt give the same key-encryption key every time");
	image_crypt_kek_passphrase("correct horsf", 13, salt, ops, mem, b);
	ok(memcmp(a, b, sizeof(a)), "another passphrase gives another key");
	salt[0] ^= 1;
	image_crypt_kek_passphrase("correct horse", 13, salt, ops, mem, b);
	ok(memcmp(a, b, sizeof(a)), "another salt gives another key");
	ok(image_crypt_kek_passphrase("x", 1, salt, 0, mem, a) &&
	   image_crypt_kek_passphrase("x", 1, salt, ops, 1024, a),
	   "Argon2id parameters below the minimum are refused");

	ok(!image_crypt_kek_key_file("0123456789", 10, salt, a) &&
	   !image_crypt_kek_key_file("0123456789", 10, salt, b) &&
	   !memcmp(a, b, sizeof(a)), "a key file and salt give the same key every time");
	image_crypt_kek_key_file("0123456788", 10, salt, b);
	ok(memcmp(a, b, sizeof(a)), "another key file gives another key");
	image_crypt_wipe(a, sizeof(a));
	ok(!memcmp(a, (uint8_t[IMAGE_CRYPT_KEY_BYTES]){ 0 }, sizeof(a)),
	   "a wiped key is all zero");
}

int main(void)
{
	if (image_crypt_init()) {
		printf("Bail out! libsodium does not start\n");
		return 1;
	}
	chunks();
	wraps();
	keks();
	return tap_done();
}
