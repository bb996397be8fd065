/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict single-pass validation of a whole DNS query, finished before any response octet. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <urcu/compiler.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "dnsq_internal.h"

/*
 * A legitimate name has at most 127 labels, so it never needs more than that
 * many pointers. The bound keeps the cost of one name constant however long
 * a chain of pointers to pointers the packet carries, which is what keeps a
 * packet of many records pointing at such a chain linear.
 */
#define DNSQ_MAX_PTR_HOPS (DNAME_MAXLABELS - 1)

/* The smallest question (root, type, class) and the smallest record (root owner, fixed part). */
#define DNSQ_MIN_QUESTION 5
#define DNSQ_MIN_RR	  11



/*
 * Skip a possibly compressed name at *@pos, validating it strictly: every
 * pointer must point backwards, past the header, to octets before the
 * pointer itself (which rules out loops: the readable window shrinks with
 * every jump), at most DNSQ_MAX_PTR_HOPS pointers, labels of at most 63
 * octets, at most 255 octets in all. On success *@pos is the offset past the
 * name in the record and *@root tells whether the name is the root.
 */
static bool
dnsq_skip_name(const uint8_t *msg, size_t len, size_t *pos, bool *root)
{
	size_t p = *pos;
	size_t limit = len;
	size_t end = 0;
	unsigned decoded = 0;
	unsigned hops = 0;

	for (;;) {
		unsigned c;

		if (p >= limit)
			return false;
		c = msg[p];
		if (c == 0)
			break;
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= limit || ++hops > DNSQ_MAX_PTR_HOPS)
				return false;
			target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			if (target < DNSQ_HDR_LEN || target >= p)
				return false;
			if (end == 0)
				end = p + 2;
			limit = p;
			p = target;
			continue;
		}
		if (c > DNAME_MAXLABEL)
			return false;
		decoded += c + 1;
		if (decoded + 1 > DNAME_MAXLEN || p + 1 + c > limit)
			return false;
		p += c + 1;
	}
	if (end == 0)
		end = p + 1;
	*pos = end;
	*root = decoded == 0;
	return true;
}

/*
 * Copy the name at @pos, already validated by dnsq_skip_name(), into @out
 * uncompressed; returns its length. The pointers were checked to go
 * backwards, so this walk ends.
 */
static uint8_t
dnsq_copy_name(const uint8_t *msg, size_t pos, uint8_t *out)
{
	size_t o = 0;

	for (;;) {
		unsigned c = msg[pos];

		if ((c & 0xc0) == 0xc0) {
			pos = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			continue;
		}
		memcpy(out + o, msg + pos, c + 1u);
		o += c + 1u;
		if (c == 0)
			return (uint8_t)o;
		pos += c + 1u;
	}
}

/*
 * A TSIG record (RFC 8945 4.2) whose owner starts at @owner and whose fixed
 * part starts at @p: class ANY, TTL 0, and RDATA that is exactly algorithm
 * name, time signed, fudge, MAC, original ID, error and other data. Keeps
 * what the BADKEY answer echoes in @q. Returns false when malformed: the
 * answer is then FORMERR (RFC 8945 5.2).
 */
static __attribute__((cold, noinline)) bool
dnsq_parse_tsig(const uint8_t *msg, size_t owner, size_t p, struct dnsq_query *q)
{
	size_t rd = p + DNSQ_RR_FIXED;
	size_t end = rd + dnsq_get16(msg + p + 8);
	size_t alg = rd;
	bool root;
	uint16_t maclen, otherlen;

	if (dnsq_get16(msg + p + 2) != DNSQ_CLASS_ANY || dnsq_get16(msg + p + 4) != 0 ||
	    dnsq_get16(msg + p + 6) != 0)
		return false;
	if (!dnsq_skip_name(msg, end, &rd, &root) || root)
		return false;
	/* Time signed, fudge, MAC size. */
	if (end - rd < DNSQ_TSIG_TIME_LEN + 2)
		return false;
	maclen = dnsq_get16(msg + rd + DNSQ_TSIG_TIME_LEN);
	/* Original ID, error, other length after the MAC. */
	if (end - rd - DNSQ_TSIG_TIME_LEN - 2 < (size_t)maclen + 6)
		return false;
	otherlen = dnsq_get16(msg + rd + DNSQ_TSIG_TIME_LEN + 2 + maclen + 4);
	if (end - rd != DNSQ_TSIG_TIME_LEN + 2u + maclen + 6u + otherlen)
		return false;
	memcpy(q->tsig_time, msg + rd, DNSQ_TSIG_TIME_LEN);
	q->tsig_key_len = dnsq_copy_name(msg, owner, q->tsig_key);
	q->tsig_alg_len = dnsq_copy_name(msg, alg, q->tsig_alg);
	q->tsig = 1;
	return true;
}

