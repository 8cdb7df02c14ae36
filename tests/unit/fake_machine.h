/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake hibernating kernel for the unit tests: "physical memory" in a
 * buffer, filled with test data, and a descriptor built in it the way the
 * kernel patch builds one, including redirects whose original contents are
 * moved away and replaced with garbage in place.
 */
#ifndef KHIB_FAKE_MACHINE_H
#define KHIB_FAKE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kexec_hibernate.h>

#define FAKE_PAGE 4096

struct fake_machine {
	uint8_t *mem;			/* nr_pages pages at PFN 0 */
	uint64_t nr_pages;
	uint64_t next_free;		/* descriptor pages come from the top */
	uint8_t *saveable;		/* per PFN */
	uint8_t *original;		/* contents the image must hold */
	uint64_t desc_pfn;
	uint64_t nr_saveable;
};

/* @ram_pages of data (PFNs 0 up), room for descriptor pages above. */
void fake_init(struct fake_machine *m, uint64_t ram_pages, uint64_t seed);
void fake_free(struct fake_machine *m);

/* A resume record as x86-64 states it, for a machine of @nr_pages. */
void fake_resume_record(struct kexec_hib_resume *r, uint64_t nr_pages);

/*
 * Build the descriptor: bitmap chunks of @chunk_pfns PFNs, and @nr_redirects
 * saveable pages whose contents move to spare pages while the "jump" lasts.
 */
void fake_build_descriptor(struct fake_machine *m, uint32_t chunk_pfns,
			   uint64_t nr_redirects);

/* Seal again after a test changed fixed descriptor fields. */
void fake_reseal(struct fake_machine *m);

bool fake_read_page(void *ctx, uint64_t pfn, void *page);
const void *fake_page_at(void *ctx, uint64_t pfn);
void *fake_page(struct fake_machine *m, uint64_t pfn);

#endif
