// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 2.0 commands, marshalled by hand (TPM 2.0 Library, Part 3): the
 * few it takes to seal a secret to PCR values and unseal it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "tpm2_seal.h"

#define ST_NO_SESSIONS		0x8001
#define ST_SESSIONS		0x8002
#define CC_CREATE_PRIMARY	0x0131
#define CC_CREATE		0x0153
#define CC_LOAD			0x0157
#define CC_UNSEAL		0x015e
#define CC_FLUSH_CONTEXT	0x0165
#define CC_START_AUTH_SESSION	0x0176
#define CC_POLICY_PCR		0x017f
#define CC_POLICY_GET_DIGEST	0x0189
#define RH_OWNER		0x40000001
#define RH_NULL			0x40000007
#define RS_PW			0x40000009
#define ALG_AES			0x0006
#define ALG_KEYEDHASH		0x0008
#define ALG_SHA256		0x000b
#define ALG_NULL		0x0010
#define ALG_ECC			0x0023
#define ALG_CFB			0x0043
#define ECC_NIST_P256		0x0003
#define SE_POLICY		0x01
#define SE_TRIAL		0x03
/* Format-one response code, whatever session or parameter it names. */
#define RC_POLICY_FAIL		0x09d
#define RC_FMT1_MASK		0x0bf

#define ATTR_FIXED_TPM		(1u << 1)
#define ATTR_FIXED_PARENT	(1u << 4)
#define ATTR_SENSITIVE_ORIGIN	(1u << 5)
#define ATTR_USER_WITH_AUTH	(1u << 6)
#define ATTR_NO_DA		(1u << 10)
#define ATTR_RESTRICTED		(1u << 16)
#define ATTR_DECRYPT		(1u << 17)

#define BUF_BYTES		4096

struct tpm_buf {
	uint8_t data[BUF_BYTES];
	size_t len;
	bool overflow;
};

struct tpm {
	int fd;
	char *why;
	size_t why_len;
	struct tpm_buf cmd, rsp;
};

static void put(struct tpm_buf *b, const void *bytes, size_t n)
{
	if (b->len + n > sizeof(b->data)) {
		b->overflow = true;
		return;
	}
	memcpy(b->data + b->len, bytes, n);
	b->len += n;
}