/*
 * Check the options in an OPT record's RDATA [@p, @end). Every option must
 * fit; a COOKIE must be a client cookie alone (8) or with a server cookie
 * (16 to 40), RFC 7873 5.2.2, whether cookies are enabled or not; later
 * COOKIE options and other options, known or not, are ignored. Returns the
 * offset of the first COOKIE option, 0 without one, -1 when malformed. The
 * option is copied by the caller, so that this loop stays lean for the
 * queries without cookies (nearly all of them).
 */
static long
dnsq_parse_opt_options(const uint8_t *msg, size_t p, size_t end)
{
	long cookie = 0;

	while (p < end) {
		uint16_t code, olen;

		if (end - p < 4)
			return -1;
		code = dnsq_get16(msg + p);
		olen = dnsq_get16(msg + p + 2);
		p += 4;
		if (olen > end - p)
			return -1;
		if (caa_unlikely(code == DNSQ_EDNS_COOKIE)) {
			if (olen != 8 && (olen < 16 || olen > DNSQ_COOKIE_MAX))
				return -1;
			if (cookie == 0)
				cookie = (long)p - 4;
		}
		p += olen;
	}
	return cookie;
}

/* Keep the COOKIE option at @opt (validated) in @q: the answer may overwrite the query. */
static __attribute__((cold, noinline)) void
dnsq_parse_cookie(const uint8_t *opt, struct dnsq_query *q)
{
	uint16_t olen = dnsq_get16(opt + 2);

	memcpy(q->cookie, opt + 4, olen);
	q->cookie_len = (uint8_t)olen;
}

/*
 * Walk the additional section from @p: @count records. The OPT record must
 * be unique and root-owned; a TSIG record must be the last record and
 * well-formed (RFC 8945 5.2); other records are validated and ignored.
 * Returns the offset past the last record, or 0 when the section is
 * malformed.
 */
static size_t
dnsq_parse_additional(const uint8_t *msg, size_t len, size_t p, unsigned count,
		      struct dnsq_query *q)
{
	for (unsigned i = 0; i < count; i++) {
		size_t owner = p;
		bool root;
		uint16_t type, rdlen;

		if (!dnsq_skip_name(msg, len, &p, &root))
			return 0;
		if (len - p < DNSQ_RR_FIXED)
			return 0;
		type = dnsq_get16(msg + p);
		rdlen = dnsq_get16(msg + p + 8);
		if (rdlen > len - p - DNSQ_RR_FIXED)
			return 0;
		if (type == DNSQ_TYPE_OPT) {
			if (!root || q->edns)
				return 0;
			long ck = dnsq_parse_opt_options(msg, p + DNSQ_RR_FIXED,
							 p + DNSQ_RR_FIXED + rdlen);

			if (ck < 0)
				return 0;
			if (caa_unlikely(ck > 0))
				dnsq_parse_cookie(msg + ck, q);
			q->edns = 1;
			q->edns_payload = dnsq_get16(msg + p + 2);
			q->edns_version = msg[p + 5];
			q->edns_do = (msg[p + 6] & 0x80) != 0;
		} else if (caa_unlikely(type == DNSQ_TYPE_TSIG)) {
			if (i + 1 != count || !dnsq_parse_tsig(msg, owner, p, q))
				return 0;
		}
		p += DNSQ_RR_FIXED + rdlen;
	}
	return p;
}

/*
 * The OPT record of a message with an opcode we do not implement, so that
 * the NOTIMP answer carries one (RFC 6891 6.1.1). Every record before it
 * must walk cleanly; anything malformed means no OPT (q->edns stays 0).
 */
