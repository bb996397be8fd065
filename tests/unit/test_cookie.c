/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 vectors, RFC 9018 server cookies, and the answer code's COOKIE handling. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "swerve/cookie.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "testutil.h"

#define T_A	  1
#define R_NOERROR 0
#define R_FORMERR 1
#define R_NOTIMP  4

static const char g_zone[] = "$TTL 300\n"
			     "@ SOA ns hostmaster 1 3600 600 86400 300\n"
			     "@ NS ns\n"
			     "ns A 198.18.0.1\n"
			     "www A 198.18.0.2\n";

static struct rrt *g_t;
static struct dnsq_conf g_conf;
static struct dnsq_client g_client;
static uint8_t g_q[1024];
static uint8_t g_r[2048];
static struct dnsq_info g_info;

static void
hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* ---- SipHash-2-4 ---- */

/*
 * The reference implementation's vectors (key 00..0f, message 00..len-1),
 * as octets in output order; 15 octets is the paper's Appendix A example,
 * 0xa129ca6149be45e5.
 */
static void
test_siphash_vectors(void **state)
{
	static const uint8_t want[][8] = {
		{0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72},
		{0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74},
		{0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d},
		{0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85},
		{0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf},
		{0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18},
		{0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb},
		{0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab},
		{0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93},
	};
	uint8_t key[16], msg[64];

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (unsigned len = 0; len < sizeof(want) / sizeof(want[0]); len++) {
		uint64_t h = cookie_siphash24(key, msg, len);

		for (unsigned b = 0; b < 8; b++)
			assert_int_equal((uint8_t)(h >> (8 * b)), want[len][b]);
	}
	assert_true(cookie_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	/* Every octet of key and message counts. */
	assert_true(cookie_siphash24(key, msg, 15) != cookie_siphash24(key, msg + 1, 15));
	key[15] ^= 1;
	assert_true(cookie_siphash24(key, msg, 15) != 0xa129ca6149be45e5ull);
}

/* ---- RFC 9018 server cookies ---- */

static const char rfc_secret[] = "e5e973e5a6b2a43f48e7dc849e37bfcf";

/* RFC 9018 Appendix A.1 to A.3 (IPv4) and A.4 (IPv6, with a secret rollover). */
static void
test_rfc9018_vectors(void **state)
{
	uint8_t key[16], key2[16], cc[8], want[16], out[16];
	uint8_t v4[4] = {198, 51, 100, 100};
	uint8_t v4b[4] = {203, 0, 113, 203};
	uint8_t v6[16];

	(void)state;
	hex(rfc_secret, key, 16);
	/* A.1: a client cookie alone gets a new server cookie. */
	hex("2464c4abcf10c957", cc, 8);
	hex("010000005cf79f111f8130c3eee29480", want, 16);
	cookie_make(out, key, cc, 1559731985, v4, 4);
	assert_memory_equal(out, want, 16);
	assert_int_equal(cookie_verify(want, 16, key, NULL, cc, 1559731985, v4, 4), COOKIE_FRESH);
	/* A.2: 40 minutes later it is still valid but gets replaced. */
	assert_int_equal(cookie_verify(want, 16, key, NULL, cc, 1559734385, v4, 4), COOKIE_REFRESH);
	hex("010000005cf7a871d4a564a1442aca77", want, 16);
	cookie_make(out, key, cc, 1559734385, v4, 4);
	assert_memory_equal(out, want, 16);
	/* A.3: a cookie with nonzero reserved octets (they are hashed), renewed later. */
	hex("fc93fc62807ddb86", cc, 8);
	hex("01abcdef5cf78f71a314227b6679ebf5", want, 16);
	assert_int_equal(cookie_verify(want, 16, key, NULL, cc, 1559727985, v4b, 4), COOKIE_FRESH);
	assert_int_equal(cookie_verify(want, 16, key, NULL, cc, 1559734700, v4b, 4), COOKIE_BAD);
	hex("010000005cf7a9acf73a7810aca2381e", want, 16);
	cookie_make(out, key, cc, 1559734700, v4b, 4);
	assert_memory_equal(out, want, 16);
	/* A.4: IPv6, a cookie of the old secret renewed after a rollover. */
	hex("20010db80220000159ded0f4876982b8", v6, 16);
	hex("22681ab97d52c298", cc, 8);
	hex("445536bcd2513298075a5d379663c962", key2, 16);
	hex("010000005cf7c609a6bb79d16625507a", want, 16);
	cookie_make(out, key2, cc, 1559741961, v6, 16);
	assert_memory_equal(out, want, 16);
	assert_int_equal(cookie_verify(want, 16, key2, key, cc, 1559741961, v6, 16), COOKIE_FRESH);
	cookie_make(out, key, cc, 1559741817, v6, 16);
	assert_int_equal(cookie_verify(out, 16, key2, key, cc, 1559741961, v6, 16), COOKIE_REFRESH);
	assert_int_equal(cookie_verify(out, 16, key2, NULL, cc, 1559741961, v6, 16), COOKIE_BAD);
}

static void
test_verify_window(void **state)
{
	uint8_t key[16], prev[16], cc[8], sc[16], bad[16];
	uint8_t a[4] = {198, 18, 1, 2}, b[4] = {198, 18, 1, 3};
	const uint32_t t0 = 2000000000u;

	(void)state;
	memset(key, 0x11, 16);
	memset(prev, 0x22, 16);
	memset(cc, 0x33, 8);
	cookie_make(sc, key, cc, t0, a, 4);
	assert_int_equal(sc[0], 1);
	assert_int_equal(sc[1] | sc[2] | sc[3], 0);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0, a, 4), COOKIE_FRESH);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 + 1800, a, 4), COOKIE_FRESH);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 + 1801, a, 4), COOKIE_REFRESH);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 + 3600, a, 4), COOKIE_REFRESH);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 + 3601, a, 4), COOKIE_BAD);
	/* Made up to 5 minutes in our future (another node's clock): fine, beyond: not. */
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 - 300, a, 4), COOKIE_FRESH);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0 - 301, a, 4), COOKIE_BAD);
	/* Bound to the address, the client cookie and the secret. */
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0, b, 4), COOKIE_BAD);
	cc[7] ^= 1;
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, t0, a, 4), COOKIE_BAD);
	cc[7] ^= 1;
	assert_int_equal(cookie_verify(sc, 16, prev, NULL, cc, t0, a, 4), COOKIE_BAD);
	/* A cookie of the previous secret is accepted, and always replaced. */
	assert_int_equal(cookie_verify(sc, 16, prev, key, cc, t0, a, 4), COOKIE_REFRESH);
	/* Any flipped bit of the hash, the timestamp or the version fails. */
	for (unsigned i = 0; i < 16; i++) {
		if (i >= 1 && i <= 3)
			continue; /* Reserved octets are hashed but say nothing else. */
		memcpy(bad, sc, 16);
		bad[i] ^= 0x40;
		assert_int_equal(cookie_verify(bad, 16, key, NULL, cc, t0, a, 4), COOKIE_BAD);
	}
	/* Other servers' sizes are never ours. */
	assert_int_equal(cookie_verify(sc, 8, key, NULL, cc, t0, a, 4), COOKIE_BAD);
	assert_int_equal(cookie_verify(sc, 24, key, NULL, cc, t0, a, 4), COOKIE_BAD);
	/* Serial arithmetic: a timestamp just before the 32-bit wrap is still young after it. */
	cookie_make(sc, key, cc, 0xfffffff0u, a, 4);
	assert_int_equal(cookie_verify(sc, 16, key, NULL, cc, 0x10, a, 4), COOKIE_FRESH);
}

