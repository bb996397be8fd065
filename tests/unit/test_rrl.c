/* SPDX-License-Identifier: BSD-3-Clause */
/* Response rate limiting: bucket arithmetic, slip, source prefixes, classes and the table. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swerve/rrl.h"

/* One tick per microsecond keeps the arithmetic readable. */
#define HZ 1000000ull

struct fx {
	struct rrl r;
	struct rrl_conf c;
	void *table;
};

static struct fx g;

static const uint8_t a1[4] = {198, 18, 1, 1};
static const uint8_t a1b[4] = {198, 18, 1, 200}; /* Same /24 as a1. */
static const uint8_t a2[4] = {198, 18, 2, 1};

static void
fx_init(uint32_t rate, uint32_t burst, uint32_t slip, uint32_t table_size)
{
	memset(&g.c, 0, sizeof(g.c));
	g.c.rate = rate;
	g.c.burst = burst;
	g.c.slip = slip;
	g.c.ipv4_prefix = 24;
	g.c.ipv6_prefix = 56;
	g.c.table_size = table_size;
	g.c.seed = 42;
	free(g.table);
	g.table = calloc(1, rrl_table_bytes(&g.c));
	assert_non_null(g.table);
	assert_int_equal(rrl_init(&g.r, &g.c, HZ, g.table), 0);
}

static int
teardown(void **state)
{
	(void)state;
	free(g.table);
	g.table = NULL;
	return 0;
}

/* Responses that pass out of @n sent at @now, one class, one source. */
static unsigned
passes(const uint8_t *addr, unsigned len, unsigned cls, unsigned n, uint64_t now)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += rrl_check(&g.r, addr, len, cls, now) == RRL_PASS;
	return ok;
}

static void
test_init(void **state)
{
	struct rrl r;
	struct rrl_conf c = {.rate = 0, .ipv4_prefix = 24, .ipv6_prefix = 56, .table_size = 1000};
	uint8_t table[64];

	(void)state;
	assert_int_equal(rrl_init(&r, &c, HZ, table), -EINVAL);
	c.rate = 5;
	c.ipv4_prefix = 33;
	assert_int_equal(rrl_init(&r, &c, HZ, table), -EINVAL);
	c.ipv4_prefix = 24;
	c.ipv6_prefix = 0;
	assert_int_equal(rrl_init(&r, &c, HZ, table), -EINVAL);
	/* Table sizes round up to a power of two of 32-octet buckets. */
	assert_int_equal(sizeof(struct rrl_bucket), 32);
	assert_int_equal(rrl_table_bytes(&c), 1024 * 32);
	c.table_size = 1024;
	assert_int_equal(rrl_table_bytes(&c), 1024 * 32);
	c.table_size = 0;
	assert_int_equal(rrl_table_bytes(&c), 2 * 32);
}

/* From the config: the defaults config.c sets come through unchanged. */
/* A full bucket lets a burst through, then the rate refills it. */
static void
test_burst_and_rate(void **state)
{
	uint64_t t = 5 * HZ;

	(void)state;
	fx_init(10, 0, 0, 1024); /* burst = one second's rate = 10 */
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 10, t), 10);
	assert_int_equal(rrl_check(&g.r, a1, 4, DNSQ_CLASS_ANSWER, t), RRL_DROP);
	/* One token every 100 ms. */
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 5, t + 99999), 0);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 5, t + 100000), 1);
	/* A steady flood of 1000/s for 10 s gets the rate through, nothing more. */
	{
		unsigned ok = 0;

		for (unsigned ms = 1; ms <= 10000; ms++)
			ok += passes(a1, 4, DNSQ_CLASS_ANSWER, 1, t + 100000 + ms * 1000ull);
		assert_in_range(ok, 99, 101);
	}
	/* Idle long enough and the whole burst is back. */
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 20, t + 60 * HZ), 10);
	/* An explicit burst. */
	fx_init(10, 3, 0, 1024);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 10, t), 3);
	fx_init(10, 1, 0, 1024);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 10, t), 1);
}

static void
test_slip(void **state)
{
	uint64_t t = 5 * HZ;
	unsigned slips = 0, drops = 0;

	(void)state;
	fx_init(5, 0, 2, 1024);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_NXDOMAIN, 5, t), 5);
	for (unsigned i = 0; i < 100; i++) {
		enum rrl_verdict v = rrl_check(&g.r, a1, 4, DNSQ_CLASS_NXDOMAIN, t);

		assert_int_equal(v, i % 2 == 1 ? RRL_SLIP : RRL_DROP);
		slips += v == RRL_SLIP;
		drops += v == RRL_DROP;
	}
	assert_int_equal(slips, 50);
	assert_int_equal(drops, 50);
	/* slip 1: every limited response slips; slip 0: none does. */
	fx_init(5, 0, 1, 1024);
	passes(a1, 4, DNSQ_CLASS_NXDOMAIN, 5, t);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(rrl_check(&g.r, a1, 4, DNSQ_CLASS_NXDOMAIN, t), RRL_SLIP);
	fx_init(5, 0, 0, 1024);
	passes(a1, 4, DNSQ_CLASS_NXDOMAIN, 5, t);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(rrl_check(&g.r, a1, 4, DNSQ_CLASS_NXDOMAIN, t), RRL_DROP);
}

