/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the libFuzzer targets: the fixed answer table and an independent DNS response checker. */

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "fuzz_util.h"
#include "testutil.h"
#include "wire.h"

enum {
	FZ_T_A = 1,
	FZ_T_NS = 2,
	FZ_T_CNAME = 5,
	FZ_T_SOA = 6,
	FZ_T_TXT = 16,
	FZ_T_AAAA = 28,
	FZ_T_OPT = 41,
	FZ_T_ANY = 255,
};

enum { FZ_R_FORMERR = 1, FZ_R_SERVFAIL = 2, FZ_R_NXDOMAIN = 3, FZ_R_NOTIMP = 4, FZ_R_REFUSED = 5 };

void
fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n=== FUZZ INVARIANT BROKEN at %s:%d: %s\n=== ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

bool
fz_verbose(void)
{
	static int v = -1;

	if (v < 0)
		v = getenv("FUZZ_VERBOSE") != NULL;
	return v != 0;
}

void
fz_quiet_logs(void)
{
	sw_log_set_level(LOG_EMERG);
}

/* ---- the fixed table ---- */

/*
 * The example zones of tests/common/zones/ (the golden tests' zones), and
 * after them the records only the fuzzers need: more answer shapes and every
 * limit (chains past the CNAME limit, 254-octet names, a 30 KB RRset, glue
 * that does not fit, targets in a nested zone and in failover slots).
 */
static char fz_com[65536];

static const char fz_net_extra[] = "back CNAME www.example.com.\n";

/* A zone nested in example.com without a delegation: the closest enclosing zone answers. */
static const char fz_inner[] = "$ORIGIN inner.example.com.\n"
			       "$TTL 120\n"
			       "@ SOA ns1.example.com. h.example.com. 3 3600 600 86400 30\n"
			       "@ NS ns1.example.com.\n"
			       "www A 192.0.2.200\n"
			       "*.w MX 10 mail.example.com.\n";

static void fz_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
fz_add(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*n += (size_t)vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (*n >= cap)
		fz_fail(__FILE__, __LINE__, "zone text", "fuzz zone text too long");
}

/* The common example.com and after it the fuzz-only RRsets (none of them is in the common file). */
static void
fz_build_com(void)
{
	char l63[64], l48[49];
	char *common = tu_fixture_text("example.com.zone");
	size_t n = 0, cap = sizeof(fz_com);

	fz_add(fz_com, cap, &n, "%s\n$ORIGIN example.com.\n$TTL 3600\n", common);
	free(common);
	fz_add(fz_com, cap, &n,
	       "WwW.Mixed A 192.0.2.12\n"
	       "www TXT \"hello\"\n"
	       "chain1 CNAME chain2\n"
	       "chain2 CNAME chain3\n"
	       "chain3 CNAME www\n"
	       "cross CNAME www.example.net.\n"
	       "toinner CNAME www.inner\n"
	       "tosub CNAME host.sub\n"
	       "tofo CNAME fo\n"
	       "todead CNAME dead\n"
	       "a.b.c A 192.0.2.20\n"
	       "exists.wild A 192.0.2.31\n"
	       "*.cwild CNAME www\n"
	       "*.ent A 192.0.2.40\n"
	       "deep.mid.ent A 192.0.2.41\n"
	       "sub NS ns.sub\n"
	       "sub NS ns.elsewhere.org.\n"
	       "sub DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n"
	       "ns.sub A 192.0.2.53\n"
	       "ns.sub AAAA 2001:db8::53\n"
	       "nods NS ns.elsewhere.org.\n"
	       "srv._tcp SRV 0 5 5060 www\n"
	       "unk TYPE666 \\# 3 abcdef\n");
	for (int i = 1; i <= 10; i++)
		fz_add(fz_com, cap, &n, "long%d CNAME long%d\n", i, i + 1);
	fz_add(fz_com, cap, &n, "long11 A 192.0.2.99\n");
	/* 1460 octets of TXT: more than 512 and than 1232. */
	for (int i = 0; i < 20; i++)
		fz_add(fz_com, cap, &n, "big1460 TXT \"%02d%058d\"\n", i, 0);
	/* About 30 KB: only TCP or a 65535 capacity carries it. */
	for (int i = 0; i < 120; i++)
		fz_add(fz_com, cap, &n, "jumbo TXT \"%03d%0240d\"\n", i, 0);
	/* A delegation whose NS fit in 512 octets but whose glue does not. */
	for (int i = 1; i <= 6; i++)
		fz_add(fz_com, cap, &n, "fat NS ns%d.fat\nns%d.fat A 192.0.2.%d\nns%d.fat AAAA 2001:db8::%d\n",
		       i, i, 100 + i, i, 100 + i);
	/* A 254-octet name, and a CNAME to it: compression pointers at their limits. */
	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l48, 'b', 48);
	l48[48] = '\0';
	fz_add(fz_com, cap, &n, "%s.%s.%s.%s A 192.0.2.254\n", l63, l63, l63, l48);
	fz_add(fz_com, cap, &n, "tolong CNAME %s.%s.%s.%s\n", l63, l63, l63, l48);
	fz_add(fz_com, cap, &n, "*.%s.%s.%s TXT \"deep wildcard\"\n", l63, l63, l63);
}

