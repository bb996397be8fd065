/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of DO=1 answers from signed zones (docs/dnssec.md): every RRset
 * that must be signed carries RRSIGs that ldns verifies against the zone's
 * DNSKEYs, and each denial has the NSEC or NSEC3 records of its proof shape
 * (RFC 4035 3.1.3, RFC 5155 7.2), which ldns's denial checks accept. The
 * zones are tests/common/zones/signed/, signed by ldns-signzone.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "testutil.h"

enum {
	T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_DS = 43,
	T_RRSIG = 46, T_NSEC = 47, T_DNSKEY = 48, T_NSEC3 = 50, T_NSEC3PARAM = 51,
};

/* The signatures are valid from 2026 to 2036: validate as of the middle. */
#define T_CHECK_TIME ((time_t)1893456000) /* 2030-01-01 */

static const char *const t_zone_files[] = {
	"signed/example.com.nsec.zone",
	"signed/example.com.nsec3.zone",
	"signed/example.com.nsec3-optout.zone",
};
enum { Z_NSEC, Z_NSEC3, Z_OPTOUT, Z_MAX };

static struct rrt *g_t[Z_MAX];
static ldns_rr_list *g_keys[Z_MAX];
static struct dnsq_conf g_conf = {.edns_payload = 4096};
static uint8_t g_resp[65535];

/* The zone's DNSKEY RRset, read with ldns from the same file. */
static ldns_rr_list *
t_keys(const char *file)
{
	FILE *f = fopen(tu_fixture_path(file), "r");
	ldns_zone *z = NULL;
	ldns_rr_list *keys = ldns_rr_list_new();

	assert_non_null(f);
	assert_int_equal(ldns_zone_new_frm_fp(&z, f, NULL, 0, LDNS_RR_CLASS_IN), LDNS_STATUS_OK);
	fclose(f);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_zone_rrs(z), i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY)
			ldns_rr_list_push_rr(keys, ldns_rr_clone(rr));
	}
	ldns_zone_deep_free(z);
	assert_true(ldns_rr_list_rr_count(keys) >= 2);
	return keys;
}

static int
t_setup(void **state)
{
	(void)state;
	for (int i = 0; i < Z_MAX; i++) {
		char *text = tu_fixture_text(t_zone_files[i]);

		g_t[i] = tu_table("example.com", text, NULL);
		free(text);
		g_keys[i] = t_keys(t_zone_files[i]);
	}
	return 0;
}

static int
t_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < Z_MAX; i++) {
		rrt_free(g_t[i]);
		ldns_rr_list_deep_free(g_keys[i]);
	}
	return 0;
}

/* Ask @name/@type of zone @z with DO (@do_bit) and EDNS payload @payload; the decoded answer. */
static ldns_pkt *
t_ask(int z, const char *name, uint16_t type, int do_bit, uint16_t payload, unsigned flags)
{
	struct tu_qopt o = {.id = 0x3535, .edns = 1, .do_bit = (uint8_t)do_bit, .payload = payload};
	uint8_t q[512];
	struct dnsq_info info;
	size_t qlen = tu_query(q, sizeof(q), name, type, &o);
	size_t n = dnsq_answer(g_t[z], &g_conf, NULL, q, qlen, g_resp, sizeof(g_resp), flags, &info);
	ldns_pkt *p = NULL;

	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&p, g_resp, n), LDNS_STATUS_OK);
	return p;
}

/* The records of @list with type @type (RRSIGs: covering @type) and owner @owner (NULL: any). */
static ldns_rr_list *
t_select(const ldns_rr_list *list, ldns_rr_type type, bool sigs, const ldns_rdf *owner)
{
	ldns_rr_list *out = ldns_rr_list_new();

	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if (sigs ? (t != LDNS_RR_TYPE_RRSIG ||
			    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != type)
			 : t != type)
			continue;
		if (owner != NULL && ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		ldns_rr_list_push_rr(out, rr);
	}
	return out;
}

/*
 * Every RRset of @sec (except @unsigned_type, the delegation NS of a
 * referral) has RRSIGs, and each of them verifies with zone @z's keys.
 * Returns the number of RRsets checked.
 */
