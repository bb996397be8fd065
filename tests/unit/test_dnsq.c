/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the answer engine: each docs/conformance.md rule it owns, octet by octet. */

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"
#include "wire.h"

enum {
	T_A = 1,
	T_NS = 2,
	T_CNAME = 5,
	T_SOA = 6,
	T_MX = 15,
	T_TXT = 16,
	T_AAAA = 28,
	T_OPT = 41,
	T_DS = 43,
	T_TSIG = 250,
	T_IXFR = 251,
	T_AXFR = 252,
	T_MAILB = 253,
	T_MAILA = 254,
	T_ANY = 255,
};

enum { R_NOERROR = 0, R_FORMERR = 1, R_SERVFAIL = 2, R_NXDOMAIN = 3, R_NOTIMP = 4, R_REFUSED = 5 };

/* ---- reading responses (the decoder is tests/common/wire.c) ---- */

/* Section helpers: answer records first, then authority, then additional. */
static const struct tu_rr *
t_an(const struct tu_msg *m, unsigned i)
{
	assert_true(i < m->an);
	return &m->rr[i];
}

static const struct tu_rr *
t_ns(const struct tu_msg *m, unsigned i)
{
	assert_true(i < m->ns);
	return &m->rr[m->an + i];
}

static const struct tu_rr *
t_ar(const struct tu_msg *m, unsigned i)
{
	assert_true(i < m->ar);
	return &m->rr[m->an + m->ns + i];
}

static const char *
t_rdata_ip(const struct tu_msg *m, const struct tu_rr *rr)
{
	static char text[64];

	assert_true(rr->rdlen == 4 || rr->rdlen == 16);
	inet_ntop(rr->rdlen == 4 ? AF_INET : AF_INET6, m->buf + rr->rdata_off, text, sizeof(text));
	return text;
}

/* The name at the start of the RDATA (CNAME, NS) or at offset @skip in it. */
static const char *
t_rdata_name(const struct tu_msg *m, const struct tu_rr *rr, size_t skip)
{
	static char text[1024];

	assert_true(tu_name_text(m->buf, m->len, rr->rdata_off + skip, text) != 0);
	return text;
}

#define RCODE(m) ((m)->f2 & 0x0f)
#define AA(m)	 (((m)->f1 >> 2) & 1)
#define TC(m)	 (((m)->f1 >> 1) & 1)

/* ---- the test zones ---- */

static char g_example_com[16384];

static const char g_example_net[] = "$ORIGIN example.net.\n"
				    "$TTL 600\n"
				    "@ IN SOA ns.example.net. h.example.net. 7 3600 600 86400 60\n"
				    "@ NS ns.example.net.\n"
				    "ns A 198.51.100.1\n"
				    "www A 198.51.100.80\n";

static void
t_build_example_com(void)
{
	size_t n;

	n = (size_t)snprintf(g_example_com, sizeof(g_example_com),
			     "$ORIGIN example.com.\n"
			     "$TTL 3600\n"
			     "@ IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 "
			     "3600 1209600 300\n"
			     "@ NS ns1\n"
			     "@ NS ns2\n"
			     "ns1 A 192.0.2.1\n"
			     "ns2 A 192.0.2.2\n"
			     "www A 192.0.2.10\n"
			     "www A 192.0.2.11\n"
			     "www AAAA 2001:db8::10\n"
			     "www TXT \"hello\"\n"
			     "alias CNAME www\n"
			     "chain1 CNAME chain2\n"
			     "chain2 CNAME chain3\n"
			     "chain3 CNAME www\n"
			     "loop1 CNAME loop2\n"
			     "loop2 CNAME loop1\n"
			     "self CNAME self\n"
			     "dangling CNAME nothere\n"
			     "external CNAME www.example.org.\n"
			     "cross CNAME www.example.net.\n"
			     "crossnx CNAME nope.example.net.\n"
			     "todeleg CNAME host.sub\n"
			     "a.b.c A 192.0.2.20\n"
			     "*.wild A 192.0.2.30\n"
			     "*.wild TXT \"wild\"\n"
			     "exists.wild A 192.0.2.31\n"
			     "*.cwild CNAME www\n"
			     "*.ent A 192.0.2.40\n"
			     "deep.mid.ent A 192.0.2.41\n"
			     "sub NS ns.sub\n"
			     "sub NS ns.elsewhere.org.\n"
			     "sub DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n"
			     "ns.sub A 192.0.2.53\n"
			     "ns.sub AAAA 2001:db8::53\n"
			     "nods NS ns.elsewhere.org.\n");
	for (int i = 1; i <= 10; i++)
		n += (size_t)snprintf(g_example_com + n, sizeof(g_example_com) - n,
				      "long%d CNAME long%d\n", i, i + 1);
	n += (size_t)snprintf(g_example_com + n, sizeof(g_example_com) - n,
			      "long11 A 192.0.2.99\n");
	/* 20 TXT records of 73 octets each: 1460 octets, more than 512 and than 1232. */
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(g_example_com + n, sizeof(g_example_com) - n,
				      "big TXT \"%02d%058d\"\n", i, 0);
	/*
	 * A delegation whose NS fit in 512 octets but whose glue does not, even
	 * with the targets and glue owners compressed against the cut.
	 */
	for (int i = 1; i <= 16; i++)
		n += (size_t)snprintf(g_example_com + n, sizeof(g_example_com) - n,
				      "fat NS ns%d.fat\nns%d.fat A 192.0.2.%d\n"
				      "ns%d.fat AAAA 2001:db8::%d\n",
				      i, i, 100 + i, i, 100 + i);
	assert_true(n < sizeof(g_example_com));
}

static struct rrt *g_t;
static struct dnsq_conf g_conf;
static uint8_t g_q[65536];
static uint8_t g_r[65536];
static struct dnsq_info g_info;
static struct tu_msg g_m;

static int
t_setup(void **state)
{
	(void)state;
	t_build_example_com();
	g_t = tu_table("example.com", g_example_com, "example.net", g_example_net, NULL);
	return 0;
}

static int
t_teardown(void **state)
{
	(void)state;
	rrt_free(g_t);
	return 0;
}

/* Reset the configuration before each test. */
static int
t_each(void **state)
{
	(void)state;
	g_conf.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT;
	g_conf.version = "swerve-test";
	g_conf.identity = NULL;
	return 0;
}

/*
 * Answer @q (@qlen octets) from @t into g_r, decode it into g_m and check
 * the header rules that hold for every response: QR set, ID and opcode
 * copied, RD copied for QUERY (clear for other opcodes: it is defined for
 * QUERY alone), RA, Z, AD and CD clear (CD: RFC 4035 3.1.6), the question
 * echoed octet for octet.
 */
static size_t
t_ask_t(const struct rrt *t, const uint8_t *q, size_t qlen, unsigned flags)
{
	size_t n;

	memset(g_r, 0xa5, sizeof(g_r));
	memset(&g_info, 0xee, sizeof(g_info));
	n = dnsq_answer(t, &g_conf, NULL, q, qlen, g_r, sizeof(g_r), flags, &g_info);
	if (n == 0) {
		assert_int_not_equal(g_info.verdict, DNSQ_ANSWERED);
		return 0;
	}
	assert_int_equal(g_info.verdict, DNSQ_ANSWERED);
	assert_int_equal(tu_decode(g_r, n, &g_m), 0);
	assert_int_equal(g_m.id, tu_get16(q));
	assert_true(g_m.f1 & 0x80);
	assert_int_equal(g_m.f1 & 0x79, q[2] & (((q[2] >> 3) & 0xf) == 0 ? 0x79 : 0x78));
	assert_int_equal(g_m.f2 & 0xf0, 0);
	if (g_m.qd == 1)
		assert_memory_equal(g_r + 12, q + 12, g_m.qend - 12);
	assert_int_equal(g_info.tc, TC(&g_m));
	if (g_info.rcode < 16)
		assert_int_equal(g_info.rcode, RCODE(&g_m));
	return n;
}

static size_t
t_ask(const uint8_t *q, size_t qlen, unsigned flags)
{
	return t_ask_t(g_t, q, qlen, flags);
}

static size_t
t_query(const char *name, uint16_t type, const struct tu_qopt *o, unsigned flags)
{
	size_t qlen = tu_query(g_q, sizeof(g_q), name, type, o);

	return t_ask(g_q, qlen, flags);
}

