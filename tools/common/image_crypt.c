// SPDX-License-Identifier: GPL-2.0
/*
 * XChaCha20-Poly1305 for image chunks, regions and wrapped keys; Argon2id
 * and keyed BLAKE2b for key-encryption keys.  All of it from libsodium,
 * which runs on every x86-64 CPU (its AES-GCM needs AES-NI) and adds
 * little to the writer, which lives in the memory lent at hibernation.
 */
#include <sodium.h>
#include <string.h>

#include "image_crypt.h"

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES ==
	       IMAGE_CRYPT_KEY_BYTES, "key size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES ==
	       IMAGE_CRYPT_TAG_BYTES, "tag size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
	       IMAGE_CRYPT_PREFIX_BYTES + 8, "nonce size");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ==
	       IMAGE_CRYPT_WRAP_NONCE_BYTES, "wrap nonce size");
_Static_assert(crypto_pwhash_SALTBYTES == IMAGE_CRYPT_SALT_BYTES,
	       "salt size");

int image_crypt_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void image_keys_new(struct image_keys *keys)
{
	randombytes_buf(keys->data_key, sizeof(keys->data_key));
	randombytes_buf(keys->nonce_prefix, sizeof(keys->nonce_prefix));
}

void image_crypt_wipe(void *secret, size_t len)
{
	sodium_memzero(secret, len);
}

/* The image's prefix, then the domain in little-endian order. */
static void region_nonce(const struct image_keys *keys, uint64_t domain,
			 uint8_t nonce[IMAGE_CRYPT_WRAP_NONCE_BYTES])
{
	int i;

	memcpy(nonce, keys->nonce_prefix, IMAGE_CRYPT_PREFIX_BYTES);
	for (i = 0; i < 8; i++)
		nonce[IMAGE_CRYPT_PREFIX_BYTES + i] = domain >> (8 * i);
}

int image_crypt_seal(const struct image_keys *keys, uint64_t domain,
		     const void *aad, size_t aad_len, void *buf, size_t len,
		     uint8_t tag[IMAGE_CRYPT_TAG_BYTES])
{
	uint8_t nonce[IMAGE_CRYPT_WRAP_NONCE_BYTES];

	region_nonce(keys, domain, nonce);
	return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
		       buf, tag, NULL, buf, len, aad, aad_len, NULL, nonce,
		       keys->data_key) ? -1 : 0;
}

int image_crypt_open(const struct image_keys *keys, uint64_t domain,
		     const void *aad, size_t aad_len, void *buf, size_t len,
		     const uint8_t tag[IMAGE_CRYPT_TAG_BYTES])
{
	uint8_t nonce[IMAGE_CRYPT_WRAP_NONCE_BYTES];

	region_nonce(keys, domain, nonce);
	/* libsodium checks the tag first, and zeroes @buf if it is wrong. */
	return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		       buf, NULL, buf, len, tag, aad, aad_len, nonce,
		       keys->data_key) ? -1 : 0;
}

int image_crypt_wrap(const uint8_t kek[IMAGE_CRYPT_KEY_BYTES],
		     const uint8_t key[IMAGE_CRYPT_KEY_BYTES],
		     const void *aad, size_t aad_len, struct khib_wrapped_key *out)
{
	randombytes_buf(out->nonce, sizeof(out->nonce));
	return crypto_aead_xchacha20poly1305_ietf_encrypt(
		       out->sealed, NULL, key, IMAGE_CRYPT_KEY_BYTES, aad,
		       aad_len, NULL, out->nonce, kek) ? -1 : 0;
}

int image_crypt_unwrap(const uint8_t kek[IMAGE_CRYPT_KEY_BYTES],
		       const struct khib_wrapped_key *in, const void *aad,
		       size_t aad_len, uint8_t key[IMAGE_CRYPT_KEY_BYTES])
{
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    key, NULL, NULL, in->sealed, sizeof(in->sealed), aad,
		    aad_len, in->nonce, kek)) {
		sodium_memzero(key, IMAGE_CRYPT_KEY_BYTES);
		return -1;
	}
	return 0;
}

int image_crypt_kek_passphrase(const char *passphrase, size_t len,
			       const uint8_t salt[IMAGE_CRYPT_SALT_BYTES],
			       uint64_t ops, uint64_t mem_bytes,
			       uint8_t kek[IMAGE_CRYPT_KEY_BYTES])
{
	if (ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_MAX ||
	    mem_bytes < crypto_pwhash_MEMLIMIT_MIN ||
	    mem_bytes > crypto_pwhash_MEMLIMIT_MAX)
		return -1;
	return crypto_pwhash(kek, IMAGE_CRYPT_KEY_BYTES, passphrase, len, salt,
			     ops, mem_bytes,
			     crypto_pwhash_ALG_ARGON2ID13) ? -1 : 0;
}

int image_crypt_kek_key_file(const void *bytes, size_t len,
			     const uint8_t salt[IMAGE_CRYPT_SALT_BYTES],
			     uint8_t kek[IMAGE_CRYPT_KEY_BYTES])
{
	/* The file is the secret; the salt keeps two stores' keys apart. */
	crypto_generichash_state st;

	return crypto_generichash_init(&st, salt, IMAGE_CRYPT_SALT_BYTES,
				       IMAGE_CRYPT_KEY_BYTES) ||
	       crypto_generichash_update(&st, bytes, len) ||
	       crypto_generichash_final(&st, kek, IMAGE_CRYPT_KEY_BYTES) ?
	       -1 : 0;
}
