// SPDX-License-Identifier: GPL-2.0
/*
 * khib-key: the machine's key store for encrypted images
 * (docs/security.md).
 *
 *   khib-key init [--store PATH] [--passphrase] [--key-file FILE]
 *                 [--kdf-mib MIB] [--kdf-ops N]
 *       Make a new master key and a store that holds it sealed by a
 *       passphrase (asked twice on the terminal; Argon2id with MIB MiB,
 *       256 by default, and N passes, 3), by a key file, or by both.
 *   khib-key unlock [--store PATH] [--key-file FILE] --exec PROGRAM ARG...
 *       Open the store (with the key file, or a passphrase asked up to
 *       3 times) and run PROGRAM with "@KEY_INITRD@" in its arguments
 *       replaced by a path to an initramfs that holds the master key
 *       (khib-load passes it to kexec); the key is wiped from it once
 *       PROGRAM ends.  Exits with PROGRAM's status.
 *   khib-key status [--store PATH]
 *       Say which key sources the store has.
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

#define USAGE "usage: khib-key init [--store PATH] [--passphrase] [--key-file FILE] [--kdf-mib MIB] [--kdf-ops N]\n" \
	      "       khib-key unlock [--store PATH] [--key-file FILE] --exec PROGRAM ARG...\n" \
	      "       khib-key status [--store PATH]\n"

struct options {
	const char *store;
	const char *key_file;
	bool passphrase;
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
		{ "kdf-mib", required_argument, NULL, 'm' },
		{ "kdf-ops", required_argument, NULL, 'o' },
		{ "exec", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct options){ .store = KHIB_KEYS_PATH, .kdf_mib = 256,
			       .kdf_ops = 3 };
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

static int init(const struct options *o)
{
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES], secret[4097];
	char again[1024], why[512];
	struct khib_key_store ks;
	long len;
	int ret = 1;

	if (!o->passphrase && !o->key_file) {
		fprintf(stderr, "khib-key: init needs --passphrase, --key-file FILE or both\n");
		return 2;
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
	if (key_store_write(o->store, &ks, why, sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		goto out;
	}
	printf("khib-key: new master key in %s, sealed by %s%s%s; hibernation images will be encrypted once khib-load runs again\n",
	       o->store, o->passphrase ? "a passphrase" : "",
	       o->passphrase && o->key_file ? " and " : "",
	       o->key_file ? o->key_file : "");
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
	char why[512];
	int fd, ret;

	if (!o->exec)
		return usage();
	if (key_unlock(o->store, o->key_file, 3, master_key, why,
		       sizeof(why))) {
		fprintf(stderr, "khib-key: %s\n", why);
		return 1;
	}
	fd = key_handover_make(master_key);
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

static int status(const struct options *o)
{
	struct khib_key_store ks;
	char why[512];

	if (key_store_read(o->store, &ks, why, sizeof(why))) {
		printf("khib-key: %s: images are stored in clear\n", why);
		return 1;
	}
	printf("khib-key: %s seals the master key with%s%s\n", o->store,
	       key_store_has(&ks, KHIB_KEY_SOURCE_PASSPHRASE) ? " a passphrase" : "",
	       key_store_has(&ks, KHIB_KEY_SOURCE_KEY_FILE) ? " a key file" : "");
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
	if (!strcmp(argv[1], "status"))
		return status(&o);
	return usage();
}