/* Check rcode, AA, TC and the section counts of g_m. */
static void
t_expect(uint8_t rcode, int aa, int tc, uint16_t an, uint16_t ns, uint16_t ar)
{
	assert_int_equal(RCODE(&g_m), rcode);
	assert_int_equal(AA(&g_m), aa);
	assert_int_equal(TC(&g_m), tc);
	assert_int_equal(g_m.qd, 1);
	assert_int_equal(g_m.an, an);
	assert_int_equal(g_m.ns, ns);
	assert_int_equal(g_m.ar, ar);
}

/* The negative SOA of example.com in authority, owned by the apex. */
static void
t_expect_soa(unsigned i, const char *apex, uint32_t ttl)
{
	const struct tu_rr *soa = t_ns(&g_m, i);

	assert_int_equal(soa->type, T_SOA);
	assert_int_equal(soa->rclass, 1);
	assert_string_equal(soa->owner, apex);
	assert_int_equal(soa->ttl, ttl);
}

/* ---- manual query building, for malformed input ---- */

struct t_buf {
	uint8_t b[4096];
	size_t n;
};

static void
tb_bytes(struct t_buf *b, const void *p, size_t n)
{
	if (n > 0)
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
tb_u16(struct t_buf *b, uint16_t v)
{
	b->b[b->n++] = (uint8_t)(v >> 8);
	b->b[b->n++] = (uint8_t)v;
}

static void
tb_u32(struct t_buf *b, uint32_t v)
{
	tb_u16(b, (uint16_t)(v >> 16));
	tb_u16(b, (uint16_t)v);
}

static void
tb_hdr(struct t_buf *b, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	b->n = 0;
	tb_u16(b, 0x4242);
	tb_u16(b, 0x0100); /* RD */
	tb_u16(b, qd);
	tb_u16(b, an);
	tb_u16(b, ns);
	tb_u16(b, ar);
}

static void
tb_name(struct t_buf *b, const char *text)
{
	b->n += tu_name(text, b->b + b->n);
}

static void
tb_question(struct t_buf *b, const char *name, uint16_t type)
{
	tb_name(b, name);
	tb_u16(b, type);
	tb_u16(b, 1);
}

/* An OPT record with @opts_len octets of options. */
static void
tb_opt(struct t_buf *b, const uint8_t *opts, uint16_t opts_len)
{
	b->b[b->n++] = 0;
	tb_u16(b, T_OPT);
	tb_u16(b, 1232);
	tb_u32(b, 0);
	tb_u16(b, opts_len);
	tb_bytes(b, opts, opts_len);
}

/* Expect FORMERR without OPT, with the question when @with_q. */
static void
t_expect_formerr(const struct t_buf *b, int with_q)
{
	size_t n = t_ask(b->b, b->n, 0);

	assert_true(n > 0);
	assert_int_equal(RCODE(&g_m), R_FORMERR);
	assert_int_equal(AA(&g_m), 0);
	assert_int_equal(g_m.qd, with_q ? 1 : 0);
	assert_int_equal(g_m.an + g_m.ns + g_m.ar, 0);
	assert_int_equal(g_info.rcode, R_FORMERR);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	if (!with_q) {
		assert_int_equal(n, 12);
		assert_int_equal(g_info.qtype, 0);
	}
}

/* ---- header rules ---- */

static void
test_header_rules(void **state)
{
	struct tu_qopt o = {.id = 0xbeef, .rd = 1, .cd = 1};
	size_t qlen;

	(void)state;
	qlen = tu_query(g_q, sizeof(g_q), "WwW.ExAmPlE.CoM", T_A, &o);
	g_q[3] |= 0x40 | 0x20 | 0x80; /* Z, AD and RA in the query: never echoed */
	assert_true(t_ask(g_q, qlen, 0) > 0);
	assert_int_equal(g_r[0], 0xbe);
	assert_int_equal(g_r[1], 0xef);
	assert_int_equal(g_r[2], 0x80 | 0x04 | 0x01); /* QR, AA, RD */
	assert_int_equal(g_r[3], 0x00);		      /* CD clear, NOERROR */
	assert_string_equal(g_m.qname, "WwW.ExAmPlE.CoM.");
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	/* The answer's owner is a pointer to the qname, so it keeps the query's case. */
	assert_int_equal(g_r[t_an(&g_m, 0)->owner_off], 0xc0);
	assert_int_equal(g_r[t_an(&g_m, 0)->owner_off + 1], 0x0c);

	o.rd = 0;
	o.cd = 0;
	o.id = 7;
	t_query("www.example.com", T_A, &o, 0);
	assert_int_equal(g_r[2], 0x84);
	assert_int_equal(g_r[3], 0x00);
	/* Errors keep the question and the rules too. */
	t_query("WWW.Example.ORG", T_A, &o, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	assert_string_equal(g_m.qname, "WWW.Example.ORG.");
}

/* ---- answers 1-12 ---- */

static void
test_answer_exists(void **state)
{
	(void)state;
	t_query("www.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_string_equal(t_an(&g_m, 0)->owner, "www.example.com.");
	assert_int_equal(t_an(&g_m, 0)->type, T_A);
	assert_int_equal(t_an(&g_m, 0)->rclass, 1);
	assert_int_equal(t_an(&g_m, 0)->ttl, 3600);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "192.0.2.10");
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 1)), "192.0.2.11");
	assert_int_equal(g_info.qtype, T_A);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);
	assert_int_equal(g_info.edns, 0);

	t_query("www.example.com", T_AAAA, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "2001:db8::10");

	/* The apex, and a second zone. */
	t_query("example.com", T_NS, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_string_equal(t_rdata_name(&g_m, t_an(&g_m, 0), 0), "ns1.example.com.");
	t_query("www.example.net", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "198.51.100.80");
}

