// SPDX-License-Identifier: GPL-2.0
/*
 * The key store (key_store.c): each slot opens with its own secret only;
 * a slot's parameters (the TPM slot's PCRs and sealed object included)
 * and the store's identity are bound to its wrap; the store survives a
 * write and a read; the handover carries the key and its sources; PCR
 * lists parse and print as khib-key takes and shows them.  (The TPM
 * itself is t/71-tpm.t's, with swtpm.)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "key_handover.h"
#include "key_store.h"
#include "tap.h"
#include "tpm2_seal.h"

static const char pass[] = "correct horse battery";
static uint8_t file_key[64];

static void slots(void)
{
	uint8_t mk[IMAGE_CRYPT_KEY_BYTES], got[IMAGE_CRYPT_KEY_BYTES];
	struct khib_key_store ks, copy;
	char why[256], path[] = "/tmp/khib-test-keys.XXXXXX";
	int fd;

	memset(file_key, 0x5a, sizeof(file_key));
	key_store_new(&ks, mk);
	ok(!key_store_add_passphrase(&ks, mk, pass, strlen(pass), 1, 8 << 20) &&
	   !key_store_add_key_file(&ks, mk, file_key, sizeof(file_key)),
	   "a passphrase slot and a key-file slot are added");
	ok(key_store_sources(&ks) == (1u << KHIB_KEY_SOURCE_PASSPHRASE |
				      1u << KHIB_KEY_SOURCE_KEY_FILE) &&
	   !key_store_has(&ks, KHIB_KEY_SOURCE_TPM) && !key_store_tpm_pcrs(&ks),
	   "the store names its sources, and has no TPM slot");
	ok(!key_store_open(&ks, KHIB_KEY_SOURCE_PASSPHRASE, pass, strlen(pass), got) &&
	   !memcmp(got, mk, sizeof(mk)),
	   "the passphrase opens the master key");
	ok(!key_store_open(&ks, KHIB_KEY_SOURCE_KEY_FILE, file_key, sizeof(file_key), got) &&
	   !memcmp(got, mk, sizeof(mk)),
	   "the key file opens the master key");
	ok(key_store_open(&ks, KHIB_KEY_SOURCE_PASSPHRASE, "wrong passphrase", 16, got) &&
	   key_store_open(&ks, KHIB_KEY_SOURCE_TPM, file_key, 32, got),
	   "a wrong passphrase, or a secret for a source with no slot, opens nothing");

	copy = ks;
	copy.slot[1].tpm_pcrs = 1u << 7;
	ok(key_store_open(&copy, KHIB_KEY_SOURCE_KEY_FILE, file_key, sizeof(file_key), got),
	   "a slot's changed PCR list fails its wrap");
	copy = ks;
	copy.slot[1].tpm_blob[3] ^= 1;
	ok(key_store_open(&copy, KHIB_KEY_SOURCE_KEY_FILE, file_key, sizeof(file_key), got),
	   "a slot's changed sealed object fails its wrap");
	copy = ks;
	copy.slot[0].kdf_ops = 0;
	copy.slot[0].kdf_mem = 8 << 20;
	ok(key_store_open(&copy, KHIB_KEY_SOURCE_PASSPHRASE, pass, strlen(pass), got),
	   "weakened passphrase parameters fail the wrap");
	copy = ks;
	copy.store_id[0] ^= 1;
	ok(key_store_open(&copy, KHIB_KEY_SOURCE_KEY_FILE, file_key, sizeof(file_key), got),
	   "a slot moved to another store fails its wrap");

	fd = mkstemp(path);
	close(fd);
	ok(!key_store_write(path, &ks, why, sizeof(why)) &&
	   !key_store_read(path, &copy, why, sizeof(why)) &&
	   !memcmp(&copy, &ks, sizeof(ks)),
	   "the store is written and read back unchanged");
	copy.version = 1;
	key_store_write(path, &copy, why, sizeof(why));
	ok(key_store_read(path, &copy, why, sizeof(why)) &&
	   strstr(why, "is not a khib key store"),
	   "a store of another version is refused, and says why: %s", why);
	unlink(path);
}

/* The handover's cpio: its one file holds the key, then its sources. */
static void handover(void)
{
	uint8_t mk[IMAGE_CRYPT_KEY_BYTES], cpio[1024], *name, *data;
	uint32_t sources;
	ssize_t n;
	int fd;

	memset(mk, 0xa5, sizeof(mk));
	fd = key_handover_make(mk, 1u << KHIB_KEY_SOURCE_TPM);
	ok(fd >= 0, "the handover is made in a memfd");
	n = pread(fd, cpio, sizeof(cpio), 0);
	name = memmem(cpio, (size_t)(n > 0 ? n : 0), KHIB_KEY_HANDOVER_FILE,
		      strlen(KHIB_KEY_HANDOVER_FILE) + 1);
	ok(n > 110 && !memcmp(cpio, "070701", 6) && name,
	   "it is a newc cpio with the key file");
	/* The 110-byte header and the name, padded to 4 bytes. */
	data = cpio + ((110 + strlen(KHIB_KEY_HANDOVER_FILE) + 1 + 3) & ~3UL);
	memcpy(&sources, data + sizeof(mk), sizeof(sources));
	ok(!memcmp(data, mk, sizeof(mk)) &&
	   sources == 1u << KHIB_KEY_SOURCE_TPM,
	   "the file holds the key, then its sources");
	ok(!memcmp(cpio + 6 + 6 * 8, "00000024", 8),
	   "and is 36 bytes long, as the writer takes it");
	key_handover_wipe(fd);
}

static void pcr_lists(void)
{
	uint32_t mask;
	char buf[80];

	ok(!tpm2_pcr_parse("7", &mask) && mask == 1u << 7, "\"7\" is PCR 7");
	ok(!tpm2_pcr_parse("0,2,7", &mask) && mask == (1u | 1u << 2 | 1u << 7),
	   "\"0,2,7\" is three PCRs");
	tpm2_pcr_list(mask, buf, sizeof(buf));
	ok(!strcmp(buf, "0,2,7"), "and prints as it was given: %s", buf);
	ok(tpm2_pcr_parse("24", &mask) && tpm2_pcr_parse("7,", &mask) &&
	   tpm2_pcr_parse("", &mask) && tpm2_pcr_parse("x", &mask) &&
	   tpm2_pcr_parse("-1", &mask),
	   "PCR 24, a trailing comma, nothing, a word and -1 are refused");
}

int main(void)
{
	if (image_crypt_init())
		return 1;
	slots();
	handover();
	pcr_lists();
	return tap_done();
}
