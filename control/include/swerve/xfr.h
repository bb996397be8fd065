/* SPDX-License-Identifier: BSD-3-Clause */
/* Zone transfer client (SOA check, IXFR, AXFR, TSIG) and NOTIFY messages, built on ldns. */

#ifndef SWERVE_XFR_H
#define SWERVE_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

/*
 * Everything here blocks on the network for at most the given timeout and
 * allocates: it runs on the secondary module's transfer thread, never on
 * the control loop and never on a worker. Nothing here keeps state between
 * calls, so two transfers may run on two threads at once.
 *
 * Errors are negative codes (swerve/error.h); the @err buffer (may be
 * NULL) then says what happened in words an operator can act on, naming
 * the primary ("192.0.2.1#53: IXFR: TSIG verification failed").
 */

/* A TSIG key (RFC 8945), as ldns takes it. */
struct xfr_tsig {
	const char *name;      /* Key name, absolute ("transfer.key."). */
	const char *algorithm; /* ldns algorithm name: "hmac-sha256." and friends. */
	const char *secret;    /* Base64. */
};

/*
 * 0 when @key can be used: algorithm hmac-sha256, hmac-sha512, hmac-sha1
 * or hmac-md5.sig-alg.reg.int (final dot optional; ldns 1.8 computes no
 * other) and a base64 secret. Else -EINVAL with the reason in @err. For
 * the config parser, to refuse a key at load time rather than at the
 * first transfer.
 */
int xfr_tsig_key_check(const struct xfr_tsig *key, char *err, size_t errlen);

/* One primary of a zone. */
struct xfr_primary {
	struct sockaddr_storage addr; /* Address and port. */
	socklen_t addrlen;
	const struct xfr_tsig *tsig; /* Sign requests and require signed answers; NULL: unsigned. */
	/*
	 * Bounds of one transfer (xfr.max-size, xfr.max-records), 0: none. Octets
	 * are counted as received (every message of the answer, TCP length
	 * prefix included); records as received and, after IXFR increments are
	 * applied, in the resulting zone. Over either bound the transfer is
	 * aborted with -EFBIG and nothing is returned.
	 */
	uint64_t max_size;
	uint64_t max_records;
};

enum xfr_kind {
	XFR_UPTODATE = 0, /* The primary's serial is not newer than ours: nothing transferred. */
	XFR_AXFR,	  /* A whole zone (asked for, or the primary's answer to an IXFR). */
	XFR_IXFR,	  /* Increments applied to the zone we held. */
};

struct xfr_result {
	enum xfr_kind kind;
	uint32_t serial;    /* The primary's serial (the new zone's when transferred). */
	ldns_rr_list *rrs;  /* kind != XFR_UPTODATE: the whole new zone, its SOA first; the
			       caller owns it (ldns_rr_list_deep_free or xfr_result_clear). */
	bool ixfr_fallback; /* IXFR was asked for and a whole zone came instead. */
	uint32_t messages;  /* DNS messages received for the transfer. */
	uint64_t bytes;	    /* Octets received for the transfer. */
};

/*
 * Ask @p for the SOA serial of @zone (absolute, presentation form) over UDP,
 * retrying over TCP on TC=1. The answer must be authoritative (AA=1), match
 * the question and carry the zone's SOA. Returns 0 and *@serial, or a
 * negative code.
 */
int xfr_soa_serial(const struct xfr_primary *p, const char *zone, uint32_t timeout_ms,
		   uint32_t *serial, char *err, size_t errlen);

/*
 * Transfer @zone from @p over TCP within @timeout_ms in all.
 *
 * @current is the zone held (its SOA first), or NULL. With @current and
 * @ixfr an IXFR (RFC 1995) is asked for from @current's serial and the
 * increments are applied to a copy of @current; a primary that answers
 * with a whole zone, refuses IXFR (NOTIMP, REFUSED, FORMERR) or sends
 * increments that do not apply gets an AXFR (RFC 5936) asked instead.
 * Without @current, or without @ixfr, an AXFR is asked.
 *
 * Every message must have the right ID, question and RCODE NOERROR, and
 * with @p->tsig a TSIG chain that verifies (RFC 8945 5.3.1: the first and
 * last message signed, at most 99 unsigned ones between signed ones); the
 * transfer must start and end with the zone's SOA. A primary whose serial
 * is not newer than @current's (RFC 1982 arithmetic) gives XFR_UPTODATE
 * without a transfer. A transfer that is cut off, malformed or unsigned
 * when it must be signed fails and @res holds nothing.
 *
 * Returns 0 with @res filled, or a negative code (@res cleared).
 */
