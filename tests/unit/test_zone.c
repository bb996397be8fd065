/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the zone loader (ldns) and the zone checks. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define T_A	 1
#define T_NS	 2
#define T_CNAME	 5
#define T_SOA	 6
#define T_PTR	 12
#define T_MX	 15
#define T_TXT	 16
#define T_AAAA	 28
#define T_SRV	 33
#define T_NAPTR	 35
#define T_DS	 43
#define T_SSHFP	 44
#define T_RRSIG	 46
#define T_DNSKEY 48
#define T_TLSA	 52
#define T_SVCB	 64
#define T_HTTPS	 65
#define T_CAA	 257

/* The head every inline zone starts with: SOA and NS on lines 1 and 2. */
#define HEAD "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n@ IN NS ns1\n"

static const char *
data_path(const char *rel)
{
	static char path[1024];
	const char *src = getenv("SWERVE_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/data/zones/%s", src != NULL ? src : ".", rel);
	return path;
}

static struct zone *
load_file(const char *origin, const char *path)
{
	struct sw_diag d = {0};
	struct zone *z = NULL;
	int rc = zone_load(origin, path, &z, &d);

	if (rc < 0)
		fail_msg("zone_load(%s): %s:%u: %s", path, d.file, d.line, d.msg);
	return z;
}

/* Load @text as example.com, expecting failure with @code at @line and @needle in the message. */
static void
expect_error(const char *text, int code, unsigned line, const char *needle)
{
	struct sw_diag d = {0};
	struct zone *z = (struct zone *)(uintptr_t)1;
	const char *path = tu_write_temp(text);
	int rc = zone_load("example.com", path, &z, &d);

	unlink(path);
	if (rc != code || d.code != code || d.line != line ||
	    (needle != NULL && strstr(d.msg, needle) == NULL))
		fail_msg("want code %d (%s) line %u \"%s\"; got %d line %u: %s: %s", code,
			 sw_strerror(code), line, needle != NULL ? needle : "", rc, d.line, d.file,
			 d.msg);
	assert_null(z);
	assert_string_equal(d.file, path);
}

/* The @nth (0-based) record of @owner (presentation, lowercase) and @type, or NULL. */
static const struct zone_rr *
rr_find(const struct zone *z, const char *owner, uint16_t type, unsigned nth)
{
	uint8_t name[DNAME_MAXLEN];
	size_t len = tu_name(owner, name);

	for (size_t i = 0; i < z->nrrs; i++) {
		const struct zone_rr *rr = &z->rrs[i];

		if (rr->type == type && rr->owner_len == len && memcmp(rr->owner, name, len) == 0 &&
		    nth-- == 0)
			return rr;
	}
	return NULL;
}

static size_t
rr_count(const struct zone *z, const char *owner, uint16_t type)
{
	size_t n = 0;

	while (rr_find(z, owner, type, (unsigned)n) != NULL)
		n++;
	return n;
}

static const struct zone_rr *
rr_get(const struct zone *z, const char *owner, uint16_t type, unsigned nth)
{
	const struct zone_rr *rr = rr_find(z, owner, type, nth);

	if (rr == NULL)
		fail_msg("no record %u of type %u at %s", nth, type, owner);
	return rr;
}

/* @rr's RDATA equals @hex. */
static void
assert_rdata(const struct zone_rr *rr, const char *hex)
{
	char got[2 * 65536 + 1];

	for (size_t i = 0; i < rr->rdlen; i++)
		snprintf(got + 2 * i, 3, "%02x", rr->rdata[i]);
	got[2 * rr->rdlen] = '\0';
	assert_string_equal(got, hex);
}

