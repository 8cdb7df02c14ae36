// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blockdev.h"

int blockdev_open(struct blockdev *dev, const char *path, bool writable)
{
	int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct stat st;

	dev->path = path;
	dev->direct = true;
	dev->fd = open(path, flags | O_DIRECT);
	if (dev->fd < 0 && errno == EINVAL) {
		/* tmpfs and some other test targets refuse O_DIRECT. */
		dev->direct = false;
		dev->fd = open(path, flags);
	}
	if (dev->fd < 0)
		return -1;
	if (fstat(dev->fd, &st) < 0)
		goto fail;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(dev->fd, BLKGETSIZE64, &dev->size) < 0)
			goto fail;
	} else if (S_ISREG(st.st_mode)) {
		dev->size = (uint64_t)st.st_size;
	} else {
		errno = ENOTBLK;
		goto fail;
	}
	return 0;
fail:
	close(dev->fd);
	dev->fd = -1;
	return -1;
}

void blockdev_close(struct blockdev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static bool in_bounds(struct blockdev *dev, uint64_t offset, size_t len)
{
	return offset <= dev->size && len <= dev->size - offset;
}

/* pread() or pwrite() all of @len bytes, retrying short transfers. */
static int transfer(struct blockdev *dev, uint64_t offset, uint8_t *p,
		    size_t len, bool write)
{
	if (!in_bounds(dev, offset, len)) {
		errno = ENOSPC;
		return -1;
	}
	while (len) {
		ssize_t n = write ? pwrite(dev->fd, p, len, (off_t)offset) :
				    pread(dev->fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		offset += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int blockdev_read(struct blockdev *dev, uint64_t offset, void *buf,
		  size_t len)
{
	return transfer(dev, offset, buf, len, false);
}

int blockdev_write(struct blockdev *dev, uint64_t offset, const void *buf,
		   size_t len)
{
	return transfer(dev, offset, (uint8_t *)buf, len, true);
}

ssize_t blockdev_writev(struct blockdev *dev, uint64_t offset,
			const struct iovec *iov, int nr)
{
	size_t len = 0;
	ssize_t n;

	for (int i = 0; i < nr; i++)
		len += iov[i].iov_len;
	if (!in_bounds(dev, offset, len)) {
		errno = ENOSPC;
		return -1;
	}
	do {
		n = pwritev(dev->fd, iov, nr, (off_t)offset);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		errno = EIO;
		return -1;
	}
	return n;
}

int blockdev_sync(struct blockdev *dev)
{
	return fdatasync(dev->fd);
}

bool blockdev_read_only(const struct blockdev *dev)
{
	int ro = 0;

	/* Files (tests, disk images) have no such flag. */
	return !ioctl(dev->fd, BLKROGET, &ro) && ro;
}

void blockdev_wait(const char *path, unsigned int ms)
{
	struct stat st;

	for (unsigned int waited = 0; waited < ms; waited += 50) {
		if (!stat(path, &st))
			return;
		usleep(50 * 1000);
	}
}

void *blockdev_buffer(size_t len)
{
	void *buf;

	if (posix_memalign(&buf, BLOCKDEV_ALIGN, len))
		return NULL;
	memset(buf, 0, len);
	return buf;
}

int blockdev_for_each(int (*fn)(const char *path, const struct stat *st,
				void *ctx), void *ctx)
{
	DIR *dir = opendir("/dev");
	char path[300];
	struct dirent *e;
	struct stat st;
	int ret = 0;

	if (!dir)
		return 0;
	while (!ret && (e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		if (!lstat(path, &st) && S_ISBLK(st.st_mode))
			ret = fn(path, &st, ctx);
	}
	closedir(dir);
	return ret;
}
