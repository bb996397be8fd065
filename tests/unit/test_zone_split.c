/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the parallel read of a zone file (control/zone/zone_split.c):
 * read in chunks, a file gives the zone, or the error, that the serial read
 * gives, record for record and to the message.
 */

#include <sched.h>
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
#include "swerve/zone.h"
#include "testutil.h"
#include "zone_split.h"

/* SOA and NS, with a comment and a multi-line record among them. */
#define HEAD                                                                                       \
	"$TTL 300\n"                                                                               \
	"@ IN SOA ns1 hostmaster (\n"                                                              \
	"\t1 ; serial ( \"not a parenthesis, nor a quote\n"                                        \
	"\t7200 900 1209600 300 )\n"                                                               \
	"@ IN NS ns1\n"                                                                            \
	"ns1 A 192.0.2.1\n"

/* What the ldns line reader and our pre-scan must agree on, a line apart. */
static const char tricky[] =
	HEAD "; a comment line ( with \" a quote\n"
	     "a TXT ( \"first\"\n"
	     "b TXT \"looks like an owner, inside parentheses\" )\n"
	     "c TXT \"semicolon ; open ( paren\" ; comment ( with \" quote\n"
	     "d 600 IN A 192.0.2.4\n"
	     "\tIN AAAA 2001:db8::4\n"
	     "\tTXT \"a blank owner right after a place a chunk could start\"\n"
	     "e TXT \"escaped \\\" quote ( and \\\\ backslash\"\n"
	     "f TXT \"end\" \\( escaped-parenthesis\n"
	     "g TXT ( \"two\" ; comment ) inside\n"
	     "\t\"lines\" )\n"
	     "h A 192.0.2.8\n"
	     "i TXT \"a newline in quotes inside parentheses (\" ( \"x\n"
	     "y\" )\n"
	     "j MX 10 h\n"
	     "k 3600 A 192.0.2.11\n"
	     "@ 60 TXT \"at the apex\"\n"
	     "\tA 192.0.2.12\n"
	     "l TXT x\\\n"
	     "m A 192.0.2.13\n"
	     "n A 192.0.2.14 ; ) a stray parenthesis in a comment\n"
	     "o ( A\n"
	     "p.example.com. ) ; not an owner: still o's A record? no, a syntax error\n";

/* One zone_load() of @path read in up to @chunks chunks of at least @min octets. */
struct load {
	int rc;
	struct sw_diag d;
	struct zone *z;
	unsigned chunks; /* The chunks it was read in: 0 when serially. */
};

static struct load
load(const char *path, unsigned chunks, size_t min)
{
	struct load l = {0};

	zone_load_set_split(chunks, min);
	l.rc = zone_load("example.com", path, &l.z, &l.d);
	l.chunks = zone_load_split_used();
	zone_load_set_split(0, 0);
	return l;
}

/* @par gave what @ser (the serial read) gave: the same zone, or the same error. */
static void
assert_same(const struct load *ser, const struct load *par, unsigned want)
{
	char why[256];

	if (par->rc != ser->rc)
		fail_msg("%u chunks: rc %d (%s), serially %d (%s)", want, par->rc, par->d.msg,
			 ser->rc, ser->d.msg);
	if (ser->rc < 0) {
		if (par->d.code != ser->d.code || par->d.line != ser->d.line ||
		    strcmp(par->d.file, ser->d.file) != 0 || strcmp(par->d.msg, ser->d.msg) != 0)
			fail_msg("%u chunks: %s:%u: %s; serially %s:%u: %s", want, par->d.file,
				 par->d.line, par->d.msg, ser->d.file, ser->d.line, ser->d.msg);
		assert_null(par->z);
		return;
	}
	if (tu_zone_diff(ser->z, par->z, why, sizeof(why)) != NULL)
		fail_msg("%u chunks: %s", want, why);
}

/*
 * Read @text serially (which must give @want_rc) and in up to each of
 * @counts chunks, a chunk as small as one octet: every read agrees with
 * the serial one. Returns the most chunks a read used.
 */
static unsigned
same_as_serial(const char *text, int want_rc, const unsigned *counts, size_t ncounts)
{
	char path[64];
	struct load ser;
	unsigned most = 0;

	snprintf(path, sizeof(path), "%s", tu_write_temp(text));
	ser = load(path, 1, 0);
	if (ser.rc != want_rc)
		fail_msg("serially: rc %d, want %d: %s:%u: %s", ser.rc, want_rc, ser.d.file,
			 ser.d.line, ser.d.msg);
	assert_int_equal(ser.chunks, 0);
	for (size_t i = 0; i < ncounts; i++) {
		struct load par = load(path, counts[i], 1);

		assert_same(&ser, &par, counts[i]);
		assert_true(par.chunks <= counts[i]);
		most = par.chunks > most ? par.chunks : most;
		zone_free(par.z);
	}
	zone_free(ser.z);
	unlink(path);
	return most;
}

