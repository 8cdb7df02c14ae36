// SPDX-License-Identifier: GPL-2.0
/*
 * aead_bench: how fast each candidate AEAD seals and opens khib's data
 * chunks on this CPU, to choose the image cipher by measurement.
 *
 *   aead_bench [MIB]
 *
 * Seals and opens MIB MiB (default 256) of 1 MiB chunks (one chunk of
 * KHIB_CHUNK_PAGES pages) with AES-256-GCM (OpenSSL's libcrypto) and
 * XChaCha20-Poly1305 (libsodium), a 96-byte header as associated data,
 * and prints one line per cipher and direction in MB/s.
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK_BYTES	(1 << 20)
#define AAD_BYTES	96
#define TAG_BYTES	16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int gcm(int seal, const uint8_t *key, uint64_t index,
	       const uint8_t *aad, uint8_t *buf, uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[12] = { 0 };
	int len, ok;

	memcpy(iv + 4, &index, sizeof(index));
	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv,
				      seal) &&
	     EVP_CipherUpdate(ctx, NULL, &len, aad, AAD_BYTES) &&
	     (seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES,
					  tag)) &&
	     EVP_CipherUpdate(ctx, buf, &len, buf, CHUNK_BYTES) &&
	     EVP_CipherFinal_ex(ctx, buf + len, &len) &&
	     (!seal || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES,
					   tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int xchacha(int seal, const uint8_t *key, uint64_t index,
		   const uint8_t *aad, uint8_t *buf, uint8_t *tag)
{
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = { 0 };

	memcpy(nonce, &index, sizeof(index));
	if (seal)
		return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			buf, tag, NULL, buf, CHUNK_BYTES, aad, AAD_BYTES, NULL,
			nonce, key);
	return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		buf, NULL, buf, CHUNK_BYTES, tag, aad, AAD_BYTES, nonce, key);
}

typedef int (*aead_fn)(int, const uint8_t *, uint64_t, const uint8_t *,
		       uint8_t *, uint8_t *);

static int run(const char *name, aead_fn fn, unsigned int chunks,
	       uint8_t *data)
{
	uint8_t key[32], aad[AAD_BYTES], *tags = calloc(chunks, TAG_BYTES);
	double t, seal_s, open_s;
	unsigned int i;

	if (!tags)
		return -1;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(aad, sizeof(aad));
	t = now();
	for (i = 0; i < chunks; i++)
		if (fn(1, key, i, aad, data + (size_t)i * CHUNK_BYTES,
		       tags + i * TAG_BYTES))
			goto fail;
	seal_s = now() - t;
	t = now();
	for (i = 0; i < chunks; i++)
		if (fn(0, key, i, aad, data + (size_t)i * CHUNK_BYTES,
		       tags + i * TAG_BYTES))
			goto fail;
	open_s = now() - t;
	printf("aead_bench: %-20s seal %6.0f MB/s, open %6.0f MB/s (%u chunks of 1 MiB, one thread)\n",
	       name, chunks * (CHUNK_BYTES / 1e6) / seal_s,
	       chunks * (CHUNK_BYTES / 1e6) / open_s, chunks);
	free(tags);
	return 0;
fail:
	fprintf(stderr, "aead_bench: %s failed on chunk %u\n", name, i);
	free(tags);
	return -1;
}

int main(int argc, char **argv)
{
	unsigned int chunks = argc > 1 ? (unsigned int)atoi(argv[1]) : 256;
	uint8_t *data;

	if (!chunks || sodium_init() < 0) {
		fprintf(stderr, "usage: aead_bench [MIB]\n");
		return 2;
	}
	data = malloc((size_t)chunks * CHUNK_BYTES);
	if (!data) {
		perror("aead_bench");
		return 1;
	}
	randombytes_buf(data, (size_t)chunks * CHUNK_BYTES);
	if (run("AES-256-GCM", gcm, chunks, data) ||
	    run("XChaCha20-Poly1305", xchacha, chunks, data))
		return 1;
	return 0;
}
