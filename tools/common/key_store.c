// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key_store.h"

#define KEY_FILE_MIN	32
#define KEY_FILE_MAX	4096

/* What a slot's wrap is bound to: the store and the slot's parameters. */
struct slot_aad {
	uint8_t store_id[16];
	struct khib_key_slot slot;
};

static void slot_aad(const struct khib_key_store *ks,
		     const struct khib_key_slot *slot, struct slot_aad *aad)
{
	memset(aad, 0, sizeof(*aad));
	memcpy(aad->store_id, ks->store_id, sizeof(aad->store_id));
	aad->slot = *slot;
	memset(&aad->slot.wrap, 0, sizeof(aad->slot.wrap));
}

void key_store_new(struct khib_key_store *ks,
		   uint8_t master_key[IMAGE_CRYPT_KEY_BYTES])
{
	struct image_keys fresh;

	memset(ks, 0, sizeof(*ks));
	ks->magic = KHIB_KEYS_MAGIC;
	ks->version = KHIB_KEYS_VERSION;
	image_keys_new(&fresh);
	memcpy(master_key, fresh.data_key, IMAGE_CRYPT_KEY_BYTES);
	memcpy(ks->store_id, fresh.nonce_prefix, sizeof(ks->store_id));
	image_crypt_wipe(&fresh, sizeof(fresh));
}

/* Seal the master key into the next slot with @kek. */
static int add_slot(struct khib_key_store *ks, struct khib_key_slot *slot,
		    const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		    const uint8_t kek[IMAGE_CRYPT_KEY_BYTES])
{
	struct slot_aad aad;

	slot_aad(ks, slot, &aad);
	if (image_crypt_wrap(kek, master_key, &aad, sizeof(aad), &slot->wrap))
		return -1;
	ks->slot[ks->nr_slots++] = *slot;
	return 0;
}

static struct khib_key_slot new_slot(uint32_t source)
{
	struct khib_key_slot slot = { .source = source };
	struct image_keys salt;

	image_keys_new(&salt);
	memcpy(slot.salt, salt.nonce_prefix, sizeof(slot.salt));
	image_crypt_wipe(&salt, sizeof(salt));
	return slot;
}

int key_store_add_passphrase(struct khib_key_store *ks,
			     const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			     const char *passphrase, size_t len, uint32_t ops,
			     uint64_t mem_bytes)
{
	struct khib_key_slot slot = new_slot(KHIB_KEY_SOURCE_PASSPHRASE);
	uint8_t kek[IMAGE_CRYPT_KEY_BYTES];
	int ret;

	if (ks->nr_slots >= KHIB_KEYS_MAX_SLOTS)
		return -1;
	slot.kdf_ops = ops;
	slot.kdf_mem = mem_bytes;
	ret = image_crypt_kek_passphrase(passphrase, len, slot.salt, ops,
					 mem_bytes, kek);
	if (!ret)
		ret = add_slot(ks, &slot, master_key, kek);
	image_crypt_wipe(kek, sizeof(kek));
	return ret;
}

int key_store_add_key_file(struct khib_key_store *ks,
			   const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			   const void *bytes, size_t len)
{
	struct khib_key_slot slot = new_slot(KHIB_KEY_SOURCE_KEY_FILE);
	uint8_t kek[IMAGE_CRYPT_KEY_BYTES];
	int ret;

	if (ks->nr_slots >= KHIB_KEYS_MAX_SLOTS)
		return -1;
	ret = image_crypt_kek_key_file(bytes, len, slot.salt, kek);
	if (!ret)
		ret = add_slot(ks, &slot, master_key, kek);
	image_crypt_wipe(kek, sizeof(kek));
	return ret;
}

int key_store_set_tpm(struct khib_key_store *ks,
		      const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t pcr_mask, char *why, size_t why_len)
{
	struct khib_key_slot slot = new_slot(KHIB_KEY_SOURCE_TPM);
	uint8_t secret[TPM2_SECRET_BYTES], kek[IMAGE_CRYPT_KEY_BYTES];
	uint32_t i, kept = 0;
	int ret = -1;

	for (i = 0; i < ks->nr_slots; i++)
		if (ks->slot[i].source != KHIB_KEY_SOURCE_TPM)
			ks->slot[kept++] = ks->slot[i];
	memset(&ks->slot[kept], 0, (ks->nr_slots - kept) * sizeof(slot));
	ks->nr_slots = kept;
	if (ks->nr_slots >= KHIB_KEYS_MAX_SLOTS) {
		snprintf(why, why_len, "the key store has no free slot");
		return -1;
	}
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret)) {
		snprintf(why, why_len, "no random bytes: %s", strerror(errno));
		return -1;
	}
	slot.tpm_pcrs = pcr_mask;
	if (tpm2_seal(pcr_mask, secret, slot.tpm_blob, &slot.tpm_blob_len,
		      why, why_len) == TPM2_OK &&
	    !image_crypt_kek_key_file(secret, sizeof(secret), slot.salt, kek))
		ret = add_slot(ks, &slot, master_key, kek);
	image_crypt_wipe(secret, sizeof(secret));
	image_crypt_wipe(kek, sizeof(kek));
	return ret;
}

uint32_t key_store_tpm_pcrs(const struct khib_key_store *ks)
{
	for (uint32_t i = 0; i < ks->nr_slots; i++)
		if (ks->slot[i].source == KHIB_KEY_SOURCE_TPM)
			return ks->slot[i].tpm_pcrs;
	return 0;
}