static void
test_example_zone(void **state)
{
	struct zone *z = load_file("example.com", data_path("example.com.zone"));
	const struct zone_rr *rr;

	(void)state;
	assert_string_equal(z->name, "example.com.");
	assert_int_equal(z->apex_len, 13);
	assert_memory_equal(z->apex, "\7example\3com", 13);
	assert_int_equal(z->serial, 2024060101);
	assert_int_equal(z->nrrs, 61);
	assert_int_equal(z->nfiles, 1);
	assert_string_equal(z->file, data_path("example.com.zone"));
	assert_string_equal(zone_rr_file(z, &z->rrs[0]), z->file);

	/* A multi-line SOA is reported on its first line; names uncompressed. */
	rr = rr_get(z, "example.com", T_SOA, 0);
	assert_int_equal(rr->line, 10);
	assert_ptr_equal(rr, &z->rrs[0]);
	assert_rdata(rr, "036e7331076578616d706c6503636f6d00"
			 "0a686f73746d6173746572076578616d706c6503636f6d00"
			 "78a4b4c500001c2000000e1000127500"
			 "0000012c");
	/* Owner omitted: the previous owner; TTL from $TTL. */
	rr = rr_get(z, "example.com", T_NS, 1);
	assert_int_equal(rr->line, 17);
	assert_int_equal(rr->ttl, 3600);
	assert_rdata(rr, "036e7332076578616d706c6503636f6d00");
	assert_rdata(rr_get(z, "example.com", T_MX, 0), "000a046d61696c076578616d706c6503636f6d00");
	assert_rdata(rr_get(z, "example.com", T_CAA, 1),
		     "8005696f6465666d61696c746f3a7365637572697479406578616d706c652e636f6d");
	/* SVCB and HTTPS parse natively in ldns 1.8.3, params in key order. */
	assert_rdata(rr_get(z, "example.com", T_HTTPS, 0),
		     "000100"
		     "0001000602683202683300040004c6120050"
		     "0006001020010002000000000000000000000080");
	assert_rdata(rr_get(z, "_svc.example.com", T_SVCB, 0), "0001037376630765"
							       "78616d706c6503636f6d00"
							       "00010003026832"
							       "0003000220fb");
	assert_int_equal(rr_get(z, "example.com", T_DNSKEY, 0)->rdlen, 4 + 96);

	assert_int_equal(rr_count(z, "www.example.com", T_A), 2);
	assert_rdata(rr_get(z, "www.example.com", T_A, 1), "c6120051");
	assert_rdata(rr_get(z, "www.example.com", T_AAAA, 0), "20010002000000000000000000000080");
	assert_int_equal(rr_get(z, "www.example.com", T_SSHFP, 0)->rdlen, 34);
	/* Owners are stored lowercase; an explicit TTL wins over $TTL. */
	rr = rr_get(z, "api.example.com", T_A, 0);
	assert_int_equal(rr->ttl, 60);
	assert_int_equal(rr->line, 39);
	assert_rdata(rr_get(z, "_sip._tcp.example.com", T_SRV, 1),
		     "0014002813c40473697032076578616d706c6503636f6d00");
	assert_int_equal(rr_count(z, "_sip._tcp.example.com", T_SRV), 2);
	assert_non_null(rr_find(z, "_443._tcp.www.example.com", T_TLSA, 0));
	assert_non_null(rr_find(z, "sip-uri.example.com", T_NAPTR, 0));
	assert_non_null(rr_find(z, "80.0.18.198.example.com", T_PTR, 0));
	/* Relative CNAME targets are completed with the origin. */
	assert_rdata(rr_get(z, "alias3.example.com", T_CNAME, 0),
		     "03777777076578616d706c6503636f6d00");
	assert_non_null(rr_find(z, "*.wild.example.com", T_A, 0));
	assert_non_null(rr_find(z, "*.wild.example.com", T_TXT, 0));
	assert_non_null(rr_find(z, "*.wc.example.com", T_CNAME, 0));
	assert_rdata(rr_get(z, "sub.example.com", T_DS, 0),
		     "30390d02f9c7af7ebcbf098b9f5f37361d1b168bb2e5b98d930ceef0f055377a8c94db61");
	assert_int_equal(rr_count(z, "big.example.com", T_TXT), 6);
	rr = rr_get(z, "unknown.example.com", 666, 0);
	assert_rdata(rr, "0a0b0c0d");
	rr = rr_get(z, "multi.example.com", T_TXT, 0);
	assert_int_equal(rr->line, 93);
	assert_rdata(rr, "0c666972737420737472696e67"
			 "0d7365636f6e6420737472696e67");
	for (size_t i = 0; i < z->nrrs; i++)
		assert_true(dname_is_below_or_at(z->rrs[i].owner, z->rrs[i].owner_len, z->apex,
						 z->apex_len));
	zone_free(z);
}

