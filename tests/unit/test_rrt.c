/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the record table builder and its reader API. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <urcu-qsbr.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define T_A     1
#define T_NS    2
#define T_CNAME 5
#define T_SOA   6
#define T_MX    15
#define T_TXT   16
#define T_AAAA  28

static const char zone_text[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 2024010101 7200 900 1209600 300\n"
	"@ IN NS ns1\n"
	"@ IN NS ns2.example.net.\n"
	"ns1 IN A 198.18.0.1\n"
	"www 300 IN A 198.18.0.10\n"
	"www 600 IN A 198.18.0.11\n"
	"www IN AAAA 2001:2::10\n"
	"alias IN CNAME www\n"
	"a.b.c IN TXT \"deep\"\n"
	"*.wild IN A 198.18.0.20\n"
	"sub IN NS ns.sub\n"
	"sub IN NS ns.sub\n"
	"sub IN NS NS.SUB\n"
	"sub IN NS ns1\n"
	"sub IN NS ns.elsewhere.net.\n"
	"ns.sub IN A 198.18.0.30\n"
	"ns.sub IN AAAA 2001:2::30\n"
	"deep.ns.sub IN A 198.18.0.31\n"
	"out IN NS ns.elsewhere.net.\n";

static const struct rrt_node *
find(const struct rrt *t, const char *text)
{
	uint8_t n[DNAME_MAXLEN];
	size_t len = tu_name(text, n);

	return rrt_find(t, n, len, dname_hash(n, len));
}

static uint32_t
node_index(const struct rrt *t, const char *text)
{
	const struct rrt_node *n = find(t, text);

	assert_non_null(n);
	return (uint32_t)(n - t->nodes);
}

static void
test_nodes_and_ents(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, NULL);

	(void)state;
	assert_int_equal(t->nzones, 1);
	assert_non_null(find(t, "www.example.com"));
	/* Lookups take lowercase names only: the caller lowercases. */
	assert_null(find(t, "WWW.example.com"));
	/* Empty non-terminals exist, with no RRsets. */
	assert_int_equal(find(t, "b.c.example.com")->nrefs, 0);
	assert_int_equal(find(t, "c.example.com")->nrefs, 0);
	assert_int_equal(find(t, "wild.example.com")->nrefs, 0);
	assert_null(find(t, "nothere.example.com"));
	assert_null(find(t, "com"));
	/* The hash index never fills beyond three quarters. */
	assert_true((uint64_t)t->nnodes * 4 <= (uint64_t)(t->mask + 1) * 3);
	rrt_free(t);
}

static void
test_flags(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, NULL);
	const struct rrt_node *apex = find(t, "example.com");
	const struct rrt_node *sub = find(t, "sub.example.com");
	const struct rrt_node *glue = find(t, "ns.sub.example.com");
	const struct rrt_node *wild = find(t, "wild.example.com");

	(void)state;
	assert_true(apex->flags & RRT_NODE_APEX);
	assert_false(apex->flags & RRT_NODE_CUT);
	assert_int_equal(apex->cut, RRT_NONE);
	assert_true(sub->flags & RRT_NODE_CUT);
	assert_int_equal(sub->cut, node_index(t, "sub.example.com"));
	assert_true(glue->flags & RRT_NODE_BELOW_CUT);
	assert_int_equal(glue->cut, node_index(t, "sub.example.com"));
	assert_int_equal(find(t, "deep.ns.sub.example.com")->cut, node_index(t, "sub.example.com"));
	assert_true(find(t, "alias.example.com")->flags & RRT_NODE_CNAME);
	assert_int_equal(wild->wildcard, node_index(t, "*.wild.example.com"));
	assert_true(find(t, "*.wild.example.com")->flags & RRT_NODE_WILDCARD);
	assert_int_equal(apex->wildcard, RRT_NONE);
	assert_int_equal(t->zones[0].apex, node_index(t, "example.com"));
	assert_int_equal(t->zones[0].serial, 2024010101);
	assert_int_equal(t->zones[0].apex_len, 13);
	rrt_free(t);
}

static void
test_rrset_wire(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, NULL);
	const struct rrt_node *www = find(t, "www.example.com");
	const struct rrt_rrset *a = rrt_ref_rrset(t, rrt_node_ref(t, www, T_A));
	const struct rrt_ref *refs = rrt_node_refs(t, www);
	static const uint8_t rec0[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 198, 18, 0, 10};

	(void)state;
	/* References are sorted by type. */
	assert_int_equal(www->nrefs, 2);
	assert_int_equal(refs[0].type, T_A);
	assert_int_equal(refs[1].type, T_AAAA);
	assert_int_equal(a->type, T_A);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->len, 32);
	/* Differing TTLs in one RRset: the lowest (RFC 2181 5.2), in file order. */
	assert_int_equal(a->ttl, 300);
	assert_memory_equal(a->wire, rec0, sizeof(rec0));
	assert_int_equal(rrt_rrset_next(a, 0), 16);
	assert_int_equal(a->wire[16 + 15], 11);
	assert_int_equal(rrt_rrset_next(a, 16), 32);
	assert_null(rrt_node_ref(t, www, T_MX));
	rrt_free(t);
}

