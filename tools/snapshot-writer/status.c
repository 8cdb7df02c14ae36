// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "crc32.h"
#include "status.h"

uint32_t status_elapsed_ms(const struct status_channel *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint32_t)((now.tv_sec - s->start.tv_sec) * 1000 +
			  (now.tv_nsec - s->start.tv_nsec) / 1000000);
}

static void publish(struct status_channel *s)
{
	s->st.elapsed_ms = status_elapsed_ms(s);
	s->st.checksum = 0;
	s->st.checksum = crc32_of(&s->st, sizeof(s->st));
	memcpy((char *)s->page + KEXEC_HIB_STATUS_OFFSET, &s->st,
	       sizeof(s->st));
	__sync_synchronize();
}

bool status_pending(const void *page, uint64_t last_served,
		    uint64_t *sequence)
{
	struct kexec_hib_status st;
	uint32_t checksum;

	memcpy(&st, (const char *)page + KEXEC_HIB_STATUS_OFFSET, sizeof(st));
	checksum = st.checksum;
	st.checksum = 0;
	*sequence = st.sequence;
	return st.magic == KEXEC_HIB_STATUS_MAGIC &&
	       crc32_of(&st, sizeof(st)) == checksum &&
	       st.state == KEXEC_HIB_STATE_PENDING &&
	       st.sequence != last_served;
}

void status_open(struct status_channel *s, void *page)
{
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	s->page = page;
	memset(&s->st, 0, sizeof(s->st));
	s->st.magic = KEXEC_HIB_STATUS_MAGIC;
	/* Answer the sequence even of a descriptor that fails its checks. */
	memcpy(&s->st.sequence,
	       (char *)page + offsetof(struct kexec_hib_descriptor, sequence),
	       sizeof(s->st.sequence));
}

void status_writing(struct status_channel *s, uint64_t pages_total)
{
	s->st.state = KEXEC_HIB_STATE_WRITING;
	s->st.pages_total = pages_total;
	publish(s);
}

void status_progress(struct status_channel *s, uint64_t pages_done,
		     uint64_t bytes_written)
{
	s->st.pages_done = pages_done;
	s->st.bytes_written = bytes_written;
	publish(s);
}

void status_done(struct status_channel *s)
{
	s->st.state = KEXEC_HIB_STATE_DONE;
	s->st.error = KEXEC_HIB_OK;
	publish(s);
}

void status_fail(struct status_channel *s, uint32_t error, int sys_errno,
		 const char *message)
{
	s->st.state = KEXEC_HIB_STATE_FAILED;
	s->st.error = error;
	s->st.sys_errno = sys_errno;
	snprintf(s->st.message, sizeof(s->st.message), "%s", message);
	publish(s);
	fprintf(stderr, "khib-writer: failed: %s\n", message);
}