/* ---- The answer code ---- */

static int
t_setup(void **state)
{
	(void)state;
	g_t = tu_table("example.com", g_zone, NULL);
	return 0;
}

static int
t_teardown(void **state)
{
	(void)state;
	rrt_free(g_t);
	return 0;
}

static int
t_each(void **state)
{
	(void)state;
	memset(&g_conf, 0, sizeof(g_conf));
	g_conf.edns_payload = 1232;
	g_conf.cookie.enabled = true;
	memset(g_conf.cookie.secret, 0xa5, 16);
	memset(&g_client, 0, sizeof(g_client));
	g_client.addr[0] = 198;
	g_client.addr[1] = 18;
	g_client.addr[2] = 7;
	g_client.addr[3] = 9;
	g_client.addr_len = 4;
	g_client.now = 1800000000u;
	return 0;
}

/* The OPT record of response @r (@n octets), or NULL; checks the response decodes exactly. */
static const uint8_t *
find_opt(const uint8_t *r, size_t n)
{
	static struct tu_msg m;
	const uint8_t *opt = NULL;

	assert_int_equal(tu_decode(r, n, &m), 0);
	for (unsigned i = 0; i < m.nrr; i++)
		if (m.rr[i].type == 41)
			opt = r + m.rr[i].owner_off;
	return opt;
}

