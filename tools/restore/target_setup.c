// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "image_super.h"
#include "system_ram.h"
#include "target_check.h"
#include "target_identity.h"
#include "target_setup.h"

/* Bytes of the largest image this machine can write (target_check.h). */
static uint64_t machine_need_bytes(void)
{
	struct khib_image_range ram[KHIB_IMAGE_MAX_RAM_RANGES];
	int nr = system_ram_ranges(ram, KHIB_IMAGE_MAX_RAM_RANGES);
	uint64_t pages = 0;

	if (nr <= 0)
		return 0;
	for (int i = 0; i < nr; i++)
		pages += ram[i].end_pfn - ram[i].start_pfn;
	return target_need_bytes(pages, ram[nr - 1].end_pfn);
}

static int refuse(const char *device, const char *why)
{
	fprintf(stderr, "khib-restore: %s cannot be the image target: %s\n",
		device, why);
	return 1;
}

/* Whether @dev holds an image that may be valid, of any format. */
static bool holds_image(struct blockdev *dev)
{
	struct khib_image_super sb;
	bool unreadable = false;
	char why[200];

	switch (image_super_read(dev, &sb, &unreadable, why, sizeof(why))) {
	case IMAGE_VALID:
	case IMAGE_OTHER_FORMAT:
		return true;
	default:
		return false;
	}
}

/* Write a fresh EMPTY superblock with a new random UUID. */
static int make_target(struct blockdev *dev, const char *was)
{
	uint8_t uuid[KHIB_TARGET_UUID_LEN];
	char id[TARGET_ID_LEN];

	if (getrandom(uuid, sizeof(uuid), 0) != sizeof(uuid) ||
	    image_super_format(dev, uuid)) {
		fprintf(stderr, "khib-restore: cannot write the khib superblock to %s: %s\n",
			dev->path, strerror(errno));
		return 1;
	}
	target_uuid_text(uuid, id, sizeof(id));
	fprintf(stderr, "khib-restore: %s held %s; it is now a khib image target (UUID %s)\n",
		dev->path, was, id);
	printf("%s\n", id);
	return 0;
}

int target_setup(const char *device, bool format)
{
	uint64_t need = machine_need_bytes();
	char why[300], what[120], id[TARGET_ID_LEN];
	enum target_content content;
	struct blockdev dev;
	int ret;

	if (target_in_use(device, why, sizeof(why)))
		return refuse(device, why);
	if (blockdev_open(&dev, device, true)) {
		snprintf(why, sizeof(why), "cannot open it for writing: %s",
			 strerror(errno));
		return refuse(device, why);
	}
	content = target_content(&dev, what, sizeof(what));
	if (content == TARGET_FOREIGN && !format) {
		snprintf(why, sizeof(why),
			 "it holds %s, and khib overwrites its target from the first block on. If %s is really meant for khib, prepare it with \"khib-load --format %s\" (destroys what it holds)",
			 what, device, device);
		ret = refuse(device, why);
	} else if (need && dev.size < need) {
		snprintf(why, sizeof(why),
			 "it holds %" PRIu64 " MiB, and an image of this machine's memory may need %" PRIu64 " MiB",
			 dev.size >> 20, (need + (1 << 20) - 1) >> 20);
		ret = refuse(device, why);
	} else if (content == TARGET_KHIB && holds_image(&dev)) {
		snprintf(why, sizeof(why),
			 "it holds a valid hibernation image; resume it, or discard it first (khib-restore --discard %s)",
			 device);
		ret = refuse(device, why);
	} else if (content == TARGET_UNREADABLE) {
		snprintf(why, sizeof(why), "cannot read it: %s", what);
		ret = refuse(device, why);
	} else if (content == TARGET_KHIB && !format &&
		   !target_identity(device, id, sizeof(id))) {
		printf("%s\n", id);
		ret = 0;
	} else {
		/* A khib superblock of another format, none yet, or --format. */
		ret = make_target(&dev, content == TARGET_KHIB ?
				  "a khib superblock" : what);
	}
	blockdev_close(&dev);
	return ret;
}
