// SPDX-License-Identifier: GPL-2.0
/*
 * khib-key: the machine's key store for encrypted images
 * (docs/security.md).
 *
 *   khib-key init [--store PATH] [--passphrase] [--key-file FILE]
 *                 [--tpm] [--tpm-pcrs LIST] [--kdf-mib MIB] [--kdf-ops N]
 *       Make a new master key and a store that holds it sealed by a
 *       passphrase (asked twice on the terminal; Argon2id with MIB MiB,
 *       256 by default, and N passes, 3), by a key file, or by both;
 *       and with --tpm also by the TPM, to the current values of the
 *       PCRs of LIST (7 by default: the Secure Boot state).
 *   khib-key tpm [--store PATH] [--key-file FILE] [--tpm-pcrs LIST]
 *       Seal the store's master key by the TPM again, to the PCRs' values
 *       now (after a firmware or Secure Boot change), replacing the old
 *       seal; the store is opened as by unlock.
 *   khib-key unlock [--store PATH] [--key-file FILE] --exec PROGRAM ARG...
 *       Open the store (with the key file, or a passphrase asked up to
 *       3 times) and run PROGRAM with "@KEY_INITRD@" in its arguments
 *       replaced by a path to an initramfs that holds the master key
 *       (khib-load passes it to kexec); the key is wiped from it once
 *       PROGRAM ends.  Exits with PROGRAM's status.
 *   khib-key status [--store PATH]
 *       Say which key sources the store has.
 *
 * A TPM seal always has a passphrase or a key file beside it: a changed
 * boot state would otherwise lock every image.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "key_handover.h"
#include "key_store.h"
#include "key_unlock.h"

#define USAGE "usage: khib-key init [--store PATH] [--passphrase] [--key-file FILE] [--tpm] [--tpm-pcrs LIST] [--kdf-mib MIB] [--kdf-ops N]\n" \
	      "       khib-key tpm [--store PATH] [--key-file FILE] [--tpm-pcrs LIST]\n" \
	      "       khib-key unlock [--store PATH] [--key-file FILE] --exec PROGRAM ARG...\n" \
	      "       khib-key status [--store PATH]\n"

struct options {
	const char *store;
	const char *key_file;
	bool passphrase;
	bool tpm;
	uint32_t tpm_pcrs;
	unsigned long kdf_mib;
	unsigned long kdf_ops;
	char **exec;
};

static int usage(void)
{
	fputs(USAGE, stderr);
	return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "store", required_argument, NULL, 's' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "passphrase", no_argument, NULL, 'p' },
		{ "tpm", no_argument, NULL, 't' },
		{ "tpm-pcrs", required_argument, NULL, 'P' },
		{ "kdf-mib", required_argument, NULL, 'm' },
		{ "kdf-ops", required_argument, NULL, 'o' },
		{ "exec", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct options){ .store = KHIB_KEYS_PATH, .kdf_mib = 256,
			       .kdf_ops = 3, .tpm_pcrs = 1u << 7 };
	optind = 2;
	while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
		switch (c) {
		case 's':
			o->store = optarg;
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 'p':
			o->passphrase = true;
			break;
		case 't':
			o->tpm = true;
			break;
		case 'P':
			if (tpm2_pcr_parse(optarg, &o->tpm_pcrs)) {
				fprintf(stderr, "khib-key: --tpm-pcrs wants PCR numbers 0 to 23 such as 7 or 0,7, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'm':
		case 'o':
			errno = 0;
			*(c == 'm' ? &o->kdf_mib : &o->kdf_ops) =
				strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "khib-key: --kdf-%s wants a number, not '%s'\n",
					c == 'm' ? "mib" : "ops", optarg);
				return -1;
			}
			break;
		case 'e':
			o->exec = argv + optind;
			return optind < argc ? 0 : -1;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* "khib-key: WHAT /etc/khib/keys, sealed by a passphrase and the TPM (PCR 7)" */
static void describe(const char *store, const struct khib_key_store *ks,
		     const char *what)
{
	char sources[200];

	key_sources_text(key_store_sources(ks), key_store_tpm_pcrs(ks),
			 sources, sizeof(sources));
	printf("khib-key: %s %s, sealed by %s\n", what, store, sources);
}

static int seal_by_tpm(struct khib_key_store *ks,
		       const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		       uint32_t pcrs)
{
	char why[256];

	if (!key_store_set_tpm(ks, master_key, pcrs, why, sizeof(why)))
		return 0;
	fprintf(stderr, "khib-key: cannot seal the key by the TPM: %s; nothing written\n",
		why);
	return -1;
}

