/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An image target: a block device, or a regular file in tests.  I/O goes
 * around the page cache (O_DIRECT) where the target allows it, so that
 * neither the hibernate kernel nor a resuming kernel fills its memory with
 * cached image data.  Offsets, lengths and buffers are BLOCKDEV_ALIGN
 * aligned.
 */
#ifndef KHIB_BLOCKDEV_H
#define KHIB_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BLOCKDEV_ALIGN	4096

struct blockdev {
	int fd;
	const char *path;
	uint64_t size;		/* bytes */
	bool direct;		/* O_DIRECT in effect */
};

/* Whether writes to @dev would be refused: a read-only block device. */
bool blockdev_read_only(const struct blockdev *dev);

/* Return 0, or -1 with errno set. */
int blockdev_open(struct blockdev *dev, const char *path, bool writable);
void blockdev_close(struct blockdev *dev);
int blockdev_read(struct blockdev *dev, uint64_t offset, void *buf,
		  size_t len);
int blockdev_write(struct blockdev *dev, uint64_t offset, const void *buf,
		   size_t len);
int blockdev_sync(struct blockdev *dev);

struct iovec;
/* One pwritev(): bytes written (maybe fewer), or -1 with errno set. */
ssize_t blockdev_writev(struct blockdev *dev, uint64_t offset,
			const struct iovec *iov, int nr);

/* Wait up to @ms milliseconds for @path to appear (device probing). */
void blockdev_wait(const char *path, unsigned int ms);

struct stat;
/*
 * Call @fn with the path and stat of every block device node in /dev
 * (links left out: they would count a device twice) until it returns
 * non-zero; return that, or 0.  /dev, not sysfs: the hibernate kernel
 * mounts only devtmpfs.
 */
int blockdev_for_each(int (*fn)(const char *path, const struct stat *st,
				void *ctx), void *ctx);

/* An aligned, zeroed buffer, or NULL. */
void *blockdev_buffer(size_t len);

#endif