/* The golden and integration tests use this zone through the table builder. */
static void
test_example_zone_builds(void **state)
{
	struct zone *z = load_file("example.com.", data_path("example.com.zone"));
	const struct zone *zs[1] = {z};
	struct sw_diag d = {0};
	struct rrt *t = NULL;
	uint8_t name[DNAME_MAXLEN];
	size_t len = tu_name("sub.example.com", name);
	const struct rrt_node *n;

	(void)state;
	assert_int_equal(rrt_build(zs, 1, NULL, 0, &t, &d), 0);
	n = rrt_find(t, name, len, dname_hash(name, len));
	assert_non_null(n);
	assert_true(n->flags & RRT_NODE_CUT);
	/* Glue: ns1.sub A + AAAA, ns2.sub A. */
	assert_int_equal(rrt_ref_rrset(t, rrt_node_ref(t, n, RRT_TYPE_GLUE))->count, 3);
	rrt_free(t);
	zone_free(z);
}

static void
test_directives(void **state)
{
	/* clang-format off */
	struct zone *z = tu_zone("example.com",
		"$TTL 1h\n"				/* 1 */
		HEAD					/* 2, 3 */
		"a A 198.18.0.1\n"			/* 4 */
		"$ORIGIN sub\n"				/* 5: relative */
		"b A 198.18.0.2\n"			/* 6 */
		"@ TXT \"at sub\"\n"			/* 7 */
		"$ORIGIN Other.Example.COM.\n"		/* 8 */
		"c CNAME Target\n"			/* 9 */
		"$TTL 0\n"				/* 10 */
		"d A 198.18.0.3\n"			/* 11 */
		"  A 198.18.0.4 ; owner omitted\n"	/* 12 */
		"$ttl 2d3h ; lower case, units\n"	/* 13 */
		"e 7 IN A 198.18.0.5\n"			/* 14 */
		"g A 198.18.0.7\n");			/* 15 */
	/* clang-format on */

	(void)state;
	assert_int_equal(rr_get(z, "example.com", T_SOA, 0)->ttl, 3600);
	assert_int_equal(rr_get(z, "a.example.com", T_A, 0)->line, 4);
	assert_int_equal(rr_get(z, "b.sub.example.com", T_A, 0)->line, 6);
	assert_int_equal(rr_get(z, "sub.example.com", T_TXT, 0)->line, 7);
	/* Owner lowercase, the relative RDATA name completed with the origin as written. */
	assert_rdata(rr_get(z, "c.other.example.com", T_CNAME, 0),
		     "06546172676574054f74686572074578616d706c6503434f4d00");
	/* $TTL 0 means 0 (ldns alone would turn it into 3600). */
	assert_int_equal(rr_get(z, "d.other.example.com", T_A, 0)->ttl, 0);
	assert_int_equal(rr_get(z, "d.other.example.com", T_A, 1)->ttl, 0);
	assert_int_equal(rr_get(z, "d.other.example.com", T_A, 1)->line, 12);
	assert_int_equal(rr_get(z, "e.other.example.com", T_A, 0)->ttl, 7);
	assert_int_equal(rr_get(z, "g.other.example.com", T_A, 0)->ttl, 2 * 86400 + 3 * 3600);
	zone_free(z);
}

/* No $TTL and no TTL on the record: 3600, as ldns, NSD and Knot do. */
static void
test_default_ttl(void **state)
{
	struct zone *z = tu_zone("example.com", HEAD "a A 198.18.0.1\nb 5 A 198.18.0.2\n");

	(void)state;
	assert_int_equal(rr_get(z, "a.example.com", T_A, 0)->ttl, 3600);
	assert_int_equal(rr_get(z, "b.example.com", T_A, 0)->ttl, 5);
	zone_free(z);
}

static void
test_origin_forms(void **state)
{
	const char *forms[] = {"example.com", "example.com.", "EXAMPLE.Com"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct zone *z = tu_zone(forms[i], HEAD "www A 198.18.0.1\n");

		assert_string_equal(z->name, "example.com.");
		assert_int_equal(z->apex_len, 13);
		assert_memory_equal(z->apex, "\7example\3com", 13);
		assert_non_null(rr_find(z, "www.example.com", T_A, 0));
		zone_free(z);
	}
}

