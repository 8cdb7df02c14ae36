// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "chunk_encoder.h"
#include "image_format.h"
#include "write_pipeline.h"

/* Records the I/O thread gathers into one write at most. */
#define BATCH_RECORDS	16
/* Weight of a new sample in the running rate estimates. */
#define EWMA_NEW	0.25
/* Pre-copy candidates hashed whatever the rule says, to keep measuring. */
#define REUSE_SAMPLE_EVERY	16

enum job_state {
	JOB_FREE,
	JOB_QUEUED,		/* pages named, waiting for an encoder */
	JOB_ENCODING,
	JOB_ENCODED,		/* record ready, waiting for the disk */
	JOB_WRITING,
};

struct job {
	enum job_state state;
	struct image_group group;
	uint64_t entry;		/* in the group table */
	uint32_t nr_pages;
	const void *pages[KHIB_CHUNK_PAGES];
	const struct khib_precopy_entry *cand;	/* or NULL */
	const void *held[KHIB_CHUNK_PAGES];	/* the pages cand holds */
	bool reused;		/* cand kept: nothing to write */
	uint64_t zero[GROUP_WORDS];	/* of a reused group's pages */
	uint8_t *record;
	struct chunk_result res;
};

struct write_pipeline {
	struct pipeline_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* any job changed state */
	struct job *jobs;
	unsigned int nr_jobs;
	uint64_t submitted;		/* jobs handed in, in order */
	uint64_t claimed;		/* jobs taken by encoders */
	uint64_t encoded;		/* jobs encoded, in any order */
	uint64_t written;		/* jobs written, in order */
	uint64_t backlog_bytes;		/* of encoded jobs not yet written */
	/* Auto compression: measured costs, 0 until measured. */
	double disk_ns_per_byte;	/* writing */
	double compress_ns;		/* compressing one chunk */
	unsigned int probes;		/* chunks compressed to measure */
	double hash_ns;			/* hashing one pre-copy record's pages */
	double encode_ns;		/* encoding a group as it is */
	unsigned int hash_probes;	/* candidates hashed to measure */
	uint64_t candidates;		/* candidates seen */
	uint64_t tried, same;		/* candidates hashed, found unchanged */
	bool stopping;
	bool failed;
	struct pipeline_stats stats;
	pthread_t io_thread;
	pthread_t *encoders;
	unsigned int nr_encoders;	/* started */
	bool io_started;
};

static struct job *job_of(struct write_pipeline *p, uint64_t seq)
{
	return &p->jobs[seq % p->nr_jobs];
}

/* Record the first failure; the caller holds the lock. */
static void fail_locked(struct write_pipeline *p, int io_errno,
			const char *encode_error)
{
	if (!p->failed) {
		p->stats.io_errno = io_errno;
		p->stats.encode_error = encode_error;
	}
	p->failed = true;
	pthread_cond_broadcast(&p->changed);
}