enum tpm2_result key_store_open_tpm(const struct khib_key_store *ks,
				    uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
				    char *why, size_t why_len)
{
	uint8_t secret[TPM2_SECRET_BYTES];
	enum tpm2_result ret = TPM2_FAILED;

	for (uint32_t i = 0; i < ks->nr_slots; i++) {
		const struct khib_key_slot *slot = &ks->slot[i];

		if (slot->source != KHIB_KEY_SOURCE_TPM)
			continue;
		if (slot->tpm_blob_len > sizeof(slot->tpm_blob)) {
			snprintf(why, why_len, "the key store's TPM slot is damaged");
			break;
		}
		ret = tpm2_unseal(slot->tpm_pcrs, slot->tpm_blob,
				  slot->tpm_blob_len, secret, why, why_len);
		if (ret == TPM2_OK &&
		    key_store_open(ks, KHIB_KEY_SOURCE_TPM, secret,
				   sizeof(secret), master_key)) {
			snprintf(why, why_len,
				 "the secret the TPM unsealed does not open the key store");
			ret = TPM2_FAILED;
		}
		break;
	}
	image_crypt_wipe(secret, sizeof(secret));
	return ret;
}

bool key_store_has(const struct khib_key_store *ks, uint32_t source)
{
	for (uint32_t i = 0; i < ks->nr_slots; i++)
		if (ks->slot[i].source == source)
			return true;
	return false;
}

uint32_t key_store_sources(const struct khib_key_store *ks)
{
	uint32_t mask = 0;

	for (uint32_t i = 0; i < ks->nr_slots; i++)
		mask |= 1u << ks->slot[i].source;
	return mask;
}

void key_sources_text(uint32_t mask, uint32_t tpm_pcrs, char *buf,
		      size_t len)
{
	char pcrs[80], tpm[100];
	const char *names[3];
	size_t used = 0;
	int n = 0;

	tpm2_pcr_list(tpm_pcrs, pcrs, sizeof(pcrs));
	snprintf(tpm, sizeof(tpm), tpm_pcrs ? "the TPM (PCR %s)" : "the TPM",
		 pcrs);
	if (mask & 1u << KHIB_KEY_SOURCE_PASSPHRASE)
		names[n++] = "a passphrase";
	if (mask & 1u << KHIB_KEY_SOURCE_KEY_FILE)
		names[n++] = "a key file";
	if (mask & 1u << KHIB_KEY_SOURCE_TPM)
		names[n++] = tpm;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i == 0 ? "" : i == n - 1 ? " and " : ", ",
					 names[i]);
	if (!n)
		snprintf(buf, len, "an unrecorded source");
}

int key_store_open(const struct khib_key_store *ks, uint32_t source,
		   const void *secret, size_t len,
		   uint8_t master_key[IMAGE_CRYPT_KEY_BYTES])
{
	uint8_t kek[IMAGE_CRYPT_KEY_BYTES];

	for (uint32_t i = 0; i < ks->nr_slots; i++) {
		const struct khib_key_slot *slot = &ks->slot[i];
		struct slot_aad aad;
		int ret;

		if (slot->source != source)
			continue;
		ret = source == KHIB_KEY_SOURCE_PASSPHRASE ?
		      image_crypt_kek_passphrase(secret, len, slot->salt,
						 slot->kdf_ops, slot->kdf_mem,
						 kek) :
		      image_crypt_kek_key_file(secret, len, slot->salt, kek);
		slot_aad(ks, slot, &aad);
		if (!ret)
			ret = image_crypt_unwrap(kek, &slot->wrap, &aad,
						 sizeof(aad), master_key);
		image_crypt_wipe(kek, sizeof(kek));
		if (!ret)
			return 0;
	}
	return -1;
}

int key_store_read(const char *path, struct khib_key_store *ks, char *why,
		   size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(why, why_len, "cannot open the key store %s: %s", path,
			 strerror(errno));
		return -1;
	}
	n = read(fd, ks, sizeof(*ks));
	close(fd);
	if (n != (ssize_t)sizeof(*ks) || ks->magic != KHIB_KEYS_MAGIC ||
	    ks->version != KHIB_KEYS_VERSION || !ks->nr_slots ||
	    ks->nr_slots > KHIB_KEYS_MAX_SLOTS) {
		snprintf(why, why_len,
			 "%s is not a khib key store (make one with khib-key init)",
			 path);
		return -1;
	}
	return 0;
}

int key_store_write(const char *path, const struct khib_key_store *ks,
		    char *why, size_t why_len)
{
	char tmp[4096];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, ks, sizeof(*ks)) != (ssize_t)sizeof(*ks) ||
	    fsync(fd) || close(fd) || rename(tmp, path)) {
		snprintf(why, why_len, "cannot write the key store %s: %s",
			 path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

long key_file_read(const char *path, uint8_t *buf, size_t cap, char *why,
		   size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		snprintf(why, why_len, "cannot open the key file %s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077)) {
		close(fd);
		snprintf(why, why_len,
			 "the key file %s must be a regular file owned by root that no one else may read or write (chmod 600)",
			 path);
		return -1;
	}
	n = read(fd, buf, cap);
	close(fd);
	if (n < KEY_FILE_MIN || n > KEY_FILE_MAX || (size_t)n == cap) {
		snprintf(why, why_len,
			 "the key file %s must hold %d to %d bytes",
			 path, KEY_FILE_MIN, KEY_FILE_MAX);
		return -1;
	}
	return n;
}