/* As many chunks as there are places to cut, and a few counts below that. */
static const unsigned small_counts[] = {2, 3, 5, 8, 64, 100000};

#define SAME(text, rc) same_as_serial((text), (rc), small_counts, 6)

/* @text with every "\n" as "\r\n". */
static char *
crlf(const char *text)
{
	char *out = malloc(2 * strlen(text) + 1), *o = out;

	assert_non_null(out);
	for (; *text != '\0'; text++) {
		if (*text == '\n')
			*o++ = '\r';
		*o++ = *text;
	}
	*o = '\0';
	return out;
}

static void
test_tricky(void **state)
{
	/* All but the last record: a good zone. */
	char *good = strndup(tricky, strstr(tricky, "o ( A") - tricky);
	char *good_crlf = crlf(good);
	char *bad_crlf = crlf(tricky);

	(void)state;
	assert_true(SAME(good, 0) >= 10);
	assert_true(SAME(good_crlf, 0) >= 10);
	assert_true(SAME(tricky, SW_EZONE_SYNTAX) >= 10);
	assert_true(SAME(bad_crlf, SW_EZONE_SYNTAX) >= 10);
	/* No newline at the end of the file. */
	good[strlen(good) - 1] = '\0';
	assert_true(SAME(good, 0) >= 10);
	free(good);
	free(good_crlf);
	free(bad_crlf);
}

static void
test_origin_and_ttl(void **state)
{
	static const char text[] =
		HEAD "a A 192.0.2.1\n"
		     "$ORIGIN sub\n"
		     "b A 192.0.2.2\n"
		     "@ MX 10 b\n"
		     "c CNAME b.example.com.\n"
		     "$ORIGIN deeper\n"
		     "d A 192.0.2.4\n"
		     "$TTL 1h30m\n"
		     "e A 192.0.2.5\n"
		     "f 20 A 192.0.2.6\n"
		     "\tA 192.0.2.7\n"
		     "$origin example.com.\n"
		     "g A 192.0.2.8\n"
		     "$TTL 86400 ; a day\n"
		     "h NS g\n"
		     "h.example.com. A 192.0.2.9\n"
		     "$ORIGIN com.\n"
		     "i.example A 192.0.2.10\n"
		     "@ A 192.0.2.11\n"; /* Outside the zone: zone_check refuses it. */
	static const char fixed[] = "$ORIGIN example.com.\n"
				    "j A 192.0.2.12\n";
	char *good = strndup(text, strstr(text, "@ A 192.0.2.11") - text);
	char *both = malloc(sizeof(text) + sizeof(fixed));

	(void)state;
	assert_non_null(both);
	snprintf(both, sizeof(text) + sizeof(fixed), "%s%s", good, fixed);
	assert_true(SAME(both, 0) >= 10);
	assert_true(SAME(text, SW_EZONE_OUTOFZONE) >= 10);
	free(good);
	free(both);
}

static void
test_duplicates(void **state)
{
	static const char text[] = HEAD "a A 192.0.2.1\n"
					"b 60 A 192.0.2.2\n"
					"c A 192.0.2.3\n"
					"B 120 A 192.0.2.2\n"
					"d MX 10 Mail\n"
					"e A 192.0.2.5\n"
					"f A 192.0.2.6\n"
					"d 30 MX 10 mail\n"
					"ns1 A 192.0.2.1\n";
	char path[64];
	struct load ser;

	(void)state;
	assert_true(SAME(text, 0) >= 5);
	/* The first in file order is kept: b's TTL 60 from line 8, d's from line 11. */
	snprintf(path, sizeof(path), "%s", tu_write_temp(text));
	ser = load(path, 100000, 1);
	unlink(path);
	assert_int_equal(ser.rc, 0);
	assert_int_equal(ser.z->nrrs, 9);
	assert_int_equal(ser.z->rrs[4].ttl, 60);
	assert_int_equal(ser.z->rrs[4].line, 8);
	assert_int_equal(ser.z->rrs[6].line, 11);
	assert_int_equal(ser.z->rrs[6].ttl, 300);
	zone_free(ser.z);
}

/* @n A records, one a line, for the middle of a test zone. */
static char *
filler(int from, int n)
{
	size_t cap = (size_t)n * 40 + 1, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = '\0';
	for (int i = from; i < from + n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "h%d A 192.0.2.%d\n", i, i % 250 + 1);
	return out;
}