static struct rrt_slot *
fz_slot(const char *name, uint16_t type, uint32_t ttl, unsigned n)
{
	uint8_t wire[DNAME_MAXLEN];
	uint8_t rd[4][16];
	const uint8_t *rdata[4];
	uint16_t rdlen[4];
	struct rrt_rrset *rs = NULL;
	size_t len = tu_name(name, wire);
	struct rrt_slot *slot;

	for (unsigned i = 0; i < n; i++) {
		memset(rd[i], 0, sizeof(rd[i]));
		rd[i][0] = 198;
		rd[i][1] = 18;
		rd[i][2] = (uint8_t)type;
		rd[i][3] = (uint8_t)(i + 1);
		rdata[i] = rd[i];
		rdlen[i] = type == FZ_T_AAAA ? 16 : 4;
	}
	if (n > 0) {
		rs = rrt_rrset_new(type, ttl, rdata, rdlen, n);
		if (rs == NULL)
			fz_fail(__FILE__, __LINE__, "rrt_rrset_new", "%s", name);
	}
	slot = rrt_slot_new(wire, len, type, rs);
	if (slot == NULL)
		fz_fail(__FILE__, __LINE__, "rrt_slot_new", "%s", name);
	return slot;
}

const struct rrt *
fz_table_signed(unsigned which)
{
	static const char *const files[] = {"signed/example.com.nsec.zone",
					    "signed/example.com.nsec3-optout.zone"};
	static struct rrt *both[2];

	if (both[0] == NULL) {
		for (int i = 0; i < 2; i++) {
			char *text = tu_fixture_text(files[i]);

			both[i] = tu_table("example.com", text, NULL);
			free(text);
		}
	}
	return both[which & 1];
}

const struct rrt *
fz_table(void)
{
	static struct rrt *t;
	struct rrt_slot *slots[4];
	static char fz_net[4096];
	struct zone *z[3];
	struct sw_diag d = {0};
	char *net;

	if (t != NULL)
		return t;
	fz_build_com();
	z[0] = tu_zone("example.com", fz_com);
	net = tu_fixture_text("example.net.zone");
	snprintf(fz_net, sizeof(fz_net), "%s\n$ORIGIN example.net.\n$TTL 600\n%s", net, fz_net_extra);
	free(net);
	z[1] = tu_zone("example.net", fz_net);
	z[2] = tu_zone("inner.example.com", fz_inner);
	slots[0] = fz_slot("fo.example.com", FZ_T_A, 30, 3);
	slots[1] = fz_slot("fo.example.com", FZ_T_AAAA, 10, 2);
	slots[2] = fz_slot("dead.example.com", FZ_T_A, 30, 0); /* all-down "servfail" */
	slots[3] = fz_slot("www.inner.example.com", FZ_T_AAAA, 5, 1);
	if (rrt_build((const struct zone *const *)z, 3, slots, 4, &t, &d) < 0)
		fz_fail(__FILE__, __LINE__, "rrt_build", "%s", d.msg);
	for (int i = 0; i < 3; i++)
		zone_free(z[i]);
	/* The table and the slots live as long as the process: never freed, never leaked. */
	return t;
}