static void
test_include(void **state)
{
	struct zone *z = load_file("inc.example", data_path("include/main.zone"));
	const struct zone_rr *rr;

	(void)state;
	assert_int_equal(z->nrrs, 10);
	assert_int_equal(z->nfiles, 5);
	assert_int_equal(z->serial, 7);
	/* Included records come in place, tagged with their file and line. */
	rr = rr_get(z, "ns1.inc.example", T_A, 0);
	assert_ptr_equal(rr, &z->rrs[2]);
	assert_int_equal(rr->line, 3);
	assert_string_equal(zone_rr_file(z, rr), data_path("include/part.zone"));
	assert_int_equal(rr->ttl, 600);
	/* A $TTL inside the included file applies there... */
	assert_int_equal(rr_get(z, "p.inc.example", T_TXT, 0)->ttl, 30);
	/* ...but neither it nor the origin leaks back out. */
	rr = rr_get(z, "after.inc.example", T_A, 0);
	assert_int_equal(rr->line, 8);
	assert_int_equal(rr->ttl, 600);
	assert_string_equal(zone_rr_file(z, rr), data_path("include/main.zone"));
	/* Second inclusion under a relative origin. */
	assert_non_null(rr_find(z, "ns1.sub.inc.example", T_A, 0));
	assert_non_null(rr_find(z, "p.sub.inc.example", T_TXT, 0));
	/* A nested include resolves relative to the including file's directory. */
	rr = rr_get(z, "leaf.deep.inc.example", T_TXT, 0);
	assert_string_equal(zone_rr_file(z, rr), data_path("include/sub/leaf.zone"));
	assert_int_equal(rr->line, 3);
	assert_int_equal(rr_get(z, "d.deep.inc.example", T_A, 0)->line, 3);
	assert_int_equal(rr_get(z, "last.inc.example", T_A, 0)->line, 11);
	zone_free(z);
}

static void
test_include_errors(void **state)
{
	struct sw_diag d = {0};
	struct zone *z = NULL;

	(void)state;
	assert_int_equal(zone_load("loop.example", data_path("include/loop.zone"), &z, &d),
			 SW_EZONE_SYNTAX);
	assert_null(z);
	assert_int_equal(d.line, 6);
	assert_non_null(strstr(d.msg, "$INCLUDE"));
	expect_error(HEAD "$INCLUDE /nonexistent/swerve.zone\n", -ENOENT, 3,
		     "/nonexistent/swerve.zone");
	expect_error(HEAD "$INCLUDE\n", SW_EZONE_SYNTAX, 3, "$INCLUDE");
	expect_error(HEAD "$INCLUDE a b c\n", SW_EZONE_SYNTAX, 3, "$INCLUDE");
}

static void
test_rfc3597(void **state)
{
	struct zone *z = tu_zone("example.com", HEAD "u TYPE666 \\# 3 abcdef\n"
						     "e TYPE667 \\# 0\n"
						     "a TYPE1 \\# 4 c6120001\n"
						     "a A 198.18.0.1\n"
						     "n NS \\# 9 036e7331036e657400\n");

	(void)state;
	assert_rdata(rr_get(z, "u.example.com", 666, 0), "abcdef");
	assert_int_equal(rr_get(z, "e.example.com", 667, 0)->rdlen, 0);
	/* The generic form of a known type is the same record: one copy kept. */
	assert_int_equal(rr_count(z, "a.example.com", T_A), 1);
	assert_int_equal(rr_get(z, "a.example.com", T_A, 0)->line, 5);
	assert_rdata(rr_get(z, "n.example.com", T_NS, 0), "036e7331036e657400");
	zone_free(z);
}

static void
test_duplicates(void **state)
{
	/* clang-format off */
	struct zone *z = tu_zone("example.com", HEAD
		"x A 198.18.0.1\n"		/* 3 */
		"x 60 A 198.18.0.1\n"		/* 4: dup, other TTL */
		"X A 198.18.0.1\n"		/* 5: dup, owner case */
		"x A 198.18.0.2\n"		/* 6 */
		"x NS ns.X.example.net.\n"	/* 7 */
		"x NS NS.x.EXAMPLE.net.\n"	/* 8: dup, name case */
		"t TXT \"A\"\n"			/* 9 */
		"t TXT \"a\"\n"			/* 10: not a dup */
		"@ NS ns1\n");			/* 11: dup of line 2 */
	/* clang-format on */

	(void)state;
	assert_int_equal(z->nrrs, 7);
	assert_int_equal(rr_count(z, "x.example.com", T_A), 2);
	assert_int_equal(rr_get(z, "x.example.com", T_A, 0)->line, 3);
	assert_int_equal(rr_get(z, "x.example.com", T_A, 0)->ttl, 3600);
	assert_int_equal(rr_get(z, "x.example.com", T_A, 1)->line, 6);
	assert_int_equal(rr_count(z, "x.example.com", T_NS), 1);
	/* The first spelling is kept, case as written. */
	assert_rdata(rr_get(z, "x.example.com", T_NS, 0), "026e730158076578616d706c65036e657400");
	assert_int_equal(rr_count(z, "t.example.com", T_TXT), 2);
	assert_int_equal(rr_count(z, "example.com", T_NS), 1);
	/* File order survives the removal. */
	for (size_t i = 1; i < z->nrrs; i++)
		assert_true(z->rrs[i - 1].line < z->rrs[i].line);
	zone_free(z);
}

