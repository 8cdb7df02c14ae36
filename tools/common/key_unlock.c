// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "key_store.h"
#include "key_unlock.h"
#include "khib_conf.h"

static long passphrase_ask_terminal(const char *prompt, char *buf,
				    size_t cap);
static bool stdin_is_data(void);

/* How long a service waits for someone to answer systemd's agents. */
#define ASK_TIMEOUT	"--timeout=120"

/* Run @argv and take the one line it prints: its length, or -1. */
static long ask_program(char *const argv[], char *buf, size_t cap)
{
	size_t n = 0;
	int pipefd[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && n + 1 < cap &&
	       (got = read(pipefd[0], buf + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	close(pipefd[0]);
	buf[n] = '\0';
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		explicit_bzero(buf, cap);
		return -1;
	}
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (long)n;
}

/* Plymouth owns the console while it shows a boot splash. */
static bool plymouth_running(void)
{
	char *const ping[] = { "plymouth", "--ping", NULL };
	char out[16];

	return !access("/bin/plymouth", X_OK) &&
	       ask_program(ping, out, sizeof(out)) >= 0;
}

/* A service with no terminal asks through systemd's password agents. */
static bool systemd_agents(void)
{
	return !access("/run/systemd/system", F_OK) &&
	       (!access("/bin/systemd-ask-password", X_OK) ||
		!access("/usr/bin/systemd-ask-password", X_OK));
}

long passphrase_ask(const char *prompt, char *buf, size_t cap)
{
	char prompt_arg[256];
	bool no_terminal;
	int tty;

	snprintf(prompt_arg, sizeof(prompt_arg), "--prompt=%s", prompt);
	if (plymouth_running()) {
		char *const ask[] = { "plymouth", "ask-for-password",
				      prompt_arg, NULL };

		return ask_program(ask, buf, cap);
	}
	/* No terminal, and stdin is /dev/null or closed: no one to type. */
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	no_terminal = tty < 0 && !isatty(STDIN_FILENO) && !stdin_is_data();
	if (tty >= 0)
		close(tty);
	if (no_terminal && systemd_agents()) {
		char *const ask[] = { "systemd-ask-password", ASK_TIMEOUT,
				      "--id=khib:hibernation-image",
				      (char *)prompt, NULL };

		return ask_program(ask, buf, cap);
	}
	return passphrase_ask_terminal(prompt, buf, cap);
}

/* Stdin is a pipe or a file: a script hands the passphrase in. */
static bool stdin_is_data(void)
{
	struct stat st;

	return !fstat(STDIN_FILENO, &st) &&
	       (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode));
}

/*
 * On the terminal, with echo off; from stdin when a script hands it in,
 * or when there is no terminal.
 */
static long passphrase_ask_terminal(const char *prompt, char *buf,
				    size_t cap)
{
	int fd = stdin_is_data() ? -1 : open("/dev/tty", O_RDWR | O_CLOEXEC);
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

/* The master key from the key file: 0, or -1 with why set. */
static int open_by_key_file(const struct khib_key_store *ks,
			    const char *store_path, const char *key_file,
			    uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			    char *why, size_t why_len)
{
	uint8_t secret[4097];
	long len;
	int ret = -1;

	len = key_file_read(key_file, secret, sizeof(secret), why, why_len);
	if (len >= 0) {
		ret = key_store_open(ks, KHIB_KEY_SOURCE_KEY_FILE, secret,
				     (size_t)len, master_key);
		if (ret)
			snprintf(why, why_len,
				 "the key file %s does not open the key store %s",
				 key_file, store_path);
	}
	image_crypt_wipe(secret, sizeof(secret));
	return ret;
}

int key_unlock(const char *store_path, const char *key_file, int tries,
	       uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
	       uint32_t *key_sources, char *why, size_t why_len)
{
	struct khib_key_store ks;
	uint8_t secret[4097];
	bool other_sources;
	long len;
	int ret = -1;

	if (image_crypt_init()) {
		snprintf(why, why_len, "the cryptography library does not start");
		return -1;
	}
	if (key_store_read(store_path, &ks, why, why_len))
		return -1;
	*key_sources = key_store_sources(&ks);
	other_sources = key_store_has(&ks, KHIB_KEY_SOURCE_TPM) ||
			key_store_has(&ks, KHIB_KEY_SOURCE_PASSPHRASE);
	if (key_file) {
		ret = open_by_key_file(&ks, store_path, key_file, master_key,
				       why, why_len);
		/* An initramfs holds no key file: the others stand in. */
		if (ret && other_sources)
			printf("khib: %s; trying the key store's other sources\n",
			       why);
		if (ret && !other_sources)
			goto out;
	}
	if (ret && key_store_has(&ks, KHIB_KEY_SOURCE_TPM) &&
	    !unseal_by_tpm(&ks, master_key))
		ret = 0;
	if (ret && !key_store_has(&ks, KHIB_KEY_SOURCE_PASSPHRASE)) {
		snprintf(why, why_len, key_store_has(&ks, KHIB_KEY_SOURCE_TPM) ?
			 "the TPM does not give the key of %s, and it has no passphrase" :
			 "the key store %s has no passphrase; name its key file (key_file= in khib.conf)",
			 store_path);
		goto out;
	}
	for (int i = 0; ret && i < tries; i++) {
		len = passphrase_ask("khib: passphrase for the hibernation image: ",
				     (char *)secret, sizeof(secret));
		if (len < 0)
			break;
		ret = key_store_open(&ks, KHIB_KEY_SOURCE_PASSPHRASE, secret,
				     (size_t)len, master_key);
		if (ret)
			printf("khib: that passphrase does not open the key store\n");
	}
	if (ret)
		snprintf(why, why_len,
			 "no passphrase given opened the key store %s",
			 store_path);
out:
	image_crypt_wipe(secret, sizeof(secret));
	image_crypt_wipe(&ks, sizeof(ks));
	return ret;
}

void key_store_configured(char *path, size_t len)
{
	struct khib_conf conf;
	char why[256];

	/* A khib.conf that cannot be read leaves the default store. */
	if (khib_conf_read(NULL, &conf, why, sizeof(why)))
		memset(&conf, 0, sizeof(conf));
	snprintf(path, len, "%s", khib_conf_setting(&conf, "key_store"));
}

int key_unlock_configured(int tries, uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
			  uint32_t *key_sources, char *why, size_t why_len)
{
	char path[512], key_file[512], conf_why[256];
	int has_file;

	key_store_configured(path, sizeof(path));
	has_file = khib_conf_get(NULL, "key_file", key_file, sizeof(key_file),
				 conf_why, sizeof(conf_why));
	return key_unlock(path, has_file > 0 ? key_file : NULL, tries,
			  master_key, key_sources, why, why_len);
}
