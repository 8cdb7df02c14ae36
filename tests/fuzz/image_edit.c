// SPDX-License-Identifier: GPL-2.0
/*
 * image_edit: what an attacker who has the target offline does to an
 * image (t/72-attacker.t): change one thing, then make every hash right
 * again as image_rehash() does.  The XXH3 hashes only find damage; an
 * encrypted image must still be refused, by its seals.
 *
 *   image_edit DISK EDIT [OTHER-DISK]
 *
 *   superblock  a byte of write_ms, a field no check reads
 *   header, map, zero-map, mem-map
 *               a byte in the middle of that region
 *   chunk       a byte in the middle of chunk 1's payload
 *   swap        two neighbouring chunks of the same size, pages and zero
 *               pages exchanged, their group made right
 *   splice      a chunk of the image on OTHER-DISK (the same size, pages
 *               and zero pages, in the same place) put in, with this
 *               image's identity
 *   drop        the last chunk dropped from the group table
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_format.h"
#include "image_rehash.h"

#define MAX_CHUNKS	(1u << 20)

struct image {
	uint8_t *bytes;
	uint64_t size;
	struct khib_image_super sb;
	uint64_t *record_at;	/* each chunk record's offset ... */
	uint64_t *record_len;	/* ... and length */
	uint64_t nr_records;
};

static void die(const char *what)
{
	fprintf(stderr, "image_edit: %s%s%s\n", what, errno ? ": " : "",
		errno ? strerror(errno) : "");
	exit(1);
}

static void load(struct image *im, const char *path)
{
	int fd = open(path, O_RDONLY);

	errno = 0;
	if (fd < 0 || pread(fd, &im->sb, sizeof(im->sb), 0) != sizeof(im->sb))
		die(path);
	im->size = image_bytes_on_disk(&im->sb);
	if (im->sb.magic != KHIB_IMAGE_MAGIC || im->size > 1ULL << 36 ||
	    im->sb.nr_chunks > MAX_CHUNKS)
		die("no image to edit there");
	im->bytes = malloc(im->size);
	im->record_at = calloc(im->sb.nr_chunks + 1, sizeof(uint64_t));
	im->record_len = calloc(im->sb.nr_chunks + 1, sizeof(uint64_t));
	if (!im->bytes || !im->record_at || !im->record_len ||
	    pread(fd, im->bytes, im->size, 0) != (ssize_t)im->size)
		die("cannot read the image");
	close(fd);
	if (im->sb.group_table_offset + im->sb.group_table_bytes > im->size)
		die("the group table lies outside the image");
	for (im->nr_records = 0; im->nr_records < im->sb.nr_chunks;
	     im->nr_records++) {
		struct khib_group_entry e;

		memcpy(&e, im->bytes + im->sb.group_table_offset +
		       im->nr_records * sizeof(e), sizeof(e));
		if (e.offset + e.bytes > im->size)
			die("a chunk outside the image");
		im->record_at[im->nr_records] = e.offset;
		im->record_len[im->nr_records] = e.bytes;
	}
}

static struct khib_chunk_header *header(struct image *im, uint64_t i)
{
	return (struct khib_chunk_header *)(im->bytes + im->record_at[i]);
}

/*
 * Chunks @i of @a and @j of @b can trade places: same size, same pages
 * held, same zeros.
 */
static int alike(struct image *a, uint64_t i, struct image *b, uint64_t j)
{
	return a->record_len[i] == b->record_len[j] &&
	       !memcmp(header(a, i)->zero_map, header(b, j)->zero_map,
		       sizeof(header(a, i)->zero_map)) &&
	       !memcmp(header(a, i)->page_set, header(b, j)->page_set,
		       sizeof(header(a, i)->page_set));
}

static void flip(struct image *im, uint64_t offset, const char *what)
{
	if (offset >= im->size)
		die("that region is outside the image");
	im->bytes[offset] ^= 0x01;
	printf("image_edit: flipped a bit of %s at byte %llu", what,
	       (unsigned long long)offset);
}