/* IPv4 /24 and IPv6 /56 share a bucket; other prefixes and classes have their own. */
static void
test_keys(void **state)
{
	static const uint8_t v6a[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t v6b[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 0xff, 0xaa, 0, 0, 0, 0, 0, 0, 9};
	static const uint8_t v6c[16] = {0x20, 0x01, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	/* The IPv4 /24 of a1 written as the start of an IPv6 address: another family. */
	static const uint8_t v6d[16] = {198, 18, 1, 0};
	uint64_t t = 5 * HZ;

	(void)state;
	fx_init(4, 0, 0, 1024);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 2, t), 2);
	assert_int_equal(passes(a1b, 4, DNSQ_CLASS_ANSWER, 4, t), 2);
	assert_int_equal(passes(a2, 4, DNSQ_CLASS_ANSWER, 4, t), 4);
	for (unsigned k = DNSQ_CLASS_NXDOMAIN; k < DNSQ_CLASS_MAX; k++)
		assert_int_equal(passes(a1, 4, k, 6, t), 4);
	assert_int_equal(passes(v6a, 16, DNSQ_CLASS_ANSWER, 3, t), 3);
	assert_int_equal(passes(v6b, 16, DNSQ_CLASS_ANSWER, 3, t), 1);
	assert_int_equal(passes(v6c, 16, DNSQ_CLASS_ANSWER, 6, t), 4);
	assert_int_equal(passes(v6d, 16, DNSQ_CLASS_ANSWER, 6, t), 4);
	/* Out-of-range classes count as errors rather than overflow. */
	assert_int_equal(passes(a2, 4, 99, 6, t), 4);
	assert_int_equal(passes(a2, 4, DNSQ_CLASS_ERROR, 2, t), 0);
}

/* errors-per-second applies to the error class alone. */
static void
test_error_rate(void **state)
{
	uint64_t t = 5 * HZ;

	(void)state;
	memset(&g.c, 0, sizeof(g.c));
	g.c.rate = 50;
	g.c.errors = 2;
	g.c.ipv4_prefix = 24;
	g.c.ipv6_prefix = 56;
	g.c.table_size = 64;
	free(g.table);
	g.table = calloc(1, rrl_table_bytes(&g.c));
	assert_int_equal(rrl_init(&g.r, &g.c, HZ, g.table), 0);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ERROR, 10, t), 2);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 100, t), 50);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ERROR, 10, t + HZ / 2), 1);
}

/*
 * Collisions: in a table of one set (two buckets) a third key replaces the
 * fuller (least limited) one, so a source being limited stays limited.
 */
static void
test_collisions(void **state)
{
	uint64_t t = 5 * HZ;
	uint8_t a[4] = {198, 18, 0, 0};

	(void)state;
	fx_init(4, 0, 0, 2);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 10, t), 4); /* a1 limited */
	for (unsigned i = 0; i < 200; i++) {
		a[2] = (uint8_t)(10 + i);
		assert_int_equal(rrl_check(&g.r, a, 4, DNSQ_CLASS_ANSWER, t), RRL_PASS);
	}
	assert_int_equal(rrl_check(&g.r, a1, 4, DNSQ_CLASS_ANSWER, t), RRL_DROP);
	/* A big table under many sources: every new source passes, nothing is lost track of. */
	fx_init(1, 0, 0, 4096);
	for (unsigned i = 0; i < 65536; i++) {
		a[1] = (uint8_t)(i >> 8);
		a[2] = (uint8_t)i;
		assert_int_equal(rrl_check(&g.r, a, 4, DNSQ_CLASS_ANSWER, t), RRL_PASS);
	}
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 3, t), 1);
}

/*
 * A reload retunes a running table: the new rate and burst apply at once,
 * a bucket's state (how far ahead it runs) stays, the table and seed stay,
 * and a bad configuration changes nothing.
 */
static void
test_retune(void **state)
{
	uint64_t t = 5 * HZ;
	struct rrl_conf c;
	void *table;

	(void)state;
	fx_init(10, 0, 0, 1024);
	table = g.r.table;
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 10, t), 10);
	assert_int_equal(rrl_check(&g.r, a1, 4, DNSQ_CLASS_ANSWER, t), RRL_DROP);

	/* Ten times the rate: a token every 10 ms instead of 100; the bucket that ran dry stays. */
	c = g.c;
	c.rate = 100;
	assert_int_equal(rrl_retune(&g.r, &c, HZ), 0);
	assert_ptr_equal(g.r.table, table);
	assert_int_equal(g.r.seed, 42);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 5, t), 0);
	assert_int_equal(passes(a1, 4, DNSQ_CLASS_ANSWER, 5, t + 2 * HZ), 5);

	/* Slip and prefix length follow too: a /32 key tells a1b from a1. */
	c.slip = 1;
	c.ipv4_prefix = 32;
	c.burst = 2;
	assert_int_equal(rrl_retune(&g.r, &c, HZ), 0);
	assert_int_equal(passes(a1b, 4, DNSQ_CLASS_ANSWER, 5, t + 2 * HZ), 2);
	assert_int_equal(rrl_check(&g.r, a1b, 4, DNSQ_CLASS_ANSWER, t + 2 * HZ), RRL_SLIP);

	/* Rate 0 or a bad prefix: refused, the limits as they were. */
	c.rate = 0;
	assert_int_equal(rrl_retune(&g.r, &c, HZ), -EINVAL);
	c.rate = 100;
	c.ipv4_prefix = 40;
	assert_int_equal(rrl_retune(&g.r, &c, HZ), -EINVAL);
	assert_int_equal(g.r.slip, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test_teardown(test_burst_and_rate, teardown),
		cmocka_unit_test_teardown(test_slip, teardown),
		cmocka_unit_test_teardown(test_keys, teardown),
		cmocka_unit_test_teardown(test_error_rate, teardown),
		cmocka_unit_test_teardown(test_collisions, teardown),
		cmocka_unit_test_teardown(test_retune, teardown),
	};

	return cmocka_run_group_tests_name("rrl", tests, NULL, NULL);
}
