/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the zone-transfer files: deadlines, DNS-over-TCP/UDP framing, TSIG checks. */

#ifndef SWERVE_XFR_INT_H
#define SWERVE_XFR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "swerve/xfr.h"

/*
 * The fudge we put in our own TSIGs (RFC 8945 10 recommends 300 s): wide
 * enough for hosts whose clocks disagree by minutes, narrow enough that a
 * captured message is soon useless.
 */
#define XFR_TSIG_FUDGE 300

/* A message larger than this cannot be DNS: 65535 is the TCP length prefix's limit. */
#define XFR_MSG_MAX 65535

/* Milliseconds on the monotonic clock, for deadlines. */
uint64_t xfr_now_ms(void);

/* "192.0.2.1#53" / "2001:db8::1#53" for messages. */
void xfr_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

/* A random message ID (RFC 5452: unpredictable, so a blind forger must guess it). */
uint16_t xfr_random_id(void);

/* A TCP connection to @ss, established before @deadline; returns the fd or a negative code. */
int xfr_tcp_connect(const struct sockaddr_storage *ss, socklen_t len, uint64_t deadline);

/* Send @msg with its two-octet length prefix (RFC 1035 4.2.2). */
int xfr_tcp_send(int fd, const uint8_t *msg, size_t len, uint64_t deadline);

/*
 * Receive one length-prefixed message into a new buffer (*@msg, caller
 * frees). Returns its length, -ECONNRESET when the peer closed the
 * connection (before or inside a message), -ETIMEDOUT, or another code.
 */
int xfr_tcp_recv(int fd, uint8_t **msg, uint64_t deadline);

/*
 * Send @q over UDP to @ss and wait for the datagram from @ss that carries
 * ID @id (anything else is ignored: it may be a forgery or a stale answer).
 * Returns the answer's length in @resp, or a negative code.
 */
int xfr_udp_query(const struct sockaddr_storage *ss, socklen_t sslen, const uint8_t *q, size_t qlen,
		  uint16_t id, uint8_t *resp, size_t cap, uint64_t deadline);

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

/*
 * Apply the IXFR increments @ixfr (as received: new SOA, then for each
 * increment the old SOA, deletions, the new SOA, additions, and the new SOA
 * again at the end) to a copy of @current. Returns 0 and the new zone
 * (its SOA first) in *@out, or -ESRCH when an increment does not fit
 * @current (a deletion of a record we do not hold, a sequence that does
 * not start at our serial), with the reason in @why.
 */
int xfr_ixfr_apply(const ldns_rr_list *current, const ldns_rr_list *ixfr, ldns_rr_list **out,
		   char *why, size_t whylen);

/* The serial of SOA record @soa (which must be an SOA). */
uint32_t xfr_soa_rr_serial(const ldns_rr *soa);

#endif /* SWERVE_XFR_INT_H */
