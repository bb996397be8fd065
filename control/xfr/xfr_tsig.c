/* SPDX-License-Identifier: BSD-3-Clause */
/* TSIG (RFC 8945) signing and the checks ldns leaves to its caller. */

/*
 * ldns computes and compares the MAC (ldns_pkt_tsig_verify_next), chaining
 * the previous MAC in and, for the later messages of a transfer, only the
 * timers (RFC 8945 5.3.1). It does not look at the key name or algorithm
 * in the record beyond using them in the digest, nor at the TSIG error
 * field, nor at the time signed; those checks are here, so that a message
 * signed with another key of the same secret, an old captured message or
 * a BADKEY answer is refused with a reason an operator can act on.
 *
 * The chain over a transfer (first and last message signed, up to 99
 * unsigned ones between signed ones) is xfr_tsig_chain_next(). It was
 * checked against Knot 3.2 and NSD 4.6 (which sign every message) and
 * against an independent RFC 8945 signer that leaves gaps.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "xfr_tsig.h"

/* RFC 8945 5.2 error codes worth naming in a message. */
static const char *
xfr_tsig_errname(uint16_t e)
{
	switch (e) {
	case 16:
		return "BADSIG";
	case 17:
		return "BADKEY";
	case 18:
		return "BADTIME";
	case 22:
		return "BADTRUNC";
	default:
		return "error";
	}
}

/* The 48-bit time signed; 0 (long past) when the field is malformed. */
static uint64_t
xfr_tsig_time(const ldns_rdf *r)
{
	const uint8_t *d = ldns_rdf_data(r);
	uint64_t v = 0;

	if (ldns_rdf_size(r) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | d[i];
	return v;
}

const ldns_rdf *
xfr_tsig_mac(const ldns_pkt *pkt)
{
	const ldns_rr *t = ldns_pkt_tsig(pkt);

	return t != NULL && ldns_rr_rd_count(t) >= 4 ? ldns_rr_rdf(t, 3) : NULL;
}

/*
 * The algorithms ldns 1.8.3 computes (RFC 8945 6: SHA-256 is the one to
 * use; MD5 and SHA-1 only for old primaries). Its table misspells
 * hmac-sha384 and lacks hmac-sha224, so those two cannot be offered.
 * Checked before ldns sees a key because ldns leaks memory when signing
 * fails.
 */
static const char *const xfr_tsig_algs[] = {
	"hmac-md5.sig-alg.reg.int.",
	"hmac-sha1.",
	"hmac-sha256.",
	"hmac-sha512.",
};

int
xfr_tsig_key_check(const struct xfr_tsig *key, char *err, size_t errlen)
{
	ldns_rdf *bin = NULL;
	size_t alen;
	bool known = false;

	if (err == NULL)
		errlen = 0;
	if (key == NULL || key->name == NULL || key->algorithm == NULL || key->secret == NULL) {
		snprintf(err, errlen, "incomplete TSIG key");
		return -EINVAL;
	}
	alen = strlen(key->algorithm);
	for (size_t i = 0; i < sizeof(xfr_tsig_algs) / sizeof(xfr_tsig_algs[0]) && !known; i++) {
		const char *a = xfr_tsig_algs[i];

		/* The final dot is optional. */
		known = (alen == strlen(a) || alen + 1 == strlen(a)) &&
			strncasecmp(key->algorithm, a, alen) == 0;
	}
	if (!known) {
		snprintf(err, errlen, "key %s: unknown TSIG algorithm %s", key->name,
			 key->algorithm);
		return -EINVAL;
	}
	if (key->secret[0] == '\0' || ldns_str2rdf_b64(&bin, key->secret) != LDNS_STATUS_OK) {
		snprintf(err, errlen, "key %s: secret is not base64", key->name);
		return -EINVAL;
	}
	ldns_rdf_deep_free(bin);
	return 0;
}

int
xfr_tsig_sign(ldns_pkt *pkt, const struct xfr_tsig *key, const ldns_rdf *prev_mac)
{
	ldns_status s;
	char why[128];
	int ret = xfr_tsig_key_check(key, why, sizeof(why));

	if (ret < 0)
		return ret;
	s = ldns_pkt_tsig_sign(pkt, key->name, key->secret, XFR_TSIG_FUDGE, key->algorithm,
			       prev_mac);
	if (s == LDNS_STATUS_OK)
		return 0;
	return s == LDNS_STATUS_MEM_ERR ? -ENOMEM : -EINVAL;
}

/* Names equal without case; @text may lack the final dot. */
static bool
xfr_name_eq(const ldns_rdf *rdf, const char *text)
{
	ldns_rdf *n = ldns_dname_new_frm_str(text);
	bool eq;

	if (n == NULL)
		return false;
	eq = ldns_dname_compare(rdf, n) == 0;
	ldns_rdf_deep_free(n);
	return eq;
}

int
xfr_tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t len, const struct xfr_tsig *key,
		const ldns_rdf *prev_mac, bool timers_only, ldns_rdf **mac, char *why,
		size_t whylen)
{
	const ldns_rr *t = ldns_pkt_tsig(pkt);
	uint64_t signed_at;
	uint16_t fudge, error;
	time_t now;

	if (mac != NULL)
		*mac = NULL;
	if (xfr_tsig_key_check(key, why, whylen) < 0)
		return SW_EXFR_TSIG;
	if (t == NULL) {
		snprintf(why, whylen, "message not signed (key %s required)", key->name);
		return SW_EXFR_TSIG;
	}
	if (ldns_rr_rd_count(t) < 7) {
		snprintf(why, whylen, "malformed TSIG record");
		return SW_EXFR_TSIG;
	}
	if (!xfr_name_eq(ldns_rr_owner(t), key->name)) {
		char *n = ldns_rdf2str(ldns_rr_owner(t));

		snprintf(why, whylen, "signed with key %s, expected %s", n != NULL ? n : "?",
			 key->name);
		free(n);
		return SW_EXFR_TSIG;
	}
	if (!xfr_name_eq(ldns_rr_rdf(t, 0), key->algorithm)) {
		snprintf(why, whylen, "TSIG algorithm is not %s", key->algorithm);
		return SW_EXFR_TSIG;
	}
	error = ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
	if (error != 0) {
		snprintf(why, whylen, "primary reports TSIG %s (%u) for key %s",
			 xfr_tsig_errname(error), error, key->name);
		return SW_EXFR_TSIG;
	}
	if (!ldns_pkt_tsig_verify_next(pkt, wire, len, key->name, key->secret, prev_mac,
				       timers_only ? 1 : 0)) {
		snprintf(why, whylen, "TSIG MAC does not verify with key %s", key->name);
		return SW_EXFR_TSIG;
	}
	/* Checked after the MAC (RFC 8945 5.2.3): a bad time is only worth
	 * reporting for a message the key holder really sent. */
	signed_at = xfr_tsig_time(ldns_rr_rdf(t, 1));
	fudge = ldns_rdf2native_int16(ldns_rr_rdf(t, 2));
	now = time(NULL);
	if ((uint64_t)now > signed_at + fudge || signed_at > (uint64_t)now + fudge) {
		snprintf(why, whylen,
			 "TSIG time %" PRIu64 " outside fudge %u of our clock %" PRIu64, signed_at,
			 fudge, (uint64_t)now);
		return SW_EXFR_TSIG;
	}
	if (mac != NULL) {
		*mac = ldns_rdf_clone(ldns_rr_rdf(t, 3));
		if (*mac == NULL)
			return -ENOMEM;
	}
	return 0;
}