static void swap_chunks(struct image *im)
{
	uint64_t i, len, group[2];
	uint8_t *tmp;

	for (i = 0; i + 1 < im->nr_records && !alike(im, i, im, i + 1); i++)
		;
	if (i + 1 >= im->nr_records)
		die("no two neighbouring chunks alike");
	len = im->record_len[i];
	group[0] = header(im, i)->group;
	group[1] = header(im, i + 1)->group;
	tmp = malloc(len);
	if (!tmp)
		die("no memory");
	memcpy(tmp, header(im, i), len);
	memcpy(header(im, i), header(im, i + 1), len);
	memcpy(header(im, i + 1), tmp, len);
	free(tmp);
	header(im, i)->group = group[0];
	header(im, i + 1)->group = group[1];
	printf("image_edit: swapped chunks %llu and %llu",
	       (unsigned long long)i, (unsigned long long)i + 1);
}

static void splice_chunk(struct image *im, const char *other_path)
{
	struct image other = { 0 };
	uint64_t i;

	load(&other, other_path);
	for (i = 0; i < im->nr_records && i < other.nr_records &&
	     !alike(im, i, &other, i); i++)
		;
	if (i >= im->nr_records || i >= other.nr_records)
		die("the other image has no chunk like one of this image's");
	memcpy(header(im, i), header(&other, i), im->record_len[i]);
	header(im, i)->image_id = im->sb.image_id;
	printf("image_edit: put in chunk %llu of the image on %s",
	       (unsigned long long)i, other_path);
}

int main(int argc, char **argv)
{
	struct image im = { 0 };
	const char *edit;
	uint64_t mid;
	int fd;

	if (argc < 3 || (!strcmp(argv[2], "splice") && argc != 4)) {
		fprintf(stderr, "usage: image_edit DISK superblock|header|map|zero-map|mem-map|chunk|swap|drop\n"
				"       image_edit DISK splice OTHER-DISK\n");
		return 2;
	}
	load(&im, argv[1]);
	edit = argv[2];
	if (!strcmp(edit, "superblock")) {
		flip(&im, offsetof(struct khib_image_super, write_ms),
		     "the superblock's write_ms");
	} else if (!strcmp(edit, "header")) {
		flip(&im, im.sb.header_offset + KHIB_PAGE_SIZE / 2,
		     "the header page");
	} else if (!strcmp(edit, "map")) {
		flip(&im, im.sb.map_offset + im.sb.map_bytes / 2, "the page map");
	} else if (!strcmp(edit, "zero-map")) {
		flip(&im, im.sb.zero_map_offset + im.sb.zero_map_bytes / 2,
		     "the zero map");
	} else if (!strcmp(edit, "mem-map")) {
		flip(&im, im.sb.mem_map_offset + im.sb.mem_map_bytes / 2,
		     "the memory map");
	} else if (!strcmp(edit, "chunk")) {
		if (im.nr_records < 2)
			die("the image has one chunk");
		mid = im.record_at[1] + sizeof(struct khib_chunk_header) +
		      header(&im, 1)->payload_bytes / 2;
		flip(&im, mid, "chunk 1's payload");
	} else if (!strcmp(edit, "swap")) {
		swap_chunks(&im);
	} else if (!strcmp(edit, "splice")) {
		splice_chunk(&im, argv[3]);
	} else if (!strcmp(edit, "drop")) {
		im.sb.nr_chunks--;
		im.sb.group_table_bytes -= sizeof(struct khib_group_entry);
		memcpy(im.bytes, &im.sb, sizeof(im.sb));
		printf("image_edit: dropped the last chunk");
	} else {
		errno = 0;
		die("unknown edit");
	}
	if (image_rehash(im.bytes, im.size))
		die("out of memory while rehashing");
	fd = open(argv[1], O_WRONLY);
	if (fd < 0 || pwrite(fd, im.bytes, im.size, 0) != (ssize_t)im.size ||
	    fsync(fd) || close(fd))
		die("cannot write the image back");
	printf("; every hash made right again\n");
	return 0;
}