/* The COOKIE option's data in response @r, its length in *@len; NULL without one. */
static const uint8_t *
find_cookie(const uint8_t *r, size_t n, size_t *len)
{
	const uint8_t *opt = find_opt(r, n);
	size_t rdlen, p = 0;

	*len = 0;
	if (opt == NULL)
		return NULL;
	assert_int_equal(opt[0], 0);
	rdlen = tu_get16(opt + 9);
	opt += 11;
	while (p + 4 <= rdlen) {
		uint16_t code = tu_get16(opt + p), olen = tu_get16(opt + p + 2);

		assert_true(p + 4 + olen <= rdlen);
		if (code == 10) {
			*len = olen;
			return opt + p + 4;
		}
		p += 4u + olen;
	}
	return NULL;
}

/* Ask www.example.com A with a COOKIE option of @clen octets @cookie, over UDP or TCP. */
static size_t
ask(const uint8_t *cookie, size_t clen, unsigned flags, const struct dnsq_client *client)
{
	uint8_t opts[64];
	struct tu_qopt o = {
		.id = 0x1234, .edns = 1, .opts = opts, .opts_len = (uint16_t)(4 + clen)};
	size_t qlen;

	opts[0] = 0;
	opts[1] = 10;
	opts[2] = 0;
	opts[3] = (uint8_t)clen;
	memcpy(opts + 4, cookie, clen);
	qlen = tu_query(g_q, sizeof(g_q), "www.example.com", T_A, &o);
	return dnsq_answer(g_t, &g_conf, client, g_q, qlen, g_r, sizeof(g_r), flags, &g_info);
}

static const uint8_t g_cc[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static void
test_disabled(void **state)
{
	size_t n, clen;

	(void)state;
	g_conf.cookie.enabled = false;
	n = ask(g_cc, 8, 0, &g_client);
	assert_true(n > 0);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	assert_int_equal(tu_get16(g_r + 6), 1);
	assert_null(find_cookie(g_r, n, &clen));
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_NONE);
	/* A well-formed server cookie: still a normal answer, nothing echoed. */
	{
		uint8_t c[24];

		memcpy(c, g_cc, 8);
		memset(c + 8, 0x77, 16);
		n = ask(c, 24, 0, &g_client);
		assert_int_equal(g_r[3] & 0xf, R_NOERROR);
		assert_null(find_cookie(g_r, n, &clen));
	}
	/* Enabled, but nobody to bind a cookie to. */
	g_conf.cookie.enabled = true;
	n = ask(g_cc, 8, 0, NULL);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	assert_null(find_cookie(g_r, n, &clen));
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_NONE);
}

/* First contact, then the cookie reused: VALID, echoed unchanged while fresh. */
static void
test_issue_and_reuse(void **state)
{
	uint8_t c[24], c2[24];
	const uint8_t *rc;
	size_t n, clen;

	(void)state;
	n = ask(g_cc, 8, 0, &g_client);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	assert_int_equal(tu_get16(g_r + 6), 1);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_CLIENT);
	rc = find_cookie(g_r, n, &clen);
	assert_non_null(rc);
	assert_int_equal(clen, 24);
	assert_memory_equal(rc, g_cc, 8);
	assert_int_equal(cookie_verify(rc + 8, 16, g_conf.cookie.secret, NULL, g_cc, g_client.now,
				       g_client.addr, 4),
			 COOKIE_FRESH);
	memcpy(c, rc, 24);

	g_client.now += 600;
	n = ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_VALID);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	assert_int_equal(tu_get16(g_r + 6), 1);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);
	assert_memory_equal(rc, c, 24);

	/* Older than half an hour: still valid, but a fresh cookie comes back. */
	g_client.now += 1300;
	n = ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_VALID);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);
	assert_memory_equal(rc, g_cc, 8);
	assert_memory_not_equal(rc + 8, c + 8, 16);
	assert_int_equal(cookie_verify(rc + 8, 16, g_conf.cookie.secret, NULL, g_cc, g_client.now,
				       g_client.addr, 4),
			 COOKIE_FRESH);
	memcpy(c2, rc, 24);

	/* The answer built in place is the same, octet for octet. */
	{
		uint8_t buf[2048];
		uint8_t opts[28] = {0, 10, 0, 24};
		struct tu_qopt o = {.id = 0x1234, .edns = 1, .opts = opts, .opts_len = 28};
		size_t qlen, n2;

		memcpy(opts + 4, c2, 24);
		qlen = tu_query(buf, sizeof(buf), "www.example.com", T_A, &o);
		n = dnsq_answer(g_t, &g_conf, &g_client, buf, qlen, g_r, sizeof(g_r), 0, &g_info);
		n2 = dnsq_answer(g_t, &g_conf, &g_client, buf, qlen, buf, sizeof(buf), 0, &g_info);
		assert_int_equal(n, n2);
		assert_memory_equal(buf, g_r, n);
	}
}

