/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The khib hibernation image on its target block device.  Written by the
 * snapshot writer in the hibernate kernel, read by khib-restore and
 * khib-inspect.  docs/image-format.md explains it with examples.
 *
 * Layout, in bytes from the start of the device; every region starts on a
 * KHIB_IMAGE_ALIGN boundary:
 *
 *   0              struct khib_image_super, zero-padded to KHIB_IMAGE_ALIGN
 *   header_offset  the image header page (page_size bytes), as the
 *                  hibernating kernel prepared it for /dev/snapshot;
 *                  the superblock's resume record (major 7), the
 *                  descriptor's as that kernel stated it, says where
 *                  its page counts are and how the kernel is entered
 *   map_offset     the page map: which PFNs the image holds (see below)
 *   data_offset    the data region: group records (below), data_bytes
 *                  of them, in no required order
 *   group_table_offset  the group table: nr_chunks struct
 *                  khib_group_entry, ascending by group
 *   zero_map_offset  the zero map: bit i (of 64-bit little-endian words)
 *                  set if image page i is all zero, nr_pages bits
 *   mem_map_offset the memory map: nr_ram_ranges struct khib_image_range,
 *                  nr_own_ranges more, nr_redirects struct
 *                  khib_image_redirect, then nr_free_pages 64-bit PFNs
 *
 * Page map.  A sequence of records, each a struct khib_map_chunk followed
 * by (nr_pfns + 63) / 64 little-endian 64-bit words of bits; bit n of a
 * record stands for PFN start_pfn + n.  Records are in ascending PFN order
 * and do not overlap.  The image pages are the set bits, in that order;
 * "image page i" below is the i-th of them.
 *
 * Groups and records.  Group g is PFNs [g * 256, g * 256 + 256).  A group
 * record is a struct khib_chunk_header followed by payload_bytes of
 * payload: the pages of its group that its page_set names, those that are
 * not all zero, in PFN order, either as they are (KHIB_ENC_RAW) or as one
 * zstd frame (KHIB_ENC_ZSTD).  All-zero pages are flagged in zero_map (bit
 * i for the i-th page held) and not stored.  Each record is zero-padded to
 * a multiple of KHIB_RECORD_ALIGN, so that records can be written and
 * read with direct I/O straight from and into the buffers they are built
 * in.  The group table names, for each group that holds image pages and
 * in ascending group order, the record that holds them: its page_set
 * holds every image page of the group and may hold more (a record of the
 * pre-copy, written while the system ran, of pages since freed); a reader
 * takes the image's pages from it and ignores the others.  Image page
 * order is unchanged, so "chunk k" of the stream is the image pages of
 * the k-th group of the table.
 *
 * Pre-copy (pass KHIB_PASS_PRECOPY).  While the system still runs,
 * khib-precopy writes group records from data_offset on, flushes them,
 * and then names them in its pre-copy table (struct khib_precopy_entry,
 * with an XXH3-128 hash of each record's pages) from a superblock in
 * state KHIB_IMAGE_WRITING: no pre-copy is ever a valid image.  The
 * frozen pass (the writer, pass KHIB_PASS_FROZEN) keeps those records and
 * the table in place, reuses a record when it holds every image page of
 * its group and the hash of those pages now equals the table's, and
 * writes every other group's record after precopy_end.  Reuse follows
 * equal content, never a claim that nothing wrote.
 *
 * The zero map repeats the chunks' zero_map bits in one place, so that a
 * restore can tell the kernel which pages are zero (the kernel's own
 * encoding) before it hands over any data.  Each chunk's zero_map must
 * agree with it.
 *
 * Memory map.  The hibernated kernel's RAM ranges, ascending; the RAM the
 * hibernate kernel ran in while it wrote the image, ascending; the pages
 * the kexec jump had swapped meanwhile (the contents of PFN pfn, an image
 * page in the hibernate kernel's RAM, sat at src_pfn, a page that is not
 * in the image), by pfn; and pages that are neither in the image nor
 * swapped (those the hibernating kernel handed its descriptor in),
 * ascending.  A restore in place, which runs in that same memory, parks
 * the swapped pages at src_pfn, puts its last step into free pages, and
 * moves the parked pages home in that last step (docs/design.md).
 *
 * Report (minor 1).  report_pfn names the image page in which the
 * hibernated kernel left its report (struct kexec_hib_report of the descriptor
 * ABI) as pending.  A restore fills it in, in the data it hands over for
 * that page, with the image's figures, so that the resumed kernel can
 * show them.  Zero if there is none, or if its PFN needs more than 32
 * bits.
 *
 * Integrity.  Every hash is XXH3-64 (seed 0) but the pre-copy table's
 * content hashes (XXH3-128).  The superblock, each record header and the
 * uncompressed data of each record carry their own hash; the superblock
 * also holds the hashes of the header page, the page map, the group
 * table, the zero map, the memory map and the pre-copy table.
 * A hash field is zero while its own structure is hashed.
 *
 * Life cycle.  The writer first stores a superblock in state
 * KHIB_IMAGE_WRITING, then the regions, then flushes and stores the final
 * superblock in state KHIB_IMAGE_VALID.  khib-restore sets
 * KHIB_IMAGE_RESTORED before it jumps into the image, so an image is
 * resumed at most once, and KHIB_IMAGE_DISCARDED when it refuses the image
 * or is told not to resume, so that an image is never resumed after a
 * normal boot.  A device without the magic holds no image.
 *
 * Target.  A device is a khib target once its first block holds a khib
 * superblock: "khib-load" writes one in state KHIB_IMAGE_EMPTY with a
 * random target_uuid to a blank device, or to any device with --format.
 * Every later superblock on that device keeps target_uuid: it is how
 * khib-load and the writer know the device (and nothing else) is khib's,
 * whatever its name in the kernel that writes.
 *
 * Encryption (major 5; docs/security.md).  An image whose crypt.cipher is
 * KHIB_CIPHER_XCHACHA20_POLY1305 is sealed under a random data key of its
 * own, which crypt.wrapped_key holds sealed by the machine's master key,
 * with the superblock as associated data (image_super_aad()): a changed
 * superblock fails to unwrap it.  Each chunk's payload is its clear
 * payload sealed, with the chunk header as associated data and the
 * 16-byte tag after it (payload_bytes counts it); its data_hash is zero.
 * The header page, page map, zero map and memory map are sealed in place,
 * their tags in crypt; their hashes are of the sealed bytes, so damage
 * is still named before any key is needed.  The nonce of chunk k is
 * crypt.nonce_prefix then k, little-endian; of a region, the prefix then
 * one of the IMAGE_CRYPT_REGION_* domains (image_crypt.h).  Marking an
 * image restored or discarded zeroes crypt.wrap: the data can no longer
 * be read by anyone (crypto-erase).  Zero map bits in the chunk headers,
 * sizes and the release stay in clear.
 *
 * Versions.  The magic, major and minor and the state keep their offsets
 * in every version.  Readers do not resume a major version they do not
 * know, but do not take it for a damaged image either: it may be valid for
 * the tools that wrote it.  A minor version may only give meaning to
 * reserved fields and flags.
 */
#ifndef KHIB_IMAGE_H
#define KHIB_IMAGE_H

#include <stdint.h>
#include <linux/kexec_hibernate.h>

#define KHIB_IMAGE_MAGIC	0x31474d494249484bULL	/* "KHIBIMG1" */
#define KHIB_IMAGE_MAJOR	7
#define KHIB_IMAGE_MINOR	0
#define KHIB_IMAGE_ALIGN	4096
#define KHIB_CHUNK_PAGES	256	/* PFNs per group, pages per record */
#define KHIB_PAGE_SIZE		4096
#define KHIB_RECORD_ALIGN	4096

#define KHIB_IMAGE_WRITING	1	/* incomplete: never restore */
#define KHIB_IMAGE_VALID	2	/* complete: restore once */
#define KHIB_IMAGE_RESTORED	3	/* consumed by a restore */
#define KHIB_IMAGE_DISCARDED	4	/* refused or discarded at boot */
#define KHIB_IMAGE_EMPTY	5	/* a khib target that holds no image yet */

#define KHIB_ENC_RAW		0
#define KHIB_ENC_ZSTD		1

#define KHIB_IMAGE_RELEASE_LEN	72
#define KHIB_TARGET_UUID_LEN	16

#define KHIB_CIPHER_NONE		0
#define KHIB_CIPHER_XCHACHA20_POLY1305	1
#define KHIB_CRYPT_TAG_LEN		16

/* What seals the master key (the key store's slots, key_store.h). */
#define KHIB_KEY_SOURCE_PASSPHRASE	1
#define KHIB_KEY_SOURCE_KEY_FILE	2
#define KHIB_KEY_SOURCE_TPM		3

/* A 256-bit key sealed by another, with its random 192-bit nonce. */
struct khib_wrapped_key {
	uint8_t nonce[24];
	uint8_t sealed[32 + KHIB_CRYPT_TAG_LEN];
};

struct khib_image_crypt {
	uint32_t cipher;	/* KHIB_CIPHER_* */
	uint32_t key_source;	/* 1 << KHIB_KEY_SOURCE_* of each, ORed */
	uint8_t nonce_prefix[16];	/* of every seal of this image */
	struct khib_wrapped_key wrap;	/* the data key; zero once spent */
	uint8_t header_tag[KHIB_CRYPT_TAG_LEN];
	uint8_t map_tag[KHIB_CRYPT_TAG_LEN];
	uint8_t zero_map_tag[KHIB_CRYPT_TAG_LEN];
	uint8_t mem_map_tag[KHIB_CRYPT_TAG_LEN];
};

struct khib_image_super {
	uint64_t magic;		/* KHIB_IMAGE_MAGIC */
	uint16_t major;		/* KHIB_IMAGE_MAJOR */
	uint16_t minor;		/* KHIB_IMAGE_MINOR */
	uint32_t state;		/* KHIB_IMAGE_* */
	uint64_t hash;		/* of this structure */
	uint32_t page_size;	/* bytes per image page */
	uint32_t chunk_pages;	/* PFNs per group: KHIB_CHUNK_PAGES */
	uint64_t sequence;	/* the hibernating kernel's descriptor sequence */
	uint64_t nr_pages;	/* image pages: set bits in the page map */
	uint64_t nr_zero_pages;	/* of which all zero, not stored */
	uint64_t nr_chunks;	/* groups that hold image pages */
	uint64_t header_offset;	/* the image header page */
	uint64_t header_hash;
	uint64_t map_offset;	/* the page map */
	uint64_t map_bytes;
	uint64_t map_hash;
	uint64_t data_offset;	/* the data region: group records */
	uint64_t data_bytes;
	uint64_t zero_map_offset;	/* the zero map */
	uint64_t zero_map_bytes;	/* 8 * ((nr_pages + 63) / 64) */
	uint64_t zero_map_hash;
	uint32_t compressor;	/* KHIB_ENC_ZSTD if any chunk may be compressed */
	int32_t level;		/* compression level used */
	uint32_t write_ms;	/* time the writer took */
	uint32_t report_pfn;	/* image page holding the report, or 0 */
	uint64_t flags;		/* none defined yet, zero */
	char release[KHIB_IMAGE_RELEASE_LEN];	/* of the hibernated kernel */
	uint64_t mem_map_offset;	/* the memory map */
	uint64_t mem_map_bytes;
	uint64_t mem_map_hash;
	uint64_t nr_ram_ranges;
	uint64_t nr_own_ranges;	/* the hibernate kernel's RAM */
	uint64_t nr_redirects;
	uint64_t nr_free_pages;	/* pages a restore may overwrite */
	uint64_t image_id;	/* random, in every chunk header too */
	uint8_t target_uuid[KHIB_TARGET_UUID_LEN];	/* the target's, kept */
	struct khib_image_crypt crypt;	/* all zero: not encrypted */
	uint64_t group_table_offset;	/* the group table */
	uint64_t group_table_bytes;	/* nr_chunks entries */
	uint64_t group_table_hash;
	uint64_t nr_reused;	/* records taken from the pre-copy */
	uint64_t precopy_offset;	/* the pre-copy table, or 0 */
	uint64_t precopy_bytes;		/* nr_precopy entries */
	uint64_t precopy_hash;
	uint64_t nr_precopy;
	uint64_t precopy_end;	/* device offset past its last record */
	uint64_t precopy_id;	/* the image_id its records carry */
	/* the descriptor's, as the hibernating kernel stated it */
	struct kexec_hib_resume resume;
};

/* Limits of the memory map, the same for writer and reader. */
#define KHIB_IMAGE_MAX_RAM_RANGES	128
#define KHIB_IMAGE_MAX_REDIRECTS	(1u << 20)	/* 4 GiB lent */
#define KHIB_IMAGE_MAX_FREE_PAGES	(1u << 20)

struct khib_image_range {
	uint64_t start_pfn;
	uint64_t end_pfn;	/* exclusive */
};

struct khib_image_redirect {
	uint64_t pfn;		/* where the page belongs */
	uint64_t src_pfn;	/* where it was while the image was written */
};

/*
 * Limits of the page map, the same for writer and reader: at most
 * KHIB_MAX_MAP_CHUNKS records, each of at most KHIB_MAP_CHUNK_PFNS bits
 * (one page of bits, as the kernel's descriptor hands them over).  That
 * spans 2^32 PFNs, 16 TiB of 4 KiB pages; a writer refuses a machine
 * whose memory needs more records rather than write an image no reader
 * would take.
 */
#define KHIB_MAP_CHUNK_PFNS	(KHIB_PAGE_SIZE * 8)
#define KHIB_MAX_MAP_CHUNKS	(1u << 17)

struct khib_map_chunk {
	uint64_t start_pfn;	/* PFN of bit 0 */
	uint32_t nr_pfns;	/* bits that follow */
	uint32_t nr_set;	/* bits set */
};

#define KHIB_CHUNK_MAGIC	0x4b43484bu	/* "KHCK" */

#define KHIB_PASS_PRECOPY	1	/* written while the system ran */
#define KHIB_PASS_FROZEN	2	/* written by the writer */

/* A group record's header (a "chunk" in messages). */
struct khib_chunk_header {
	uint32_t magic;		/* KHIB_CHUNK_MAGIC */
	uint32_t encoding;	/* KHIB_ENC_* */
	uint64_t group;		/* PFNs [group * 256, group * 256 + 256) */
	uint32_t pass;		/* KHIB_PASS_* */
	uint32_t reserved;	/* zero */
	uint32_t nr_pages;	/* pages held: bits set in page_set */
	uint32_t payload_bytes;	/* bytes of payload after this header */
	uint64_t data_hash;	/* of the non-zero pages, uncompressed */
	uint64_t zero_map[KHIB_CHUNK_PAGES / 64];	/* bit i: the i-th
							 * page held is zero */
	uint64_t image_id;	/* the superblock's (or the pre-copy's): a
				 * record of another image is refused */
	uint64_t page_set[KHIB_CHUNK_PAGES / 64];	/* bit n: PFN group *
							 * 256 + n is held */
	uint64_t header_hash;	/* of this header */
};

/* Where the record of one group lies. */
struct khib_group_entry {
	uint64_t group;
	uint64_t offset;	/* device offset of its record */
	uint32_t bytes;		/* of the record, padding included */
	uint32_t pass;		/* KHIB_PASS_* of the record */
};

/* A record the pre-copy flushed, and what it holds. */
struct khib_precopy_entry {
	uint64_t group;
	uint64_t offset;	/* device offset of its record */
	uint32_t bytes;		/* of the record, padding included */
	uint32_t nr_pages;	/* bits set in page_set */
	uint64_t page_set[KHIB_CHUNK_PAGES / 64];
	uint64_t hash[2];	/* XXH3-128 of the pages held, in order */
};

#endif
