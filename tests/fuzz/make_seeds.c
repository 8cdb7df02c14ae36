// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for the fuzz targets, made by the project's own code: a small
 * fake hibernating kernel's descriptor (the pages the loader reads, in
 * fuzz_descriptor.c's format) and the image the snapshot writer makes of
 * it (fuzz_image.c's format: the whole device).
 *
 *   make_seeds DESCRIPTOR-DIR IMAGE-DIR KEYED-IMAGE-DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "descriptor.h"
#include "fake_machine.h"
#include "image_crypt.h"
#include "image_drive.h"
#include "image_writer.h"

static int write_file(const char *dir, const char *name, const void *buf,
		      size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

static int descriptor_seed(struct fake_machine *m, const char *dir,
			   const char *name)
{
	struct descriptor_view v;
	uint8_t *out, *at;
	char why[256];
	int ret;

	if (descriptor_load(&v, m->desc_pfn * FAKE_PAGE, fake_read_page, m,
			    why, sizeof(why))) {
		fprintf(stderr, "make_seeds: %s\n", why);
		return -1;
	}
	out = malloc(v.nr_desc_pfns * (8 + FAKE_PAGE));
	at = out;
	for (size_t i = 0; out && i < v.nr_desc_pfns; i++) {
		memcpy(at, &v.desc_pfns[i], 8);
		memcpy(at + 8, fake_page(m, v.desc_pfns[i]), FAKE_PAGE);
		at += 8 + FAKE_PAGE;
	}
	ret = out ? write_file(dir, name, out, (size_t)(at - out)) : -1;
	free(out);
	descriptor_free(&v);
	return ret;
}

static int image_seed(struct fake_machine *m, const char *dir,
		      const char *name, enum compress_mode mode,
		      const uint8_t *master_key)
{
	char target[] = "/tmp/khib-seed-XXXXXX";
	struct writer_options opt = { .target = target, .mode = mode,
				      .level = 1, .threads = 1,
				      .master_key = master_key };
	struct descriptor_view v;
	struct image_source src = { .view = &v, .page_at = fake_page_at,
				    .ctx = m };
	struct writer_report rep;
	int fd = mkstemp(target), ret = -1;
	uint8_t *buf;
	char why[256];

	if (fd < 0 || ftruncate(fd, 4 << 20) ||
	    descriptor_load(&v, m->desc_pfn * FAKE_PAGE, fake_read_page, m,
			    why, sizeof(why)))
		return -1;
	if (image_write(&src, &opt, &rep) == KEXEC_HIB_OK) {
		buf = malloc(rep.bytes);
		if (buf && pread(fd, buf, rep.bytes, 0) == (ssize_t)rep.bytes)
			ret = write_file(dir, name, buf, rep.bytes);
		free(buf);
	} else {
		fprintf(stderr, "make_seeds: %s\n", rep.why);
	}
	descriptor_free(&v);
	close(fd);
	unlink(target);
	return ret;
}

int main(int argc, char **argv)
{
	struct fake_machine m;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: make_seeds DESCRIPTOR-DIR IMAGE-DIR KEYED-IMAGE-DIR\n");
		return 2;
	}
	if (image_crypt_init())
		return 1;
	fake_init(&m, 96, 7);
	fake_build_descriptor(&m, 64, 6);
	ret = descriptor_seed(&m, argv[1], "fake-machine") ||
	      image_seed(&m, argv[2], "raw", COMPRESS_OFF, NULL) ||
	      image_seed(&m, argv[2], "zstd", COMPRESS_ALWAYS, NULL) ||
	      image_seed(&m, argv[3], "encrypted-raw", COMPRESS_OFF,
			 fuzz_master_key) ||
	      image_seed(&m, argv[3], "encrypted-zstd", COMPRESS_ALWAYS,
			 fuzz_master_key);
	fake_free(&m);
	return ret ? 1 : 0;
}
