/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cryptography of encrypted images (docs/security.md): one AEAD,
 * XChaCha20-Poly1305, for everything; a random data key per image, which
 * seals every chunk and every metadata region; the data key wrapped by
 * the master key; the master key wrapped by a key-encryption key that a
 * passphrase (Argon2id) or a key file gives.
 *
 * Nonces never repeat under one key: a data key seals one image, and each
 * region of it under its own 64-bit domain (a chunk's index, or one of
 * the IMAGE_CRYPT_REGION_* values, which no group number reaches) after
 * the image's random nonce prefix.  A wrap takes a random 192-bit nonce.
 *
 * Every function returns 0 on success and -1 on failure: for an open or
 * unwrap, failure means the key is wrong or the data or its associated
 * data changed.
 */
#ifndef IMAGE_CRYPT_H
#define IMAGE_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "khib_image.h"

#define IMAGE_CRYPT_KEY_BYTES		32
#define IMAGE_CRYPT_TAG_BYTES		16
#define IMAGE_CRYPT_PREFIX_BYTES	16	/* + 8 bytes of domain */
#define IMAGE_CRYPT_WRAP_NONCE_BYTES	24
#define IMAGE_CRYPT_SALT_BYTES		16

/* Domains of the metadata regions: above every group number. */
#define IMAGE_CRYPT_REGION_BASE		(1ULL << 63)
#define IMAGE_CRYPT_REGION_HEADER	(IMAGE_CRYPT_REGION_BASE + 1)
#define IMAGE_CRYPT_REGION_MAP		(IMAGE_CRYPT_REGION_BASE + 2)
#define IMAGE_CRYPT_REGION_ZERO_MAP	(IMAGE_CRYPT_REGION_BASE + 3)
#define IMAGE_CRYPT_REGION_MEM_MAP	(IMAGE_CRYPT_REGION_BASE + 4)

/* The keys of one image.  Only the nonce prefix may be stored in clear. */
struct image_keys {
	uint8_t data_key[IMAGE_CRYPT_KEY_BYTES];
	uint8_t nonce_prefix[IMAGE_CRYPT_PREFIX_BYTES];
};


/* Once, before anything else; -1 if the library cannot start. */
int image_crypt_init(void);

/* Fresh random keys for a new image. */
void image_keys_new(struct image_keys *keys);

/* Overwrite secret bytes so that no copy outlives their use. */
void image_crypt_wipe(void *secret, size_t len);

/* Encrypt @len bytes of @buf in place; the tag covers @aad too. */
int image_crypt_seal(const struct image_keys *keys, uint64_t domain,
		     const void *aad, size_t aad_len, void *buf, size_t len,
		     uint8_t tag[IMAGE_CRYPT_TAG_BYTES]);

/* Check @tag and decrypt in place; @buf is zeroed on failure. */
int image_crypt_open(const struct image_keys *keys, uint64_t domain,
		     const void *aad, size_t aad_len, void *buf, size_t len,
		     const uint8_t tag[IMAGE_CRYPT_TAG_BYTES]);

/* Seal @key under @kek, bound to @aad. */
int image_crypt_wrap(const uint8_t kek[IMAGE_CRYPT_KEY_BYTES],
		     const uint8_t key[IMAGE_CRYPT_KEY_BYTES],
		     const void *aad, size_t aad_len, struct khib_wrapped_key *out);

/* Open a wrapped key; @key is zeroed on failure. */
int image_crypt_unwrap(const uint8_t kek[IMAGE_CRYPT_KEY_BYTES],
		       const struct khib_wrapped_key *in, const void *aad,
		       size_t aad_len, uint8_t key[IMAGE_CRYPT_KEY_BYTES]);

/*
 * A key-encryption key from a passphrase: Argon2id with @salt, @ops
 * passes over @mem_bytes of memory (recorded beside the wrapped key).
 */
int image_crypt_kek_passphrase(const char *passphrase, size_t len,
			       const uint8_t salt[IMAGE_CRYPT_SALT_BYTES],
			       uint64_t ops, uint64_t mem_bytes,
			       uint8_t kek[IMAGE_CRYPT_KEY_BYTES]);

/* A key-encryption key from the bytes of a key file, with @salt. */
int image_crypt_kek_key_file(const void *bytes, size_t len,
			     const uint8_t salt[IMAGE_CRYPT_SALT_BYTES],
			     uint8_t kek[IMAGE_CRYPT_KEY_BYTES]);

#endif
