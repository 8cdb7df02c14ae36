// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "blockdev.h"
#include "image_format.h"
#include "pack_choice.h"

#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * KHIB_PAGE_SIZE)
/* Weight of a new measurement in the running averages. */
#define EWMA_NEW	0.125
/* Decompress the first records, then one in this many. */
#define FIRST_SAMPLES	4
#define SAMPLE_EVERY	32

static double ewma(double old, double sample)
{
	return old ? old + EWMA_NEW * (sample - old) : sample;
}

static double clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

double pack_choice_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

int pack_choice_init(struct pack_choice *c, unsigned int decoders)
{
	memset(c, 0, sizeof(*c));
	c->decoders = decoders ? decoders : 1;
	c->zstd = ZSTD_createDCtx();
	c->scratch = malloc(CHUNK_BYTES);
	if (c->zstd && c->scratch)
		return 0;
	pack_choice_free(c);
	return -1;
}

void pack_choice_free(struct pack_choice *c)
{
	ZSTD_freeDCtx(c->zstd);
	free(c->scratch);
	c->zstd = NULL;
	c->scratch = NULL;
}

int pack_choice_probe_disk(struct pack_choice *c, struct blockdev *dev,
			   uint64_t offset)
{
	const size_t step = CHUNK_BYTES;
	uint64_t end = offset + PACK_PROBE_BYTES, done = 0;
	uint8_t *buf = blockdev_buffer(step);
	double t0 = clock_ns(CLOCK_MONOTONIC);
	int ret = 0;

	if (!buf)
		return -1;
	if (end > dev->size)
		end = dev->size;
	for (; offset + step <= end; offset += step, done += step) {
		ret = blockdev_read(dev, offset, buf, step);
		if (ret)
			break;
	}
	if (!ret && done)
		c->disk_ns_per_byte = (clock_ns(CLOCK_MONOTONIC) - t0) / done;
	free(buf);
	return ret;
}

void pack_choice_note_hash(struct pack_choice *c, size_t bytes,
			   double cpu_ns)
{
	if (bytes && cpu_ns > 0)
		c->hash_ns_per_byte = ewma(c->hash_ns_per_byte, cpu_ns / bytes);
}

/* Time decompressing @record's payload, as a resume's decoder would. */
static void sample(struct pack_choice *c, const uint8_t *record)
{
	struct khib_chunk_header h;
	double t0;
	size_t n;

	memcpy(&h, record, sizeof(h));
	t0 = pack_choice_cpu_ns();
	n = ZSTD_decompressDCtx(c->zstd, c->scratch, CHUNK_BYTES,
				record + sizeof(h), h.payload_bytes);
	if (!ZSTD_isError(n) && n)
		c->unpack_ns_per_byte = ewma(c->unpack_ns_per_byte,
					     (pack_choice_cpu_ns() - t0) / n);
}

static double max2(double a, double b)
{
	return a > b ? a : b;
}

bool pack_choice_pays(const struct pack_choice *c, size_t record_bytes,
		      size_t raw_bytes)
{
	double hash = c->hash_ns_per_byte * raw_bytes / c->decoders;
	double unpack = c->unpack_ns_per_byte * raw_bytes / c->decoders;
	double packed, plain;

	/* Not measured yet: compressed, as before there was a choice. */
	if (!c->disk_ns_per_byte || !c->unpack_ns_per_byte)
		return true;
	packed = max2(c->cpu_ns + hash + unpack,
		      c->disk_ns + c->disk_ns_per_byte * record_bytes);
	plain = max2(c->cpu_ns + hash,
		     c->disk_ns + c->disk_ns_per_byte * raw_bytes);
	return packed <= plain;
}

bool pack_choice_keep(struct pack_choice *c, const uint8_t *record,
		      size_t record_bytes, size_t raw_bytes)
{
	bool keep;

	if (c->seen < FIRST_SAMPLES || c->seen % SAMPLE_EVERY == 0)
		sample(c, record);
	c->seen++;
	keep = pack_choice_pays(c, record_bytes, raw_bytes);
	c->kept += keep;
	return keep;
}

void pack_choice_account(struct pack_choice *c, size_t record_bytes,
			 size_t raw_bytes, bool compressed)
{
	c->disk_ns += c->disk_ns_per_byte * record_bytes;
	c->cpu_ns += c->hash_ns_per_byte * raw_bytes / c->decoders;
	if (compressed)
		c->cpu_ns += c->unpack_ns_per_byte * raw_bytes / c->decoders;
}