static void
test_negative_soa(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, NULL);
	const struct rrt_rrset *neg = (const void *)(t->arena + t->zones[0].soa_neg);

	(void)state;
	/* min(3600, MINIMUM 300), in the header and in the record. */
	assert_int_equal(neg->type, T_SOA);
	assert_int_equal(neg->ttl, 300);
	assert_int_equal(neg->wire[0], 0xc0);
	assert_int_equal(neg->wire[1], 0x0c);
	assert_int_equal(neg->wire[6] << 24 | neg->wire[7] << 16 | neg->wire[8] << 8 | neg->wire[9],
			 300);
	rrt_free(t);
}

static void
test_glue(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, NULL);
	const struct rrt_node *sub = find(t, "sub.example.com");
	const struct rrt_node *out = find(t, "out.example.com");
	const struct rrt_ref *g = rrt_node_refs(t, sub);
	const struct rrt_rrset *glue;
	uint8_t owner[DNAME_MAXLEN];
	size_t ol = tu_name("ns.sub.example.com", owner);
	size_t p;

	(void)state;
	assert_int_equal(g[0].type, RRT_TYPE_GLUE);
	glue = rrt_ref_rrset(t, &g[0]);
	/*
	 * ns.sub (named three times, case differing) contributes its A and
	 * AAAA once; ns1 is authoritative data of the zone and is added too;
	 * the out-of-zone target has none; deep.ns.sub is not a target.
	 */
	assert_int_equal(glue->count, 3);
	assert_memory_equal(glue->wire, owner, ol);
	p = ol;
	assert_int_equal(glue->wire[p + 1], T_A);
	p += 10 + 4;
	assert_memory_equal(glue->wire + p, owner, ol);
	p += ol;
	assert_int_equal(glue->wire[p + 1], T_AAAA);
	p += 10 + 16;
	ol = tu_name("ns1.example.com", owner);
	assert_memory_equal(glue->wire + p, owner, ol);
	p += ol + 10 + 4;
	assert_int_equal(p, glue->len);
	/* A delegation without any glue keeps no glue reference. */
	assert_int_equal(rrt_node_refs(t, out)[0].type, T_NS);
	assert_int_equal(out->nrefs, 1);
	rrt_free(t);
}

static void
test_nested_zones(void **state)
{
	struct rrt *t = tu_table("example.com", zone_text, "sub.example.com",
				 "$TTL 60\n"
				 "@ SOA ns hostmaster 7 1 1 1 30\n"
				 "@ NS ns\n"
				 "ns A 198.18.1.1\n"
				 "host A 198.18.1.2\n",
				 NULL);
	const struct rrt_node *sub = find(t, "sub.example.com");
	const struct rrt_node *ns = find(t, "ns.sub.example.com");

	(void)state;
	assert_int_equal(t->nzones, 2);
	/* The child zone owns its apex and everything below: parent's delegation and glue are occluded. */
	assert_true(sub->flags & RRT_NODE_APEX);
	assert_false(sub->flags & RRT_NODE_CUT);
	assert_int_equal(t->zones[sub->zone].serial, 7);
	assert_false(ns->flags & RRT_NODE_BELOW_CUT);
	assert_int_equal(rrt_ref_rrset(t, rrt_node_ref(t, ns, T_A))->wire[15], 1);
	assert_null(find(t, "deep.ns.sub.example.com"));
	assert_int_equal(find(t, "www.example.com")->zone, 0);
	assert_int_equal(ns->zone, 1);
	rrt_free(t);
}

static void
test_duplicate_zone(void **state)
{
	struct zone *z[2];
	struct sw_diag d = {0};
	struct rrt *t = (void *)1;

	(void)state;
	z[0] = tu_zone("example.com", zone_text);
	z[1] = tu_zone("EXAMPLE.com.", zone_text);
	assert_int_equal(rrt_build((const struct zone *const *)z, 2, NULL, 0, &t, &d), SW_EZONE_DUP);
	assert_null(t);
	assert_non_null(strstr(d.msg, "more than once"));
	zone_free(z[0]);
	zone_free(z[1]);
}