/*
 * ldns digests the "previous MAC" argument as raw octets (its wire form,
 * length first), so the unsigned messages that RFC 8945 5.3.1 puts between
 * the previous MAC and the signed message are passed appended to it.
 */
static ldns_rdf *
xfr_chain_prefix(const struct xfr_tsig_chain *ch)
{
	size_t mlen = ldns_rdf_size(ch->mac);
	uint8_t *d = malloc(mlen + ch->npending);
	ldns_rdf *r;

	if (d == NULL)
		return NULL;
	memcpy(d, ldns_rdf_data(ch->mac), mlen);
	if (ch->npending > 0)
		memcpy(d + mlen, ch->pending, ch->npending);
	r = ldns_rdf_new(LDNS_RDF_TYPE_INT16_DATA, mlen + ch->npending, d);
	if (r == NULL)
		free(d);
	return r;
}

int
xfr_tsig_chain_next(struct xfr_tsig_chain *ch, ldns_pkt *pkt, const uint8_t *wire, size_t len,
		    const struct xfr_tsig *key, char *why, size_t whylen)
{
	ldns_rdf *prefix, *next = NULL;
	int ret;

	if (!ch->started) {
		ret = xfr_tsig_verify(pkt, wire, len, key, ch->mac, false, &next, why, whylen);
		ch->started = ret == 0;
		goto out;
	}
	if (ldns_pkt_tsig(pkt) == NULL) {
		uint8_t *p;

		if (ch->nunsigned == XFR_TSIG_MAX_UNSIGNED) {
			snprintf(why, whylen, "more than %u messages in a row not signed",
				 XFR_TSIG_MAX_UNSIGNED);
			return SW_EXFR_TSIG;
		}
		p = realloc(ch->pending, ch->npending + len);
		if (p == NULL)
			return -ENOMEM;
		memcpy(p + ch->npending, wire, len);
		ch->pending = p;
		ch->npending += len;
		ch->nunsigned++;
		return 0;
	}
	prefix = xfr_chain_prefix(ch);
	if (prefix == NULL)
		return -ENOMEM;
	ret = xfr_tsig_verify(pkt, wire, len, key, prefix, true, &next, why, whylen);
	ldns_rdf_deep_free(prefix);
	free(ch->pending);
	ch->pending = NULL;
	ch->npending = 0;
	ch->nunsigned = 0;
out:
	if (ret == 0) {
		ldns_rdf_deep_free(ch->mac);
		ch->mac = next;
	}
	return ret;
}

void
xfr_tsig_chain_free(struct xfr_tsig_chain *ch)
{
	ldns_rdf_deep_free(ch->mac);
	free(ch->pending);
	memset(ch, 0, sizeof(*ch));
}
