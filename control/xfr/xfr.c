/* SPDX-License-Identifier: BSD-3-Clause */
/* The zone-transfer client: SOA serial check, IXFR (RFC 1995) with AXFR (RFC 5936) fall-back. */

/*
 * TCP framing and deadlines are ours (xfr_net.c): ldns_axfr_start() reads
 * AXFR only, with its own blocking timeouts and without per-message TSIG
 * checks. ldns builds and parses the messages and computes MACs.
 *
 * A transfer is read whole into a list of records before anything is
 * decided, and the caller's zone is only ever copied, so a failure at any
 * point leaves nothing behind: the caller keeps serving what it had.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "xfr_ixfr.h"
#include "xfr_net.h"
#include "xfr_serial.h"
#include "xfr_tsig.h"

/* xfr_check(): the primary refused IXFR (NOTIMP, REFUSED, FORMERR): ask for AXFR instead. */
#define XFR_FALLBACK 1

struct xfr_ctx {
	const struct xfr_primary *p;
	const char *zone;
	ldns_rdf *zname;
	char who[INET6_ADDRSTRLEN + 8];
	uint64_t deadline;
	char *err;
	size_t errlen;
	struct xfr_result *res;
};

/* The records of one transfer as they arrive, and where the transfer ends. */
struct xfr_stream {
	ldns_rr_list *rrs;
	const uint32_t *have; /* Our serial, or NULL. */
	uint32_t serial;      /* The first SOA's: the primary's current serial. */
	uint32_t nsoa;	      /* SOA records seen, the first included. */
	bool ixfr;	      /* An IXFR was asked for. */
	bool incremental;     /* The answer is increments, not a whole zone. */
	bool done;	      /* The closing SOA was read. */
	bool uptodate;	      /* The primary's serial is not newer than ours. */
};

void
xfr_result_clear(struct xfr_result *res)
{
	if (res == NULL)
		return;
	if (res->rrs != NULL)
		ldns_rr_list_deep_free(res->rrs);
	memset(res, 0, sizeof(*res));
}

