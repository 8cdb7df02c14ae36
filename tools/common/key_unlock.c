// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "key_store.h"
#include "key_unlock.h"

long passphrase_ask(const char *prompt, char *buf, size_t cap)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	int in = fd >= 0 ? fd : STDIN_FILENO;
	struct termios saved, quiet;
	bool hidden = !tcgetattr(in, &saved);
	size_t n = 0;
	char c = 0;

	/* Echo off before the prompt shows, and nothing typed is dropped. */
	if (hidden) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(in, TCSANOW, &quiet);
	}
	if (write(fd >= 0 ? fd : STDERR_FILENO, prompt, strlen(prompt)) < 0)
		perror("khib: asking for the passphrase");
	/* One byte at a time: nothing past the line is taken from stdin. */
	while (read(in, &c, 1) == 1 && c != '\n')
		if (n + 1 < cap)
			buf[n++] = c;
	buf[n] = '\0';
	if (hidden) {
		tcsetattr(in, TCSANOW, &saved);
		if (write(fd >= 0 ? fd : STDERR_FILENO, "\n", 1) < 0)
			perror("khib: asking for the passphrase");
	}
	if (fd >= 0)
		close(fd);
	return n || c == '\n' ? (long)n : -1;
}

/* The TPM's answer, or why not, said once: then the passphrase. */
static int unseal_by_tpm(const struct khib_key_store *ks,
			 uint8_t master_key[IMAGE_CRYPT_KEY_BYTES])
{
	char why[256];

	if (key_store_open_tpm(ks, master_key, why, sizeof(why)) == TPM2_OK)
		return 0;
	printf("khib: the TPM does not give the key: %s; %s\n", why,
	       key_store_has(ks, KHIB_KEY_SOURCE_PASSPHRASE) ?
	       "asking for the passphrase" : "the store has no passphrase");
	return -1;
}

int key_unlock(const char *store_path, const char *key_file, int tries,
	       uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
	       uint32_t *key_sources, char *why, size_t why_len)
{
	struct khib_key_store ks;
	uint8_t secret[4097];
	long len;
	int ret = -1;

	if (image_crypt_init()) {
		snprintf(why, why_len, "the cryptography library does not start");
		return -1;
	}
	if (key_store_read(store_path, &ks, why, why_len))
		return -1;
	*key_sources = key_store_sources(&ks);
	if (key_file) {
		len = key_file_read(key_file, secret, sizeof(secret), why,
				    why_len);
		if (len >= 0) {
			ret = key_store_open(&ks, KHIB_KEY_SOURCE_KEY_FILE,
					     secret, (size_t)len, master_key);
			if (ret)
				snprintf(why, why_len,
					 "the key file %s does not open the key store %s",
					 key_file, store_path);
		}
	} else if (key_store_has(&ks, KHIB_KEY_SOURCE_TPM) &&
		   !unseal_by_tpm(&ks, master_key)) {
		ret = 0;
	} else if (!key_store_has(&ks, KHIB_KEY_SOURCE_PASSPHRASE)) {
		snprintf(why, why_len,
			 "the key store %s has no passphrase; name its key file (key_file= in khib.conf)",
			 store_path);
	} else {
		for (int i = 0; ret && i < tries; i++) {
			len = passphrase_ask("khib: passphrase for the hibernation image: ",
					     (char *)secret, sizeof(secret));
			if (len < 0)
				break;
			ret = key_store_open(&ks, KHIB_KEY_SOURCE_PASSPHRASE,
					     secret, (size_t)len, master_key);
			if (ret)
				printf("khib: that passphrase does not open the key store\n");
		}
		if (ret)
			snprintf(why, why_len,
				 "no passphrase given opened the key store %s",
				 store_path);
	}
	image_crypt_wipe(secret, sizeof(secret));
	image_crypt_wipe(&ks, sizeof(ks));
	return ret;
}