int xfr_transfer(const struct xfr_primary *p, const char *zone, const ldns_rr_list *current,
		 bool ixfr, uint32_t timeout_ms, struct xfr_result *res, char *err, size_t errlen);

/* Free what @res holds and zero it. Safe on a zeroed result. */
void xfr_result_clear(struct xfr_result *res);

/* RFC 1982: true when serial @a is newer than @b. */
bool xfr_serial_newer(uint32_t a, uint32_t b);

/*
 * Write @rrs (its SOA first) to @path as an RFC 1035 zone file that
 * zone_load() reads back to the same records: a temporary file in the same
 * directory, fsync, rename over @path, fsync of the directory. A crash at
 * any point leaves either the old file or the new one, never a mix.
 */
int xfr_zone_write(const char *path, const char *zone, const ldns_rr_list *rrs, char *err,
		   size_t errlen);

/*
 * The text xfr_zone_write() writes for @rrs, in a malloc()ed *@buf of *@len
 * octets: one record a line, every name written by xfr_name_print().
 */
int xfr_zone_render(const char *zone, const ldns_rr_list *rrs, char **buf, size_t *len);

/*
 * Write the wire name @wire (@len octets) to @f in presentation form,
 * absolute, every octet outside [A-Za-z0-9*_-] as \DDD (RFC 1035 5.1), so
 * that any reader of zone files reads back the same octets.
 */
int xfr_name_print(FILE *f, const uint8_t *wire, size_t len);

struct zone;

/*
 * Load the text xfr_zone_render() gives for @rrs with zone_load(), the
 * loader that serves local copies, from an anonymous file in memory: 0 and
 * the parsed zone in *@out (for the loader, zone_free()), or a negative
 * code and the reason in @err. What would not load is never written.
 */
int xfr_zone_parse(const char *zone, const ldns_rr_list *rrs, struct zone **out, char *err,
		   size_t errlen);

/* Read a zone file written by xfr_zone_write() back into *@out (SOA first), for IXFR after a
 * restart. */
int xfr_zone_read(const char *path, const char *zone, ldns_rr_list **out, char *err,
		  size_t errlen);

/* What a NOTIFY (RFC 1996) message says. */
struct xfr_notify {
	char zone[256];	   /* The question's name: presentation form, lowercase, final dot. */
	uint16_t id;	   /* Message ID, echoed in the reply. */
	bool has_serial;   /* The answer section carried the zone's SOA ... */
	uint32_t serial;   /* ... with this serial (a hint only, RFC 1996 3.7). */
	bool signed_;	   /* A TSIG record is present ... */
	char key_name[256]; /* ... with this key name (lowercase, final dot). */
};

/*
 * Parse a NOTIFY request: opcode NOTIFY, QR=0, one question of type SOA
 * class IN. Returns 0, or -EBADMSG (anything else; no reply is owed).
 */
int xfr_notify_parse(const uint8_t *msg, size_t len, struct xfr_notify *n);

/* 0 when @msg carries a TSIG made with @key that verifies (time within fudge), else negative. */
int xfr_notify_verify(const uint8_t *msg, size_t len, const struct xfr_tsig *key);

/*
 * The reply to NOTIFY @msg: same ID and question, QR=1, AA=1, @rcode
 * (NOERROR when accepted, REFUSED or NOTAUTH otherwise), signed with @key
 * when not NULL (the request's MAC chained in). Returns the length written
 * to @resp, or a negative code (-ENOSPC when @cap is too small).
 */
int xfr_notify_reply(const uint8_t *msg, size_t len, const struct xfr_tsig *key, uint8_t rcode,
		     uint8_t *resp, size_t cap);

#endif /* SWERVE_XFR_H */