static double ewma(double old, double sample)
{
	return old ? old + EWMA_NEW * (sample - old) : sample;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/*
 * In auto mode a chunk is compressed only if the disk has enough written
 * work queued to stay busy while the chunk is compressed: then the
 * compression costs nothing and saves disk time.  Otherwise storing it as
 * it is is faster.  The first chunks, one per encoder, are compressed to
 * measure what compression costs.  The caller holds the lock.
 */
static int level_for(struct write_pipeline *p)
{
	switch (p->cfg.mode) {
	case COMPRESS_ALWAYS:
		return p->cfg.level;
	case COMPRESS_AUTO:
		if (!p->compress_ns && p->probes < p->cfg.threads) {
			p->probes++;
			return p->cfg.level;
		}
		if (p->compress_ns && p->disk_ns_per_byte &&
		    p->compress_ns < p->backlog_bytes * p->disk_ns_per_byte)
			return p->cfg.level;
		return 0;
	default:
		return 0;
	}
}

/*
 * Whether the pages the pre-copy's record of @job's group holds are still
 * what it wrote; if so, note which of the group's image pages are zero.
 */
static bool still_the_same(struct job *job)
{
	const struct khib_precopy_entry *cand = job->cand;
	uint64_t hash[2];

	if (image_content_hash(job->held, cand->nr_pages, hash) ||
	    hash[0] != cand->hash[0] || hash[1] != cand->hash[1])
		return false;
	memset(job->zero, 0, sizeof(job->zero));
	for (uint32_t i = 0; i < job->nr_pages; i++)
		if (image_page_is_zero(job->pages[i]))
			group_set_bit(job->zero, i);
	return true;
}

/*
 * Whether to hash @job's candidate, the pre-copy's record of its group.
 * Keeping groups costs, per group, a hash and, for the share c found
 * changed, an encoding, spread over the encoders; writing it costs the
 * disk a record.  So candidates are hashed while (hash + c x encode) /
 * encoders < the disk's time for a record, all measured as it goes (c
 * too): with a disk that binds, unchanged groups stay off it; with CPUs
 * that bind, the groups are written as without a pre-copy, which is
 * never slower.  The first candidates, two per encoder, are hashed to
 * measure, and one in REUSE_SAMPLE_EVERY after: the first groups (low
 * memory, the kernel's own) change more than most, and a share c taken
 * from them alone stopped all hashing for good.  The caller holds the
 * lock.
 */
static bool reuse_pays(struct write_pipeline *p, const struct job *job)
{
	double encode_ns = p->encode_ns ? p->encode_ns : p->compress_ns;
	double changed, keep_ns, write_ns;

	if (!job->cand)
		return false;
	if (p->cfg.hash_every_candidate ||
	    p->candidates++ % REUSE_SAMPLE_EVERY == 0)
		return true;
	if (!p->hash_ns || !encode_ns || !p->disk_ns_per_byte ||
	    p->hash_probes < 2 * p->cfg.threads) {
		p->hash_probes++;
		return true;
	}
	changed = p->tried ? (double)(p->tried - p->same) / p->tried : 0.5;
	keep_ns = (p->hash_ns + changed * encode_ns) / p->cfg.threads;
	write_ns = p->disk_ns_per_byte * KHIB_CHUNK_PAGES * KHIB_PAGE_SIZE;
	return keep_ns < write_ns;
}

static void *encoder_main(void *arg)
{
	struct write_pipeline *p = arg;
	struct chunk_encoder enc;
	bool ready = !chunk_encoder_init(&enc);

	enc.image_id = p->cfg.image_id;
	enc.pass = KHIB_PASS_FROZEN;
	enc.keys = p->cfg.keys;
	pthread_mutex_lock(&p->lock);
	if (!ready)
		fail_locked(p, 0, "no memory for an encoder");
	while (ready && !p->failed) {
		struct job *job;
		uint64_t t0, t_hash;
		int level;
		bool ok, try_reuse;

		if (p->claimed == p->submitted) {
			if (p->stopping)
				break;
			pthread_cond_wait(&p->changed, &p->lock);
			continue;
		}
		job = job_of(p, p->claimed++);
		job->state = JOB_ENCODING;
		try_reuse = reuse_pays(p, job);
		level = try_reuse ? 0 : level_for(p);
		pthread_mutex_unlock(&p->lock);

		t0 = now_ns();
		job->reused = try_reuse && still_the_same(job);
		t_hash = now_ns() - t0;
		t0 = 0;
		if (job->reused) {
			memset(&job->res, 0, sizeof(job->res));
			ok = true;
		} else {
			t0 = now_ns();
			ok = chunk_encode(&enc, job->group.group,
					  job->group.pages, job->pages, level,
					  job->record, &job->res);
			t0 = now_ns() - t0;
		}

		pthread_mutex_lock(&p->lock);
		p->encoded++;
		if (!ok) {
			fail_locked(p, 0, job->res.error);
			break;
		}
		if (try_reuse) {
			p->hash_ns = ewma(p->hash_ns, (double)t_hash);
			p->stats.hashed++;
			p->tried++;
			p->same += job->reused;
		}
		if (level && !job->reused)
			p->compress_ns = ewma(p->compress_ns, (double)t0);
		else if (!job->reused)
			p->encode_ns = ewma(p->encode_ns, (double)t0);
		job->state = JOB_ENCODED;
		p->backlog_bytes += job->res.record_bytes;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	chunk_encoder_free(&enc);
	return NULL;
}

/* pwritev() all of @iov, carrying on after short writes. */
static int write_all(struct blockdev *dev, uint64_t offset, struct iovec *iov,
		     int nr)
{
	while (nr) {
		ssize_t n = blockdev_writev(dev, offset, iov, nr);

		if (n < 0)
			return -1;
		offset += (uint64_t)n;
		while (nr && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Note where @job's group lies, and its zero pages; lock held. */
static void record_entry(struct write_pipeline *p, struct job *job,
			 uint64_t offset)
{
	const struct khib_chunk_header *h = (const void *)job->record;
	struct khib_group_entry *e = &p->cfg.table[job->entry];

	e->group = job->group.group;
	if (job->reused) {
		e->offset = job->cand->offset;
		e->bytes = job->cand->bytes;
		e->pass = KHIB_PASS_PRECOPY;
		bits_put(p->cfg.zero_bits, job->group.first_page, job->zero,
			 job->nr_pages);
		return;
	}
	e->offset = offset;
	e->bytes = (uint32_t)job->res.record_bytes;
	e->pass = KHIB_PASS_FROZEN;
	/* Its pages are exactly the group's image pages. */
	bits_put(p->cfg.zero_bits, job->group.first_page, h->zero_map,
		 job->nr_pages);
}

static void *io_main(void *arg)
{
	struct write_pipeline *p = arg;
	uint64_t offset = p->cfg.offset;

	pthread_mutex_lock(&p->lock);
	while (!p->failed) {
		struct iovec iov[BATCH_RECORDS];
		uint64_t bytes = 0, pages = 0, zero = 0, packed = 0, kept = 0;
		uint64_t t0;
		int nr = 0, nr_iov = 0, error = 0;

		while (nr_iov < BATCH_RECORDS &&
		       p->written + nr < p->submitted &&
		       job_of(p, p->written + nr)->state == JOB_ENCODED) {
			struct job *job = job_of(p, p->written + nr);

			record_entry(p, job, offset + bytes);
			job->state = JOB_WRITING;
			pages += job->nr_pages;
			nr++;
			if (job->reused) {
				zero += bitmap_weight(job->zero, job->nr_pages);
				kept++;
				continue;
			}
			iov[nr_iov].iov_base = job->record;
			iov[nr_iov].iov_len = job->res.record_bytes;
			nr_iov++;
			bytes += job->res.record_bytes;
			zero += job->res.zero_pages;
			packed += job->res.compressed;
		}
		if (!nr) {
			if (p->stopping && p->written == p->submitted)
				break;
			pthread_cond_wait(&p->changed, &p->lock);
			continue;
		}
		p->backlog_bytes -= bytes;
		pthread_mutex_unlock(&p->lock);

		t0 = now_ns();
		if (nr_iov)
			error = write_all(p->cfg.dev, offset, iov, nr_iov) ?
				errno : 0;
		t0 = now_ns() - t0;

		pthread_mutex_lock(&p->lock);
		if (error) {
			fail_locked(p, error, NULL);
			break;
		}
		if (bytes)
			p->disk_ns_per_byte = ewma(p->disk_ns_per_byte,
						   (double)t0 / (double)bytes);
		offset += bytes;
		for (int i = 0; i < nr; i++)
			job_of(p, p->written + i)->state = JOB_FREE;
		p->written += (uint64_t)nr;
		p->stats.pages += pages;
		p->stats.zero_pages += zero;
		p->stats.chunks += (uint64_t)nr_iov;
		p->stats.chunks_compressed += packed;
		p->stats.reused += kept;
		p->stats.bytes += bytes;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void free_pipeline(struct write_pipeline *p)
{
	if (p->jobs)
		for (unsigned int i = 0; i < p->nr_jobs; i++)
			free(p->jobs[i].record);
	free(p->jobs);
	free(p->encoders);
	pthread_cond_destroy(&p->changed);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Stop and join every thread started so far. */
static void stop_threads(struct write_pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nr_encoders; i++)
		pthread_join(p->encoders[i], NULL);
	if (p->io_started)
		pthread_join(p->io_thread, NULL);
	p->nr_encoders = 0;
	p->io_started = false;
}

struct write_pipeline *pipeline_start(const struct pipeline_config *cfg)
{
	struct write_pipeline *p = calloc(1, sizeof(*p));
	unsigned int threads = cfg->threads ? cfg->threads : 1;

	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->cfg.threads = threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	p->nr_jobs = writer_pool_jobs(threads);
	p->jobs = calloc(p->nr_jobs, sizeof(*p->jobs));
	p->encoders = calloc(threads, sizeof(*p->encoders));
	if (!p->jobs || !p->encoders)
		goto fail;
	for (unsigned int i = 0; i < p->nr_jobs; i++) {
		p->jobs[i].record = blockdev_buffer(image_record_max());
		if (!p->jobs[i].record)
			goto fail;
	}
	for (unsigned int i = 0; i < threads; i++) {
		errno = pthread_create(&p->encoders[i], NULL, encoder_main, p);
		if (errno)
			goto fail;
		p->nr_encoders++;
	}
	errno = pthread_create(&p->io_thread, NULL, io_main, p);
	if (errno)
		goto fail;
	p->io_started = true;
	return p;
fail:
	if (!errno)
		errno = ENOMEM;
	stop_threads(p);
	free_pipeline(p);
	return NULL;
}

const void **pipeline_next(struct write_pipeline *p,
			   const struct image_group *g, uint64_t entry)
{
	struct job *job;
	bool failed;

	pthread_mutex_lock(&p->lock);
	while (!p->failed && p->submitted - p->written == p->nr_jobs)
		pthread_cond_wait(&p->changed, &p->lock);
	failed = p->failed;
	pthread_mutex_unlock(&p->lock);
	if (failed)
		return NULL;
	job = job_of(p, p->submitted);
	job->group = *g;
	job->entry = entry;
	job->nr_pages = g->nr_pages;
	job->cand = NULL;
	return job->pages;
}

const void **pipeline_candidate(struct write_pipeline *p,
				const struct khib_precopy_entry *cand)
{
	struct job *job = job_of(p, p->submitted);

	job->cand = cand;
	return job->held;
}

void pipeline_submit(struct write_pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	job_of(p, p->submitted)->state = JOB_QUEUED;
	p->submitted++;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

void pipeline_quiesce(void *pipeline)
{
	struct write_pipeline *p = pipeline;

	pthread_mutex_lock(&p->lock);
	while (!p->failed && p->encoded != p->submitted)
		pthread_cond_wait(&p->changed, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void pipeline_progress(struct write_pipeline *p, uint64_t *pages,
		       uint64_t *bytes)
{
	pthread_mutex_lock(&p->lock);
	*pages = p->stats.pages;
	*bytes = p->stats.bytes;
	pthread_mutex_unlock(&p->lock);
}

int pipeline_finish(struct write_pipeline *p, struct pipeline_stats *stats)
{
	bool failed;

	stop_threads(p);
	*stats = p->stats;
	failed = p->failed;
	free_pipeline(p);
	return failed ? -1 : 0;
}