static unsigned
t_all_signed(int z, const ldns_rr_list *sec, ldns_rr_type unsigned_type)
{
	unsigned checked = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		ldns_rr_list *set, *sigs;

		if (t == LDNS_RR_TYPE_RRSIG || t == unsigned_type)
			continue;
		/* Once per RRset: at its first record. */
		set = t_select(sec, t, false, ldns_rr_owner(rr));
		if (ldns_rr_list_rr(set, 0) != rr) {
			ldns_rr_list_free(set);
			continue;
		}
		sigs = t_select(sec, t, true, ldns_rr_owner(rr));
		if (ldns_rr_list_rr_count(sigs) == 0) {
			char *s = ldns_rr2str(rr);

			fail_msg("no RRSIG with %s", s);
		}
		for (size_t k = 0; k < ldns_rr_list_rr_count(sigs); k++) {
			ldns_status st = ldns_verify_rrsig_keylist_time(
				set, ldns_rr_list_rr(sigs, k), g_keys[z], T_CHECK_TIME, NULL);

			if (st != LDNS_STATUS_OK) {
				char *s = ldns_rr2str(rr);

				fail_msg("RRSIG over %s does not verify: %s", s,
					 ldns_get_errorstr_by_id(st));
			}
		}
		checked++;
		ldns_rr_list_free(set);
		ldns_rr_list_free(sigs);
	}
	return checked;
}

/* Owners of the @type records in @sec, as text joined by spaces, for exact expectations. */
static const char *
t_owners(const ldns_rr_list *sec, ldns_rr_type type)
{
	static char buf[2048];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		char *s;

		if (ldns_rr_get_type(rr) != type)
			continue;
		s = ldns_rdf2str(ldns_rr_owner(rr));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? " " : "", s);
		free(s);
	}
	return buf;
}

/* The denial in @p for @name/@type proved by ldns's own checks (NSEC or NSEC3 per zone @z). */
static void
t_denial(int z, ldns_pkt *p, const char *name, ldns_rr_type type, bool nodata)
{
	ldns_rr_list *auth = ldns_pkt_authority(p);
	ldns_rr *q = ldns_rr_new();
	ldns_rdf *owner = ldns_dname_new_frm_str(name);
	ldns_rr_list *nsecs, *sigs;
	ldns_status st;

	ldns_rr_set_owner(q, owner);
	ldns_rr_set_type(q, type);
	if (z == Z_NSEC) {
		nsecs = t_select(auth, LDNS_RR_TYPE_NSEC, false, NULL);
		sigs = t_select(auth, LDNS_RR_TYPE_NSEC, true, NULL);
		st = ldns_dnssec_verify_denial(q, nsecs, sigs);
	} else {
		nsecs = t_select(auth, LDNS_RR_TYPE_NSEC3, false, NULL);
		sigs = t_select(auth, LDNS_RR_TYPE_NSEC3, true, NULL);
		st = ldns_dnssec_verify_denial_nsec3(q, nsecs, sigs, ldns_pkt_get_rcode(p), type,
						     nodata);
	}
	if (st != LDNS_STATUS_OK)
		fail_msg("denial of %s type %u not proved: %s", name, type,
			 ldns_get_errorstr_by_id(st));
	ldns_rr_list_free(nsecs);
	ldns_rr_list_free(sigs);
	ldns_rr_free(q);
}

/* Check @p's header and section sizes. */
static void
t_expect(ldns_pkt *p, ldns_pkt_rcode rcode, bool aa, size_t an, size_t ns)
{
	assert_int_equal(ldns_pkt_get_rcode(p), rcode);
	assert_int_equal(ldns_pkt_aa(p), aa);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), an);
	assert_int_equal(ldns_pkt_nscount(p), ns);
	assert_true(ldns_pkt_edns_do(p));
}