static void
test_dnssec_beside_cname(void **state)
{
	struct zone *z = tu_zone("example.com",
				 HEAD "c CNAME www\n"
				      "c RRSIG CNAME 13 3 300 20300101000000 20200101000000 12345 "
				      "example.com. aGVsbG8=\n"
				      "c NSEC d.example.com. CNAME RRSIG NSEC\n");

	(void)state;
	assert_non_null(rr_find(z, "c.example.com", T_RRSIG, 0));
	zone_free(z);
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_error(HEAD "bad A 1.2.3\n", SW_EZONE_SYNTAX, 3, "bad A 1.2.3");
	/* Comments and blank lines before a record do not shift its line. */
	expect_error(HEAD "; c\n\n   \n; d\nbad A 1.2.3\n", SW_EZONE_SYNTAX, 7, "rdata");
	/* A multi-line record is reported on its first line. */
	expect_error(HEAD "m MX (\n 10\n ) mail 20\n", SW_EZONE_SYNTAX, 3, "m MX (");
	expect_error(HEAD "m SOA ( ns1 h\n 1 2 3\n 4 x )\n", SW_EZONE_SYNTAX, 3, "m SOA (");
	expect_error(HEAD "x BOGUSTYPE 1\n", SW_EZONE_SYNTAX, 3, NULL);
	expect_error(HEAD "x A 198.18.0.1 198.18.0.2\n", SW_EZONE_SYNTAX, 3, NULL);
	expect_error(HEAD "x..y A 198.18.0.1\n", SW_EZONE_SYNTAX, 3, NULL);
	expect_error(HEAD "x SOA \\# 1 00\n", SW_EZONE_SYNTAX, 3, "too short");
	expect_error(HEAD "x TYPE0 \\# 0\n", SW_EZONE_SYNTAX, 3, "type 0");
	expect_error(HEAD "x TYPE41 \\# 0\n", SW_EZONE_SYNTAX, 3, "type 41");
	expect_error(HEAD "x TYPE252 \\# 0\n", SW_EZONE_SYNTAX, 3, "type 252");
	expect_error(HEAD "x 2147483648 A 198.18.0.1\n", SW_EZONE_SYNTAX, 3, "TTL");
	expect_error(HEAD "$TTL\n", SW_EZONE_SYNTAX, 3, "$TTL");
	expect_error(HEAD "$TTL abc\n", SW_EZONE_SYNTAX, 3, "$TTL");
	expect_error(HEAD "$TTL 2147483648\n", SW_EZONE_SYNTAX, 3, "$TTL");
	expect_error(HEAD "$TTL 4294967296\n", SW_EZONE_SYNTAX, 3, "$TTL");
	expect_error(HEAD "$TTL 1h x\n", SW_EZONE_SYNTAX, 3, "$TTL");
	/* ldns itself accepts these two. */
	expect_error(HEAD "www A 198.18.0.1 )\n", SW_EZONE_SYNTAX, 3, "unbalanced");
	expect_error(HEAD "ok A 198.18.0.1\nwww TXT ( \"a\"\n", SW_EZONE_SYNTAX, 4, "unbalanced");
	expect_error(HEAD "$ORIGIN\n", SW_EZONE_SYNTAX, 3, "$ORIGIN");
	expect_error(HEAD "$ORIGIN a..b\n", SW_EZONE_SYNTAX, 3, "$ORIGIN");
	expect_error(HEAD "$GENERATE 1-4 h$ A 198.18.0.$\n", SW_EZONE_SYNTAX, 3, "$GENERATE");
	/* RFC 1035 allows the class before the TTL; ldns does not: refused, never misread. */
	expect_error(HEAD "f IN 8 A 198.18.0.6\n", SW_EZONE_SYNTAX, 3, NULL);
	expect_error(HEAD "c CH TXT \"x\"\n", SW_EZONE_CLASS, 3, "class CH");
	expect_error(HEAD "c CLASS9 A 198.18.0.1\n", SW_EZONE_CLASS, 3, "CLASS9");
}