const struct dnsq_conf *
fz_conf(unsigned idx)
{
	static char longtext[256];
	static struct dnsq_conf confs[4] = {
		{.edns_payload = 1232, .version = "swerve-fuzz", .identity = NULL},
		{.edns_payload = 512, .version = NULL, .identity = "node-1"},
		{.edns_payload = 4096, .version = longtext, .identity = ""},
		{.edns_payload = 1232, .version = NULL, .identity = NULL},
	};

	if (longtext[0] == '\0')
		memset(longtext, 'v', sizeof(longtext) - 1);
	return &confs[idx & 3];
}

/* ---- an independent reading of the query and the response ---- */

/* What the query looks like to an independent, strict reader (the engine's contract). */
struct fz_query {
	bool question; /* The question parsed: it must be echoed. */
	bool dnssec;   /* The response's OPT has DO (echoed from the query): proofs may follow. */
	size_t qend;
	uint16_t qtype;
	uint16_t qclass;
};

static void
fz_read_query(const uint8_t *q, size_t len, struct fz_query *fq)
{
	unsigned qd, an, ns, ar;
	size_t max, off = 12;

	memset(fq, 0, sizeof(*fq));
	if (len < 12 || (q[2] & 0x80) || ((q[2] >> 3) & 0xf) != 0)
		return;
	qd = tu_get16(q + 4);
	an = tu_get16(q + 6);
	ns = tu_get16(q + 8);
	ar = tu_get16(q + 10);
	/* CONFORMANCE bad input 10: counts the packet cannot hold end the parse at the header. */
	if (qd * 5 + (an + ns + ar) * 11 > len - 12 || qd != 1)
		return;
	max = len < 12 + DNAME_MAXLEN ? len : 12 + DNAME_MAXLEN;
	for (;;) {
		if (off >= max)
			return;
		if (q[off] == 0)
			break;
		if (q[off] > 63)
			return;
		off += q[off] + 1u;
	}
	off++;
	if (len - off < 4)
		return;
	fq->question = true;
	fq->qtype = tu_get16(q + off);
	fq->qclass = tu_get16(q + off + 2);
	fq->qend = off + 4;
}

/*
 * Skip the name at @off: labels up to 63, at most 255 octets, pointers only
 * backwards into the message past the header. Returns the offset past the
 * name or 0. @root is set when the name is the root.
 */
static size_t
fz_skip_name(const uint8_t *m, size_t len, size_t off, bool *root)
{
	size_t end = 0, total = 1, limit = len;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (off >= limit)
			return 0;
		c = m[off];
		if (c == 0)
			break;
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (off + 1 >= limit || ++hops > 127)
				return 0;
			target = (size_t)(c & 0x3f) << 8 | m[off + 1];
			if (target < 12 || target >= off)
				return 0;
			if (end == 0)
				end = off + 2;
			limit = off;
			off = target;
			continue;
		}
		if (c > 63)
			return 0;
		total += c + 1u;
		if (total > DNAME_MAXLEN || off + 1 + c > limit)
			return 0;
		off += c + 1u;
	}
	if (root != NULL)
		*root = total == 1;
	return end != 0 ? end : off + 1;
}

/* Expand the (possibly compressed) name at @off into lowercase wire form; returns its length or 0. */
static size_t
fz_expand(const uint8_t *m, size_t len, size_t off, uint8_t *out)
{
	size_t o = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (off >= len)
			return 0;
		c = m[off];
		if ((c & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > 127)
				return 0;
			off = (size_t)(c & 0x3f) << 8 | m[off + 1];
			continue;
		}
		if (c > 63 || o + c + 1 > DNAME_MAXLEN || off + 1 + c > len)
			return 0;
		out[o++] = c;
		for (unsigned i = 0; i < c; i++)
			out[o++] = dname_lower_octet(m[off + 1 + i]);
		if (c == 0)
			return o;
		off += c + 1u;
	}
}