/* A server cookie that does not verify: BADCOOKIE and a new cookie over UDP, an answer over TCP. */
static void
test_bad_server_cookie(void **state)
{
	uint8_t c[24];
	const uint8_t *rc, *opt;
	size_t n, clen;

	(void)state;
	memcpy(c, g_cc, 8);
	cookie_make(c + 8, g_conf.cookie.secret, g_cc, g_client.now, g_client.addr, 4);
	g_client.addr[3]++; /* Another address: the cookie is not its own. */
	n = ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_CLIENT);
	assert_int_equal(g_info.rcode, 23);
	assert_int_equal(g_info.rclass, DNSQ_CLASS_ERROR);
	assert_int_equal(g_r[3] & 0xf, 23 & 0xf);
	assert_int_equal(g_r[2] & 0x04, 0); /* AA clear */
	assert_int_equal(tu_get16(g_r + 4), 1);
	assert_int_equal(tu_get16(g_r + 6) + tu_get16(g_r + 8), 0);
	opt = find_opt(g_r, n);
	assert_non_null(opt);
	assert_int_equal(opt[5], 23 >> 4);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);
	assert_memory_equal(rc, g_cc, 8);
	assert_int_equal(cookie_verify(rc + 8, 16, g_conf.cookie.secret, NULL, g_cc, g_client.now,
				       g_client.addr, 4),
			 COOKIE_FRESH);

	n = ask(c, 24, DNSQ_TCP, &g_client);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_CLIENT);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	assert_int_equal(tu_get16(g_r + 6), 1);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);

	/* Too old (over an hour), and another server's format (32 octets): BADCOOKIE too. */
	g_client.addr[3]--;
	g_client.now += 3601;
	ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.rcode, 23);
	{
		uint8_t big[40];

		memcpy(big, g_cc, 8);
		memset(big + 8, 0x42, 32);
		ask(big, 40, 0, &g_client);
		assert_int_equal(g_info.rcode, 23);
		assert_int_equal(g_info.cookie, DNSQ_COOKIE_CLIENT);
	}
}

/* Rollover: a cookie made with the previous secret is valid and replaced by one of the new. */
static void
test_previous_secret(void **state)
{
	uint8_t c[24];
	const uint8_t *rc;
	size_t n, clen;

	(void)state;
	memcpy(c, g_cc, 8);
	memset(g_conf.cookie.previous, 0x5a, 16);
	cookie_make(c + 8, g_conf.cookie.previous, g_cc, g_client.now, g_client.addr, 4);
	n = ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.rcode, 23); /* Not accepted until configured. */
	g_conf.cookie.has_previous = true;
	n = ask(c, 24, 0, &g_client);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_VALID);
	assert_int_equal(g_r[3] & 0xf, R_NOERROR);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);
	assert_int_equal(cookie_verify(rc + 8, 16, g_conf.cookie.secret, NULL, g_cc, g_client.now,
				       g_client.addr, 4),
			 COOKIE_FRESH);
}

