/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The status area of the descriptor page: the hibernate kernel's answer to
 * the hibernating kernel, rewritten whole, with its checksum, at every
 * change.
 */
#ifndef KHIB_STATUS_H
#define KHIB_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <linux/kexec_hibernate.h>

struct status_channel {
	void *page;			/* the descriptor page, writable */
	struct kexec_hib_status st;
	struct timespec start;
};

/*
 * Whether the descriptor page at @page asks for an image: its status is
 * intact, PENDING, and answers a sequence other than @last_served.  A
 * hibernate kernel entered without a request (parked at load time, or a
 * stray kexec -e) finds none and writes nothing.  Sets *sequence.
 */
bool status_pending(const void *page, uint64_t last_served,
		    uint64_t *sequence);

/* Take over the status of the descriptor page mapped at @page. */
void status_open(struct status_channel *s, void *page);
void status_writing(struct status_channel *s, uint64_t pages_total);
void status_progress(struct status_channel *s, uint64_t pages_done,
		     uint64_t bytes_written);
void status_done(struct status_channel *s);
/* Record a failure; the message also goes to the console. */
void status_fail(struct status_channel *s, uint32_t error, int sys_errno,
		 const char *message);
uint32_t status_elapsed_ms(const struct status_channel *s);

#endif