bool
fz_name_equal(const uint8_t *abuf, size_t alen, size_t aoff, const uint8_t *bbuf, size_t blen,
	      size_t boff)
{
	uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN];
	size_t la = fz_expand(abuf, alen, aoff, a);
	size_t lb = fz_expand(bbuf, blen, boff, b);

	return la != 0 && la == lb && memcmp(a, b, la) == 0;
}

struct fz_rr {
	size_t owner;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata;
};

#define FZ_MAX_RR 1024

bool
fz_check_answer(const struct fz_call *c)
{
	static struct fz_rr rrs[FZ_MAX_RR];
	const uint8_t *q = c->query, *r = c->resp;
	const struct dnsq_info *info = c->info;
	struct fz_query fq;
	unsigned qd, an, ns, ar, total, nopt = 0, opt_i = 0;
	unsigned rcode, full_rcode;
	bool aa, tc;
	size_t p;

	fz_read_query(q, c->qlen, &fq);
	FZ_CHECK(info->verdict < DNSQ_VERDICT_MAX, "verdict %u", info->verdict);
	if (c->n == 0) {
		FZ_CHECK(info->verdict != DNSQ_ANSWERED, "no response but verdict ANSWERED");
		if (c->qlen < 12)
			FZ_CHECK(info->verdict == DNSQ_DROP_SHORT, "short query, verdict %u",
				 info->verdict);
		else if (q[2] & 0x80)
			FZ_CHECK(info->verdict == DNSQ_DROP_RESPONSE, "QR=1, verdict %u",
				 info->verdict);
		else if (info->verdict == DNSQ_PUNT)
			/* NOTIFY over UDP goes to the control side unanswered (dnsq.h). */
			FZ_CHECK(((q[2] >> 3) & 0xf) == 4 && !(c->flags & DNSQ_TCP),
				 "punted opcode %u%s", (q[2] >> 3) & 0xf,
				 (c->flags & DNSQ_TCP) ? " over TCP" : "");
		else
			/* The largest header + question + OPT is 282 octets; 512 always fits it. */
			FZ_CHECK(info->verdict == DNSQ_DROP_NOSPACE && c->cap < 282,
				 "dropped with verdict %u at capacity %zu", info->verdict, c->cap);
		return false;
	}
	FZ_CHECK(info->verdict == DNSQ_ANSWERED, "response of %zu octets, verdict %u", c->n,
		 info->verdict);
	FZ_CHECK(((q[2] >> 3) & 0xf) != 4 || (c->flags & DNSQ_TCP), "answered a NOTIFY over UDP");
	FZ_CHECK(c->n <= c->cap, "response %zu octets > capacity %zu", c->n, c->cap);
	FZ_CHECK(c->n >= 12, "response of %zu octets", c->n);
	FZ_CHECK(c->qlen >= 12 && !(q[2] & 0x80), "answered a short query or a response");

	/* Header rules. */
	FZ_CHECK(r[0] == q[0] && r[1] == q[1], "ID not echoed");
	FZ_CHECK(r[2] & 0x80, "QR not set");
	FZ_CHECK((r[2] & 0x78) == (q[2] & 0x78), "opcode not echoed");
	/* RD is defined for QUERY alone: copied there, clear on a NOTIMP answer. */
	if (((q[2] >> 3) & 0xf) == 0)
		FZ_CHECK((r[2] & 0x01) == (q[2] & 0x01), "RD not copied");
	else
		FZ_CHECK((r[2] & 0x01) == 0, "RD set on a NOTIMP answer");
	FZ_CHECK((r[3] & 0x80) == 0, "RA set");
	FZ_CHECK((r[3] & 0x40) == 0, "Z set");
	FZ_CHECK((r[3] & 0x20) == 0, "AD set");
	FZ_CHECK((r[3] & 0x10) == 0, "CD set (RFC 4035 3.1.6: cleared)");
	aa = (r[2] & 0x04) != 0;
	tc = (r[2] & 0x02) != 0;
	rcode = r[3] & 0x0f;
	qd = tu_get16(r + 4);
	an = tu_get16(r + 6);
	ns = tu_get16(r + 8);
	ar = tu_get16(r + 10);
	FZ_CHECK(tc == (info->tc != 0), "TC %d but info->tc %u", tc, info->tc);
	FZ_CHECK((info->rcode & 0x0f) == rcode, "header rcode %u, info %u", rcode, info->rcode);

	if (((q[2] >> 3) & 0xf) != 0) {
		/* The header, and our OPT when the message carried one (RFC 6891 6.1.1). */
		FZ_CHECK(rcode == FZ_R_NOTIMP && qd == 0 && an == 0 && ns == 0 && ar <= 1 &&
				 c->n == 12u + 11u * ar,
			 "opcode %u: rcode %u counts %u/%u/%u/%u len %zu", (q[2] >> 3) & 0xf, rcode,
			 qd, an, ns, ar, c->n);
		FZ_CHECK(ar == 0 || (r[12] == 0 && tu_get16(r + 13) == 41),
			 "NOTIMP's additional record is not a root OPT");
		FZ_CHECK(!aa && !tc, "AA or TC on NOTIMP");
		return true;
	}

	/* The question: echoed octet for octet whenever it parsed, never invented. */
	FZ_CHECK(qd <= 1, "QDCOUNT %u", qd);
	if (fq.question)
		FZ_CHECK(qd == 1, "the query's question is not echoed (rcode %u)", rcode);
	if (qd == 1) {
		FZ_CHECK(fq.question, "a question echoed for a query without a parsable one");
		FZ_CHECK(c->n >= fq.qend, "response shorter than the question");
		FZ_CHECK(memcmp(r + 12, q + 12, fq.qend - 12) == 0, "question not echoed byte for byte");
		FZ_CHECK(info->qtype == fq.qtype, "info->qtype %u, question %u", info->qtype,
			 fq.qtype);
	} else {
		FZ_CHECK(rcode == FZ_R_FORMERR && c->n == 12 && an == 0 && ns == 0 && ar == 0,
			 "no question: rcode %u len %zu", rcode, c->n);
	}
	/* FORMERR (a query that did not parse) carries the question at most, never an OPT. */
	if (rcode == FZ_R_FORMERR) {
		FZ_CHECK(an == 0 && ns == 0 && ar == 0 && !aa && !tc, "FORMERR with records or flags");
		FZ_CHECK(c->n == (qd == 1 ? fq.qend : 12), "FORMERR of %zu octets", c->n);
		FZ_CHECK(info->rclass == DNSQ_CLASS_ERROR, "rclass %u on FORMERR", info->rclass);
		return true;
	}

	/* Walk every record with bounds checks: the counts must describe the message exactly. */
	total = an + ns + ar;
	FZ_CHECK(total <= FZ_MAX_RR, "%u records", total);
	p = qd == 1 ? fq.qend : 12;
	for (unsigned i = 0; i < total; i++) {
		struct fz_rr *rr = &rrs[i];
		bool root = false;
		size_t np = fz_skip_name(r, c->n, p, &root);

		FZ_CHECK(np != 0, "record %u: bad owner name at %zu", i, p);
		FZ_CHECK(c->n - np >= 10, "record %u: fixed part cut short", i);
		rr->owner = p;
		rr->type = tu_get16(r + np);
		rr->rclass = tu_get16(r + np + 2);
		rr->ttl = (uint32_t)tu_get16(r + np + 4) << 16 | tu_get16(r + np + 6);
		rr->rdlen = tu_get16(r + np + 8);
		rr->rdata = np + 10;
		FZ_CHECK(rr->rdlen <= c->n - rr->rdata, "record %u: RDLENGTH %u past the end", i,
			 rr->rdlen);
		p = rr->rdata + rr->rdlen;
		if (rr->type == FZ_T_OPT) {
			FZ_CHECK(i >= an + ns, "OPT outside the additional section");
			FZ_CHECK(root, "OPT owner is not the root");
			FZ_CHECK(++nopt == 1, "two OPT records");
			FZ_CHECK(rr->rclass == c->conf->edns_payload, "OPT payload %u, configured %u",
				 rr->rclass, c->conf->edns_payload);
			FZ_CHECK(((rr->ttl >> 16) & 0xff) == 0, "OPT version %u", (rr->ttl >> 16) & 0xff);
			FZ_CHECK((rr->ttl & 0x7fff) == 0, "unknown EDNS flags echoed: %04x",
				 rr->ttl & 0xffff);
			FZ_CHECK(rr->rdlen == 0, "EDNS options echoed");
			fq.dnssec = (rr->ttl & 0x8000) != 0;
			opt_i = i;
			continue;
		}
		/* NOTAUTH's BADKEY TSIG: class ANY, the last record (RFC 8945 5.3.2). */
		if (rr->type == 250) {
			FZ_CHECK(rr->rclass == 255 && i + 1 == total, "TSIG class %u at %u", rr->rclass,
				 i);
			continue;
		}
		FZ_CHECK(rr->rclass == 1 || rr->rclass == 3, "record %u: class %u", i, rr->rclass);
		FZ_CHECK(rr->ttl <= 0x7fffffff, "record %u: TTL %u", i, rr->ttl);
	}
	FZ_CHECK(p == c->n, "%zu octets after the last record (counts %u/%u/%u)", c->n - p, an, ns,
		 ar);

	/* EDNS: an OPT exactly when the query had a valid one; the extended rcode in it. */
	FZ_CHECK(nopt == 0 || info->edns, "OPT in the response to a query without one");
	FZ_CHECK(nopt == 1 || !info->edns, "query had an OPT, response has none");
	full_rcode = rcode;
	if (nopt == 1)
		full_rcode |= (rrs[opt_i].ttl >> 24) << 4;
	FZ_CHECK(full_rcode == info->rcode, "rcode %u, info %u", full_rcode, info->rcode);
	if (!(c->flags & DNSQ_TCP)) {
		size_t lim = 512;

		if (nopt == 1 && c->conf->edns_payload > lim)
			lim = c->conf->edns_payload;
		FZ_CHECK(c->n <= lim, "UDP response of %zu octets (limit %zu)", c->n, lim);
	}
	if (tc)
		FZ_CHECK(an == 0 && ns == 0 && ar == nopt, "TC with records %u/%u/%u", an, ns, ar);

	/* Flags and sections by response class. */
	switch (info->rclass) {
	case DNSQ_CLASS_ANSWER:
		FZ_CHECK(rcode == 0 && info->rcode == 0, "ANSWER with rcode %u", info->rcode);
		/* RFC 1034 3.7.1: an answer to QCLASS * is never authoritative. */
		FZ_CHECK(aa == (fq.qclass != 255), "positive answer: AA %d for class %u", aa,
			 fq.qclass);
		FZ_CHECK(an > 0 || tc, "ANSWER with an empty answer section");
		break;
	case DNSQ_CLASS_NODATA:
		FZ_CHECK(rcode == 0 && info->rcode == 0 && an == 0, "NODATA rcode %u an %u",
			 info->rcode, an);
		FZ_CHECK(aa == (fq.qclass != 255), "NODATA: AA %d for class %u", aa, fq.qclass);
		/* With DO in a signed zone the SOA's RRSIG and the proof follow it. */
		if (!tc && fq.qclass != 3)
			FZ_CHECK(ns >= 1 && rrs[0].type == FZ_T_SOA && (ns == 1 || fq.dnssec),
				 "NODATA without the SOA, or records after it without DO");
		break;
	case DNSQ_CLASS_NXDOMAIN:
		FZ_CHECK(rcode == FZ_R_NXDOMAIN, "NXDOMAIN class, rcode %u", rcode);
		FZ_CHECK(aa == (fq.qclass != 255), "NXDOMAIN: AA %d for class %u", aa, fq.qclass);
		if (!tc)
			FZ_CHECK(ns >= 1 && rrs[an].type == FZ_T_SOA && (ns == 1 || fq.dnssec),
				 "NXDOMAIN without the SOA, or records after it without DO");
		break;
	case DNSQ_CLASS_REFERRAL:
		FZ_CHECK(rcode == 0 && info->rcode == 0, "referral with rcode %u", info->rcode);
		FZ_CHECK(!aa, "referral with AA");
		FZ_CHECK(an == 0, "referral with answers");
		FZ_CHECK(tc || ns > 0, "referral without NS");
		/* The NS RRset, then with DO its DS or the proof there is none (RFC 4035 3.1.4). */
		for (unsigned i = 0; i < ns; i++)
			FZ_CHECK(rrs[i].type == FZ_T_NS ||
					 (fq.dnssec && i > 0 &&
					  (rrs[i].type == 43 || rrs[i].type == 46 ||
					   rrs[i].type == 47 || rrs[i].type == 50)),
				 "referral authority type %u", rrs[i].type);
		break;
	case DNSQ_CLASS_ERROR:
		FZ_CHECK(rcode != 0 || info->rcode >= 16, "ERROR class with NOERROR");
		FZ_CHECK(rcode != FZ_R_NXDOMAIN, "NXDOMAIN classed as ERROR");
		FZ_CHECK(!aa, "AA on rcode %u", info->rcode);
		/* NOTAUTH (a TSIG with a key we do not have) ends with its BADKEY TSIG. */
		FZ_CHECK(an == 0 && ns == 0 && ar == nopt + (rcode == 9),
			 "error %u with records", info->rcode);
		break;
	default:
		FZ_CHECK(0, "rclass %u", info->rclass);
	}
	if (rcode == FZ_R_REFUSED || rcode == FZ_R_SERVFAIL)
		FZ_CHECK(!aa, "AA on REFUSED/SERVFAIL");

	/* The answer is about the question: its first owner is the qname, its types fit. */
	if (an > 0) {
		FZ_CHECK(fz_name_equal(r, c->n, rrs[0].owner, q, c->qlen, 12),
			 "first answer owner is not the qname");
		/* With DO, each RRset's RRSIGs come with it. */
		for (unsigned i = 0; i < an; i++) {
			if (fq.qtype == FZ_T_ANY || fq.qtype == FZ_T_CNAME)
				continue;
			FZ_CHECK(rrs[i].type == fq.qtype || rrs[i].type == FZ_T_CNAME ||
					 (fq.dnssec && rrs[i].type == 46),
				 "answer %u of type %u to a query for %u", i, rrs[i].type, fq.qtype);
		}
		if (fq.qtype == FZ_T_ANY && !(c->flags & DNSQ_TCP))
			for (unsigned i = 1; i < an; i++)
				FZ_CHECK(rrs[i].type == rrs[0].type || rrs[i].type == 46,
					 "UDP ANY answered with more than one RRset");
	}
	return true;
}

/* ---- files ---- */

static char fz_dir[128];

static void
fz_rm_dir(void)
{
	DIR *d = opendir(fz_dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fz_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(fz_dir);
}

const char *
fz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (fz_dir[0] != '\0')
		return fz_dir;
	/* run.sh points TMPDIR into its work directory, which it removes even when killed. */
	if (base == NULL || base[0] == '\0' || strlen(base) > sizeof(fz_dir) - 20)
		base = "/tmp";
	snprintf(fz_dir, sizeof(fz_dir), "%s/swerve-fuzz-XXXXXX", base);
	if (mkdtemp(fz_dir) == NULL)
		fz_fail(__FILE__, __LINE__, "mkdtemp", "cannot create %s", fz_dir);
	atexit(fz_rm_dir);
	return fz_dir;
}

void
fz_write_file(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		fz_fail(__FILE__, __LINE__, "open", "%s", path);
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w <= 0)
			fz_fail(__FILE__, __LINE__, "write", "%s", path);
		off += (size_t)w;
	}
	close(fd);
}