static struct rrt_slot *
slot(const char *name, uint16_t type, uint8_t last_octet)
{
	uint8_t n[DNAME_MAXLEN];
	size_t len = tu_name(name, n);
	uint8_t rd[4] = {198, 18, 2, last_octet};
	const uint8_t *rdp[1] = {rd};
	uint16_t rdlen[1] = {4};

	return rrt_slot_new(n, len, type, rrt_rrset_new(type, 30, rdp, rdlen, 1));
}

static int
build_with_slots(struct rrt_slot **s, size_t n, struct rrt **t, struct sw_diag *d)
{
	struct zone *z = tu_zone("example.com", zone_text);
	int rc = rrt_build((const struct zone *const *)&z, 1, s, n, t, d);

	zone_free(z);
	return rc;
}

static void
test_slots(void **state)
{
	struct rrt_slot *s[2] = {slot("svc.x.example.com", T_A, 1), slot("www.example.com", T_MX, 2)};
	struct rrt *t;
	struct sw_diag d = {0};
	const struct rrt_node *svc, *www;
	const struct rrt_ref *ref;
	const struct rrt_rrset *rs;

	(void)state;
	assert_int_equal(build_with_slots(s, 2, &t, &d), 0);
	svc = find(t, "svc.x.example.com");
	assert_non_null(svc);
	/* The slot's name did not exist: it and its ancestor were created. */
	assert_int_equal(find(t, "x.example.com")->nrefs, 0);
	ref = rrt_node_ref(t, svc, T_A);
	assert_true(ref->flags & RRT_REF_SLOT);
	rs = rrt_ref_rrset(t, ref);
	assert_ptr_equal(rs, s[0]->cur);
	assert_int_equal(rs->wire[15], 1);
	/* Merged in type order beside the zone's own RRsets. */
	www = find(t, "www.example.com");
	assert_int_equal(www->nrefs, 3);
	assert_int_equal(rrt_node_refs(t, www)[1].type, T_MX);
	/* A swap is seen through the same snapshot, without a rebuild. */
	rrt_slot_replace(s[0], NULL);
	assert_null(rrt_ref_rrset(t, ref));
	rrt_free(t);
	rrt_slot_free(s[0]);
	rrt_slot_free(s[1]);
	/* The replaced RRset is freed by call_rcu: wait for it so nothing leaks. */
	rcu_barrier();
}

static void
test_slot_errors(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		const char *why;
	} bad[] = {
		{"www.example.org", T_A, "outside every served zone"},
		{"www.example.com", T_A, "records of this type"},
		{"alias.example.com", T_A, "a CNAME"},
		{"host.sub.example.com", T_A, "delegation"},
		{"sub.example.com", T_A, "delegation"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rrt_slot *s = slot(bad[i].name, bad[i].type, 1);
		struct rrt *t = (void *)1;
		struct sw_diag d = {0};

		assert_int_equal(build_with_slots(&s, 1, &t, &d), SW_ESLOT);
		assert_null(t);
		char who[300];

		if (strstr(d.msg, bad[i].why) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].name, d.msg, bad[i].why);
		/* The message names the record as the operator wrote it, not a slot number. */
		snprintf(who, sizeof(who), "failover record %s. A:", bad[i].name);
		if (strstr(d.msg, who) == NULL)
			fail_msg("\"%s\" does not name the record (\"%s\")", d.msg, who);
		rrt_slot_free(s);
	}
}

static void
test_empty_and_many(void **state)
{
	size_t cap = 64 + 10000 * 40;
	char *text = malloc(cap);
	size_t n = 0;
	struct rrt *t;
	struct sw_diag d = {0};

	(void)state;
	assert_int_equal(rrt_build(NULL, 0, NULL, 0, &t, &d), 0);
	assert_null(find(t, "example.com"));
	rrt_free(t);

	n += (size_t)snprintf(text + n, cap - n, "@ 60 SOA a b 1 1 1 1 1\n@ 60 NS a\n");
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(text + n, cap - n, "h%d.l%d 60 A 198.18.%d.%d\n", i, i % 7,
				      i / 256 % 256, i % 256);
	t = tu_table("big.example", text, NULL);
	for (int i = 0; i < 10000; i++) {
		char name[64];

		snprintf(name, sizeof(name), "h%d.l%d.big.example", i, i % 7);
		assert_non_null(find(t, name));
	}
	assert_int_equal(t->nnodes, 10000 + 7 + 1);
	rrt_free(t);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes_and_ents),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_rrset_wire),
		cmocka_unit_test(test_negative_soa),
		cmocka_unit_test(test_glue),
		cmocka_unit_test(test_nested_zones),
		cmocka_unit_test(test_duplicate_zone),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_slot_errors),
		cmocka_unit_test(test_empty_and_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