static void
test_check_errors(void **state)
{
	(void)state;
	expect_error("www A 198.18.0.1\n", SW_EZONE_NOSOA, 0, "no SOA");
	expect_error("", SW_EZONE_NOSOA, 0, "example.com.");
	expect_error(HEAD "@ SOA ns2 h 2 3 4 5 6\n", SW_EZONE_MULTISOA, 3, "line 1");
	expect_error(HEAD "sub SOA ns2 h 2 3 4 5 6\n", SW_EZONE_MULTISOA, 3, "sub.example.com.");
	expect_error("@ SOA ns1 h 1 2 3 4 5\nsub NS ns1\n", SW_EZONE_NONS, 1, "NS");
	expect_error(HEAD "c CNAME www\nc A 198.18.0.1\n", SW_EZONE_CNAME, 4,
		     "c.example.com.: A record beside the CNAME on line 3");
	expect_error(HEAD "c A 198.18.0.1\nc CNAME www\n", SW_EZONE_CNAME, 4,
		     "CNAME beside other data (A on line 3)");
	expect_error(HEAD "c CNAME www\nc CNAME mail\n", SW_EZONE_CNAME, 4, "more than one CNAME");
	/* A CNAME at the apex collides with the SOA. */
	expect_error(HEAD "@ CNAME www\n", SW_EZONE_CNAME, 3, "example.com.: CNAME");
	expect_error(HEAD "www.example.net. A 198.18.0.1\n", SW_EZONE_OUTOFZONE, 3,
		     "www.example.net.: outside the zone example.com.");
	/* Label boundaries: "xexample.com" is not inside "example.com". */
	expect_error(HEAD "xexample.com. A 198.18.0.1\n", SW_EZONE_OUTOFZONE, 3, NULL);
	/* Owner names appear escaped in messages. */
	expect_error(HEAD "a\\.b\\032c CNAME www\na\\.b\\032c TXT x\n", SW_EZONE_CNAME, 4,
		     "a\\.b\\032c.example.com.:");
	/* The first problem in file order is the one reported. */
	expect_error(HEAD "c2 CNAME www\nc2 TXT x\nc1 CNAME www\nc1 TXT x\n", SW_EZONE_CNAME, 4,
		     "c2.example.com.");
}

/* An RRset that cannot fit a 65535-octet message. */
static void
test_too_big(void **state)
{
	size_t cap = 700 * 140 + 256, n;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	n = (size_t)snprintf(text, cap, "%s", HEAD);
	for (int i = 0; i < 700; i++)
		n += (size_t)snprintf(text + n, cap - n, "big TXT \"%03d-%0100d\"\n", i, 0);
	/*
	 * Header and question (16 + 17 octets), then 12 + 105 per record: the
	 * 560th record (line 562) takes the answer past 65535 octets.
	 */
	expect_error(text, SW_EZONE_TOOBIG, 562, "TXT RRset too large");
	free(text);
}

static void
test_bad_arguments(void **state)
{
	struct sw_diag d = {0};
	struct zone *z = NULL;
	const char *path = tu_write_temp(HEAD);
	FILE *f;

	(void)state;
	assert_int_equal(zone_load("bad..name", path, &z, &d), SW_ENAME);
	assert_null(z);
	assert_int_equal(zone_load("", path, &z, &d), SW_ENAME);
	unlink(path);
	assert_int_equal(zone_load("example.com", "/nonexistent/zone", &z, &d), -ENOENT);
	assert_null(z);
	assert_string_equal(d.file, "/nonexistent/zone");
	assert_int_equal(zone_load("example.com", "/", &z, &d), -EINVAL);
	/* A NUL octet is refused, with its line. */
	path = tu_write_temp("");
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(HEAD "x TXT \"a\0b\"\n", 1, sizeof(HEAD "x TXT \"a\0b\"\n") - 1, f);
	fclose(f);
	assert_int_equal(zone_load("example.com", path, &z, &d), SW_EZONE_SYNTAX);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "NUL"));
	unlink(path);
}