static int init(const struct options *o)
{
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES], secret[4097];
	char again[1024], why[512];
	struct khib_key_store ks;
	long len;
	int ret = 1;

	if (!o->passphrase && !o->key_file) {
		fprintf(stderr, "khib-key: init needs --passphrase, --key-file FILE or both%s\n",
			o->tpm ? " beside --tpm: a changed boot state would otherwise lock every image" : "");
		return 2;
	}
	if (o->tpm && !tpm2_present()) {
		fprintf(stderr, "khib-key: this machine has no TPM (no /dev/tpmrm0 or /dev/tpm0); nothing written\n");
		return 1;
	}
	if (image_crypt_init()) {
		fprintf(stderr, "khib-key: the cryptography library does not start\n");
		return 1;
	}
	key_store_new(&ks, master_key);
	if (o->key_file) {
		len = key_file_read(o->key_file, secret, sizeof(secret), why,
				    sizeof(why));
		if (len < 0 || key_store_add_key_file(&ks, master_key, secret,
						      (size_t)len)) {
			fprintf(stderr, "khib-key: %s\n", len < 0 ? why :
				"cannot seal the key with the key file");
			goto out;
		}
	}
	if (o->passphrase) {
		len = passphrase_ask("khib-key: new passphrase: ",
				     (char *)secret, 1024);
		if (len < 8 ||
		    passphrase_ask("khib-key: the same again: ", again,
				   sizeof(again)) != len ||
		    memcmp(again, secret, (size_t)len)) {
			fprintf(stderr, "khib-key: %s; nothing written\n",
				len < 8 ? "a passphrase needs 8 characters or more" :
				"the two passphrases differ");
			goto out;
		}
		printf("khib-key: sealing with Argon2id, %lu MiB, %lu passes\n",
		       o->kdf_mib, o->kdf_ops);
		if (key_store_add_passphrase(&ks, master_key, (char *)secret,
					     (size_t)len, (uint32_t)o->kdf_ops,
					     (uint64_t)o->kdf_mib << 20)) {
			fprintf(stderr, "khib-key: Argon2id refused %lu MiB and %lu passes (or ran out of memory)\n",
				o->kdf_mib, o->kdf_ops);
			goto out;
		}
	}
	if (o->tpm && seal_by_tpm(&ks, master_key, o->tpm_pcrs))
		goto out;
	if (key_store_write(o->store, &ks, why, sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		goto out;
	}
	describe(o->store, &ks, "new master key in");
	if (!o->passphrase && !o->tpm)
		printf("khib-key: only the key file opens this store: a resume needs it where the initramfs can read it (Debian's initramfs holds the store, never the key file); add --passphrase or --tpm to resume without it\n");
	printf("khib-key: hibernation images will be encrypted once khib-load runs again\n");
	ret = 0;
out:
	image_crypt_wipe(master_key, sizeof(master_key));
	image_crypt_wipe(secret, sizeof(secret));
	image_crypt_wipe(again, sizeof(again));
	return ret;
}

/* Run @argv with @KEY_INITRD@ naming the handover initramfs. */
static int run_with_key(char **argv, int fd)
{
	char path[64];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (char **a = argv; *a; a++) {
		char *at = strstr(*a, "@KEY_INITRD@");

		if (at) {
			char *arg = malloc(strlen(*a) + sizeof(path));

			if (!arg)
				return 1;
			sprintf(arg, "%.*s%s%s", (int)(at - *a), *a, path,
				at + strlen("@KEY_INITRD@"));
			*a = arg;
		}
	}
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "khib-key: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int unlock(const struct options *o)
{
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
	uint32_t sources;
	char why[512];
	int fd, ret;

	if (!o->exec)
		return usage();
	if (key_unlock(o->store, o->key_file, 3, master_key, &sources, why,
		       sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		return 1;
	}
	fd = key_handover_make(master_key, sources);
	image_crypt_wipe(master_key, sizeof(master_key));
	if (fd < 0) {
		fprintf(stderr, "khib-key: cannot hand the key over: %s\n",
			strerror(errno));
		return 1;
	}
	ret = run_with_key(o->exec, fd);
	key_handover_wipe(fd);
	return ret;
}

/* Seal the master key by the TPM again, replacing the old seal. */
static int reseal(const struct options *o)
{
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
	struct khib_key_store ks;
	uint32_t sources;
	char why[512];
	int ret = 1;

	if (!tpm2_present()) {
		fprintf(stderr, "khib-key: this machine has no TPM (no /dev/tpmrm0 or /dev/tpm0); nothing changed\n");
		return 1;
	}
	if (key_store_read(o->store, &ks, why, sizeof(why)) ||
	    key_unlock(o->store, o->key_file, 3, master_key, &sources, why,
		       sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		goto out;
	}
	if (!(sources & ~(1u << KHIB_KEY_SOURCE_TPM))) {
		fprintf(stderr, "khib-key: %s has no passphrase or key file to stand in for the TPM; make a new store with khib-key init\n",
			o->store);
		goto out;
	}
	if (seal_by_tpm(&ks, master_key, o->tpm_pcrs))
		goto out;
	if (key_store_write(o->store, &ks, why, sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		goto out;
	}
	describe(o->store, &ks, "the master key of");
	ret = 0;
out:
	image_crypt_wipe(master_key, sizeof(master_key));
	image_crypt_wipe(&ks, sizeof(ks));
	return ret;
}

static int status(const struct options *o)
{
	struct khib_key_store ks;
	char why[512];

	if (key_store_read(o->store, &ks, why, sizeof(why))) {
		printf("khib-key: %s: images are stored in clear\n", why);
		return 1;
	}
	describe(o->store, &ks, "the master key of");
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || parse(argc, argv, &o))
		return usage();
	if (!strcmp(argv[1], "init"))
		return init(&o);
	if (!strcmp(argv[1], "unlock"))
		return unlock(&o);
	if (!strcmp(argv[1], "tpm"))
		return reseal(&o);
	if (!strcmp(argv[1], "status"))
		return status(&o);
	return usage();
}