static int xfr_fail(struct xfr_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
xfr_fail(struct xfr_ctx *c, int code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	if (c->err == NULL || c->errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s", c->who, msg);
	return code;
}

static const char *
xfr_rcode_str(ldns_pkt_rcode rc)
{
	const ldns_lookup_table *t = ldns_lookup_by_id(ldns_rcodes, (int)rc);

	return t != NULL ? t->name : "RCODE?";
}

static int
xfr_ctx_init(struct xfr_ctx *c, const struct xfr_primary *p, const char *zone, uint32_t timeout_ms,
	     char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->zone = zone;
	c->err = err;
	c->errlen = errlen;
	c->deadline = xfr_now_ms() + timeout_ms;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL || zone == NULL) {
		snprintf(c->who, sizeof(c->who), "?");
		return xfr_fail(c, -EINVAL, "no primary or zone");
	}
	xfr_addr_str(&p->addr, c->who, sizeof(c->who));
	if (ldns_str2rdf_dname(&c->zname, zone) != LDNS_STATUS_OK)
		return xfr_fail(c, SW_ENAME, "bad zone name %s", zone);
	ldns_dname2canonical(c->zname);
	return 0;
}

/*
 * A query for @type (IXFR carries @soa, the version we hold, in its
 * authority section), signed when a key is configured. *@mac receives the
 * request's MAC, the first link of the answer's chain.
 */
static int
xfr_query(struct xfr_ctx *c, ldns_rr_type type, const ldns_rr *soa, uint16_t id, uint8_t **wire,
	  size_t *len, ldns_rdf **mac)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_rdf_clone(c->zname), type, LDNS_RR_CLASS_IN, 0);
	int ret = 0;

	*wire = NULL;
	*mac = NULL;
	if (q == NULL)
		return xfr_fail(c, -ENOMEM, "out of memory");
	ldns_pkt_set_id(q, id);
	if (soa != NULL) {
		ldns_rr *s = ldns_rr_clone(soa);

		if (s == NULL || !ldns_pkt_push_rr(q, LDNS_SECTION_AUTHORITY, s)) {
			ldns_rr_free(s);
			ret = xfr_fail(c, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if (c->p->tsig != NULL) {
		char why[160];

		ret = xfr_tsig_key_check(c->p->tsig, why, sizeof(why));
		if (ret == 0)
			ret = xfr_tsig_sign(q, c->p->tsig, NULL);
		if (ret < 0) {
			ret = xfr_fail(c, ret, "cannot sign: %s",
				       ret == -EINVAL ? why : sw_strerror(ret));
			goto out;
		}
		*mac = ldns_rdf_clone(xfr_tsig_mac(q));
	}
	if (ldns_pkt2wire(wire, q, len) != LDNS_STATUS_OK)
		ret = xfr_fail(c, -ENOMEM, "cannot build the query");
out:
	ldns_pkt_free(q);
	return ret;
}

/*
 * Check one answer: ID, QR, opcode, question (which later messages of a
 * transfer may leave out, RFC 5936 2.2.1), TSIG (chained through @ch),
 * RCODE. Returns 0, XFR_FALLBACK for a first IXFR answer refusing IXFR, or
 * a negative code.
 */
static int
xfr_check(struct xfr_ctx *c, const char *what, ldns_pkt *r, const uint8_t *wire, size_t len,
	  uint16_t id, ldns_rr_type type, bool first, struct xfr_tsig_chain *ch)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(r);
	ldns_rr_list *qs = ldns_pkt_question(r);
	char why[256];

	if (ldns_pkt_id(r) != id)
		return xfr_fail(c, SW_EXFR_PROTO, "%s: answer has ID %u, expected %u", what,
				ldns_pkt_id(r), id);
	if (!ldns_pkt_qr(r) || ldns_pkt_get_opcode(r) != LDNS_PACKET_QUERY)
		return xfr_fail(c, SW_EXFR_PROTO, "%s: not an answer to a query", what);
	if (ldns_rr_list_rr_count(qs) > 1 || (first && ldns_rr_list_rr_count(qs) == 0))
		return xfr_fail(c, SW_EXFR_PROTO, "%s: answer has %zu questions", what,
				ldns_rr_list_rr_count(qs));
	if (ldns_rr_list_rr_count(qs) == 1) {
		const ldns_rr *q = ldns_rr_list_rr(qs, 0);

		if (ldns_dname_compare(ldns_rr_owner(q), c->zname) != 0 ||
		    ldns_rr_get_type(q) != type || ldns_rr_get_class(q) != LDNS_RR_CLASS_IN)
			return xfr_fail(c, SW_EXFR_PROTO, "%s: answer is for another question",
					what);
	}
	if (c->p->tsig != NULL) {
		int ret = xfr_tsig_chain_next(ch, r, wire, len, c->p->tsig, why, sizeof(why));

		if (ret < 0)
			return xfr_fail(c, ret, "%s: %s", what, why);
	}
	if (rc != LDNS_RCODE_NOERROR) {
		if (first && type == LDNS_RR_TYPE_IXFR &&
		    (rc == LDNS_RCODE_NOTIMPL || rc == LDNS_RCODE_REFUSED ||
		     rc == LDNS_RCODE_FORMERR))
			return XFR_FALLBACK;
		return xfr_fail(c, SW_EXFR_RCODE, "%s: primary answered %s", what,
				xfr_rcode_str(rc));
	}
	return 0;
}

/* Take one record of the answer; notes where the transfer ends. */
static int
xfr_feed(struct xfr_ctx *c, const char *what, struct xfr_stream *st, const ldns_rr *rr)
{
	bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
	bool apex = ldns_dname_compare(ldns_rr_owner(rr), c->zname) == 0;
	uint32_t serial = soa ? xfr_soa_rr_serial(rr) : 0;
	size_t n = ldns_rr_list_rr_count(st->rrs);
	ldns_rr *copy;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return xfr_fail(c, SW_EXFR_PROTO, "%s: record of class %u", what,
				ldns_rr_get_class(rr));
	if (!apex && !ldns_dname_is_subdomain(ldns_rr_owner(rr), c->zname))
		return xfr_fail(c, SW_EXFR_PROTO, "%s: record outside zone %s", what, c->zone);
	if (soa && (!apex || ldns_rr_rd_count(rr) != 7))
		return xfr_fail(c, SW_EXFR_PROTO, "%s: SOA not at the apex, or malformed", what);
	if (n == 0) {
		if (!soa)
			return xfr_fail(c, SW_EXFR_PROTO, "%s: transfer does not start with an SOA",
					what);
		st->serial = serial;
		st->nsoa = 1;
		if (st->have != NULL && !xfr_serial_newer(serial, *st->have))
			st->uptodate = true;
	} else if (soa) {
		st->nsoa++;
		if (n == 1 && st->ixfr && serial != st->serial)
			st->incremental = true;
		if (!st->incremental) {
			if (serial != st->serial)
				return xfr_fail(c, SW_EXFR_PROTO,
						"%s: closing SOA serial %u, opening %u", what,
						serial, st->serial);
			st->done = true;
		} else if (st->nsoa % 2 == 0 && serial == st->serial) {
			st->done = true;
		}
	}
	if (c->p->max_records != 0 && n >= c->p->max_records)
		return xfr_fail(c, -EFBIG,
				"%s: more than xfr.max-records (%llu) records: transfer aborted",
				what, (unsigned long long)c->p->max_records);
	copy = ldns_rr_clone(rr);
	if (copy == NULL || !ldns_rr_list_push_rr(st->rrs, copy)) {
		ldns_rr_free(copy);
		return xfr_fail(c, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * One transfer over one TCP connection: ask for @type and read messages
 * until the closing SOA (or the primary's "you are up to date").
 */
static int
xfr_exchange(struct xfr_ctx *c, ldns_rr_type type, const ldns_rr *have_soa, struct xfr_stream *st)
{
	const char *tname = type == LDNS_RR_TYPE_IXFR ? "IXFR" : "AXFR";
	uint16_t id = xfr_random_id();
	uint8_t *q = NULL, *msg = NULL;
	struct xfr_tsig_chain ch = {0};
	ldns_pkt *r = NULL;
	char what[32];
	size_t qlen;
	uint32_t have = have_soa != NULL ? xfr_soa_rr_serial(have_soa) : 0;
	int fd = -1, ret;

	memset(st, 0, sizeof(*st));
	st->ixfr = type == LDNS_RR_TYPE_IXFR;
	st->have = have_soa != NULL ? &have : NULL;
	st->rrs = ldns_rr_list_new();
	if (st->rrs == NULL)
		return xfr_fail(c, -ENOMEM, "out of memory");
	ret = xfr_query(c, type, st->ixfr ? have_soa : NULL, id, &q, &qlen, &ch.mac);
	if (ret < 0)
		goto out;
	fd = xfr_tcp_connect(&c->p->addr, c->p->addrlen, c->deadline);
	if (fd < 0) {
		ret = xfr_fail(c, fd, "%s: connect: %s", tname, sw_strerror(fd));
		goto out;
	}
	ret = xfr_tcp_send(fd, q, qlen, c->deadline);
	if (ret < 0) {
		ret = xfr_fail(c, ret, "%s: send: %s", tname, sw_strerror(ret));
		goto out;
	}
	for (uint32_t m = 0; !st->done && !st->uptodate; m++) {
		int len = xfr_tcp_recv(fd, &msg, c->deadline);

		snprintf(what, sizeof(what), "%s message %u", tname, m + 1);
		if (len == -ECONNRESET) {
			ret = xfr_fail(
				c, SW_EXFR_PROTO,
				"%s: connection closed after %u messages, before the closing SOA",
				tname, m);
			goto out;
		}
		if (len < 0) {
			ret = xfr_fail(c, len, "%s: %s", what, sw_strerror(len));
			goto out;
		}
		c->res->messages++;
		c->res->bytes += (uint64_t)len + 2;
		if (c->p->max_size != 0 && c->res->bytes > c->p->max_size) {
			ret = xfr_fail(c, -EFBIG,
				       "%s: transfer larger than xfr.max-size (%llu octets): aborted",
				       what, (unsigned long long)c->p->max_size);
			goto out;
		}
		if (ldns_wire2pkt(&r, msg, (size_t)len) != LDNS_STATUS_OK) {
			ret = xfr_fail(c, SW_EXFR_PROTO, "%s: malformed message", what);
			goto out;
		}
		ret = xfr_check(c, what, r, msg, (size_t)len, id, type, m == 0, &ch);
		if (ret != 0)
			goto out;
		if (ldns_pkt_tc(r)) {
			ret = xfr_fail(c, SW_EXFR_PROTO, "%s: TC set over TCP", what);
			goto out;
		}
		/* Up to date: the rest of the answer is of no use. */
		for (size_t i = 0; i < ldns_pkt_ancount(r) && !st->uptodate; i++) {
			if (st->done) {
				ret = xfr_fail(c, SW_EXFR_PROTO,
					       "%s: records after the closing SOA", what);
				goto out;
			}
			ret = xfr_feed(c, what, st, ldns_rr_list_rr(ldns_pkt_answer(r), i));
			if (ret < 0)
				goto out;
		}
		ldns_pkt_free(r);
		r = NULL;
		free(msg);
		msg = NULL;
	}
	if (ch.nunsigned > 0)
		ret = xfr_fail(c, SW_EXFR_TSIG, "%s: last message not signed", tname);
out:
	if (fd >= 0)
		close(fd);
	ldns_pkt_free(r);
	free(msg);
	free(q);
	xfr_tsig_chain_free(&ch);
	if (ret < 0) {
		ldns_rr_list_deep_free(st->rrs);
		st->rrs = NULL;
	}
	return ret;
}

/* A whole zone from an AXFR (or AXFR-style IXFR answer): drop the closing SOA. */
static void
xfr_take_zone(struct xfr_stream *st, struct xfr_result *res)
{
	if (ldns_rr_list_rr_count(st->rrs) > 1)
		ldns_rr_free(ldns_rr_list_pop_rr(st->rrs));
	res->kind = XFR_AXFR;
	res->serial = st->serial;
	res->rrs = st->rrs;
	st->rrs = NULL;
}

int
xfr_transfer(const struct xfr_primary *p, const char *zone, const ldns_rr_list *current, bool ixfr,
	     uint32_t timeout_ms, struct xfr_result *res, char *err, size_t errlen)
{
	const ldns_rr *have = NULL;
	struct xfr_stream st = {0};
	struct xfr_ctx c;
	char why[256];
	int ret;

	if (res == NULL)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	ret = xfr_ctx_init(&c, p, zone, timeout_ms, err, errlen);
	if (ret < 0)
		goto out;
	c.res = res;
	if (current != NULL && ldns_rr_list_rr_count(current) > 0) {
		have = ldns_rr_list_rr(current, 0);
		if (ldns_rr_get_type(have) != LDNS_RR_TYPE_SOA) {
			ret = xfr_fail(&c, -EINVAL, "the zone held does not start with its SOA");
			goto out;
		}
	}
	if (have != NULL && ixfr) {
		ret = xfr_exchange(&c, LDNS_RR_TYPE_IXFR, have, &st);
		if (ret < 0)
			goto out;
		if (ret == 0 && st.uptodate) {
			res->kind = XFR_UPTODATE;
			res->serial = st.serial;
			goto out;
		}
		if (ret == 0 && !st.incremental) {
			xfr_take_zone(&st, res);
			res->ixfr_fallback = true;
			goto out;
		}
		if (ret == 0) {
			ret = xfr_ixfr_apply(current, st.rrs, &res->rrs, why, sizeof(why));
			if (ret == 0 && p->max_records != 0 &&
			    ldns_rr_list_rr_count(res->rrs) > p->max_records) {
				ret = xfr_fail(&c, -EFBIG,
					       "IXFR: the zone would have %zu records, more than "
					       "xfr.max-records (%llu): aborted",
					       ldns_rr_list_rr_count(res->rrs),
					       (unsigned long long)p->max_records);
				goto out;
			}
			if (ret == 0) {
				res->kind = XFR_IXFR;
				res->serial = st.serial;
				goto out;
			}
			if (ret != -ESRCH) {
				ret = xfr_fail(&c, ret, "IXFR: %s", why);
				goto out;
			}
		}
		/* Refused, or increments that do not fit what we hold: the whole zone. */
		ldns_rr_list_deep_free(st.rrs);
		st.rrs = NULL;
		res->ixfr_fallback = true;
	}
	ret = xfr_exchange(&c, LDNS_RR_TYPE_AXFR, have, &st);
	if (ret < 0)
		goto out;
	if (st.uptodate) {
		res->kind = XFR_UPTODATE;
		res->serial = st.serial;
		goto out;
	}
	xfr_take_zone(&st, res);
out:
	ldns_rr_list_deep_free(st.rrs);
	ldns_rdf_deep_free(c.zname);
	if (ret < 0) {
		xfr_result_clear(res);
		return ret;
	}
	return 0;
}

/* One SOA answer over UDP, or TCP when @tcp (after TC=1). */
static int
xfr_soa_once(struct xfr_ctx *c, bool tcp, uint32_t *serial)
{
	uint16_t id = xfr_random_id();
	uint8_t *q = NULL, *a = NULL;
	const ldns_rr *soa = NULL;
	struct xfr_tsig_chain ch = {0};
	ldns_pkt *r = NULL;
	size_t qlen;
	int fd = -1, len, ret;

	ret = xfr_query(c, LDNS_RR_TYPE_SOA, NULL, id, &q, &qlen, &ch.mac);
	if (ret < 0)
		goto out;
	if (tcp) {
		fd = xfr_tcp_connect(&c->p->addr, c->p->addrlen, c->deadline);
		ret = fd < 0 ? fd : xfr_tcp_send(fd, q, qlen, c->deadline);
		len = ret < 0 ? ret : xfr_tcp_recv(fd, &a, c->deadline);
	} else {
		a = malloc(XFR_MSG_MAX);
		if (a == NULL) {
			ret = xfr_fail(c, -ENOMEM, "out of memory");
			goto out;
		}
		len = xfr_udp_query(&c->p->addr, c->p->addrlen, q, qlen, id, a, XFR_MSG_MAX,
				    c->deadline);
	}
	if (len < 0) {
		ret = xfr_fail(c, len, "SOA query over %s: %s", tcp ? "TCP" : "UDP",
			       sw_strerror(len));
		goto out;
	}
	if (ldns_wire2pkt(&r, a, (size_t)len) != LDNS_STATUS_OK) {
		ret = xfr_fail(c, SW_EXFR_PROTO, "SOA query: malformed answer");
		goto out;
	}
	ret = xfr_check(c, "SOA query", r, a, (size_t)len, id, LDNS_RR_TYPE_SOA, true, &ch);
	if (ret < 0)
		goto out;
	if (ldns_pkt_tc(r)) {
		ret = tcp ? xfr_fail(c, SW_EXFR_PROTO, "SOA query: TC set over TCP") : 1;
		goto out;
	}
	if (!ldns_pkt_aa(r)) {
		ret = xfr_fail(c, SW_EXFR_PROTO, "SOA query: answer not authoritative for %s",
			       c->zone);
		goto out;
	}
	for (size_t i = 0; i < ldns_pkt_ancount(r) && soa == NULL; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7 &&
		    ldns_dname_compare(ldns_rr_owner(rr), c->zname) == 0)
			soa = rr;
	}
	if (soa == NULL) {
		ret = xfr_fail(c, SW_EXFR_PROTO, "SOA query: no SOA for %s in the answer", c->zone);
		goto out;
	}
	*serial = xfr_soa_rr_serial(soa);
out:
	if (fd >= 0)
		close(fd);
	ldns_pkt_free(r);
	xfr_tsig_chain_free(&ch);
	free(q);
	free(a);
	return ret;
}

int
xfr_soa_serial(const struct xfr_primary *p, const char *zone, uint32_t timeout_ms, uint32_t *serial,
	       char *err, size_t errlen)
{
	struct xfr_ctx c;
	int ret;

	ret = xfr_ctx_init(&c, p, zone, timeout_ms, err, errlen);
	if (ret == 0 && serial == NULL)
		ret = -EINVAL;
	if (ret == 0)
		ret = xfr_soa_once(&c, false, serial);
	if (ret == 1)
		ret = xfr_soa_once(&c, true, serial);
	ldns_rdf_deep_free(c.zname);
	return ret;
}