static void
test_errors(void **state)
{
	static const struct {
		const char *early, *late;
		int rc;
	} cases[] = {
		{"bad A 300.1.2.3\n", "", SW_EZONE_SYNTAX},
		{"", "late A not-an-address\n", SW_EZONE_SYNTAX},
		{"bad A 300.1.2.3\n", "late A not-an-address\n", SW_EZONE_SYNTAX},
		{"$TTL forever\n", "late A not-an-address\n", SW_EZONE_SYNTAX},
		{"", "open TXT ( \"never closed\"\n", SW_EZONE_SYNTAX},
		{"stray A 192.0.2.1 )\n", "", SW_EZONE_SYNTAX},
		{"q TXT \"a newline\nin quotes\"\n", "", SW_EZONE_SYNTAX},
		{"", "chaos CH TXT \"class\"\n", SW_EZONE_CLASS},
		{"w CNAME h1\n", "w A 192.0.2.1\n", SW_EZONE_CNAME},
		{"$ORIGIN example.net.\n", "", SW_EZONE_OUTOFZONE},
	};
	char *mid = filler(0, 60), *tail = filler(60, 60);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(HEAD) + strlen(cases[i].early) + strlen(mid) +
			   strlen(cases[i].late) + strlen(tail) + 1;
		char *text = malloc(n);

		assert_non_null(text);
		snprintf(text, n, "%s%s%s%s%s", HEAD, cases[i].early, mid, cases[i].late, tail);
		if (SAME(text, cases[i].rc) < 2)
			fail_msg("case %zu was not read in chunks", i);
		free(text);
	}
	free(mid);
	free(tail);
}

/* $INCLUDE and WKS make the read serial; the zone is the same. */
static void
test_serial_fallbacks(void **state)
{
	char inc[64], text[256];

	(void)state;
	snprintf(inc, sizeof(inc), "%s", tu_write_temp("inc A 192.0.2.99\n"));
	snprintf(text, sizeof(text), HEAD "a A 192.0.2.1\n$INCLUDE %s\nb A 192.0.2.2\n", inc);
	assert_int_equal(SAME(text, 0), 0);
	unlink(inc);
	assert_int_equal(
		SAME(HEAD "a A 192.0.2.1\nb WKS 192.0.2.2 tcp smtp http\nc A 192.0.2.3\n", 0), 0);
}

/*
 * A zone of @names names written the ways zone files are: $ORIGIN and $TTL
 * changes, blank owners, multi-line records, comments, records without a TTL.
 */
static char *
generated(int names)
{
	size_t cap = (size_t)names * 160 + 4096, n;
	char *out = malloc(cap);

	assert_non_null(out);
	n = (size_t)snprintf(out, cap, "%s", HEAD);
	for (int i = 0; i < names; i++) {
		if (i % 1000 == 0)
			n += (size_t)snprintf(out + n, cap - n,
					      "$ORIGIN example.com.\n$TTL %d\n$ORIGIN s%d\n",
					      60 + i / 1000, i / 1000);
		switch (i % 7) {
		case 0:
			n += (size_t)snprintf(
				out + n, cap - n,
				"n%d TXT ( \"multi\" ; first line (\n\t\"line %d\" )\n", i, i);
			break;
		case 1:
			n += (size_t)snprintf(out + n, cap - n,
					      "n%d 600 IN A 192.0.2.%d\n\tAAAA 2001:db8::%x\n", i,
					      i % 250 + 1, i & 0xffff);
			break;
		case 2:
			n += (size_t)snprintf(out + n, cap - n, "; name %d\nn%d MX 10 n%d\n", i, i,
					      i - 1);
			break;
		case 3:
			n += (size_t)snprintf(out + n, cap - n,
					      "n%d.s%d.example.com. A 192.0.2.1\n", i, i / 1000);
			break;
		default:
			n += (size_t)snprintf(out + n, cap - n, "n%d A 198.51.100.%d\n", i,
					      i % 250 + 1);
		}
	}
	return out;
}

static void
test_generated(void **state)
{
	static const unsigned counts[] = {2, 3, 7, 64, 1000};
	char *text = generated(20000);

	(void)state;
	assert_true(same_as_serial(text, 0, counts, 5) >= 900);
	free(text);
}

/* Without the test hook: a file of 4 MiB or more is read in chunks when the CPUs allow. */
static void
test_default_split(void **state)
{
	char *text = generated(150000);
	cpu_set_t cpus;
	char path[64];
	struct load ser, par;
	char why[256];

	(void)state;
	assert_true(strlen(text) >= 4u << 20);
	snprintf(path, sizeof(path), "%s", tu_write_temp(text));
	free(text);
	ser = load(path, 1, 0);
	par = load(path, 0, 0);
	unlink(path);
	assert_int_equal(ser.rc, 0);
	assert_int_equal(par.rc, 0);
	if (tu_zone_diff(ser.z, par.z, why, sizeof(why)) != NULL)
		fail_msg("%s", why);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2)
		assert_true(par.chunks >= 2);
	zone_free(ser.z);
	zone_free(par.z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tricky),		 cmocka_unit_test(test_origin_and_ttl),
		cmocka_unit_test(test_duplicates),	 cmocka_unit_test(test_errors),
		cmocka_unit_test(test_serial_fallbacks), cmocka_unit_test(test_generated),
		cmocka_unit_test(test_default_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