static void put8(struct tpm_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put16(struct tpm_buf *b, uint16_t v)
{
	uint8_t be[2] = { v >> 8, v };

	put(b, be, 2);
}

static void put32(struct tpm_buf *b, uint32_t v)
{
	uint8_t be[4] = { v >> 24, v >> 16, v >> 8, v };

	put(b, be, 4);
}

/* A TPM2B: its size, then its bytes. */
static void put2b(struct tpm_buf *b, const void *bytes, uint16_t n)
{
	put16(b, n);
	put(b, bytes, n);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void begin(struct tpm *t, uint16_t tag, uint32_t cc)
{
	t->cmd.len = 0;
	t->cmd.overflow = false;
	put16(&t->cmd, tag);
	put32(&t->cmd, 0);	/* size, set by transmit() */
	put32(&t->cmd, cc);
}

/* An authorization area of one session with no nonce and no HMAC. */
static void auth(struct tpm *t, uint32_t session)
{
	put32(&t->cmd, 9);
	put32(&t->cmd, session);
	put16(&t->cmd, 0);	/* nonceCaller */
	put8(&t->cmd, 0);	/* attributes: the session ends here */
	put16(&t->cmd, 0);	/* HMAC or password: none */
}

/* Send the command, read its answer: its response code, or -1. */
static long transmit(struct tpm *t, const char *name)
{
	ssize_t n;

	if (t->cmd.overflow) {
		snprintf(t->why, t->why_len, "TPM2_%s does not fit", name);
		return -1;
	}
	set32(t->cmd.data + 2, (uint32_t)t->cmd.len);
	n = write(t->fd, t->cmd.data, t->cmd.len);
	if (n == (ssize_t)t->cmd.len)
		n = read(t->fd, t->rsp.data, sizeof(t->rsp.data));
	if (n < 10 || get32(t->rsp.data + 2) != (uint32_t)n) {
		snprintf(t->why, t->why_len, "the TPM did not answer TPM2_%s: %s",
			 name, n < 0 ? strerror(errno) : "short answer");
		return -1;
	}
	t->rsp.len = (size_t)n;
	return get32(t->rsp.data + 6);
}

/* Run a command that must succeed: 0, or -1 with why set. */
static int run(struct tpm *t, const char *name)
{
	long rc = transmit(t, name);

	if (rc > 0)
		snprintf(t->why, t->why_len, "TPM2_%s failed with response code 0x%03lx",
			 name, rc);
	return rc ? -1 : 0;
}

static void flush(struct tpm *t, uint32_t handle)
{
	if (!handle)
		return;
	begin(t, ST_NO_SESSIONS, CC_FLUSH_CONTEXT);
	put32(&t->cmd, handle);
	transmit(t, "FlushContext");
}

static int tpm_open(struct tpm *t, char *why, size_t why_len)
{
	t->why = why;
	t->why_len = why_len;
	t->fd = open("/dev/tpmrm0", O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		t->fd = open("/dev/tpm0", O_RDWR | O_CLOEXEC);
	if (t->fd < 0)
		snprintf(why, why_len, "no TPM: cannot open /dev/tpmrm0 or /dev/tpm0: %s",
			 strerror(errno));
	return t->fd < 0 ? -1 : 0;
}

bool tpm2_present(void)
{
	return !access("/dev/tpmrm0", F_OK) || !access("/dev/tpm0", F_OK);
}

/*
 * The owner hierarchy's storage key, made again from the TPM's seed: the
 * same template gives the same key, so nothing needs to persist in the
 * TPM.  Its handle, or 0.
 */
static uint32_t storage_key(struct tpm *t)
{
	begin(t, ST_SESSIONS, CC_CREATE_PRIMARY);
	put32(&t->cmd, RH_OWNER);
	auth(t, RS_PW);
	put16(&t->cmd, 4);	/* inSensitive: no auth value, no data */
	put16(&t->cmd, 0);
	put16(&t->cmd, 0);
	put16(&t->cmd, 26);	/* inPublic: an ECC P-256 storage key */
	put16(&t->cmd, ALG_ECC);
	put16(&t->cmd, ALG_SHA256);
	put32(&t->cmd, ATTR_FIXED_TPM | ATTR_FIXED_PARENT |
		       ATTR_SENSITIVE_ORIGIN | ATTR_USER_WITH_AUTH |
		       ATTR_NO_DA | ATTR_RESTRICTED | ATTR_DECRYPT);
	put16(&t->cmd, 0);	/* authPolicy */
	put16(&t->cmd, ALG_AES);
	put16(&t->cmd, 128);
	put16(&t->cmd, ALG_CFB);
	put16(&t->cmd, ALG_NULL);	/* scheme */
	put16(&t->cmd, ECC_NIST_P256);
	put16(&t->cmd, ALG_NULL);	/* kdf */
	put16(&t->cmd, 0);	/* unique.x */
	put16(&t->cmd, 0);	/* unique.y */
	put16(&t->cmd, 0);	/* outsideInfo */
	put32(&t->cmd, 0);	/* creationPCR */
	if (run(t, "CreatePrimary (the owner hierarchy may have a password)"))
		return 0;
	return get32(t->rsp.data + 10);
}

/* A policy (or trial) session bound to the PCRs of @pcr_mask; or 0. */
static uint32_t pcr_session(struct tpm *t, uint8_t type, uint32_t pcr_mask)
{
	uint8_t nonce[16];
	uint32_t session;

	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce)) {
		snprintf(t->why, t->why_len, "no random bytes: %s",
			 strerror(errno));
		return 0;
	}
	begin(t, ST_NO_SESSIONS, CC_START_AUTH_SESSION);
	put32(&t->cmd, RH_NULL);	/* tpmKey: no salt */
	put32(&t->cmd, RH_NULL);	/* bind */
	put2b(&t->cmd, nonce, sizeof(nonce));
	put16(&t->cmd, 0);		/* encryptedSalt */
	put8(&t->cmd, type);
	put16(&t->cmd, ALG_NULL);	/* no parameter encryption */
	put16(&t->cmd, ALG_SHA256);
	if (run(t, "StartAuthSession"))
		return 0;
	session = get32(t->rsp.data + 10);

	begin(t, ST_NO_SESSIONS, CC_POLICY_PCR);
	put32(&t->cmd, session);
	put16(&t->cmd, 0);	/* pcrDigest: the PCRs' current values */
	put32(&t->cmd, 1);
	put16(&t->cmd, ALG_SHA256);
	put8(&t->cmd, 3);
	put8(&t->cmd, (uint8_t)pcr_mask);
	put8(&t->cmd, (uint8_t)(pcr_mask >> 8));
	put8(&t->cmd, (uint8_t)(pcr_mask >> 16));
	if (run(t, "PolicyPCR")) {
		flush(t, session);
		return 0;
	}
	return session;
}

enum tpm2_result tpm2_seal(uint32_t pcr_mask,
			   const uint8_t secret[TPM2_SECRET_BYTES],
			   uint8_t blob[TPM2_BLOB_MAX], uint16_t *blob_len,
			   char *why, size_t why_len)
{
	uint8_t policy[32];
	uint32_t parent, trial;
	size_t priv, pub;
	struct tpm t;
	int ret = -1;

	if (tpm_open(&t, why, why_len))
		return TPM2_NO_TPM;
	parent = storage_key(&t);
	trial = parent ? pcr_session(&t, SE_TRIAL, pcr_mask) : 0;
	if (!trial)
		goto out;
	begin(&t, ST_NO_SESSIONS, CC_POLICY_GET_DIGEST);
	put32(&t.cmd, trial);
	if (run(&t, "PolicyGetDigest"))
		goto out;
	if (t.rsp.len < 12 + sizeof(policy) ||
	    get16(t.rsp.data + 10) != sizeof(policy)) {
		snprintf(why, why_len, "the TPM's policy digest is not SHA-256");
		goto out;
	}
	memcpy(policy, t.rsp.data + 12, sizeof(policy));

	begin(&t, ST_SESSIONS, CC_CREATE);
	put32(&t.cmd, parent);
	auth(&t, RS_PW);
	put16(&t.cmd, 4 + TPM2_SECRET_BYTES);	/* inSensitive */
	put16(&t.cmd, 0);
	put2b(&t.cmd, secret, TPM2_SECRET_BYTES);
	put16(&t.cmd, 2 + 2 + 4 + 2 + sizeof(policy) + 2 + 2);	/* inPublic */
	put16(&t.cmd, ALG_KEYEDHASH);
	put16(&t.cmd, ALG_SHA256);
	/* No userWithAuth: only the PCR policy opens it. */
	put32(&t.cmd, ATTR_FIXED_TPM | ATTR_FIXED_PARENT | ATTR_NO_DA);
	put2b(&t.cmd, policy, sizeof(policy));
	put16(&t.cmd, ALG_NULL);	/* a sealed data object */
	put16(&t.cmd, 0);		/* unique */
	put16(&t.cmd, 0);		/* outsideInfo */
	put32(&t.cmd, 0);		/* creationPCR */
	if (run(&t, "Create"))
		goto out;
	/* parameterSize, then outPrivate and outPublic: the blob. */
	if (t.rsp.len < 16)
		goto short_answer;
	priv = 2 + get16(t.rsp.data + 14);
	if (t.rsp.len < 14 + priv + 2)
		goto short_answer;
	pub = 2 + get16(t.rsp.data + 14 + priv);
	if (t.rsp.len < 14 + priv + pub || priv + pub > TPM2_BLOB_MAX)
		goto short_answer;
	memcpy(blob, t.rsp.data + 14, priv + pub);
	*blob_len = (uint16_t)(priv + pub);
	ret = 0;
	goto out;
short_answer:
	snprintf(why, why_len, "the TPM's sealed object does not fit %d bytes",
		 TPM2_BLOB_MAX);
out:
	flush(&t, trial);
	flush(&t, parent);
	close(t.fd);
	explicit_bzero(&t.cmd, sizeof(t.cmd));
	return ret ? TPM2_FAILED : TPM2_OK;
}

enum tpm2_result tpm2_unseal(uint32_t pcr_mask, const uint8_t *blob,
			     uint16_t blob_len,
			     uint8_t secret[TPM2_SECRET_BYTES], char *why,
			     size_t why_len)
{
	enum tpm2_result ret = TPM2_FAILED;
	uint32_t parent, object = 0, session = 0;
	char pcrs[80];
	struct tpm t;
	long rc;

	if (tpm_open(&t, why, why_len))
		return TPM2_NO_TPM;
	parent = storage_key(&t);
	if (!parent)
		goto out;
	begin(&t, ST_SESSIONS, CC_LOAD);
	put32(&t.cmd, parent);
	auth(&t, RS_PW);
	put(&t.cmd, blob, blob_len);
	if (run(&t, "Load (the key was sealed by another TPM, or its owner was cleared)"))
		goto out;
	object = get32(t.rsp.data + 10);
	session = pcr_session(&t, SE_POLICY, pcr_mask);
	if (!session)
		goto out;

	begin(&t, ST_SESSIONS, CC_UNSEAL);
	put32(&t.cmd, object);
	auth(&t, session);	/* the session ends with the command */
	rc = transmit(&t, "Unseal");
	if (rc < 0)
		goto out;
	if ((rc & RC_FMT1_MASK) == RC_POLICY_FAIL) {
		tpm2_pcr_list(pcr_mask, pcrs, sizeof(pcrs));
		snprintf(why, why_len,
			 "the boot state changed since the key was sealed (PCR %s differs)",
			 pcrs);
		ret = TPM2_POLICY_FAILED;
		goto out;
	}
	if (rc) {
		snprintf(why, why_len, "TPM2_Unseal failed with response code 0x%03lx",
			 rc);
		goto out;
	}
	if (t.rsp.len < 16 + TPM2_SECRET_BYTES ||
	    get16(t.rsp.data + 14) != TPM2_SECRET_BYTES) {
		snprintf(why, why_len, "the TPM unsealed a secret of the wrong size");
		goto out;
	}
	memcpy(secret, t.rsp.data + 16, TPM2_SECRET_BYTES);
	ret = TPM2_OK;
out:
	explicit_bzero(&t.rsp, sizeof(t.rsp));
	flush(&t, session);
	flush(&t, object);
	flush(&t, parent);
	close(t.fd);
	return ret;
}

void tpm2_pcr_list(uint32_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < 24; i++)
		if (mask & (1u << i) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%d",
						 used ? "," : "", i);
}

int tpm2_pcr_parse(const char *list, uint32_t *mask)
{
	const char *p = list;
	char *end;

	*mask = 0;
	do {
		long pcr = strtol(p, &end, 10);

		if (end == p || pcr < 0 || pcr > 23)
			return -1;
		*mask |= 1u << pcr;
		p = end + 1;
	} while (*end == ',');
	return *end ? -1 : 0;
}
