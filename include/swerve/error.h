/* SPDX-License-Identifier: BSD-3-Clause */
/* Error codes shared by every swerve module: negative errno values, then a project range. */

#ifndef SWERVE_ERROR_H
#define SWERVE_ERROR_H

#include <stddef.h>

#include <errno.h>

/*
 * Every function that can fail returns 0 (or a non-negative count) on success
 * and a negative code on failure. System errors are the negated errno value
 * (-ENOMEM, -EINVAL, ...); swerve's own conditions live in the range
 * (SW_ERR_BASE, SW_ERR_LAST), far below any errno value, so the two can never
 * collide. sw_strerror() knows both.
 */
enum sw_err {
	SW_ERR_BASE = -1000,
	SW_EZONE_SYNTAX,    /* the zone file does not parse */
	SW_EZONE_NOSOA,     /* no SOA at the zone apex */
	SW_EZONE_MULTISOA,  /* more than one SOA record, or an SOA below the apex */
	SW_EZONE_NONS,      /* no NS RRset at the zone apex */
	SW_EZONE_CNAME,     /* a CNAME beside other data, or two CNAMEs */
	SW_EZONE_OUTOFZONE, /* a record whose owner is outside the zone */
	SW_EZONE_DUP,       /* the same zone configured twice */
	SW_EZONE_CLASS,     /* a record of a class other than IN */
	SW_EZONE_TOOBIG,    /* an RRset or name too large for a DNS message */
	SW_ENAME,           /* a malformed domain name */
	SW_ETABLE_FULL,     /* the record table would exceed its addressing limits */
	SW_ESLOT,           /* a failover slot does not match its record (name, type) */
	SW_ECONFIG,         /* the configuration is invalid */
	SW_EXFR_RCODE,      /* a transfer primary answered with an error RCODE */
	SW_EXFR_TSIG,       /* a transfer or NOTIFY message failed TSIG (missing, wrong key, bad MAC, time) */
	SW_EXFR_PROTO,      /* a transfer primary broke the protocol (malformed, wrong ID/question, cut off) */
	SW_EZONE_DNSSEC,    /* signed data the server cannot serve (NSEC3 parameters or owners) */
	SW_ERR_LAST,
};

/*
 * Where a control-path failure happened, for messages an operator can act on:
 * "file:line: reason". Filled by the zone loader, the table builder and the
 * config parser; @line is 0 when the source has no line (ldns does not always
 * report one).
 */
struct sw_diag {
	int code;       /* the negative code also returned by the failing call */
	unsigned line;  /* 1-based source line, or 0 */
	char file[256]; /* source file, or "" */
	char msg[512];  /* the reason, one line, no trailing newline */
};

/* Record a failure in @d (which may be NULL); returns @code so callers can `return sw_diag_set(...)`. */
int sw_diag_set(struct sw_diag *d, int code, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * @d as "file:line: reason" (or "file: reason", or "reason" where those are
 * missing), the form an operator can jump to, into @buf (@len octets); the
 * reason is @d's message, or sw_strerror(@code) when it has none.
 */
void sw_diag_format(const struct sw_diag *d, int code, char *buf, size_t len);

/* Human-readable text for a code from this file or a negated errno. Never NULL. */
const char *sw_strerror(int code);

#endif /* SWERVE_ERROR_H */
