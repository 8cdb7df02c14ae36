// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_estimateDCtxSize() */
#include <zstd.h>

#include "chunk_stream.h"
#include "image_crypt.h"
#include "image_format.h"
#include "pfn_bitmap.h"

#define PAGE_BYTES	KHIB_PAGE_SIZE
#define CHUNK_BYTES	(KHIB_CHUNK_PAGES * PAGE_BYTES)

enum job_state {
	JOB_FREE,
	JOB_READ,		/* record read, header checked */
	JOB_DECODING,
	JOB_READY,		/* verified, waiting for the consumer */
	JOB_TAKEN,		/* handed to the consumer */
};

struct job {
	enum job_state state;
	uint64_t index;		/* in the group table */
	struct khib_chunk_header h;
	uint64_t zero[GROUP_WORDS];	/* of the image's pages, in order */
	uint8_t *record;	/* aligned, one whole record */
	uint8_t *pages;		/* decompressed pages */
	uint8_t *data;		/* the chunk's non-zero pages */
};

struct decoder {
	struct chunk_stream *stream;
	unsigned int index;
	pthread_t thread;
};

struct chunk_stream {
	struct blockdev *dev;
	struct stream_layout layout;
	uint64_t nr_chunks;
	const struct image_keys *keys;	/* open every record, or NULL */
	size_t record_max;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct job *jobs;
	unsigned int nr_jobs;
	uint64_t read, claimed, taken;	/* chunks read, decoding, consumed */
	bool stopping, failed;
	bool io_error;		/* failed because the device could not be read */
	char why[256];
	pthread_t reader;
	struct decoder *decoders;
	unsigned int nr_decoders;
	const struct chunk_sink *sink;
	bool reader_started;
};

static struct job *job_of(struct chunk_stream *s, uint64_t seq)
{
	return &s->jobs[seq % s->nr_jobs];
}

static void __attribute__((format(printf, 2, 3)))
fail_locked(struct chunk_stream *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->failed) {
		va_start(ap, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, ap);
		va_end(ap);
	}
	s->failed = true;
	pthread_cond_broadcast(&s->changed);
}

/*
 * Read record @index, as the group table names it, into @job; NULL or
 * what went wrong, with *@unreadable set if the device failed the read.
 */
static const char *read_record(struct chunk_stream *s, uint64_t index,
			       struct job *job, bool *unreadable,
			       char *why, size_t why_len)
{
	const struct khib_group_entry *e = &s->layout.table[index];
	uint64_t id = e->pass == KHIB_PASS_PRECOPY ? s->layout.precopy_id :
		      s->layout.image_id;

	if (blockdev_read(s->dev, e->offset, job->record, e->bytes)) {
		snprintf(why, why_len, "cannot read the image data: %s",
			 strerror(errno));
		*unreadable = true;
		return why;
	}
	memcpy(&job->h, job->record, sizeof(job->h));
	job->index = index;
	if (!chunk_header_check(&job->h, index, e, id,
				s->layout.groups[index].pages, why, why_len))
		return why;
	if (align_up(sizeof(job->h) + job->h.payload_bytes,
		     KHIB_RECORD_ALIGN) != e->bytes) {
		snprintf(why, why_len, "chunk %" PRIu64 ": implausible payload size %u",
			 index, job->h.payload_bytes);
		return why;
	}
	return NULL;
}

