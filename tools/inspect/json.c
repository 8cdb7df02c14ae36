// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>

#include "image_format.h"
#include "json.h"

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *verdict_name(enum image_verdict v)
{
	switch (v) {
	case IMAGE_VALID:
		return "valid";
	case IMAGE_ABSENT:
		return "absent";
	case IMAGE_SPENT:
		return "spent";
	case IMAGE_OTHER_FORMAT:
		return "other-format";
	case IMAGE_CORRUPT:
		break;
	}
	return "refused";
}

static void ranges(FILE *f, const char *name,
		   const struct khib_image_range *r, uint64_t n)
{
	fprintf(f, "    \"%s\": [", name);
	for (uint64_t i = 0; i < n; i++)
		fprintf(f, "%s[%" PRIu64 ", %" PRIu64 "]", i ? ", " : "",
			(uint64_t)r[i].start_pfn, (uint64_t)r[i].end_pfn);
	fprintf(f, "],\n");
}

static void region(FILE *f, const char *name, uint64_t offset,
		   uint64_t bytes, bool last)
{
	fprintf(f, "    \"%s\": {\"offset\": %" PRIu64 ", \"bytes\": %" PRIu64
		"}%s\n", name, offset, bytes, last ? "" : ",");
}

static void valid_image(FILE *f, const struct image_reader *r,
			const char *data)
{
	const struct khib_image_super *sb = &r->sb;

	fprintf(f, "  \"format\": {\"major\": %u, \"minor\": %u},\n",
		sb->major, sb->minor);
	fprintf(f, "  \"image_id\": \"%#" PRIx64 "\",\n",
		(uint64_t)sb->image_id);
	fprintf(f, "  \"sequence\": %" PRIu64 ",\n", (uint64_t)sb->sequence);
	fprintf(f, "  \"kernel\": {\"release\": ");
	json_string(f, sb->release);
	fprintf(f, ", \"resume\": {\"convention\": %u, \"entry\": \"%#" PRIx64
		"\", \"entry_phys\": \"%#" PRIx64 "\", \"page_table\": \"%#"
		PRIx64 "\"}},\n", sb->resume.convention,
		(uint64_t)sb->resume.entry, (uint64_t)sb->resume.entry_phys,
		(uint64_t)sb->resume.page_table);
	fprintf(f, "  \"pages\": {\"total\": %" PRIu64 ", \"zero\": %" PRIu64
		", \"page_size\": %u, \"chunks\": %" PRIu64
		", \"chunk_pages\": %u, \"reused\": %" PRIu64 "},\n",
		(uint64_t)sb->nr_pages, (uint64_t)sb->nr_zero_pages,
		sb->page_size, (uint64_t)sb->nr_chunks, sb->chunk_pages,
		(uint64_t)sb->nr_reused);
	fprintf(f, "  \"regions\": {\n");
	region(f, "header", sb->header_offset, sb->page_size, false);
	region(f, "page_map", sb->map_offset, sb->map_bytes, false);
	region(f, "data", sb->data_offset, sb->data_bytes, false);
	region(f, "group_table", sb->group_table_offset, sb->group_table_bytes,
	       false);
	region(f, "zero_map", sb->zero_map_offset, sb->zero_map_bytes, false);
	region(f, "memory_map", sb->mem_map_offset, sb->mem_map_bytes, true);
	fprintf(f, "  },\n");
	fprintf(f, "  \"memory_map\": {\n");
	ranges(f, "ram", r->ram, sb->nr_ram_ranges);
	ranges(f, "lent", r->own, sb->nr_own_ranges);
	fprintf(f, "    \"swapped_pages\": %" PRIu64 ",\n",
		(uint64_t)sb->nr_redirects);
	fprintf(f, "    \"free_pages\": %" PRIu64 "\n  },\n",
		(uint64_t)sb->nr_free_pages);
	fprintf(f, "  \"compression\": {\"encoding\": \"%s\", \"level\": %d},\n",
		sb->compressor == KHIB_ENC_ZSTD ? "zstd" : "none", sb->level);
	fprintf(f, "  \"write_ms\": %u,\n", sb->write_ms);
	fprintf(f, "  \"bytes_on_disk\": %" PRIu64 ",\n", image_bytes_on_disk(sb));
	fprintf(f, "  \"report_pfn\": %u,\n", sb->report_pfn);
	/* Opening it checked every hash but the data stream's. */
	fprintf(f, "  \"checksums\": {\"superblock\": \"ok\", \"metadata\": \"ok\", \"data\": ");
	if (!data)
		fprintf(f, "\"not checked\"");
	else if (!data[0])
		fprintf(f, "\"ok\"");
	else
		json_string(f, data);
	fprintf(f, "},\n");
}

/* An encrypted image: its cipher, what sealed its key, and if it opened. */
static void encryption(FILE *f, const struct image_reader *r)
{
	static const char *const sources[] = { NULL, "passphrase",
					       "key_file", "tpm" };
	const char *sep = "";

	fprintf(f, "  \"encryption\": {\"cipher\": \"xchacha20-poly1305\", \"key_sources\": [");
	for (uint32_t s = 1; s < sizeof(sources) / sizeof(*sources); s++)
		if (r->sb.crypt.key_source & (1u << s)) {
			fprintf(f, "%s\"%s\"", sep, sources[s]);
			sep = ", ";
		}
	fprintf(f, "], \"opened\": %s},\n",
		r->locked || !r->encrypted ? "false" : "true");
}

void inspect_json(FILE *f, const char *path, enum image_verdict v,
		  const struct image_reader *r, const char *data)
{
	fprintf(f, "{\n  \"schema\": \"%s\",\n  \"device\": ",
		INSPECT_JSON_SCHEMA);
	json_string(f, path);
	fprintf(f, ",\n  \"verdict\": \"%s\",\n", verdict_name(v));
	if (v == IMAGE_VALID)
		valid_image(f, r, data);
	if (r->encrypted)
		encryption(f, r);
	fprintf(f, "  \"reason\": ");
	if (v == IMAGE_VALID && (!data || !data[0]))
		fprintf(f, "null");
	else
		json_string(f, v == IMAGE_VALID ? data : r->why);
	fprintf(f, "\n}\n");
}
