// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blockdev.h"
#include "image_crypt.h"
#include "image_format.h"
#include "rate_probe.h"

#define PROBE_BLOCK	(4u << 20)

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Open @target for direct I/O, with a probe block's aligned buffer. */
static uint8_t *open_with_buffer(struct blockdev *dev, const char *target,
				 bool writable)
{
	uint8_t *buf;

	if (blockdev_open(dev, target, writable))
		return NULL;
	buf = blockdev_buffer(PROBE_BLOCK);
	if (!buf) {
		blockdev_close(dev);
		errno = ENOMEM;
	}
	return buf;
}

double probe_direct_write(const char *target, uint64_t offset, uint64_t bytes,
			  uint64_t *written)
{
	struct blockdev dev;
	uint8_t *buf;
	double t0, t;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	*written = 0;
	buf = open_with_buffer(&dev, target, true);
	if (!buf)
		return -1;
	/* Data that no layer below could compress or deduplicate. */
	for (size_t i = 0; i < PROBE_BLOCK / sizeof(x); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + i * sizeof(x), &x, sizeof(x));
	}
	offset = align_up(offset, PROBE_BLOCK);
	if (offset < dev.size && bytes > dev.size - offset)
		bytes = dev.size - offset;
	bytes -= bytes % PROBE_BLOCK;
	t0 = seconds();
	while (*written < bytes) {
		buf[0]++;
		if (blockdev_write(&dev, offset + *written, buf, PROBE_BLOCK))
			break;
		*written += PROBE_BLOCK;
	}
	blockdev_sync(&dev);
	t = seconds() - t0;
	free(buf);
	blockdev_close(&dev);
	if (*written < bytes || !*written || t <= 0)
		return -1;
	return *written / 1e6 / t;
}

double probe_direct_read(const char *target, uint64_t bytes)
{
	struct blockdev dev;
	uint8_t *buf;
	uint64_t done = 0;
	double t0, t;

	buf = open_with_buffer(&dev, target, false);
	if (!buf)
		return -1;
	if (bytes > dev.size)
		bytes = dev.size;
	bytes -= bytes % PROBE_BLOCK;
	t0 = seconds();
	while (done < bytes) {
		if (blockdev_read(&dev, done, buf, PROBE_BLOCK))
			break;
		done += PROBE_BLOCK;
	}
	t = seconds() - t0;
	free(buf);
	blockdev_close(&dev);
	if (done < bytes || !done || t <= 0)
		return -1;
	return done / 1e6 / t;
}

double probe_hash(uint64_t bytes)
{
	uint8_t *buf = malloc(PROBE_BLOCK);
	uint64_t done = 0, sum = 0;
	double t0, t;

	if (!buf)
		return -1;
	memset(buf, 0x5a, PROBE_BLOCK);
	t0 = seconds();
	for (; done < bytes; done += PROBE_BLOCK) {
		buf[0] = (uint8_t)sum;
		sum += image_hash(buf, PROBE_BLOCK);
	}
	t = seconds() - t0;
	free(buf);
	/* The sum keeps the compiler from dropping the hashing. */
	return t > 0 && sum != 1 ? done / 1e6 / t : -1;
}

double probe_memory_copy(uint64_t bytes)
{
	uint8_t *a = malloc(PROBE_BLOCK), *b = malloc(PROBE_BLOCK);
	uint64_t done = 0;
	double t0, t;

	if (!a || !b) {
		free(a);
		free(b);
		return -1;
	}
	memset(a, 0x5a, PROBE_BLOCK);
	memset(b, 0xa5, PROBE_BLOCK);
	t0 = seconds();
	for (; done < bytes; done += PROBE_BLOCK) {
		memcpy(done / PROBE_BLOCK % 2 ? a : b,
		       done / PROBE_BLOCK % 2 ? b : a, PROBE_BLOCK);
		/* Keep the compiler from dropping the copies. */
		__asm__ volatile("" : : "r"(a), "r"(b) : "memory");
	}
	t = seconds() - t0;
	free(a);
	free(b);
	return t > 0 ? done / 1e6 / t : -1;
}

double probe_cipher(uint64_t bytes)
{
	uint8_t *buf = malloc(PROBE_BLOCK), tag[IMAGE_CRYPT_TAG_BYTES];
	struct image_keys keys;
	uint64_t done = 0;
	double t0, t;

	if (!buf)
		return -1;
	memset(buf, 0x5a, PROBE_BLOCK);
	image_keys_new(&keys);
	t0 = seconds();
	for (; done < bytes; done += PROBE_BLOCK)
		if (image_crypt_seal(&keys, done / PROBE_BLOCK, NULL, 0, buf,
				     PROBE_BLOCK, tag))
			break;
	t = seconds() - t0;
	image_crypt_wipe(&keys, sizeof(keys));
	free(buf);
	return t > 0 && done >= bytes ? done / 1e6 / t : -1;
}
