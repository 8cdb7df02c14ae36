/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A secret sealed by the TPM 2.0 to the boot state (docs/security.md):
 * a keyed-hash object under the owner hierarchy's storage key, whose
 * policy is the values a set of PCRs held when it was sealed.  Only this
 * TPM, booted the same way, unseals it.  The commands go to
 * /dev/tpmrm0 (or /dev/tpm0) as bytes; no TSS library is needed, so the
 * tools stay static for the initramfs.
 */
#ifndef KHIB_TPM2_SEAL_H
#define KHIB_TPM2_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPM2_SECRET_BYTES	32
/* The sealed object: its TPM2B_PRIVATE, then its TPM2B_PUBLIC. */
#define TPM2_BLOB_MAX		512

enum tpm2_result {
	TPM2_OK = 0,
	TPM2_NO_TPM,		/* no TPM device, or it does not answer */
	TPM2_POLICY_FAILED,	/* the PCRs hold other values than at seal */
	TPM2_FAILED,		/* any other error */
};

bool tpm2_present(void);

/* Seal @secret to the current values of the PCRs in @pcr_mask. */
enum tpm2_result tpm2_seal(uint32_t pcr_mask,
			   const uint8_t secret[TPM2_SECRET_BYTES],
			   uint8_t blob[TPM2_BLOB_MAX], uint16_t *blob_len,
			   char *why, size_t why_len);

enum tpm2_result tpm2_unseal(uint32_t pcr_mask, const uint8_t *blob,
			     uint16_t blob_len,
			     uint8_t secret[TPM2_SECRET_BYTES], char *why,
			     size_t why_len);

/* "7" or "0,2,7": the PCRs of @mask, for messages. */
void tpm2_pcr_list(uint32_t mask, char *buf, size_t len);

/* Parse "7" or "0,2,7" (PCRs 0 to 23): 0, or -1. */
int tpm2_pcr_parse(const char *list, uint32_t *mask);

#endif
