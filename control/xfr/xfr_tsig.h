/* SPDX-License-Identifier: BSD-3-Clause */
/* TSIG (RFC 8945) for the transfer client and NOTIFY: signing, checks, chains (xfr_tsig.c). */

#ifndef SWERVE_XFR_TSIG_H
#define SWERVE_XFR_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "swerve/xfr.h"

/* Callers: xfr.c (requests and answer streams), xfr_notify.c. Thread: any; no shared state. */

/*
 * The fudge we put in our own TSIGs (RFC 8945 10 recommends 300 s): wide
 * enough for hosts whose clocks disagree by minutes, narrow enough that a
 * captured message is soon useless.
 */
#define XFR_TSIG_FUDGE 300

/*
 * Add a TSIG made with @key to @pkt. @prev_mac NULL signs a request;
 * otherwise it is the MAC the signature chains to (the request's for a
 * reply). Returns 0 or a negative code (-EINVAL for a bad secret or
 * algorithm).
 */
int xfr_tsig_sign(ldns_pkt *pkt, const struct xfr_tsig *key, const ldns_rdf *prev_mac);

/*
 * Check that @pkt (parsed from @wire) carries a TSIG made with @key that
 * verifies: key name and algorithm as configured, no TSIG error, the MAC
 * over the message chained to @prev_mac (NULL for a request; the
 * request's MAC for a first answer; the previous answer's MAC with
 * @timers_only for the later messages of a transfer, RFC 8945 5.3.1), and
 * the time signed within the fudge of our clock. Returns 0 and, when
 * @mac is not NULL, a copy of the message's MAC in *@mac (the next link of
 * the chain; caller frees); else SW_EXFR_TSIG with the reason in @why.
 */
int xfr_tsig_verify(ldns_pkt *pkt, const uint8_t *wire, size_t len, const struct xfr_tsig *key,
		    const ldns_rdf *prev_mac, bool timers_only, ldns_rdf **mac, char *why,
		    size_t whylen);

/*
 * RFC 8945 5.3.1: a primary may leave up to 99 messages of a transfer
 * between two signed ones unsigned; the next signed message's MAC then
 * covers them too. The first and the last message must be signed.
 */
#define XFR_TSIG_MAX_UNSIGNED 99

/* The TSIG state of one transfer's answer stream. */
struct xfr_tsig_chain {
	ldns_rdf *mac;	    /* What the next signed message chains to (the request's MAC first). */
	uint8_t *pending;   /* Unsigned messages since the last signed one, as received. */
	size_t npending;    /* Octets in @pending. */
	unsigned nunsigned; /* Messages in @pending. */
	bool started;	    /* The first (signed) answer was verified. */
};

/*
 * Take the next answer @pkt (parsed from @wire) of a transfer signed with
 * @key: verify it or, after the first, keep it for the next signed one.
 * Returns 0 or SW_EXFR_TSIG (-ENOMEM) with the reason in @why. At the end
 * of the transfer, ch->nunsigned must be 0 (the last message signed).
 */
int xfr_tsig_chain_next(struct xfr_tsig_chain *ch, ldns_pkt *pkt, const uint8_t *wire, size_t len,
			const struct xfr_tsig *key, char *why, size_t whylen);

void xfr_tsig_chain_free(struct xfr_tsig_chain *ch);

/* The MAC field of @pkt's TSIG, or NULL. */
const ldns_rdf *xfr_tsig_mac(const ldns_pkt *pkt);

#endif /* SWERVE_XFR_TSIG_H */
