/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key store (docs/security.md): the machine's master key, which
 * wraps every image's data key, sealed once per key source.  A file of
 * one struct khib_key_store, little-endian, 0600, made by "khib-key
 * init"; the initramfs carries a copy.  Each slot's wrap has as
 * associated data the store's identity and the slot with its wrap
 * zeroed, so a slot cannot be moved to another store or its parameters
 * weakened.
 */
#ifndef KHIB_KEY_STORE_H
#define KHIB_KEY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_crypt.h"
#include "khib_image.h"
#include "tpm2_seal.h"

#define KHIB_KEYS_MAGIC		0x3159454b4249484bULL	/* "KHIBKEY1" */
#define KHIB_KEYS_VERSION	2
#define KHIB_KEYS_MAX_SLOTS	4
#define KHIB_KEYS_PATH		"/etc/khib/keys"


struct khib_key_slot {
	uint32_t source;	/* KHIB_KEY_SOURCE_*, 0: unused */
	uint32_t kdf_ops;	/* Argon2id passes (passphrase) */
	uint64_t kdf_mem;	/* Argon2id bytes (passphrase) */
	uint8_t salt[IMAGE_CRYPT_SALT_BYTES];
	struct khib_wrapped_key wrap;	/* the master key */
	/* TPM: the PCRs the secret is sealed to, and the sealed object. */
	uint32_t tpm_pcrs;
	uint16_t tpm_blob_len;
	uint16_t reserved;
	uint8_t tpm_blob[TPM2_BLOB_MAX];
};

struct khib_key_store {
	uint64_t magic;		/* KHIB_KEYS_MAGIC */
	uint32_t version;	/* KHIB_KEYS_VERSION */
	uint32_t nr_slots;
	uint8_t store_id[16];	/* random */
	struct khib_key_slot slot[KHIB_KEYS_MAX_SLOTS];
};

/* A new store with no slot, and the random master key it will hold. */
void key_store_new(struct khib_key_store *ks,
		   uint8_t master_key[IMAGE_CRYPT_KEY_BYTES]);

/* Add a slot: the master key sealed by a passphrase or a key file. */
int key_store_add_passphrase(struct khib_key_store *ks,
			     const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			     const char *passphrase, size_t len, uint32_t ops,
			     uint64_t mem_bytes);
int key_store_add_key_file(struct khib_key_store *ks,
			   const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			   const void *bytes, size_t len);

/*
 * Seal the master key by the TPM, to the current values of the PCRs of
 * @pcr_mask, replacing any TPM slot: 0, or -1 with why set.
 */
int key_store_set_tpm(struct khib_key_store *ks,
		      const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t pcr_mask, char *why, size_t why_len);

/* The master key from the TPM slot: TPM2_OK, or why it failed. */
enum tpm2_result key_store_open_tpm(const struct khib_key_store *ks,
				    uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
				    char *why, size_t why_len);

/* The PCRs of the store's TPM slot, 0 if it has none. */
uint32_t key_store_tpm_pcrs(const struct khib_key_store *ks);

/*
 * The master key from the first slot of @source that the secret opens:
 * 0, or -1 (no such slot, or the secret is wrong).
 */
int key_store_open(const struct khib_key_store *ks, uint32_t source,
		   const void *secret, size_t len,
		   uint8_t master_key[IMAGE_CRYPT_KEY_BYTES]);

bool key_store_has(const struct khib_key_store *ks, uint32_t source);

/* The store's sources, bit 1 << KHIB_KEY_SOURCE_* each. */
uint32_t key_store_sources(const struct khib_key_store *ks);

/*
 * "a passphrase and the TPM (PCR 7)": the sources of @mask (bits as
 * key_store_sources()), the TPM's PCRs if @tpm_pcrs is not 0.
 */
void key_sources_text(uint32_t mask, uint32_t tpm_pcrs, char *buf,
		      size_t len);

/* Read and check, or write (0600, replacing atomically); -1, why set. */
int key_store_read(const char *path, struct khib_key_store *ks, char *why,
		   size_t why_len);
int key_store_write(const char *path, const struct khib_key_store *ks,
		    char *why, size_t why_len);

/*
 * Read a key file: a regular file owned by root that no one else may
 * read or write, of 32 to 4096 bytes.  Its length, or -1 with why set.
 */
long key_file_read(const char *path, uint8_t *buf, size_t cap, char *why,
		   size_t why_len);

#endif
