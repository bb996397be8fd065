/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the wire-name helpers and the error table. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "swerve/dname.h"
#include "swerve/error.h"
#include "testutil.h"

static void
test_len_and_labels(void **state)
{
	uint8_t n[DNAME_MAXLEN];
	uint8_t offs[DNAME_MAXLABELS];
	size_t len = tu_name("www.Example.COM.", n);

	(void)state;
	assert_int_equal(len, 17);
	assert_int_equal(dname_len(n), 17);
	assert_int_equal(dname_label_offsets(n, offs), 3);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 4);
	assert_int_equal(offs[2], 12);
	assert_int_equal(dname_len((const uint8_t *)"\0"), 1);
	assert_int_equal(dname_label_offsets((const uint8_t *)"\0", offs), 0);
}

static void
test_lower(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t want = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : (uint8_t)c;

		assert_int_equal(dname_lower_octet((uint8_t)c), want);
	}
}

static void
test_below_or_at(void **state)
{
	uint8_t a[DNAME_MAXLEN], z[DNAME_MAXLEN], x[DNAME_MAXLEN], r[DNAME_MAXLEN];
	size_t al = tu_name("a.b.example.com", a);
	size_t zl = tu_name("example.com", z);
	size_t xl = tu_name("xexample.com", x);
	size_t rl = tu_name(".", r);

	(void)state;
	assert_true(dname_is_below_or_at(a, al, z, zl));
	assert_true(dname_is_below_or_at(z, zl, z, zl));
	assert_false(dname_is_below_or_at(z, zl, a, al));
	/* Same trailing octets, different label boundary. */
	assert_false(dname_is_below_or_at(x, xl, z, zl));
	assert_true(dname_is_below_or_at(a, al, r, rl));
}

static void
test_hash(void **state)
{
	uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN];
	size_t al = tu_name("host-0001.example.com", a);
	size_t bl = tu_name("host-0002.example.com", b);

	(void)state;
	assert_true(dname_hash(a, al) == dname_hash(a, al));
	assert_true(dname_hash(a, al) != dname_hash(b, bl));
	/* Length takes part: a prefix never hashes like the whole. */
	assert_true(dname_hash(a, 8) != dname_hash(a, 9));
}

static void
test_strerror(void **state)
{
	struct sw_diag d;

	(void)state;
	assert_string_equal(sw_strerror(SW_EZONE_NOSOA), "no SOA record at the zone apex");
	assert_string_equal(sw_strerror(-ENOMEM), "Cannot allocate memory");
	for (int c = SW_ERR_BASE + 1; c < SW_ERR_LAST; c++)
		assert_string_not_equal(sw_strerror(c), "unknown swerve error");
	assert_string_equal(sw_strerror(SW_ERR_LAST), "unknown error");
	assert_int_equal(sw_diag_set(&d, SW_EZONE_CNAME, "z.zone", 7, "at %s", "www"),
			 SW_EZONE_CNAME);
	assert_int_equal(d.line, 7);
	assert_string_equal(d.file, "z.zone");
	assert_string_equal(d.msg, "at www");
	assert_int_equal(sw_diag_set(NULL, -EINVAL, NULL, 0, "x"), -EINVAL);
}

/* Every spelling of a zone name compares as one canonical text. */
static void
test_text_canon(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", "."},
		{".", "."},
		{"example.com", "example.com."},
		{"Example.COM.", "example.com."},
		{"a", "a."},
		{"\\065.Test.", "\\065.test."},
	};
	char buf[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(dname_text_canon(cases[i].in, buf, sizeof(buf)),
				 (int)strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	/* "abcdefgh." needs 10 octets with the NUL. */
	assert_int_equal(dname_text_canon("abcdefgh", buf, 10), 9);
	assert_int_equal(dname_text_canon("abcdefgh", buf, 9), -ENAMETOOLONG);
	assert_int_equal(dname_text_canon(".", buf, 1), -ENAMETOOLONG);
}

/* Text to wire and back: escapes, case, the root, and what is refused. */
static void
test_text_wire(void **state)
{
	uint8_t w[DNAME_MAXLEN];
	char text[DNAME_MAXLEN * 4 + 1];
	char label[70];
	size_t len;

	(void)state;
	assert_int_equal(dname_from_text(".", w, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(w[0], 0);
	dname_to_text(w, text, sizeof(text));
	assert_string_equal(text, ".");

	assert_int_equal(dname_from_text("WWW.Example.com", w, &len), 0);
	assert_int_equal(len, 17);
	assert_memory_equal(w, "\3www\7example\3com", 17);
	dname_to_text(w, text, sizeof(text));
	assert_string_equal(text, "www.example.com.");

	/* \X and \DDD; the dot and the backslash come back escaped, a space as \032. */
	assert_int_equal(dname_from_text("a\\.b\\\\c\\032d.\\255.", w, &len), 0);
	assert_int_equal(len, 11);
	assert_memory_equal(w, "\7a.b\\c d\1\377", 11); /* and the root */
	dname_to_text(w, text, sizeof(text));
	assert_string_equal(text, "a\\.b\\\\c\\032d.\\255.");

	assert_int_equal(dname_from_text("a..b", w, &len), -EINVAL);
	assert_int_equal(dname_from_text("\\256.", w, &len), -EINVAL);
	assert_int_equal(dname_from_text("\\12", w, &len), -EINVAL);
	assert_int_equal(dname_from_text("a\\", w, &len), -EINVAL);
	memset(label, 'x', 64);
	label[64] = '\0';
	assert_int_equal(dname_from_text(label, w, &len), -EINVAL);
	label[63] = '\0';
	assert_int_equal(dname_from_text(label, w, &len), 0);
	assert_int_equal(len, 65);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_len_and_labels),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_below_or_at),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_text_canon),
		cmocka_unit_test(test_text_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