static __attribute__((cold, noinline)) void
dnsq_parse_other_opt(const uint8_t *msg, size_t len, struct dnsq_query *q)
{
	unsigned qd = dnsq_get16(msg + 4);
	unsigned rr = (unsigned)dnsq_get16(msg + 6) + dnsq_get16(msg + 8);
	unsigned ar = dnsq_get16(msg + 10);
	size_t p = DNSQ_HDR_LEN;
	bool root;

	if (qd * DNSQ_MIN_QUESTION + (rr + ar) * DNSQ_MIN_RR > len - DNSQ_HDR_LEN)
		return;
	for (unsigned i = 0; i < qd; i++) {
		if (!dnsq_skip_name(msg, len, &p, &root) || len - p < 4)
			return;
		p += 4;
	}
	for (unsigned i = 0; i < rr; i++) {
		if (!dnsq_skip_name(msg, len, &p, &root) || len - p < DNSQ_RR_FIXED ||
		    dnsq_get16(msg + p + 8) > len - p - DNSQ_RR_FIXED)
			return;
		p += DNSQ_RR_FIXED + dnsq_get16(msg + p + 8);
	}
	if (ar != 0 && dnsq_parse_additional(msg, len, p, ar, q) == 0)
		q->edns = 0;
	/* A TSIG here is not ours to judge either. */
	q->tsig = 0;
}

enum dnsq_parse_rc
dnsq_parse(const uint8_t *msg, size_t len, struct dnsq_query *q, const struct dnsq_hint *hint)
{
	unsigned qd, an, ns, ar;
	size_t p;

	q->qend = DNSQ_HDR_LEN;
	q->edns = 0;
	q->cookie_len = 0;
	q->cookie_out = 0;
	q->tsig = 0;
	if (caa_unlikely(len < DNSQ_HDR_LEN))
		return DNSQ_PARSE_SHORT;
	if (caa_unlikely(msg[2] & 0x80))
		return DNSQ_PARSE_RESPONSE;
	/*
	 * Other opcodes (NOTIFY, UPDATE) give the sections other meanings: do
	 * not judge them, only look for an OPT to answer with one. A NOTIFY is
	 * judged whole by the control side.
	 */
	if (caa_unlikely(((msg[2] >> 3) & 0xf) != DNSQ_OPCODE_QUERY)) {
		/* A NOTIFY over TCP is answered NOTIMP here: it needs the OPT too. */
		dnsq_parse_other_opt(msg, len, q);
		if (((msg[2] >> 3) & 0xf) == DNSQ_OPCODE_NOTIFY)
			return DNSQ_PARSE_NOTIFY;
		return DNSQ_PARSE_NOTIMP;
	}

	qd = dnsq_get16(msg + 4);
	an = dnsq_get16(msg + 6);
	ns = dnsq_get16(msg + 8);
	ar = dnsq_get16(msg + 10);
	/* Counts the packet cannot possibly hold are refused before any walking. */
	if (caa_unlikely(qd * DNSQ_MIN_QUESTION + (an + ns + ar) * DNSQ_MIN_RR >
			 len - DNSQ_HDR_LEN))
		return DNSQ_PARSE_FORMERR;
	if (caa_unlikely(qd != 1))
		return DNSQ_PARSE_FORMERR;

	if (hint != NULL && hint->qname_len != 0 && hint->qlen == len) {
		/*
		 * dnsq_prefetch() read these very octets with dnsq_parse_qname():
		 * its copy is what reading them again would give.
		 */
		q->qname = hint->qname;
		q->qname_len = hint->qname_len;
		p = DNSQ_HDR_LEN + hint->qname_len;
	} else {
		q->qname = q->qname_buf;
		p = dnsq_parse_qname(msg, len, q->qname_buf, &q->qname_len);
		if (caa_unlikely(p == 0))
			return DNSQ_PARSE_FORMERR;
	}
	if (caa_unlikely(len - p < 4))
		return DNSQ_PARSE_FORMERR;
	q->qtype = dnsq_get16(msg + p);
	q->qclass = dnsq_get16(msg + p + 2);
	p += 4;
	q->qend = (uint16_t)p;

	/* Answer and authority records (an OPT among them included) have no place in a query. */
	if (caa_unlikely(an != 0 || ns != 0))
		return DNSQ_PARSE_FORMERR;
	if (ar != 0) {
		p = dnsq_parse_additional(msg, len, p, ar, q);
		if (caa_unlikely(p == 0)) {
			q->edns = 0;
			return DNSQ_PARSE_FORMERR;
		}
	}
	/* The strict choice: octets after the last record mean the counts lie. */
	if (caa_unlikely(p != len))
		return DNSQ_PARSE_FORMERR;
	return DNSQ_PARSE_OK;
}
