// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_format.h"
#include "image_super.h"
#include "resume_record.h"

void image_super_seal(struct khib_image_super *sb)
{
	sb->hash = 0;
	sb->hash = image_hash(sb, sizeof(*sb));
}

bool image_super_sealed(const struct khib_image_super *sb)
{
	struct khib_image_super copy = *sb;

	copy.hash = 0;
	return sb->magic == KHIB_IMAGE_MAGIC && sb->major == KHIB_IMAGE_MAJOR &&
	       image_hash(&copy, sizeof(copy)) == sb->hash;
}

const char *image_state_name(uint32_t state)
{
	switch (state) {
	case KHIB_IMAGE_WRITING:
		return "incomplete";
	case KHIB_IMAGE_VALID:
		return "valid";
	case KHIB_IMAGE_RESTORED:
		return "restored already";
	case KHIB_IMAGE_DISCARDED:
		return "discarded";
	case KHIB_IMAGE_EMPTY:
		return "empty: no image written to this target yet";
	default:
		return "unknown";
	}
}

static bool region_fits(uint64_t offset, uint64_t bytes, uint64_t device_bytes)
{
	return offset % KHIB_IMAGE_ALIGN == 0 && offset <= device_bytes &&
	       bytes <= device_bytes - offset;
}

enum image_verdict image_super_check(const struct khib_image_super *sb,
				     uint64_t device_bytes,
				     char *why, size_t why_len)
{
	if (sb->magic != KHIB_IMAGE_MAGIC) {
		snprintf(why, why_len, "no hibernation image");
		return IMAGE_ABSENT;
	}
	/*
	 * Another major has another superblock: its hash cannot be checked
	 * here, but magic, version and state keep their places.
	 */
	if (sb->major != KHIB_IMAGE_MAJOR) {
		snprintf(why, why_len,
			 "image of format %u.%u, which this khib (format %u) does not read; it says it is %s",
			 sb->major, sb->minor, KHIB_IMAGE_MAJOR,
			 sb->state == KHIB_IMAGE_VALID ? "valid" : "not valid");
		return sb->state == KHIB_IMAGE_VALID ? IMAGE_OTHER_FORMAT :
		       IMAGE_SPENT;
	}
	if (!image_super_sealed(sb)) {
		snprintf(why, why_len, "image superblock checksum mismatch");
		return IMAGE_CORRUPT;
	}
	if (sb->state == KHIB_IMAGE_EMPTY) {
		snprintf(why, why_len, "no hibernation image (an empty khib target)");
		return IMAGE_ABSENT;
	}
	if (sb->state != KHIB_IMAGE_VALID) {
		snprintf(why, why_len, "image is %s",
			 image_state_name(sb->state));
		return IMAGE_SPENT;
	}
	if (sb->crypt.cipher != KHIB_CIPHER_NONE &&
	    sb->crypt.cipher != KHIB_CIPHER_XCHACHA20_POLY1305) {
		snprintf(why, why_len, "unknown cipher %u", sb->crypt.cipher);
		return IMAGE_CORRUPT;
	}
	if (!release_printable(sb->release, sizeof(sb->release))) {
		snprintf(why, why_len,
			 "the kernel release in the superblock is not a terminated, printable string");
		return IMAGE_CORRUPT;
	}
	switch (resume_record_check(&sb->resume, RESUME_MAX_PFN, why,
				    why_len)) {
	case RESUME_USABLE:
		break;
	case RESUME_UNKNOWN:
		return IMAGE_OTHER_FORMAT;
	case RESUME_BAD:
		return IMAGE_CORRUPT;
	}
	if (sb->page_size != KHIB_PAGE_SIZE ||
	    sb->chunk_pages != KHIB_CHUNK_PAGES) {
		snprintf(why, why_len, "unsupported page size %u or chunk size %u",
			 sb->page_size, sb->chunk_pages);
		return IMAGE_CORRUPT;
	}
	if (sb->nr_chunks < (sb->nr_pages + sb->chunk_pages - 1) /
			    sb->chunk_pages ||
	    sb->nr_chunks > sb->nr_pages || sb->nr_reused > sb->nr_chunks ||
	    sb->group_table_bytes !=
	    sb->nr_chunks * sizeof(struct khib_group_entry) ||
	    sb->nr_zero_pages > sb->nr_pages) {
		snprintf(why, why_len, "image page, group and record counts disagree");
		return IMAGE_CORRUPT;
	}
	if (sb->map_bytes > page_map_max_bytes()) {
		snprintf(why, why_len, "implausible page map size %llu",
			 (unsigned long long)sb->map_bytes);
		return IMAGE_CORRUPT;
	}
	if (sb->zero_map_bytes != bitmap_words(sb->nr_pages) * 8) {
		snprintf(why, why_len, "zero map size %llu does not fit %llu pages",
			 (unsigned long long)sb->zero_map_bytes,
			 (unsigned long long)sb->nr_pages);
		return IMAGE_CORRUPT;
	}
	if (sb->nr_ram_ranges == 0 ||
	    sb->nr_ram_ranges > KHIB_IMAGE_MAX_RAM_RANGES ||
	    sb->nr_own_ranges > KHIB_IMAGE_MAX_RAM_RANGES ||
	    sb->nr_redirects > KHIB_IMAGE_MAX_REDIRECTS ||
	    sb->nr_free_pages > KHIB_IMAGE_MAX_FREE_PAGES ||
	    sb->mem_map_bytes != mem_map_bytes(sb->nr_ram_ranges,
					       sb->nr_own_ranges,
					       sb->nr_redirects,
					       sb->nr_free_pages)) {
		snprintf(why, why_len,
			 "implausible memory map: %llu RAM ranges, %llu own, %llu redirects, %llu free pages, %llu bytes",
			 (unsigned long long)sb->nr_ram_ranges,
			 (unsigned long long)sb->nr_own_ranges,
			 (unsigned long long)sb->nr_redirects,
			 (unsigned long long)sb->nr_free_pages,
			 (unsigned long long)sb->mem_map_bytes);
		return IMAGE_CORRUPT;
	}
	if (!region_fits(sb->header_offset, sb->page_size, device_bytes) ||
	    !region_fits(sb->mem_map_offset, sb->mem_map_bytes, device_bytes) ||
	    !region_fits(sb->map_offset, sb->map_bytes, device_bytes) ||
	    !region_fits(sb->data_offset, sb->data_bytes, device_bytes) ||
	    !region_fits(sb->group_table_offset, sb->group_table_bytes,
			 device_bytes) ||
	    !region_fits(sb->zero_map_offset, sb->zero_map_bytes,
			 device_bytes)) {
		snprintf(why, why_len,
			 "image regions lie outside the %llu-byte device",
			 (unsigned long long)device_bytes);
		return IMAGE_CORRUPT;
	}
	return IMAGE_VALID;
}