/* zone_check() on a zone built by hand: the contract rrt_build() relies on, without ldns. */
static void
test_check_by_hand(void **state)
{
	static const uint8_t apex[] = "\7example\3com";
	static const uint8_t www[] = "\3www\7example\3com";
	static const uint8_t soa[] = "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	static const uint8_t ns[] = "\3ns1\7example\3com";
	char *files[] = {"main.zone", "inc.zone"};
	struct zone_rr rrs[] = {
		{.owner = apex,
		 .owner_len = 13,
		 .type = T_SOA,
		 .rdata = soa,
		 .rdlen = 22,
		 .line = 1},
		{.owner = apex, .owner_len = 13, .type = T_NS, .rdata = ns, .rdlen = 17, .line = 2},
		{.owner = www,
		 .owner_len = 17,
		 .type = T_CNAME,
		 .rdata = ns,
		 .rdlen = 17,
		 .line = 3},
		{.owner = www,
		 .owner_len = 17,
		 .type = T_A,
		 .rdata = soa,
		 .rdlen = 4,
		 .line = 9,
		 .file = 1},
	};
	struct zone z = {
		.apex_len = 13,
		.name = "example.com.",
		.file = files[0],
		.files = files,
		.nfiles = 2,
		.rrs = rrs,
		.nrrs = 4,
	};
	struct sw_diag d = {0};

	(void)state;
	memcpy(z.apex, apex, 13);
	assert_int_equal(zone_check(&z, &d), SW_EZONE_CNAME);
	assert_string_equal(d.file, "inc.zone");
	assert_int_equal(d.line, 9);
	z.nrrs = 3;
	assert_int_equal(zone_check(&z, &d), 0);
	/* The records were not reordered. */
	assert_int_equal(rrs[0].type, T_SOA);
	assert_int_equal(rrs[3].type, T_A);
}

/* Many names: the loader and checks stay fast (the perf benchmark loads a million). */
static void
test_many_names(void **state)
{
	const size_t n = 100000;
	size_t cap = n * 40 + 256, len;
	char *text = malloc(cap);
	struct zone *z;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", HEAD);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "h%zu A 198.18.%zu.%zu\n", i,
					(i >> 8) & 255, i & 255);
	z = tu_zone("example.com", text);
	assert_int_equal(z->nrrs, n + 2);
	assert_int_equal(rr_get(z, "h99999.example.com", T_A, 0)->line, n + 2);
	zone_free(z);
	free(text);
}

/*
 * zone_order()'s contract over @ord: every index once, each owner's records
 * together, by type, then in file order, and the owners in the order of
 * their first records.
 */
static void
assert_owner_order(const struct zone *z, const uint32_t *ord)
{
	uint8_t *seen = calloc(z->nrrs + 1, 1);
	size_t first = 0;

	assert_non_null(seen);
	for (size_t i = 0; i < z->nrrs; i++) {
		uint32_t r = zone_order_index(ord[i]);

		assert_true(r < z->nrrs);
		assert_false(seen[r]);
		seen[r] = 1;
	}
	for (size_t i = 0; i < z->nrrs; i++) {
		uint32_t r = zone_order_index(ord[i]), q = i > 0 ? zone_order_index(ord[i - 1]) : 0;
		const struct zone_rr *b = &z->rrs[r];

		if (i > 0 && zone_rr_same_owner(&z->rrs[q], b)) {
			assert_false(ord[i] & ZONE_ORDER_OWNER);
			assert_true(z->rrs[q].type < b->type || (z->rrs[q].type == b->type && q < r));
			continue;
		}
		/* A new owner, marked: none of its records came before, nor any record after the last's first. */
		assert_true(ord[i] & ZONE_ORDER_OWNER);
		for (size_t k = i + 1; k < z->nrrs && !(ord[k] & ZONE_ORDER_OWNER); k++)
			r = zone_order_index(ord[k]) < r ? zone_order_index(ord[k]) : r;
		assert_true(i == 0 || r > first);
		first = r;
		for (size_t k = 0; k + 1 < i; k++)
			assert_false(zone_rr_same_owner(&z->rrs[zone_order_index(ord[k])], b));
	}
	free(seen);
}