/* RFC 7873 5.2.2: COOKIE lengths other than 8 and 16..40 are FORMERR, cookies on or off. */
static void
test_malformed_lengths(void **state)
{
	static const size_t lens[] = {0, 1, 7, 9, 15, 41};
	uint8_t c[48];

	(void)state;
	memset(c, 0x61, sizeof(c));
	for (int on = 0; on < 2; on++) {
		g_conf.cookie.enabled = on;
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t n = ask(c, lens[i], 0, &g_client);

			assert_true(n > 0);
			assert_int_equal(g_r[3] & 0xf, R_FORMERR);
			assert_int_equal(g_info.cookie, DNSQ_COOKIE_NONE);
		}
		for (size_t len = 16; len <= 40; len++) {
			ask(c, len, 0, &g_client);
			assert_int_not_equal(g_r[3] & 0xf, R_FORMERR);
		}
	}
}

/* IPv6 clients: the cookie binds the whole address. */
static void
test_ipv6_client(void **state)
{
	struct dnsq_client v6 = {.addr_len = 16, .now = 1800000000u};
	uint8_t c[24];
	const uint8_t *rc;
	size_t n, clen;

	(void)state;
	v6.addr[0] = 0x20;
	v6.addr[1] = 0x01;
	v6.addr[3] = 0x02;
	v6.addr[15] = 0x35;
	n = ask(g_cc, 8, 0, &v6);
	rc = find_cookie(g_r, n, &clen);
	assert_int_equal(clen, 24);
	memcpy(c, rc, 24);
	ask(c, 24, 0, &v6);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_VALID);
	v6.addr[15] ^= 1;
	ask(c, 24, 0, &v6);
	assert_int_equal(g_info.cookie, DNSQ_COOKIE_CLIENT);
}

/* NOTIFY over UDP is punted untouched; over TCP it stays NOTIMP. */
static void
test_notify_punt(void **state)
{
	struct tu_qopt o = {.id = 7, .opcode = 4};
	uint8_t copy[512];
	size_t qlen, n;

	(void)state;
	qlen = tu_query(g_q, sizeof(g_q), "example.com", 6, &o);
	memcpy(copy, g_q, qlen);
	n = dnsq_answer(g_t, &g_conf, &g_client, g_q, qlen, g_q, sizeof(g_q), 0, &g_info);
	assert_int_equal(n, 0);
	assert_int_equal(g_info.verdict, DNSQ_PUNT);
	assert_memory_equal(g_q, copy, qlen);
	n = dnsq_answer(g_t, &g_conf, &g_client, g_q, qlen, g_r, sizeof(g_r), DNSQ_TCP, &g_info);
	assert_int_equal(n, 12);
	assert_int_equal(g_r[3] & 0xf, R_NOTIMP);
	/* A NOTIFY response (QR=1) is dropped like any response; other opcodes stay NOTIMP. */
	g_q[2] |= 0x80;
	n = dnsq_answer(g_t, &g_conf, &g_client, g_q, qlen, g_r, sizeof(g_r), 0, &g_info);
	assert_int_equal(n, 0);
	assert_int_equal(g_info.verdict, DNSQ_DROP_RESPONSE);
	o.opcode = 5;
	qlen = tu_query(g_q, sizeof(g_q), "example.com", 6, &o);
	n = dnsq_answer(g_t, &g_conf, &g_client, g_q, qlen, g_r, sizeof(g_r), 0, &g_info);
	assert_int_equal(n, 12);
	assert_int_equal(g_r[3] & 0xf, R_NOTIMP);
}

int
main(void)
{
	const struct CMUnitTest crypto[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_rfc9018_vectors),
		cmocka_unit_test(test_verify_window),
	};
	const struct CMUnitTest answer[] = {
		cmocka_unit_test_setup(test_disabled, t_each),
		cmocka_unit_test_setup(test_issue_and_reuse, t_each),
		cmocka_unit_test_setup(test_bad_server_cookie, t_each),
		cmocka_unit_test_setup(test_previous_secret, t_each),
		cmocka_unit_test_setup(test_malformed_lengths, t_each),
		cmocka_unit_test_setup(test_ipv6_client, t_each),
		cmocka_unit_test_setup(test_notify_punt, t_each),
	};
	int rc = cmocka_run_group_tests_name("cookie", crypto, NULL, NULL);

	return rc | cmocka_run_group_tests_name("cookie-answer", answer, t_setup, t_teardown);
}