/* Positive answers, the apex RRsets and a CNAME chain: every RRset signed, one memcpy each. */
static void
test_positive(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "www.example.com", T_A, 1, 4096, 0);

		t_expect(p, LDNS_RCODE_NOERROR, true, 3, 0);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		ldns_pkt_free(p);

		p = t_ask(z, "example.com", T_DNSKEY, 1, 4096, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		/* Two DNSKEYs and the RRSIG(s) over them. */
		assert_true(ldns_pkt_ancount(p) >= 3);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		ldns_pkt_free(p);

		p = t_ask(z, "example.com", T_SOA, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		ldns_pkt_free(p);

		/* alias2 -> alias -> www: two CNAMEs and the two A records, each RRset signed. */
		p = t_ask(z, "alias2.example.com", T_A, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 7, 0);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 3);
		ldns_pkt_free(p);
	}
}

/* Without DO the answer is what it is for an unsigned zone: no RRSIG, no proof. */
static void
test_no_do(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "www.example.com", T_A, 0, 4096, 0);

		assert_int_equal(ldns_pkt_ancount(p), 2);
		ldns_pkt_free(p);
		p = t_ask(z, "nope.example.com", T_A, 0, 4096, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
		assert_int_equal(ldns_pkt_nscount(p), 1);
		ldns_pkt_free(p);
		p = t_ask(z, "child.example.com", T_A, 0, 4096, 0);
		assert_int_equal(ldns_pkt_nscount(p), 2);
		ldns_pkt_free(p);
	}
}

/* NXDOMAIN: the SOA and its RRSIG, and the proof: NSEC covering the name and the wildcard. */
static void
test_nxdomain(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "nope.example.com", T_A, 1, 4096, 0);

		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
		assert_true(ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_ancount(p), 0);
		/* SOA, and 2 NSEC or 3 NSEC3 (closest encloser, next closer, wildcard). */
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), z == Z_NSEC ? 3 : 4);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "mid.example.com. example.com.");
		t_denial(z, p, "nope.example.com.", LDNS_RR_TYPE_A, false);
		ldns_pkt_free(p);

		/*
		 * Deeper: the closest encloser is www, the next closer a.www. With NSEC one
		 * record proves both: www's NSEC covers b.a.www and *.www alike.
		 */
		p = t_ask(z, "b.a.www.example.com", T_A, 1, 4096, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), z == Z_NSEC ? 2 : 4);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "www.example.com.");
		t_denial(z, p, "b.a.www.example.com.", LDNS_RR_TYPE_A, false);
		ldns_pkt_free(p);
	}
}

/* NODATA at a name, and at an empty non-terminal. */
static void
test_nodata(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "www.example.com", T_TXT, 1, 4096, 0);

		t_expect(p, LDNS_RCODE_NOERROR, true, 0, 4);
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), 2);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "www.example.com.");
		t_denial(z, p, "www.example.com.", LDNS_RR_TYPE_TXT, true);
		ldns_pkt_free(p);

		/* ent.example.com: with NSEC the one before it, with NSEC3 its own. */
		p = t_ask(z, "ent.example.com", T_A, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 0, 4);
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), 2);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "dangling.example.com.");
		ldns_pkt_free(p);
	}
}

/* Wildcards: the synthesised answer with the wildcard's labels count, and the proof. */
static void
test_wildcard(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "foo.wild.example.com", T_A, 1, 4096, 0);
		ldns_rr *sig;

		t_expect(p, LDNS_RCODE_NOERROR, true, 2, 2);
		sig = ldns_rr_list_rr(ldns_pkt_answer(p), 1);
		assert_int_equal(ldns_rr_get_type(sig), LDNS_RR_TYPE_RRSIG);
		/* *.wild.example.com has 3 labels, the owner 4: the validator sees the expansion. */
		assert_int_equal(ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig)), 3);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), 1);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "*.wild.example.com.");
		ldns_pkt_free(p);

		/*
		 * Wildcard NODATA: the wildcard's NSEC (which here also covers the name:
		 * *.wild < foo.wild < host.wild), or three NSEC3 (encloser, next closer,
		 * wildcard).
		 */
		p = t_ask(z, "foo.wild.example.com", T_MX, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 0, z == Z_NSEC ? 4 : 8);
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), 0), z == Z_NSEC ? 2 : 4);
		if (z == Z_NSEC)
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "*.wild.example.com.");
		ldns_pkt_free(p);

		/* A wildcard CNAME: the CNAME signed as the wildcard, then www's two A records. */
		p = t_ask(z, "x.wc.example.com", T_A, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 5, 2);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 2);
		ldns_pkt_free(p);
	}
}