void image_super_aad(const struct khib_image_super *sb,
		     struct khib_image_super *aad)
{
	*aad = *sb;
	aad->state = 0;
	aad->hash = 0;
	memset(&aad->crypt.wrap, 0, sizeof(aad->crypt.wrap));
}

bool image_state_change_allowed(uint32_t from, uint32_t to)
{
	switch (to) {
	case KHIB_IMAGE_WRITING:
		return true;
	case KHIB_IMAGE_VALID:
		return from == KHIB_IMAGE_WRITING;
	case KHIB_IMAGE_RESTORED:
	case KHIB_IMAGE_DISCARDED:
		return from == KHIB_IMAGE_VALID;
	case KHIB_IMAGE_EMPTY:
		return from != KHIB_IMAGE_VALID;
	}
	return false;
}

enum image_verdict image_super_read(struct blockdev *dev,
				    struct khib_image_super *sb,
				    bool *unreadable, char *why,
				    size_t why_len)
{
	uint8_t *block;

	memset(sb, 0, sizeof(*sb));
	if (dev->size < KHIB_IMAGE_ALIGN) {
		snprintf(why, why_len, "no hibernation image");
		return IMAGE_ABSENT;
	}
	block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	if (!block || blockdev_read(dev, 0, block, KHIB_IMAGE_ALIGN)) {
		snprintf(why, why_len, "cannot read the superblock of %s: %s",
			 dev->path, strerror(errno));
		free(block);
		*unreadable = true;
		return IMAGE_CORRUPT;
	}
	memcpy(sb, block, sizeof(*sb));
	free(block);
	return image_super_check(sb, dev->size, why, why_len);
}

int image_super_store(struct blockdev *dev, struct khib_image_super *sb,
		      uint32_t state)
{
	uint8_t *block;
	int ret = -1;

	if (!image_state_change_allowed(sb->state, state)) {
		errno = EINVAL;
		return -1;
	}
	block = blockdev_buffer(KHIB_IMAGE_ALIGN);
	if (!block)
		return -1;
	sb->state = state;
	/* Crypto-erase: without its data key the image is noise. */
	if (state == KHIB_IMAGE_RESTORED || state == KHIB_IMAGE_DISCARDED)
		memset(&sb->crypt.wrap, 0, sizeof(sb->crypt.wrap));
	image_super_seal(sb);
	memcpy(block, sb, sizeof(*sb));
	if (!blockdev_write(dev, 0, block, KHIB_IMAGE_ALIGN) &&
	    !blockdev_sync(dev))
		ret = 0;
	free(block);
	return ret;
}

int image_super_format(struct blockdev *dev,
		       const uint8_t uuid[KHIB_TARGET_UUID_LEN])
{
	struct khib_image_super sb = {
		.magic = KHIB_IMAGE_MAGIC,
		.major = KHIB_IMAGE_MAJOR,
		.minor = KHIB_IMAGE_MINOR,
	};

	memcpy(sb.target_uuid, uuid, KHIB_TARGET_UUID_LEN);
	return image_super_store(dev, &sb, KHIB_IMAGE_EMPTY);
}

int image_super_discard(const char *path)
{
	uint8_t uuid[KHIB_TARGET_UUID_LEN] = { 0 };
	struct khib_image_super sb;
	struct blockdev dev;
	bool unreadable = false;
	char why[256];
	int ret = 0;

	if (blockdev_open(&dev, path, true))
		return -1;
	switch (image_super_read(&dev, &sb, &unreadable, why, sizeof(why))) {
	case IMAGE_VALID:
		ret = image_super_store(&dev, &sb, KHIB_IMAGE_DISCARDED) ?
		      -1 : 1;
		break;
	case IMAGE_OTHER_FORMAT:
		/* Its target UUID is not where this format keeps it. */
		ret = image_super_format(&dev, uuid) ? -1 : 1;
		break;
	default:
		break;
	}
	if (ret == 0 && unreadable)
		ret = -1;
	blockdev_close(&dev);
	return ret;
}
