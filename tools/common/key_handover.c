// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "key_handover.h"

#define CPIO_MAX	1024

/* The file: the key, then its sources (little-endian). */
struct handover {
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
	uint32_t key_sources;
};

/* One "newc" cpio member (the format the kernel unpacks), 4-aligned. */
static size_t cpio_member(uint8_t *out, const char *name, uint32_t mode,
			  const void *data, uint32_t len)
{
	size_t name_len = strlen(name) + 1, n;

	n = (size_t)sprintf((char *)out,
			    "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			    1u, mode, 0u, 0u, 1u, 0u, len, 0u, 0u, 0u, 0u,
			    (unsigned int)name_len, 0u);
	memcpy(out + n, name, name_len);
	n += name_len;
	while (n % 4)
		out[n++] = 0;
	memcpy(out + n, data, len);
	n += len;
	while (n % 4)
		out[n++] = 0;
	return n;
}

int key_handover_make(const uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t key_sources)
{
	struct handover h = { .key_sources = key_sources };
	uint8_t cpio[CPIO_MAX];
	size_t n;
	int fd;

	memcpy(h.master_key, master_key, sizeof(h.master_key));
	n = cpio_member(cpio, KHIB_KEY_HANDOVER_FILE, 0100400, &h, sizeof(h));
	image_crypt_wipe(&h, sizeof(h));
	n += cpio_member(cpio + n, "TRAILER!!!", 0, NULL, 0);
	fd = memfd_create("khib-key", 0);
	if (fd >= 0 && (write(fd, cpio, n) != (ssize_t)n ||
			lseek(fd, 0, SEEK_SET))) {
		close(fd);
		fd = -1;
	}
	image_crypt_wipe(cpio, sizeof(cpio));
	return fd;
}

void key_handover_wipe(int fd)
{
	uint8_t zero[CPIO_MAX] = { 0 };

	if (fd < 0)
		return;
	if (pwrite(fd, zero, sizeof(zero), 0) < 0)
		perror("khib: wiping the handed-over key");
	close(fd);
}

int key_handover_take(uint8_t master_key[IMAGE_CRYPT_KEY_BYTES],
		      uint32_t *key_sources)
{
	int fd = open("/" KHIB_KEY_HANDOVER_FILE, O_RDONLY | O_CLOEXEC);
	uint8_t buf[sizeof(struct handover) + 1];
	struct handover h;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	unlink("/" KHIB_KEY_HANDOVER_FILE);
	if (n == sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		memcpy(master_key, h.master_key, sizeof(h.master_key));
		*key_sources = h.key_sources;
		image_crypt_wipe(&h, sizeof(h));
	}
	image_crypt_wipe(buf, sizeof(buf));
	return n == sizeof(h) ? 1 : -1;
}