/* The one order that dropping duplicates, the checks and the build share. */
static void
test_owner_order(void **state)
{
	/* clang-format off */
	struct zone *z = tu_zone("example.com", HEAD
		"b TXT \"1\"\n"
		"a A 198.18.0.1\n"
		"b A 198.18.0.2\n"
		"a TXT \"2\"\n"
		"c A 198.18.0.3\n"
		"a A 198.18.0.4\n"
		"B TXT \"3\"\n"
		"@ MX 10 a\n");
	/* clang-format on */
	uint32_t *ord;

	(void)state;
	assert_non_null(z->order);
	assert_owner_order(z, z->order);
	assert_int_equal(zone_order(z, &ord), 0);
	assert_memory_equal(ord, z->order, z->nrrs * sizeof(*ord));
	free(ord);
	zone_drop_order(z);
	assert_null(z->order);
	zone_drop_order(z);
	zone_free(z);
}

/* An RRset too long to search pairwise for duplicates (over 16 records). */
static void
test_duplicates_long_rrset(void **state)
{
	char text[8192];
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", HEAD);
	struct zone *z;

	(void)state;
	for (unsigned i = 0; i < 60; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s NS ns%u.example.net.\n",
					i % 2 ? "x" : "X", i % 20);
	z = tu_zone("example.com", text);
	assert_int_equal(rr_count(z, "x.example.com", T_NS), 20);
	/* The first of each is kept: lines 3 to 22. */
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(rr_get(z, "x.example.com", T_NS, i)->line, 3 + i);
	for (size_t i = 1; i < z->nrrs; i++)
		assert_true(z->rrs[i - 1].line < z->rrs[i].line);
	assert_owner_order(z, z->order);
	zone_free(z);
}

/* The first round of dname_hash() on a 16-octet name; the rest is a bijection of it and the second word. */
static uint64_t
hash_round(uint64_t w)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t h = (0x6a09e667f3bcc909ull ^ (16 * m) ^ w) * m;

	return h ^ (h >> 29);
}

/* Two owners whose 64-bit hashes collide still get their records kept apart. */
static void
test_owner_order_collision(void **state)
{
	uint8_t a[16] = "\4aaaa\3bbb\6cccccc", b[16] = "\4zzzz\3yyy\6xxxxxx";
	uint64_t a1, a2, b1, b2;
	struct zone_rr rrs[6];
	struct zone z = {.rrs = rrs, .nrrs = 6};
	uint32_t *ord;

	(void)state;
	/* Pick b's second word so that both names hash alike (not valid names: order needs none). */
	memcpy(&a1, a, 8);
	memcpy(&a2, a + 8, 8);
	memcpy(&b1, b, 8);
	b2 = hash_round(a1) ^ hash_round(b1) ^ a2;
	memcpy(b + 8, &b2, 8);
	/* If this fails, dname_hash() changed: hash_round() must follow it. */
	assert_int_equal(dname_hash(a, 16), dname_hash(b, 16));
	for (unsigned i = 0; i < 6; i++)
		rrs[i] = (struct zone_rr){.owner = i % 2 ? b : a, .owner_len = 16,
					  .type = (uint16_t)(i < 3 ? T_TXT : T_A)};
	assert_int_equal(zone_order(&z, &ord), 0);
	assert_owner_order(&z, ord);
	free(ord);
}

/* The earliest RRSIG expiration, for the metric and the load-time warning; 0 unsigned. */
static void
test_sig_expire(void **state)
{
	char *text = tu_fixture_text("signed/example.com.nsec3.zone");
	char *plain = tu_fixture_text("example.com.zone");
	struct zone *z = tu_zone("example.com", text);
	struct zone *u = tu_zone("example.com", plain);

	(void)state;
	/* ldns-signzone -e 20361231000000, minus the jitter it spreads over the last day. */
	assert_true(zone_sig_expire(z) <= 2114380800u);
	assert_true(zone_sig_expire(z) > 2114380800u - 2 * 86400);
	assert_int_equal(zone_sig_expire(u), 0);
	zone_free(z);
	zone_free(u);
	free(text);
	free(plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_zone),   cmocka_unit_test(test_example_zone_builds),
		cmocka_unit_test(test_directives),     cmocka_unit_test(test_default_ttl),
		cmocka_unit_test(test_origin_forms),   cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_errors), cmocka_unit_test(test_rfc3597),
		cmocka_unit_test(test_duplicates),     cmocka_unit_test(test_dnssec_beside_cname),
		cmocka_unit_test(test_syntax_errors),  cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_too_big),	       cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_check_by_hand),  cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_sig_expire),     cmocka_unit_test(test_owner_order),
		cmocka_unit_test(test_duplicates_long_rrset),
		cmocka_unit_test(test_owner_order_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
