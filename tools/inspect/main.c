// SPDX-License-Identifier: GPL-2.0
/*
 * khib-inspect: say what a khib image target holds, in one line, with -v
 * in detail, or with --json as one object (docs/inspect-json.md); --check
 * also reads and verifies every chunk of the data.  --key opens an
 * encrypted image with the machine's key, as a resume would (the key file
 * of khib.conf, the TPM or a passphrase), so that --check opens every
 * seal.  Reads only; works on a block device or a disk image file, by
 * default the configured target (khib.resume=, or /etc/khib.conf).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "image_reader.h"
#include "json.h"
#include "key_store.h"
#include "key_unlock.h"
#include "khib_conf.h"

/* "encrypted (XChaCha20-Poly1305), the master key sealed by a passphrase" */
static void print_crypt(const struct khib_image_super *sb)
{
	char sources[200];

	if (sb->crypt.cipher == KHIB_CIPHER_NONE) {
		printf("  in clear\n");
		return;
	}
	key_sources_text(sb->crypt.key_source, 0, sources, sizeof(sources));
	printf("  encrypted (XChaCha20-Poly1305), the master key sealed by %s\n",
	       sources);
}

static void print_details(const struct khib_image_super *sb)
{
	printf("  format %u.%u, sequence %" PRIu64 ", Linux %s\n", sb->major,
	       sb->minor, (uint64_t)sb->sequence, sb->release);
	printf("  resume: convention %u, entry %#" PRIx64 " (physical %#" PRIx64
	       "), page tables at %#" PRIx64 "\n", sb->resume.convention,
	       (uint64_t)sb->resume.entry, (uint64_t)sb->resume.entry_phys,
	       (uint64_t)sb->resume.page_table);
	printf("  pages %" PRIu64 " (%" PRIu64 " zero), %" PRIu64
	       " groups of %u page frames, %" PRIu64
	       " records taken from a pre-copy\n", (uint64_t)sb->nr_pages,
	       (uint64_t)sb->nr_zero_pages, (uint64_t)sb->nr_chunks,
	       sb->chunk_pages, (uint64_t)sb->nr_reused);
	printf("  header at %" PRIu64 ", page map at %" PRIu64 " (%" PRIu64
	       " bytes), data at %" PRIu64 " (%" PRIu64 " bytes)\n",
	       (uint64_t)sb->header_offset, (uint64_t)sb->map_offset,
	       (uint64_t)sb->map_bytes, (uint64_t)sb->data_offset,
	       (uint64_t)sb->data_bytes);
	printf("  group table at %" PRIu64 " (%" PRIu64 " bytes)\n",
	       (uint64_t)sb->group_table_offset,
	       (uint64_t)sb->group_table_bytes);
	printf("  zero map at %" PRIu64 " (%" PRIu64 " bytes), memory map at %" PRIu64
	       " (%" PRIu64 " bytes: %" PRIu64 " RAM ranges, %" PRIu64
	       " lent, %" PRIu64 " swapped pages, %" PRIu64 " free pages)\n",
	       (uint64_t)sb->zero_map_offset, (uint64_t)sb->zero_map_bytes,
	       (uint64_t)sb->mem_map_offset, (uint64_t)sb->mem_map_bytes,
	       (uint64_t)sb->nr_ram_ranges, (uint64_t)sb->nr_own_ranges,
	       (uint64_t)sb->nr_redirects, (uint64_t)sb->nr_free_pages);
	printf("  image id %#" PRIx64 "\n", (uint64_t)sb->image_id);
	printf("  compression %s level %d, written in %u ms\n",
	       sb->compressor == KHIB_ENC_ZSTD ? "zstd" : "none", sb->level,
	       sb->write_ms);
	print_crypt(sb);
}

/* Read and verify every chunk, as a restore would; "" if all is well. */
static const char *check_data(struct image_reader *r)
{
	struct stream_chunk c;
	int ret;

	while ((ret = image_next_chunk(r, &c)) > 0)
		;
	return ret < 0 ? r->why : "";
}

static int usage(void)
{
	fprintf(stderr, "usage: khib-inspect [-v | --json] [--check] [--key] [DEVICE-OR-FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool verbose = false, json = false, check = false, keyed = false;
	uint8_t master_key[IMAGE_CRYPT_KEY_BYTES];
	const char *path = NULL, *data = NULL;
	char target[256], name[256], why[256];
	uint32_t sources;
	struct image_reader r;
	enum image_verdict v;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--check"))
			check = true;
		else if (!strcmp(argv[i], "--key"))
			keyed = true;
		else if (argv[i][0] == '-' || path)
			return usage();
		else
			path = argv[i];
	}
	if (!path) {
		/* The configured target, as khib-restore finds it. */
		if (!khib_configured_target(target, sizeof(target), name,
					    sizeof(name))) {
			if (errno == EBADMSG)
				fprintf(stderr, "khib-inspect: %s\n", name);
			else
				fprintf(stderr, "khib-inspect: no device given, and no usable target in khib.resume= or " KHIB_CONF_PATH "\n");
			return 2;
		}
		path = target;
	}
	if (keyed && key_unlock_configured(3, master_key, &sources, why,
					   sizeof(why))) {
		fprintf(stderr, "khib-inspect: %s\n", why);
		return 2;
	}
	v = image_open_keyed(&r, path, false, keyed ? master_key : NULL);
	image_crypt_wipe(master_key, sizeof(master_key));
	if (v == IMAGE_VALID && check)
		data = check_data(&r);
	if (json) {
		inspect_json(stdout, path, v, &r, data);
	} else if (v == IMAGE_CORRUPT && r.locked) {
		/* Not damaged: only unreadable without its key. */
		printf("%s: encrypted image of %" PRIu64 " pages, Linux %s: %s\n",
		       path, (uint64_t)r.sb.nr_pages, r.sb.release, r.why);
	} else if (v == IMAGE_SPENT && r.sb.crypt.cipher != KHIB_CIPHER_NONE) {
		printf("%s: %s; spent, unreadable (its encrypted key is erased)\n",
		       path, r.why);
	} else if (v != IMAGE_VALID) {
		printf("%s: %s\n", path, r.why);
	} else {
		printf("%s: valid image of %" PRIu64 " pages (%" PRIu64 " MiB), %"
		       PRIu64 " MiB stored, Linux %s%s%s\n", path,
		       (uint64_t)r.sb.nr_pages, (uint64_t)(r.sb.nr_pages >> 8),
		       (uint64_t)((r.sb.data_offset + r.sb.data_bytes) >> 20),
		       r.sb.release, !data ? "" : data[0] ? "; data: " : "; data checked",
		       data && data[0] ? data : "");
		if (verbose)
			print_details(&r.sb);
	}
	if (v == IMAGE_VALID)
		image_close(&r);
	if ((v == IMAGE_CORRUPT && !r.locked) || (data && data[0]))
		return 1;
	return 0;
}