/* Referrals: the DS RRset with its RRSIG, or the proof that there is none. */
static void
test_referral(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "www.signed.example.com", T_A, 1, 4096, 0);

		assert_false(ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_ancount(p), 0);
		/* NS (unsigned: the child's), DS and its RRSIG. */
		assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), LDNS_RR_TYPE_NS), 1);
		assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_DS),
				    "signed.example.com.");
		ldns_pkt_free(p);

		/* No DS at child: NSEC at the cut; NSEC3 matching it, or the opt-out proof. */
		p = t_ask(z, "www.child.example.com", T_A, 1, 4096, 0);
		assert_false(ldns_pkt_aa(p));
		assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_DS), "");
		if (z == Z_NSEC) {
			assert_string_equal(t_owners(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC),
					    "child.example.com.");
			assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), LDNS_RR_TYPE_NS),
					 1);
		} else {
			/*
			 * The NSEC3 matching child (ldns-signzone -p still gives insecure
			 * delegations their NSEC3; a chain without one takes the opt-out
			 * proof, covered by the lab test with Knot's signer).
			 */
			assert_int_equal(t_all_signed(z, ldns_pkt_authority(p), LDNS_RR_TYPE_NS),
					 1);
		}
		ldns_pkt_free(p);
	}
}

/* DS at a delegation is the parent's: the RRset, or NODATA with the proof. */
static void
test_ds(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "signed.example.com", T_DS, 1, 4096, 0);

		t_expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		ldns_pkt_free(p);

		p = t_ask(z, "child.example.com", T_DS, 1, 4096, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		assert_true(ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_ancount(p), 0);
		assert_true(t_all_signed(z, ldns_pkt_authority(p), 0) >= 2);
		if (z != Z_OPTOUT)
			t_denial(z, p, "child.example.com.", LDNS_RR_TYPE_DS, true);
		ldns_pkt_free(p);
	}
}

/* QTYPE RRSIG: the stored signatures of the name. */
static void
test_rrsig_query(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "www.example.com", T_RRSIG, 1, 4096, 0);
		ldns_rr_list *an = ldns_pkt_answer(p);

		/* A, AAAA and NSEC (NSEC zones) are signed at www. */
		assert_int_equal(ldns_pkt_ancount(p), z == Z_NSEC ? 3 : 2);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
			assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(an, i)),
					 LDNS_RR_TYPE_RRSIG);
		ldns_pkt_free(p);
	}
}

/* RFC 4035 3.1.1: when the signatures do not fit the client's payload, TC=1. */
static void
test_truncation(void **state)
{
	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		ldns_pkt *p = t_ask(z, "nope.example.com", T_A, 1, 512, 0);

		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
		assert_true(ldns_pkt_tc(p));
		assert_int_equal(ldns_pkt_nscount(p), 0);
		ldns_pkt_free(p);
		/* The same over TCP: whole. */
		p = t_ask(z, "nope.example.com", T_A, 1, 512, DNSQ_TCP);
		assert_false(ldns_pkt_tc(p));
		t_denial(z, p, "nope.example.com.", LDNS_RR_TYPE_A, false);
		ldns_pkt_free(p);
	}
}