static void
test_nodata(void **state)
{
	(void)state;
	t_query("www.example.com", T_MX, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300); /* min(3600, MINIMUM 300) */
	/* The SOA owner is a pointer to the apex inside the qname ("www" is 4 octets). */
	assert_int_equal(g_r[t_ns(&g_m, 0)->owner_off], 0xc0);
	assert_int_equal(g_r[t_ns(&g_m, 0)->owner_off + 1], 12 + 4);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_NODATA);

	/* At the apex the pointer is the qname itself. */
	t_query("example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	assert_int_equal(g_r[t_ns(&g_m, 0)->owner_off + 1], 12);

	t_query("www.example.net", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.net.", 60);
}

static void
test_nxdomain(void **state)
{
	(void)state;
	t_query("nope.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_NXDOMAIN);
	assert_int_equal(g_info.rcode, R_NXDOMAIN);

	t_query("x.y.z.nope.example.com", T_AAAA, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	/* Below an existing name with no wildcard. */
	t_query("nope.www.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
}

static void
test_empty_non_terminal(void **state)
{
	(void)state;
	t_query("b.c.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	t_query("c.example.com", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_NODATA);
	/* An ENT is not a leaf: below it, real NXDOMAIN. */
	t_query("x.c.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
}

static void
test_unknown_type(void **state)
{
	(void)state;
	t_query("www.example.com", 666, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	assert_int_equal(g_info.qtype, 666);
	/* Type 0 is the table's glue pseudo-type: a client must see plain NODATA. */
	t_query("ns.sub.example.com", 0, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2); /* below the cut: a referral still */
	t_query("www.example.com", 0, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_query("www.example.com", 65535, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
}

static void
test_cname(void **state)
{
	const struct tu_rr *rr;

	(void)state;
	t_query("alias.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 3, 0, 0);
	rr = t_an(&g_m, 0);
	assert_int_equal(rr->type, T_CNAME);
	assert_string_equal(rr->owner, "alias.example.com.");
	assert_string_equal(t_rdata_name(&g_m, rr, 0), "www.example.com.");
	/* The A records are owned by the target, through a pointer to the CNAME's RDATA. */
	for (unsigned i = 1; i < 3; i++) {
		rr = t_an(&g_m, i);
		assert_int_equal(rr->type, T_A);
		assert_string_equal(rr->owner, "www.example.com.");
		assert_int_equal(tu_get16(g_r + rr->owner_off), 0xc000 | t_an(&g_m, 0)->rdata_off);
	}
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);

	/* A CNAME query gets the CNAME alone; other types get the chain. */
	t_query("alias.example.com", T_CNAME, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	t_query("alias.example.com", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_int_equal(t_an(&g_m, 1)->type, T_TXT);
	/* NODATA at the target: the SOA owner is the apex inside the target name. */
	t_query("alias.example.com", T_MX, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	assert_int_equal(tu_get16(g_r + t_ns(&g_m, 0)->owner_off),
			 0xc000 | (t_an(&g_m, 0)->rdata_off + 4));
}

static void
test_cname_chain(void **state)
{
	(void)state;
	t_query("chain1.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 5, 0, 0);
	assert_string_equal(t_an(&g_m, 0)->owner, "chain1.example.com.");
	assert_string_equal(t_an(&g_m, 1)->owner, "chain2.example.com.");
	assert_string_equal(t_an(&g_m, 2)->owner, "chain3.example.com.");
	assert_string_equal(t_an(&g_m, 3)->owner, "www.example.com.");
	assert_int_equal(t_an(&g_m, 4)->type, T_A);

	/* Longer than 8: the first 8 CNAMEs, the resolver does the rest. */
	t_query("long1.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 8, 0, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(t_an(&g_m, i)->type, T_CNAME);
	/* A chain of exactly 8 is followed to the end. */
	t_query("long3.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 9, 0, 0);
	assert_int_equal(t_an(&g_m, 8)->type, T_A);
	assert_string_equal(t_an(&g_m, 8)->owner, "long11.example.com.");
}

static void
test_cname_loop(void **state)
{
	(void)state;
	t_query("loop1.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_string_equal(t_an(&g_m, 1)->owner, "loop2.example.com.");
	t_query("self.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
}

static void
test_cname_targets(void **state)
{
	(void)state;
	/* RCODE of the final target. */
	t_query("dangling.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 1, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_NXDOMAIN);
	/* Outside every served zone: stop, NOERROR. */
	t_query("external.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	/* Into another served zone: followed, with that zone's SOA when negative. */
	t_query("cross.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_string_equal(t_an(&g_m, 1)->owner, "www.example.net.");
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 1)), "198.51.100.80");
	t_query("crossnx.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 1, 1, 0);
	t_expect_soa(0, "example.net.", 60);
	/* Into a delegation: the chain stops at the cut, the referral beside it (RFC 1034 4.3.2). */
	t_query("todeleg.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 2, 2);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);
}

static void
test_wildcard(void **state)
{
	const struct tu_rr *rr;

	(void)state;
	t_query("foo.wild.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	rr = t_an(&g_m, 0);
	assert_string_equal(rr->owner, "foo.wild.example.com.");
	assert_int_equal(tu_get16(g_r + rr->owner_off), 0xc00c);
	assert_string_equal(t_rdata_ip(&g_m, rr), "192.0.2.30");
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);
	/* Several labels below the closest encloser. */
	t_query("a.b.c.wild.example.com", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_an(&g_m, 0)->owner, "a.b.c.wild.example.com.");
	/* Type missing at the wildcard: NODATA. */
	t_query("foo.wild.example.com", T_MX, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
	/* No synthesis for a name that exists... */
	t_query("exists.wild.example.com", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_query("exists.wild.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "192.0.2.31");
	/* ...or is an empty non-terminal, or is below one. */
	t_query("mid.ent.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_query("x.mid.ent.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
	t_query("other.ent.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "192.0.2.40");
	/* The literal "*" matches only itself. */
	t_query("*.wild.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_string_equal(t_an(&g_m, 0)->owner, "*.wild.example.com.");
	t_query("x.*.wild.example.com", T_A, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
	/* The wildcard's parent itself is an ENT, not a match. */
	t_query("wild.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	/* A wildcard CNAME: synthesised with the qname as owner, then followed. */
	t_query("foo.cwild.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 3, 0, 0);
	assert_string_equal(t_an(&g_m, 0)->owner, "foo.cwild.example.com.");
	assert_int_equal(t_an(&g_m, 0)->type, T_CNAME);
	assert_string_equal(t_an(&g_m, 1)->owner, "www.example.com.");
}

static void
test_referral(void **state)
{
	const struct tu_rr *rr;

	(void)state;
	t_query("host.sub.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
	for (unsigned i = 0; i < 2; i++) {
		rr = t_ns(&g_m, i);
		assert_int_equal(rr->type, T_NS);
		assert_string_equal(rr->owner, "sub.example.com.");
		assert_int_equal(tu_get16(g_r + rr->owner_off), 0xc000 | (12 + 5));
	}
	assert_string_equal(t_rdata_name(&g_m, t_ns(&g_m, 0), 0), "ns.sub.example.com.");
	assert_string_equal(t_rdata_name(&g_m, t_ns(&g_m, 1), 0), "ns.elsewhere.org.");
	assert_int_equal(t_ar(&g_m, 0)->type, T_A);
	assert_string_equal(t_ar(&g_m, 0)->owner, "ns.sub.example.com.");
	assert_string_equal(t_rdata_ip(&g_m, t_ar(&g_m, 0)), "192.0.2.53");
	assert_int_equal(t_ar(&g_m, 1)->type, T_AAAA);
	assert_string_equal(t_rdata_ip(&g_m, t_ar(&g_m, 1)), "2001:db8::53");
	assert_int_equal(g_info.rclass, DNSQ_CLASS_REFERRAL);

	/* At the cut itself, for NS too, and for names that exist below it. */
	t_query("sub.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
	assert_int_equal(tu_get16(g_r + t_ns(&g_m, 0)->owner_off), 0xc00c);
	t_query("sub.example.com", T_NS, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
	t_query("ns.sub.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
	t_query("a.b.ns.sub.example.com", T_DS, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
	/* No glue known. */
	t_query("www.nods.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 0, 0, 0, 1, 0);

	/* DS at the cut is the parent's data. */
	t_query("sub.example.com", T_DS, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_int_equal(t_an(&g_m, 0)->type, T_DS);
	t_query("nods.example.com", T_DS, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_expect_soa(0, "example.com.", 300);
}

static void
test_refused(void **state)
{
	(void)state;
	t_query("www.example.org", T_A, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	t_query("com", T_A, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	t_query(".", T_NS, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	/* "xexample.com" is not below "example.com". */
	t_query("xexample.com", T_A, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
}

static void
test_null_table(void **state)
{
	size_t qlen;

	(void)state;
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, NULL);
	assert_true(t_ask_t(NULL, g_q, qlen, 0) > 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	/* CH is not table data. */
	{
		struct tu_qopt o = {.qclass = 3};

		qlen = tu_query(g_q, sizeof(g_q), "version.bind", T_TXT, &o);
		t_ask_t(NULL, g_q, qlen, 0);
		t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	}
}

static void
test_any(void **state)
{
	(void)state;
	t_query("www.example.com", T_ANY, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0); /* the A RRset alone */
	assert_int_equal(t_an(&g_m, 0)->type, T_A);
	assert_int_equal(t_an(&g_m, 1)->type, T_A);
	t_query("www.example.com", T_ANY, NULL, DNSQ_TCP);
	t_expect(R_NOERROR, 1, 0, 4, 0, 0);
	assert_int_equal(t_an(&g_m, 2)->type, T_TXT);
	assert_int_equal(t_an(&g_m, 3)->type, T_AAAA);
	/* ANY at a CNAME is the CNAME; empty names are NODATA. */
	t_query("alias.example.com", T_ANY, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_int_equal(t_an(&g_m, 0)->type, T_CNAME);
	t_query("c.example.com", T_ANY, NULL, DNSQ_TCP);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
	t_query("nope.example.com", T_ANY, NULL, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 0);
	/* At a cut: a referral, the glue pseudo-RRset never leaks into an answer. */
	t_query("sub.example.com", T_ANY, NULL, DNSQ_TCP);
	t_expect(R_NOERROR, 0, 0, 0, 2, 2);
}

static void
test_chaos(void **state)
{
	struct tu_qopt ch = {.qclass = 3};
	const struct tu_rr *rr;
	char longv[601];

	(void)state;
	t_query("version.bind", T_TXT, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	rr = t_an(&g_m, 0);
	assert_int_equal(rr->type, T_TXT);
	assert_int_equal(rr->rclass, 3);
	assert_string_equal(rr->owner, "version.bind.");
	assert_int_equal(rr->rdlen, 12);
	assert_int_equal(g_r[rr->rdata_off], 11);
	assert_memory_equal(g_r + rr->rdata_off + 1, "swerve-test", 11);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);
	t_query("VERSION.Server", T_TXT, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	t_query("version.bind", T_ANY, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	/* Another type at a configured name: empty, no SOA (there is no zone). */
	t_query("version.bind", T_A, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 0, 0, 0);

	/* Identity not configured: REFUSED; configured: answered. */
	t_query("id.server", T_TXT, &ch, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	g_conf.identity = "node-1";
	t_query("hostname.bind", T_TXT, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_memory_equal(g_r + t_an(&g_m, 0)->rdata_off, "\x06node-1", 7);
	t_query("id.server", T_TXT, &ch, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	g_conf.version = NULL;
	t_query("version.bind", T_TXT, &ch, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);

	/* Any other CH name. */
	t_query("authors.bind", T_TXT, &ch, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	t_query("www.example.com", T_A, &ch, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);

	/* A long version text is split into 255-octet character-strings. */
	memset(longv, 'v', 600);
	longv[600] = '\0';
	g_conf.version = longv;
	t_query("version.bind", T_TXT, &ch, DNSQ_TCP);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	rr = t_an(&g_m, 0);
	assert_int_equal(rr->rdlen, 603);
	assert_int_equal(g_r[rr->rdata_off], 255);
	assert_int_equal(g_r[rr->rdata_off + 256], 255);
	assert_int_equal(g_r[rr->rdata_off + 512], 90);
	/* Over UDP without EDNS it does not fit: TC. */
	t_query("version.bind", T_TXT, &ch, 0);
	t_expect(R_NOERROR, 1, 1, 0, 0, 0);
}

static void
test_classes(void **state)
{
	struct tu_qopt o = {0};

	(void)state;
	o.qclass = 4; /* HS */
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	o.qclass = 254; /* NONE */
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	o.qclass = 255; /* ANY: answered from IN, never authoritative (RFC 1034 3.7.1) */
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 2, 0, 0);
	assert_int_equal(g_m.qclass, 255);
	assert_int_equal(t_an(&g_m, 0)->rclass, 1);
}

static void
test_opcode(void **state)
{
	static const uint8_t opcodes[] = {1, 2, 4, 5, 6, 15};
	struct tu_qopt o = {.id = 0x55aa, .rd = 1, .cd = 1, .edns = 1};

	(void)state;
	/* NOTIFY over UDP goes to the control side unanswered; over TCP it is NOTIMP (below). */
	o.opcode = 4;
	assert_int_equal(t_query("example.com", T_SOA, &o, 0), 0);
	assert_int_equal(g_info.verdict, DNSQ_PUNT);
	for (size_t i = 0; i < sizeof(opcodes); i++) {
		size_t n;

		/* With an OPT: the answer carries ours (RFC 6891 6.1.1); RD and CD clear. */
		o.opcode = opcodes[i];
		o.edns = 1;
		n = t_query("www.example.com", T_A, &o, DNSQ_TCP);
		assert_int_equal(n, 12 + 11);
		assert_int_equal(RCODE(&g_m), R_NOTIMP);
		assert_int_equal((g_m.f1 >> 3) & 0xf, opcodes[i]);
		assert_int_equal(g_m.f1 & 0x01, 0);
		assert_int_equal(g_m.f2 & 0x10, 0);
		assert_int_equal(AA(&g_m), 0);
		assert_int_equal(g_m.qd + g_m.an + g_m.ns, 0);
		assert_int_equal(g_m.ar, 1);
		assert_int_equal(t_ar(&g_m, 0)->type, T_OPT);
		assert_int_equal(t_ar(&g_m, 0)->rclass, DNSQ_EDNS_PAYLOAD_DEFAULT);
		assert_int_equal(g_info.rcode, R_NOTIMP);
		assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
		/* Without one: the header alone. */
		o.edns = 0;
		n = t_query("www.example.com", T_A, &o, DNSQ_TCP);
		assert_int_equal(n, 12);
		assert_int_equal(g_m.qd + g_m.an + g_m.ns + g_m.ar, 0);
	}
	/* A message whose sections do not walk: no OPT can be trusted, none is sent. */
	o.opcode = 5;
	o.edns = 1;
	{
		size_t qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, &o);

		g_q[7] = 1; /* ANCOUNT 1, but no such record: the OPT is read as it */
		assert_int_equal(t_ask(g_q, qlen, DNSQ_TCP), 12);
	}
}

static void
test_meta_types(void **state)
{
	(void)state;
	t_query("example.com", T_AXFR, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	t_query("example.com", T_IXFR, NULL, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	t_query("example.com", T_MAILA, NULL, 0);
	t_expect(R_NOTIMP, 0, 0, 0, 0, 0);
	t_query("example.com", T_MAILB, NULL, 0);
	t_expect(R_NOTIMP, 0, 0, 0, 0, 0);
	assert_int_equal(g_info.qtype, T_MAILB);
	/* TSIG as a question type is just an unknown type here. */
	t_query("example.com", T_TSIG, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);
}

/* An A RRset as the control side builds it for a slot. */
static struct rrt_rrset *
t_rrset_a(uint32_t ttl, const uint8_t (*addrs)[4], unsigned n)
{
	struct rrt_rrset *rs = calloc(1, sizeof(*rs) + 16u * n);

	assert_non_null(rs);
	rs->type = T_A;
	rs->count = (uint16_t)n;
	rs->len = (uint16_t)(16u * n);
	rs->ttl = ttl;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *w = rs->wire + 16u * i;

		w[0] = 0xc0;
		w[1] = 0x0c;
		w[2] = 0;
		w[3] = T_A;
		w[4] = 0;
		w[5] = 1;
		w[6] = (uint8_t)(ttl >> 24);
		w[7] = (uint8_t)(ttl >> 16);
		w[8] = (uint8_t)(ttl >> 8);
		w[9] = (uint8_t)ttl;
		w[10] = 0;
		w[11] = 4;
		memcpy(w + 12, addrs[i], 4);
	}
	return rs;
}

static void
test_failover_slot(void **state)
{
	static const uint8_t pool1[2][4] = {{198, 18, 0, 1}, {198, 18, 0, 2}};
	static const uint8_t pool2[1][4] = {{198, 18, 1, 1}};
	struct rrt_slot *slot = calloc(1, sizeof(*slot));
	struct rrt_rrset *a = t_rrset_a(30, pool1, 2);
	struct rrt_rrset *b = t_rrset_a(5, pool2, 1);
	struct zone *z;
	struct rrt *t = NULL;
	struct sw_diag d = {0};
	size_t qlen;

	(void)state;
	assert_non_null(slot);
	slot->type = T_A;
	slot->name_len = (uint8_t)tu_name("fo.example.com", slot->name);
	slot->cur = a;
	z = tu_zone("example.com", g_example_com);
	assert_int_equal(rrt_build((const struct zone *const *)&z, 1, &slot, 1, &t, &d), 0);
	zone_free(z);

	qlen = tu_query(g_q, sizeof(g_q), "fo.example.com", T_A, NULL);
	t_ask_t(t, g_q, qlen, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_int_equal(t_an(&g_m, 0)->ttl, 30);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 1)), "198.18.0.2");

	/* The slot swapped (degraded pool, shorter TTL): the next answer follows. */
	slot->cur = b;
	t_ask_t(t, g_q, qlen, 0);
	t_expect(R_NOERROR, 1, 0, 1, 0, 0);
	assert_int_equal(t_an(&g_m, 0)->ttl, 5);
	assert_string_equal(t_rdata_ip(&g_m, t_an(&g_m, 0)), "198.18.1.1");
	/* Through a CNAME target, too? Only NODATA for other types at the name. */
	qlen = tu_query(g_q, sizeof(g_q), "fo.example.com", T_AAAA, NULL);
	t_ask_t(t, g_q, qlen, 0);
	t_expect(R_NOERROR, 1, 0, 0, 1, 0);

	/* Nothing to serve: SERVFAIL, no records, for A and for ANY. */
	slot->cur = NULL;
	qlen = tu_query(g_q, sizeof(g_q), "fo.example.com", T_A, NULL);
	t_ask_t(t, g_q, qlen, 0);
	t_expect(R_SERVFAIL, 0, 0, 0, 0, 0);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	qlen = tu_query(g_q, sizeof(g_q), "fo.example.com", T_ANY, NULL);
	t_ask_t(t, g_q, qlen, 0);
	t_expect(R_SERVFAIL, 0, 0, 0, 0, 0);

	rrt_free(t);
	free(a);
	free(b);
	free(slot);
}

/* ---- EDNS 14-20 ---- */

/* Check the response's OPT, the last additional record. */
static void
t_expect_opt(uint16_t payload, uint32_t ttl)
{
	const struct tu_rr *opt = t_ar(&g_m, g_m.ar - 1u);

	assert_int_equal(opt->type, T_OPT);
	assert_string_equal(opt->owner, ".");
	assert_int_equal(g_r[opt->owner_off], 0);
	assert_int_equal(opt->rclass, payload);
	assert_int_equal(opt->ttl, ttl);
	assert_int_equal(opt->rdlen, 0);
	for (unsigned i = 0; i + 1u < g_m.ar; i++)
		assert_int_not_equal(t_ar(&g_m, i)->type, T_OPT);
}

static void
test_edns_v0(void **state)
{
	struct tu_qopt o = {.edns = 1, .payload = 4096};

	(void)state;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
	t_expect_opt(1232, 0);
	assert_int_equal(g_info.edns, 1);
	/* With negative answers, referrals and errors too. */
	t_query("nope.example.com", T_A, &o, 0);
	t_expect(R_NXDOMAIN, 1, 0, 0, 1, 1);
	t_expect_opt(1232, 0);
	t_query("host.sub.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 3);
	t_expect_opt(1232, 0);
	t_query("www.example.org", T_A, &o, 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 1);
	t_expect_opt(1232, 0);
	/* The payload is ours, from the configuration. */
	g_conf.edns_payload = 1400;
	t_query("www.example.com", T_A, &o, 0);
	t_expect_opt(1400, 0);
	/* Without an OPT in the query, none in the response. */
	t_query("www.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	assert_int_equal(g_info.edns, 0);
}

static void
test_edns_badvers(void **state)
{
	struct tu_qopt o = {.edns = 1, .version = 1};

	(void)state;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 0, 0, 1);
	t_expect_opt(1232, 0x01000000); /* extended RCODE 1 (BADVERS = 16), version 0 */
	assert_int_equal(g_info.rcode, 16);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	o.version = 255;
	o.do_bit = 1;
	t_query("nope.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 0, 0, 1);
	t_expect_opt(1232, 0x01008000);
}

static void
test_edns_unknown_option(void **state)
{
	static const uint8_t opt[] = {0xfd, 0xe9, 0x00, 0x04, 1, 2, 3, 4};
	struct tu_qopt o = {.edns = 1, .opts = opt, .opts_len = sizeof(opt)};

	(void)state;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
	t_expect_opt(1232, 0);
}

static void
test_edns_flags(void **state)
{
	struct tu_qopt o = {.edns = 1, .ext_flags = 0x4000};

	(void)state;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
	t_expect_opt(1232, 0);
	o.ext_flags = 0x7fff;
	o.do_bit = 1;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
	t_expect_opt(1232, 0x8000); /* DO alone */
}

static void
test_edns_many_options(void **state)
{
	static const uint8_t opts[] = {
		0, 3,  0, 0,				/* NSID, empty */
		0, 8,  0, 7, 0, 1, 24, 0, 192, 0, 2,	/* ECS 192.0.2.0/24 */
		0, 9,  0, 0,				/* EXPIRE, empty */
		0, 10, 0, 8, 1, 2, 3,  4, 5,   6, 7, 8, /* COOKIE, client only */
	};
	struct tu_qopt o = {.edns = 1, .do_bit = 1, .opts = opts, .opts_len = sizeof(opts)};

	(void)state;
	t_query("www.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
	t_expect_opt(1232, 0x8000);
}

static void
test_edns_cookie(void **state)
{
	static const unsigned ok[] = {8, 16, 24, 40};
	static const unsigned bad[] = {0, 1, 7, 9, 15, 41};
	uint8_t opt[64];
	struct tu_qopt o = {.edns = 1, .opts = opt};

	(void)state;
	memset(opt, 0x5a, sizeof(opt));
	opt[0] = 0;
	opt[1] = 10;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		opt[2] = 0;
		opt[3] = (uint8_t)ok[i];
		o.opts_len = (uint16_t)(4 + ok[i]);
		t_query("www.example.com", T_A, &o, 0);
		t_expect(R_NOERROR, 1, 0, 2, 0, 1);
		t_expect_opt(1232, 0); /* no server cookie yet: not echoed */
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct t_buf b;

		opt[2] = 0;
		opt[3] = (uint8_t)bad[i];
		o.opts_len = (uint16_t)(4 + bad[i]);
		b.n = tu_query(b.b, sizeof(b.b), "www.example.com", T_A, &o);
		t_expect_formerr(&b, 1);
	}
}

static void
test_truncation(void **state)
{
	struct tu_qopt o = {.edns = 1, .payload = 512};
	size_t n;

	(void)state;
	/* No EDNS: 512. TC, question kept, nothing else. */
	n = t_query("big.example.com", T_TXT, NULL, 0);
	t_expect(R_NOERROR, 1, 1, 0, 0, 0);
	assert_int_equal(n, 12 + 17 + 4);
	assert_int_equal(g_info.tc, 1);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ANSWER);
	/* EDNS 512: the OPT stays. */
	n = t_query("big.example.com", T_TXT, &o, 0);
	t_expect(R_NOERROR, 1, 1, 0, 0, 1);
	t_expect_opt(1232, 0);
	assert_int_equal(n, 12 + 17 + 4 + 11);
	/* 1460 octets of records: over our 1232 even when the client offers more. */
	o.payload = 4096;
	t_query("big.example.com", T_TXT, &o, 0);
	t_expect(R_NOERROR, 1, 1, 0, 0, 1);
	g_conf.edns_payload = 4096;
	n = t_query("big.example.com", T_TXT, &o, 0);
	t_expect(R_NOERROR, 1, 0, 20, 0, 1);
	t_expect_opt(4096, 0);
	assert_true(n > 1232);
	/*
	 * A client payload below 512 counts as 512: a 140-octet referral fits (NS
	 * targets compressed against the cut, glue owners pointing at the NS
	 * targets: 191 octets written out in full), fat.example.com's does not.
	 */
	o.payload = 100;
	n = t_query("host.sub.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 0, 2, 3);
	assert_int_equal(n, 140);
	t_query("fat.example.com", T_NS, &o, 0);
	t_expect(R_NOERROR, 0, 1, 0, 0, 1);
	/* The same query over TCP: the whole answer, no EDNS needed. */
	n = t_query("big.example.com", T_TXT, NULL, DNSQ_TCP);
	t_expect(R_NOERROR, 1, 0, 20, 0, 0);
	assert_int_equal(n, 12 + 17 + 4 + 20 * 73);
	assert_int_equal(g_info.tc, 0);
}

static void
test_truncation_glue(void **state)
{
	struct tu_qopt o = {.edns = 1};

	(void)state;
	/* NS (16 x 18, compressed) fit in 512, the glue (16 x 52) does not: TC. */
	t_query("www.fat.example.com", T_A, NULL, 0);
	t_expect(R_NOERROR, 0, 1, 0, 0, 0);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_REFERRAL);
	t_query("www.fat.example.com", T_A, &o, 0);
	t_expect(R_NOERROR, 0, 0, 0, 16, 33);
	t_expect_opt(1232, 0);
	assert_string_equal(t_ar(&g_m, 0)->owner, "ns1.fat.example.com.");
	assert_string_equal(t_ns(&g_m, 0)->owner, "fat.example.com.");
	t_query("www.fat.example.com", T_A, NULL, DNSQ_TCP);
	t_expect(R_NOERROR, 0, 0, 0, 16, 32);
}

/* ---- bad input 1-13 ---- */

static void
test_bad_short(void **state)
{
	uint8_t q[12] = {0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};

	(void)state;
	for (size_t len = 0; len < 12; len++) {
		assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, q, len, g_r, sizeof(g_r), 0, &g_info),
				 0);
		assert_int_equal(g_info.verdict, DNSQ_DROP_SHORT);
		assert_int_equal(g_info.qtype, 0);
	}
	/* Exactly a header claiming a question it lacks: FORMERR, header only. */
	assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, q, 12, g_r, sizeof(g_r), 0, &g_info), 12);
	assert_int_equal(g_r[3] & 0xf, R_FORMERR);
}

static void
test_bad_qr(void **state)
{
	size_t qlen;

	(void)state;
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, NULL);
	g_q[2] |= 0x80;
	assert_int_equal(t_ask(g_q, qlen, 0), 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_RESPONSE);
	/* Even when it would be NOTIMP or malformed. */
	g_q[2] |= 0x20;
	assert_int_equal(t_ask(g_q, qlen - 1, 0), 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_RESPONSE);
}

static void
test_bad_qdcount(void **state)
{
	struct t_buf b;

	(void)state;
	tb_hdr(&b, 0, 0, 0, 0);
	t_expect_formerr(&b, 0);
	tb_hdr(&b, 2, 0, 0, 0);
	tb_question(&b, "www.example.com", T_A);
	tb_question(&b, "www.example.net", T_A);
	t_expect_formerr(&b, 0);
	/* QDCOUNT 0 with only an OPT carrying a COOKIE: FORMERR too (no server cookies). */
	{
		static const uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};

		tb_hdr(&b, 0, 0, 0, 1);
		tb_opt(&b, cookie, sizeof(cookie));
		t_expect_formerr(&b, 0);
	}
}

/* A minimal A record owned by the qname, for the answer and authority sections. */
static void
tb_rr_a(struct t_buf *b)
{
	tb_u16(b, 0xc00c);
	tb_u16(b, T_A);
	tb_u16(b, 1);
	tb_u32(b, 60);
	tb_u16(b, 4);
	tb_u32(b, 0xc0000201);
}

static void
test_bad_an_ns(void **state)
{
	struct t_buf b;

	(void)state;
	tb_hdr(&b, 1, 1, 0, 0);
	tb_question(&b, "www.example.com", T_A);
	tb_rr_a(&b);
	t_expect_formerr(&b, 1);
	assert_int_equal(g_info.qtype, T_A);
	tb_hdr(&b, 1, 0, 1, 0);
	tb_question(&b, "www.example.com", T_A);
	tb_rr_a(&b);
	t_expect_formerr(&b, 1);
}

static void
test_bad_qname_pointer(void **state)
{
	struct t_buf b;

	(void)state;
	tb_hdr(&b, 1, 0, 0, 0);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	t_expect_formerr(&b, 0);
	/* After a label. */
	tb_hdr(&b, 1, 0, 0, 0);
	tb_bytes(&b, "\x03www", 4);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	t_expect_formerr(&b, 0);
}

/* A query for www.example.com A plus one additional A record owned by @owner (@len octets). */
static void
tb_query_with_owner(struct t_buf *b, const uint8_t *owner, size_t len)
{
	tb_hdr(b, 1, 0, 0, 1);
	tb_question(b, "www.example.com", T_A); /* question at 12..33, "example" at 16 */
	tb_bytes(b, owner, len);
	tb_u16(b, T_A);
	tb_u16(b, 1);
	tb_u32(b, 60);
	tb_u16(b, 4);
	tb_u32(b, 0xc0000201);
}

static void
test_bad_pointers(void **state)
{
	struct t_buf b;

	(void)state;
	/* Valid compression in the additional section is fine. */
	tb_query_with_owner(&b, (const uint8_t *)"\xc0\x0c", 2);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);
	tb_query_with_owner(&b, (const uint8_t *)"\x01x\xc0\x10", 4);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 0);

	/* Forward (to a well-formed name), self, past the end, into the header. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_bytes(&b, "\xc0\x2d", 2); /* at 33, points forward to 45 */
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	assert_int_equal(b.n, 45);
	tb_bytes(&b, "\001b\000", 3);
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	t_expect_formerr(&b, 1);
	tb_query_with_owner(&b, (const uint8_t *)"\xc0\x30", 2);
	t_expect_formerr(&b, 1);
	tb_query_with_owner(&b, (const uint8_t *)"\xc0\x21", 2); /* itself: offset 33 */
	t_expect_formerr(&b, 1);
	tb_query_with_owner(&b, (const uint8_t *)"\xc3\xff", 2);
	t_expect_formerr(&b, 1);
	tb_query_with_owner(&b, (const uint8_t *)"\xc0\x04", 2);
	t_expect_formerr(&b, 1);
	/* A pointer cut short at the very end of the message. */
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	b.b[b.n++] = 0xc0;
	t_expect_formerr(&b, 1);

	/*
	 * A loop: the record's owner "\x01a" + pointer back to its own start.
	 * The target is before the pointer but the name runs into the pointer
	 * again.
	 */
	tb_query_with_owner(&b, (const uint8_t *)"\001a\300\041", 4);
	t_expect_formerr(&b, 1);
	/* Two records pointing at each other's names. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_bytes(&b, "\001a\300\061", 4); /* at 33, points forward to 49 */
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	tb_u32(&b, 0);
	tb_u16(&b, 2);
	tb_bytes(&b, "\x00\x00", 2);
	assert_int_equal(b.n, 49);
	tb_bytes(&b, "\001b\300\041", 4); /* at 49, back to 33 */
	tb_u16(&b, T_A);
	tb_u16(&b, 1);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	t_expect_formerr(&b, 1);
}

static void
test_bad_label_types(void **state)
{
	struct t_buf b;

	(void)state;
	for (unsigned type = 0x40; type <= 0x80; type += 0x40) {
		tb_hdr(&b, 1, 0, 0, 0);
		b.b[b.n++] = (uint8_t)(type | 1);
		b.b[b.n++] = 'a';
		b.b[b.n++] = 0;
		tb_u16(&b, T_A);
		tb_u16(&b, 1);
		t_expect_formerr(&b, 0);
		/* In an additional record's owner too. */
		tb_query_with_owner(&b, (const uint8_t[]){(uint8_t)(type | 1), 'a', 0}, 3);
		t_expect_formerr(&b, 1);
	}
}

/* A question whose name has @nlabels labels of @len octets then one of @last (0: none). */
static void
tb_long_question(struct t_buf *b, unsigned nlabels, unsigned len, unsigned last)
{
	tb_hdr(b, 1, 0, 0, 0);
	for (unsigned i = 0; i < nlabels + (last != 0); i++) {
		unsigned l = i < nlabels ? len : last;

		b->b[b->n++] = (uint8_t)l;
		memset(b->b + b->n, 'a', l);
		b->n += l;
	}
	b->b[b->n++] = 0;
	tb_u16(b, T_A);
	tb_u16(b, 1);
}

static void
test_bad_lengths(void **state)
{
	struct t_buf b;

	(void)state;
	tb_long_question(&b, 1, 64, 0);
	t_expect_formerr(&b, 0);
	tb_long_question(&b, 1, 63, 0);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	/* 3 x 64 + 63 + 1 = 256 octets: too long; 255 is the longest allowed. */
	tb_long_question(&b, 3, 63, 62);
	t_expect_formerr(&b, 0);
	tb_long_question(&b, 3, 63, 61);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	assert_int_equal(g_m.qend, 12 + 255 + 4);
	/* Many one-octet labels. */
	tb_long_question(&b, 127, 1, 0);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 0);
	tb_long_question(&b, 128, 1, 0);
	t_expect_formerr(&b, 0);
}

static void
test_bad_cut_short(void **state)
{
	struct tu_qopt o = {.edns = 1};
	struct t_buf b;
	size_t full;

	(void)state;
	/* Every proper prefix of a valid query past the header is malformed. */
	full = tu_query(b.b, sizeof(b.b), "www.example.com", T_A, &o);
	for (size_t len = 13; len < full; len++) {
		size_t n = dnsq_answer(g_t, &g_conf, NULL, b.b, len, g_r, sizeof(g_r), 0, &g_info);

		assert_true(n >= 12);
		assert_int_equal(g_r[3] & 0xf, R_FORMERR);
		assert_int_equal(g_r[11], 0); /* no OPT */
	}
	/* RDLENGTH running past the end. */
	b.n = full;
	b.b[full - 1] = 4;
	t_expect_formerr(&b, 1);
	/* The name has no root label before the end. */
	tb_hdr(&b, 1, 0, 0, 0);
	tb_bytes(&b, "\003www\007example\003com", 16);
	t_expect_formerr(&b, 0);
}

static void
test_bad_counts(void **state)
{
	struct t_buf b;

	(void)state;
	tb_hdr(&b, 1, 0, 0, 65535);
	tb_question(&b, "www.example.com", T_A);
	t_expect_formerr(&b, 0);
	tb_hdr(&b, 65535, 0, 0, 0);
	tb_question(&b, "www.example.com", T_A);
	t_expect_formerr(&b, 0);
	tb_hdr(&b, 1, 65535, 65535, 65535);
	tb_question(&b, "www.example.com", T_A);
	t_expect_formerr(&b, 0);
	/* Exactly at the bound is allowed to be walked (and is malformed here for another reason).
	 */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, NULL, 0);
	t_expect_formerr(&b, 1);
}

static void
test_bad_opt(void **state)
{
	struct t_buf b;

	(void)state;
	/* Two OPT records. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, NULL, 0);
	tb_opt(&b, NULL, 0);
	t_expect_formerr(&b, 1);
	/* OPT owner not root: a label, and a pointer to the qname. */
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_bytes(&b, "\001a", 2);
	tb_opt(&b, NULL, 0);
	t_expect_formerr(&b, 1);
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_u16(&b, 0xc00c);
	tb_u16(&b, T_OPT);
	tb_u16(&b, 1232);
	tb_u32(&b, 0);
	tb_u16(&b, 0);
	t_expect_formerr(&b, 1);
	/* OPT in the authority section. */
	tb_hdr(&b, 1, 0, 1, 0);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, NULL, 0);
	t_expect_formerr(&b, 1);
	/* A single OPT after another additional record is fine. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_rr_a(&b);
	tb_opt(&b, NULL, 0);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(R_NOERROR, 1, 0, 2, 0, 1);
}

static void
test_bad_option_length(void **state)
{
	static const uint8_t past[] = {0, 3, 0, 5, 1, 2, 3, 4};
	static const uint8_t stub[] = {0, 3, 0};
	static const uint8_t second[] = {0, 3, 0, 0, 0, 12, 0, 9, 0};
	struct t_buf b;

	(void)state;
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, past, sizeof(past));
	t_expect_formerr(&b, 1);
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, stub, sizeof(stub));
	t_expect_formerr(&b, 1);
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, second, sizeof(second));
	t_expect_formerr(&b, 1);
}

static void
test_bad_trailing(void **state)
{
	struct tu_qopt o = {.edns = 1};
	struct t_buf b;

	(void)state;
	b.n = tu_query(b.b, sizeof(b.b), "www.example.com", T_A, NULL);
	b.b[b.n++] = 0;
	t_expect_formerr(&b, 1);
	b.n = tu_query(b.b, sizeof(b.b), "www.example.com", T_A, &o);
	b.b[b.n++] = 0xff;
	t_expect_formerr(&b, 1);
}

/* A TSIG record: owner @key (a pointer to the qname when NULL), class @rclass, a MAC of @mac octets. */
static void
tb_tsig(struct t_buf *b, const char *key, uint16_t rclass, uint16_t mac, int bad_rdlen)
{
	static const uint8_t time_fudge[8] = {0, 0, 0x65, 0x12, 0x34, 0x56, 0x01, 0x2c};
	size_t rdlen_at;

	if (key != NULL) {
		tb_name(b, key);
	} else {
		tb_u16(b, 0xc00c);
	}
	tb_u16(b, T_TSIG);
	tb_u16(b, rclass);
	tb_u32(b, 0);
	rdlen_at = b->n;
	tb_u16(b, 0);
	tb_name(b, "hmac-sha256");
	tb_bytes(b, time_fudge, sizeof(time_fudge));
	tb_u16(b, mac);
	for (uint16_t i = 0; i < mac; i++)
		b->b[b->n++] = (uint8_t)i;
	tb_u16(b, 0x4242); /* original ID */
	tb_u16(b, 0);	   /* error */
	tb_u16(b, 0);	   /* other length */
	tu_put16(b->b + rdlen_at, (uint16_t)(b->n - rdlen_at - 2 + (size_t)bad_rdlen));
	if (bad_rdlen > 0)
		b->n += (size_t)bad_rdlen;
}

/*
 * TSIG (RFC 8945 5.2): swerve holds no key for queries, so a well-formed
 * TSIG gets NOTAUTH with an unsigned TSIG of error BADKEY (the key name, the
 * algorithm, the client's time and fudge, MAC size 0); a malformed one, or
 * one that is not the last record, gets FORMERR.
 */
static void
test_tsig(void **state)
{
	struct t_buf b;
	const struct tu_rr *rr;
	const uint8_t *rd;

	(void)state;
	/* Malformed RDATA (three octets) */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, NULL, 0);
	tb_name(&b, "key.example");
	tb_u16(&b, T_TSIG);
	tb_u16(&b, 255);
	tb_u32(&b, 0);
	tb_u16(&b, 3);
	tb_bytes(&b, "xyz", 3);
	t_expect_formerr(&b, 1);

	/* Well-formed, unknown key: NOTAUTH, BADKEY. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_opt(&b, NULL, 0);
	tb_tsig(&b, "Key.Example", 255, 32, 0);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(9, 0, 0, 0, 0, 2);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	assert_int_equal(t_ar(&g_m, 0)->type, T_OPT);
	rr = t_ar(&g_m, 1);
	assert_int_equal(rr->type, T_TSIG);
	assert_int_equal(rr->rclass, 255);
	assert_int_equal(rr->ttl, 0);
	assert_string_equal(rr->owner, "Key.Example.");
	rd = g_r + rr->rdata_off;
	assert_int_equal(rr->rdlen, 13 + 8 + 2 + 2 + 2 + 2);
	assert_memory_equal(rd, "\013hmac-sha256", 13);
	assert_memory_equal(rd + 13, "\0\0\x65\x12\x34\x56\x01\x2c", 8);
	assert_int_equal(tu_get16(rd + 21), 0);	     /* MAC size */
	assert_int_equal(tu_get16(rd + 23), 0x4242); /* original ID: the query's */
	assert_int_equal(tu_get16(rd + 25), 17);     /* BADKEY */
	assert_int_equal(tu_get16(rd + 27), 0);

	/* The key name compressed against the qname is written out in full; no OPT needed. */
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_tsig(&b, NULL, 255, 0, 0);
	assert_true(t_ask(b.b, b.n, 0) > 0);
	t_expect(9, 0, 0, 0, 0, 1);
	assert_string_equal(t_ar(&g_m, 0)->owner, "www.example.com.");

	/* Not the last record: FORMERR. */
	tb_hdr(&b, 1, 0, 0, 2);
	tb_question(&b, "www.example.com", T_A);
	tb_tsig(&b, "key.example", 255, 32, 0);
	tb_opt(&b, NULL, 0);
	t_expect_formerr(&b, 1);

	/* Class IN, and an RDLENGTH one past the fields: FORMERR. */
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_tsig(&b, "key.example", 1, 32, 0);
	t_expect_formerr(&b, 1);
	tb_hdr(&b, 1, 0, 0, 1);
	tb_question(&b, "www.example.com", T_A);
	tb_tsig(&b, "key.example", 255, 32, 1);
	t_expect_formerr(&b, 1);
}

/* ---- in place, capacity ---- */

static void
test_in_place(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		int edns;
		uint8_t version;
		unsigned flags;
	} cases[] = {
		{"www.example.com", T_A, 0, 0, 0},
		{"WWW.example.COM", T_AAAA, 1, 0, 0},
		{"chain1.example.com", T_A, 1, 0, 0},
		{"dangling.example.com", T_A, 0, 0, 0},
		{"foo.cwild.example.com", T_A, 0, 0, 0},
		{"host.sub.example.com", T_A, 1, 0, 0},
		{"www.fat.example.com", T_A, 0, 0, 0},
		{"big.example.com", T_TXT, 0, 0, 0},
		{"big.example.com", T_TXT, 0, 0, DNSQ_TCP},
		{"www.example.com", T_ANY, 1, 0, DNSQ_TCP},
		{"www.example.org", T_A, 1, 0, 0},
		{"www.example.com", T_A, 1, 3, 0},
		{"nope.example.com", T_MX, 1, 0, 0},
	};
	static uint8_t buf[65536], ref[65536];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tu_qopt o = {.id = (uint16_t)i,
				    .rd = 1,
				    .edns = cases[i].edns,
				    .version = cases[i].version};
		size_t qlen = tu_query(g_q, sizeof(g_q), cases[i].name, cases[i].type, &o);
		size_t n1, n2;

		n1 = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, ref, sizeof(ref), cases[i].flags,
				 &g_info);
		assert_true(n1 > 0);
		memset(buf, 0x77, sizeof(buf));
		memcpy(buf, g_q, qlen);
		n2 = dnsq_answer(g_t, &g_conf, NULL, buf, qlen, buf, sizeof(buf), cases[i].flags,
				 &g_info);
		assert_int_equal(n1, n2);
		assert_memory_equal(ref, buf, n1);
	}
	/* Malformed and NOTIMP in place. */
	{
		struct tu_qopt o = {.opcode = 5};
		size_t qlen = tu_query(buf, sizeof(buf), "www.example.com", T_A, &o);

		assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, buf, qlen, buf, sizeof(buf), 0, &g_info),
				 12);
		assert_int_equal(buf[3] & 0xf, R_NOTIMP);
		qlen = tu_query(buf, sizeof(buf), "www.example.com", T_A, NULL);
		buf[qlen++] = 0;
		assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, buf, qlen, buf, sizeof(buf), 0, &g_info),
				 qlen - 1);
		assert_int_equal(buf[3] & 0xf, R_FORMERR);
		assert_int_equal(buf[5], 1);
	}
}

static void
test_capacity(void **state)
{
	struct tu_qopt o = {.edns = 1};
	size_t qlen, qend = 12 + 17 + 4;
	size_t n;

	(void)state;
	/* Not even the question fits: drop. */
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, NULL);
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend - 1, 0, &g_info);
	assert_int_equal(n, 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_NOSPACE);
	/* The question fits, the answer does not: TC. */
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend, 0, &g_info);
	assert_int_equal(n, qend);
	assert_int_equal(g_info.verdict, DNSQ_ANSWERED);
	assert_int_equal(g_info.tc, 1);
	assert_int_equal(g_r[2] & 0x02, 0x02);
	/* Room for exactly the answer: no TC. */
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend + 32, 0, &g_info);
	assert_int_equal(n, qend + 32);
	assert_int_equal(g_info.tc, 0);
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend + 31, 0, &g_info);
	assert_int_equal(n, qend);
	assert_int_equal(g_info.tc, 1);
	/* With EDNS the OPT must fit as well. */
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, &o);
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend + 10, 0, &g_info);
	assert_int_equal(n, 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_NOSPACE);
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend + 11, 0, &g_info);
	assert_int_equal(n, qend + 11);
	assert_int_equal(g_info.tc, 1);
	assert_int_equal(g_r[11], 1);
	/* TCP: the capacity is the only limit. */
	n = dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend + 11 + 32, DNSQ_TCP, &g_info);
	assert_int_equal(g_info.tc, 0);
	assert_int_equal(n, qend + 11 + 32);
	/* Errors need room too. */
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, NULL);
	g_q[qlen++] = 0;
	assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, qend - 1, 0, &g_info), 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_NOSPACE);
	g_q[2] = 5 << 3;
	assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, 11, 0, &g_info), 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_NOSPACE);
	assert_int_equal(dnsq_answer(g_t, &g_conf, NULL, g_q, qlen, g_r, 12, 0, &g_info), 12);
}

/* A NULL configuration means the defaults. */
/*
 * DS at the apex of a served child is its parent's to answer; a parent that
 * is a secondary zone past EXPIRE answers nothing else, and not this either.
 */
static void
test_ds_expired_parent(void **state)
{
	static const char parent[] = "$ORIGIN example.org.\n$TTL 300\n"
				     "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n"
				     "ns1 A 198.18.0.1\nsub NS ns1.sub\nsub DS 1 13 2 "
				     "0000000000000000000000000000000000000000000000000000000000000000\n";
	static const char child[] = "$ORIGIN sub.example.org.\n$TTL 300\n"
				    "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n"
				    "ns1 A 198.18.0.2\n";
	struct zone *z[2] = {tu_zone("example.org", parent), tu_zone("sub.example.org", child)};
	struct sw_diag d = {0};
	struct rrt *t = NULL;

	(void)state;
	assert_int_equal(rrt_build((const struct zone *const *)z, 2, NULL, 0, &t, &d), 0);
	t_ask_t(t, g_q, tu_query(g_q, sizeof(g_q), "sub.example.org", 43, NULL), 0);
	t_expect(0, 1, 0, 1, 0, 0);
	rrt_free(t);
	z[0]->expired = true;
	assert_int_equal(rrt_build((const struct zone *const *)z, 2, NULL, 0, &t, &d), 0);
	t_ask_t(t, g_q, tu_query(g_q, sizeof(g_q), "sub.example.org", 43, NULL), 0);
	assert_int_equal(RCODE(&g_m), 2);
	t_ask_t(t, g_q, tu_query(g_q, sizeof(g_q), "ns1.sub.example.org", 1, NULL), 0);
	t_expect(0, 1, 0, 1, 0, 0);
	rrt_free(t);
	zone_free(z[0]);
	zone_free(z[1]);
}

static void
test_null_conf(void **state)
{
	struct tu_qopt o = {.edns = 1, .qclass = 3};
	size_t qlen, n;

	(void)state;
	qlen = tu_query(g_q, sizeof(g_q), "version.bind", T_TXT, &o);
	n = dnsq_answer(g_t, NULL, NULL, g_q, qlen, g_r, sizeof(g_r), 0, &g_info);
	assert_int_equal(tu_decode(g_r, n, &g_m), 0);
	t_expect(R_REFUSED, 0, 0, 0, 0, 1);
	t_expect_opt(DNSQ_EDNS_PAYLOAD_DEFAULT, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_header_rules, t_each),
		cmocka_unit_test_setup(test_answer_exists, t_each),
		cmocka_unit_test_setup(test_nodata, t_each),
		cmocka_unit_test_setup(test_nxdomain, t_each),
		cmocka_unit_test_setup(test_empty_non_terminal, t_each),
		cmocka_unit_test_setup(test_unknown_type, t_each),
		cmocka_unit_test_setup(test_cname, t_each),
		cmocka_unit_test_setup(test_cname_chain, t_each),
		cmocka_unit_test_setup(test_cname_loop, t_each),
		cmocka_unit_test_setup(test_cname_targets, t_each),
		cmocka_unit_test_setup(test_wildcard, t_each),
		cmocka_unit_test_setup(test_referral, t_each),
		cmocka_unit_test_setup(test_refused, t_each),
		cmocka_unit_test_setup(test_null_table, t_each),
		cmocka_unit_test_setup(test_any, t_each),
		cmocka_unit_test_setup(test_chaos, t_each),
		cmocka_unit_test_setup(test_classes, t_each),
		cmocka_unit_test_setup(test_opcode, t_each),
		cmocka_unit_test_setup(test_meta_types, t_each),
		cmocka_unit_test_setup(test_failover_slot, t_each),
		cmocka_unit_test_setup(test_edns_v0, t_each),
		cmocka_unit_test_setup(test_edns_badvers, t_each),
		cmocka_unit_test_setup(test_edns_unknown_option, t_each),
		cmocka_unit_test_setup(test_edns_flags, t_each),
		cmocka_unit_test_setup(test_edns_many_options, t_each),
		cmocka_unit_test_setup(test_edns_cookie, t_each),
		cmocka_unit_test_setup(test_truncation, t_each),
		cmocka_unit_test_setup(test_truncation_glue, t_each),
		cmocka_unit_test_setup(test_bad_short, t_each),
		cmocka_unit_test_setup(test_bad_qr, t_each),
		cmocka_unit_test_setup(test_bad_qdcount, t_each),
		cmocka_unit_test_setup(test_bad_an_ns, t_each),
		cmocka_unit_test_setup(test_bad_qname_pointer, t_each),
		cmocka_unit_test_setup(test_bad_pointers, t_each),
		cmocka_unit_test_setup(test_bad_label_types, t_each),
		cmocka_unit_test_setup(test_bad_lengths, t_each),
		cmocka_unit_test_setup(test_bad_cut_short, t_each),
		cmocka_unit_test_setup(test_bad_counts, t_each),
		cmocka_unit_test_setup(test_bad_opt, t_each),
		cmocka_unit_test_setup(test_bad_option_length, t_each),
		cmocka_unit_test_setup(test_bad_trailing, t_each),
		cmocka_unit_test_setup(test_tsig, t_each),
		cmocka_unit_test_setup(test_in_place, t_each),
		cmocka_unit_test_setup(test_capacity, t_each),
		cmocka_unit_test_setup(test_null_conf, t_each),
		cmocka_unit_test_setup(test_ds_expired_parent, t_each),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