static void *reader_main(void *arg)
{
	struct chunk_stream *s = arg;
	char why[200];

	pthread_mutex_lock(&s->lock);
	while (!s->failed && !s->stopping && s->read < s->nr_chunks) {
		struct job *job = job_of(s, s->read);
		bool unreadable = false;
		const char *error;

		if (job->state != JOB_FREE) {
			pthread_cond_wait(&s->changed, &s->lock);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		error = read_record(s, s->read, job, &unreadable, why,
				    sizeof(why));
		pthread_mutex_lock(&s->lock);
		if (error) {
			/* Only the first failure is reported. */
			if (!s->failed)
				s->io_error = unreadable;
			fail_locked(s, "%s", error);
			break;
		}
		job->state = JOB_READ;
		s->read++;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Open a sealed payload in place; its clear length, or -1. */
static long open_payload(const struct image_keys *keys,
			 const struct khib_chunk_header *h, uint8_t *payload)
{
	struct khib_chunk_header aad = *h;
	size_t len;

	if (h->payload_bytes < KHIB_CRYPT_TAG_LEN)
		return -1;
	len = h->payload_bytes - KHIB_CRYPT_TAG_LEN;
	aad.header_hash = 0;
	if (image_crypt_open(keys, h->group, &aad, sizeof(aad), payload, len,
			     payload + len))
		return -1;
	return (long)len;
}

/* Open, decompress and verify; NULL or what went wrong. */
static const char *decode(const struct image_keys *keys, ZSTD_DCtx *zstd,
			  struct job *job, char *why, size_t why_len)
{
	const struct khib_chunk_header *h = &job->h;
	uint8_t *payload = job->record + sizeof(*h);
	uint32_t zero = (uint32_t)bitmap_weight(h->zero_map, h->nr_pages);
	size_t stored = (size_t)(h->nr_pages - zero) * PAGE_BYTES;
	size_t clear = h->payload_bytes;
	const uint8_t *pad = payload + h->payload_bytes;
	const uint8_t *end = job->record +
			     align_up(sizeof(*h) + h->payload_bytes,
				      KHIB_RECORD_ALIGN);

	/* Every byte of the stream is checked, the padding too. */
	for (; pad < end; pad++)
		if (*pad) {
			snprintf(why, why_len, "chunk %" PRIu64 ": damaged padding",
				 job->index);
			return why;
		}
	if (keys) {
		long n = open_payload(keys, h, payload);

		if (n < 0) {
			snprintf(why, why_len,
				 "chunk %" PRIu64 ": does not open with the image's key (changed, or of another image)",
				 job->index);
			return why;
		}
		clear = (size_t)n;
	}
	if (h->encoding == KHIB_ENC_RAW) {
		if (clear != stored)
			goto bad_size;
		job->data = payload;
	} else if (h->encoding == KHIB_ENC_ZSTD) {
		size_t n = ZSTD_decompressDCtx(zstd, job->pages, CHUNK_BYTES,
					       payload, clear);

		if (ZSTD_isError(n)) {
			snprintf(why, why_len, "chunk %" PRIu64 ": %s",
				 job->index, ZSTD_getErrorName(n));
			return why;
		}
		if (n != stored)
			goto bad_size;
		job->data = job->pages;
	} else {
		snprintf(why, why_len, "chunk %" PRIu64 ": unknown encoding %u",
			 job->index, h->encoding);
		return why;
	}
	/* Sealed chunks carry no hash of their clear data: the tag is it. */
	if (!keys && image_hash(job->data, stored) != h->data_hash) {
		snprintf(why, why_len, "chunk %" PRIu64 ": data checksum mismatch",
			 job->index);
		return why;
	}
	return NULL;
bad_size:
	snprintf(why, why_len, "chunk %" PRIu64 ": payload does not match its zero map",
		 job->index);
	return why;
}

/*
 * Keep the image's pages of the record (all it holds, but for a record of
 * the pre-copy that also holds pages since freed), in order, and check
 * their zero bits against the image's zero map.  NULL or what is wrong.
 */
static const char *select_pages(const struct chunk_stream *s,
				struct job *job, char *why, size_t why_len)
{
	const struct image_group *g = &s->layout.groups[job->index];
	const struct khib_chunk_header *h = &job->h;
	uint32_t held = 0, stored = 0, kept = 0, kept_stored = 0;

	memset(job->zero, 0, sizeof(job->zero));
	for (unsigned int n = 0; n < KHIB_CHUNK_PAGES; n++) {
		bool zero;

		if (!group_bit(h->page_set, n))
			continue;
		zero = group_bit(h->zero_map, held++);
		if (group_bit(g->pages, n)) {
			if (zero)
				group_set_bit(job->zero, kept);
			else if (kept_stored++ != stored)
				memmove(job->data + (size_t)(kept_stored - 1) *
					PAGE_BYTES, job->data +
					(size_t)stored * PAGE_BYTES,
					PAGE_BYTES);
			kept++;
		}
		stored += !zero;
	}
	if (!bits_equal(s->layout.zero_bits, g->first_page, job->zero,
			g->nr_pages)) {
		snprintf(why, why_len, "chunk %" PRIu64 ": zero pages differ from the zero map",
			 job->index);
		return why;
	}
	return NULL;
}

static void chunk_of(const struct chunk_stream *s, const struct job *job,
		     struct stream_chunk *c)
{
	const struct image_group *g = &s->layout.groups[job->index];

	c->index = job->index;
	c->group = g->group;
	c->first_page = g->first_page;
	c->nr_pages = g->nr_pages;
	c->pfn_set = g->pages;
	c->zero_map = job->zero;
	c->data = job->data;
}

static void *decoder_main(void *arg)
{
	struct decoder *d = arg;
	struct chunk_stream *s = d->stream;
	ZSTD_DCtx *zstd = ZSTD_createDCtx();
	char why[200];

	pthread_mutex_lock(&s->lock);
	if (!zstd)
		fail_locked(s, "no memory for a decompressor");
	while (!s->failed && !s->stopping) {
		struct job *job;
		const char *error;

		if (s->claimed == s->read) {
			pthread_cond_wait(&s->changed, &s->lock);
			continue;
		}
		job = job_of(s, s->claimed++);
		job->state = JOB_DECODING;
		pthread_mutex_unlock(&s->lock);
		error = decode(s->keys, zstd, job, why, sizeof(why));
		if (!error)
			error = select_pages(s, job, why, sizeof(why));
		if (!error && s->sink) {
			struct stream_chunk c;

			chunk_of(s, job, &c);
			if (s->sink->put(s->sink->ctx, d->index, &c, why,
					 sizeof(why)))
				error = why;
		}
		pthread_mutex_lock(&s->lock);
		if (error) {
			fail_locked(s, "%s", error);
			break;
		}
		job->state = JOB_READY;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
	ZSTD_freeDCtx(zstd);
	return NULL;
}

void chunk_stream_stop(struct chunk_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	for (unsigned int i = 0; i < s->nr_decoders; i++)
		pthread_join(s->decoders[i].thread, NULL);
	if (s->reader_started)
		pthread_join(s->reader, NULL);
	for (unsigned int i = 0; s->jobs && i < s->nr_jobs; i++) {
		free(s->jobs[i].record);
		free(s->jobs[i].pages);
	}
	free(s->jobs);
	free(s->decoders);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/*
 * One chunk in the consumer's hands, one being read and one per decoder.
 * Every job holds 2 MiB that the resuming kernel cannot use, so the
 * read-ahead stops there: with two more, restore ran no faster under TCG.
 */
static unsigned int stream_jobs(unsigned int threads)
{
	return (threads ? threads : 1) + 2;
}

struct worker_cost chunk_stream_cost(void)
{
	uint64_t job_kib = (image_record_max() + CHUNK_BYTES) / 1024;

	return (struct worker_cost){
		.fixed_kib = (stream_jobs(1) - 1) * job_kib,
		.thread_kib = job_kib + ZSTD_estimateDCtxSize() / 1024 + 1,
	};
}

uint64_t chunk_stream_memory_kib(unsigned int threads)
{
	struct worker_cost cost = chunk_stream_cost();

	return worker_cost_kib(&cost, threads ? threads : 1);
}

struct chunk_stream *chunk_stream_start(struct blockdev *dev,
					const struct stream_layout *layout,
					const struct image_keys *keys,
					unsigned int threads,
					const struct chunk_sink *sink)
{
	struct chunk_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (!threads)
		threads = 1;
	s->dev = dev;
	s->layout = *layout;
	s->nr_chunks = layout->nr_groups;
	s->keys = keys;
	s->sink = sink;
	s->record_max = image_record_max();
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	s->nr_jobs = stream_jobs(threads);
	s->jobs = calloc(s->nr_jobs, sizeof(*s->jobs));
	s->decoders = calloc(threads, sizeof(*s->decoders));
	if (!s->jobs || !s->decoders)
		goto fail;
	for (unsigned int i = 0; i < s->nr_jobs; i++) {
		s->jobs[i].record = blockdev_buffer(s->record_max);
		s->jobs[i].pages = malloc(CHUNK_BYTES);
		if (!s->jobs[i].record || !s->jobs[i].pages)
			goto fail;
		/* Fault it in now, before the resuming kernel takes memory. */
		memset(s->jobs[i].pages, 0, CHUNK_BYTES);
	}
	errno = pthread_create(&s->reader, NULL, reader_main, s);
	if (errno)
		goto fail;
	s->reader_started = true;
	for (unsigned int i = 0; i < threads; i++) {
		s->decoders[i].stream = s;
		s->decoders[i].index = i;
		errno = pthread_create(&s->decoders[i].thread, NULL,
				       decoder_main, &s->decoders[i]);
		if (errno)
			goto fail;
		s->nr_decoders++;
	}
	return s;
fail:
	if (!errno)
		errno = ENOMEM;
	chunk_stream_stop(s);
	return NULL;
}

bool chunk_stream_unreadable(struct chunk_stream *s)
{
	bool unreadable;

	pthread_mutex_lock(&s->lock);
	unreadable = s->failed && s->io_error;
	pthread_mutex_unlock(&s->lock);
	return unreadable;
}

int chunk_stream_next(struct chunk_stream *s, struct stream_chunk *c,
		      char *why, size_t why_len)
{
	struct job *job;
	int ret = 1;

	pthread_mutex_lock(&s->lock);
	if (s->taken) {
		/* The consumer is done with the previous chunk. */
		job_of(s, s->taken - 1)->state = JOB_FREE;
		pthread_cond_broadcast(&s->changed);
	}
	if (s->taken == s->nr_chunks) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	job = job_of(s, s->taken);
	while (!s->failed && !(s->taken < s->read && job->state == JOB_READY))
		pthread_cond_wait(&s->changed, &s->lock);
	if (s->failed) {
		snprintf(why, why_len, "%s", s->why);
		ret = -1;
	} else {
		job->state = JOB_TAKEN;
		s->taken++;
		chunk_of(s, job, c);
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

const uint8_t *stream_chunk_page(const struct stream_chunk *c, uint32_t i,
				 uint32_t *stored_before)
{
	static const uint8_t zero_page[PAGE_BYTES];

	if (stream_chunk_is_zero(c, i))
		return zero_page;
	return c->data + (size_t)(*stored_before)++ * PAGE_BYTES;
}