/* NSEC3 owners are no names of the zone (RFC 5155 7.2.8): asking for one is NXDOMAIN. */
static void
test_nsec3_owner(void **state)
{
	const struct rrt_zone *zi = &g_t[Z_NSEC3]->zones[0];
	const struct rrt_nsec3 *chain =
		(const struct rrt_nsec3 *)(const void *)(g_t[Z_NSEC3]->arena + zi->chain);
	char name[64];
	ldns_pkt *p;
	ldns_rdf *b32;
	char *text;

	(void)state;
	assert_int_equal(zi->denial, RRT_DENIAL_NSEC3);
	assert_true(zi->nchain > 10);
	for (uint32_t i = 1; i < zi->nchain; i++)
		assert_true(memcmp(chain[i - 1].hash, chain[i].hash, RRT_NSEC3_HASH_LEN) < 0);
	b32 = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B32_EXT, RRT_NSEC3_HASH_LEN, chain[0].hash);
	text = ldns_rdf2str(b32);
	snprintf(name, sizeof(name), "%s.example.com", text);
	p = t_ask(Z_NSEC3, name, T_NSEC3, 1, 4096, 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	free(text);
	ldns_rdf_deep_free(b32);
	assert_int_equal(g_t[Z_NSEC]->zones[0].denial, RRT_DENIAL_NSEC);
	/* The earliest expiry: ldns-signzone spreads them over the last day before 2036-12-31. */
	assert_true(g_t[Z_NSEC]->zones[0].sig_expire > 2114380800u - 2 * 86400);
	assert_true(g_t[Z_NSEC]->zones[0].sig_expire <= 2114380800u);
}

/*
 * One server holding the parent and the child: DS at the child's apex is the
 * parent's (RFC 4035 3.1.4.1): its DS RRset with the parent's RRSIG, or
 * NODATA with the parent's SOA and proof, never the child's.
 */
static void
test_parent_ds(void **state)
{
	static const char child[] = "$TTL 300\n@ SOA ns1.child.example.com. h.child.example.com. 7 "
				    "3600 600 86400 60\n@ NS ns1\nns1 A 198.18.2.53\n";
	static const char signed_child[] = "$TTL 300\n@ SOA ns.example.org. h.example.org. 9 3600 "
					   "600 86400 60\n@ NS ns.example.org.\n";

	(void)state;
	for (int z = 0; z < Z_MAX; z++) {
		char *text = tu_fixture_text(t_zone_files[z]);
		struct rrt *both = tu_table("example.com", text, "child.example.com", child,
					    "signed.example.com", signed_child, NULL);
		struct rrt *saved = g_t[z];
		ldns_pkt *p;
		ldns_rr *soa;
		char *owner;

		free(text);
		g_t[z] = both;
		/* No DS at child in the parent: NODATA, the parent's SOA and proof. */
		p = t_ask(z, "child.example.com", T_DS, 1, 4096, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		assert_true(ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_ancount(p), 0);
		soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
		assert_int_equal(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
		owner = ldns_rdf2str(ldns_rr_owner(soa));
		assert_string_equal(owner, "example.com.");
		free(owner);
		assert_true(t_all_signed(z, ldns_pkt_authority(p), 0) >= 2);
		if (z != Z_OPTOUT)
			t_denial(z, p, "child.example.com.", LDNS_RR_TYPE_DS, true);
		ldns_pkt_free(p);
		/* The parent's DS RRset at signed, with its RRSIG. */
		p = t_ask(z, "signed.example.com", T_DS, 1, 4096, 0);
		t_expect(p, LDNS_RCODE_NOERROR, true, 2, 0);
		assert_int_equal(t_all_signed(z, ldns_pkt_answer(p), 0), 1);
		ldns_pkt_free(p);
		/* Anything else at the child's apex is the child's. */
		p = t_ask(z, "child.example.com", T_SOA, 1, 4096, 0);
		assert_true(ldns_pkt_aa(p));
		assert_int_equal(ldns_pkt_ancount(p), 1);
		ldns_pkt_free(p);
		g_t[z] = saved;
		rrt_free(both);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive),   cmocka_unit_test(test_no_do),
		cmocka_unit_test(test_nxdomain),   cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_wildcard),   cmocka_unit_test(test_referral),
		cmocka_unit_test(test_ds),	   cmocka_unit_test(test_rrsig_query),
		cmocka_unit_test(test_truncation), cmocka_unit_test(test_nsec3_owner),
		cmocka_unit_test(test_parent_ds),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
