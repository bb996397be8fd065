/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of online signing (docs/dnssec.md): the zone signer reads the
 * key files, signs a failover RRset with the ZSK only, with inception and
 * expiry as documented; the table builder accepts a signed slot only over a
 * placeholder RRset and with keys the zone publishes; the answer with DO=1
 * carries the RRSIG, which ldns verifies against the zone's DNSKEYs.
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

#include <urcu-qsbr.h>

#include "../../control/failover/failover_int.h"
#include "../../control/failover/failover_sign.h"
#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "swerve/zone_sign.h"
#include "testutil.h"

/* The fixture's keys: 6122 is the ZSK (it signs the zone's RRsets), 2068 the KSK. */
#define T_ZSK "signed/Kexample.com.+013+06122.private"
#define T_KSK "signed/Kexample.com.+013+02068.private"

static char *g_files[2];
static struct cfg_zone g_cz;
static struct zone *g_zone;
static ldns_rr_list *g_keys;

static int
t_setup(void **state)
{
	char *text = tu_fixture_text("signed/example.com.nsec.zone");

	(void)state;
	g_files[0] = strdup(tu_fixture_path(T_ZSK));
	g_files[1] = strdup(tu_fixture_path(T_KSK));
	g_cz = (struct cfg_zone){
		.name = (char *)"example.com.",
		.key_files = g_files,
		.nkey_files = 2,
		.sig_lifetime_s = 14 * 86400,
		.sig_refresh_s = 7 * 86400,
	};
	g_zone = tu_zone("example.com", text);
	free(text);
	g_keys = ldns_rr_list_new();
	for (int i = 0; i < 2; i++) {
		char path[1024];
		FILE *f;
		ldns_rr *rr = NULL;

		snprintf(path, sizeof(path), "%.*s.key", (int)(strlen(g_files[i]) - 8), g_files[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_int_equal(ldns_rr_new_frm_fp(&rr, f, NULL, NULL, NULL), LDNS_STATUS_OK);
		fclose(f);
		ldns_rr_list_push_rr(g_keys, rr);
	}
	return 0;
}

static int
t_teardown(void **state)
{
	(void)state;
	free(g_files[0]);
	free(g_files[1]);
	zone_free(g_zone);
	ldns_rr_list_deep_free(g_keys);
	return 0;
}

static const uint8_t t_www[] = "\3www\7example\3com";
static const uint8_t t_a1[4] = {198, 18, 0, 1}, t_a2[4] = {198, 18, 0, 2};

/* A slot at @name (text) of type A serving 198.18.0.1 and .2, signed by @s (NULL: unsigned). */
static struct rrt_slot *
t_slot(struct zone_signer *s, const char *name, uint32_t *expire)
{
	const uint8_t *rd[2] = {t_a1, t_a2};
	const uint16_t rdlen[2] = {4, 4};
	uint8_t wire[DNAME_MAXLEN];
	size_t len = tu_name(name, wire);
	struct rrt_rrset *rs;
	struct rrt_slot *slot;

	if (s != NULL) {
		uint8_t *sigs;
		size_t sig_len;

		assert_int_equal(zone_signer_sign(s, wire, len, 1, 60, rd, rdlen, 2, time(NULL),
						  &sigs, &sig_len, expire),
				 0);
		rs = rrt_rrset_new_signed(1, 60, rd, rdlen, 2, sigs, sig_len);
		free(sigs);
	} else {
		rs = rrt_rrset_new(1, 60, rd, rdlen, 2);
	}
	slot = rrt_slot_new(wire, len, 1, rs);
	assert_non_null(slot);
	if (s != NULL)
		slot->nkeys = (uint8_t)zone_signer_keys(s, slot->key_tag, slot->key_alg,
							RRT_SLOT_MAX_KEYS);
	return slot;
}

/* The signer keeps the ZSK alone, and signs with the documented validity. */
static void
test_signer(void **state)
{
	struct zone_signer *s;
	struct sw_diag d;
	uint16_t tags[4];
	uint8_t algs[4];
	uint8_t *sigs;
	size_t sig_len;
	uint32_t expire;
	const uint8_t *rd[1] = {t_a1};
	const uint16_t rdlen[1] = {4};
	time_t now = time(NULL);

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(zone_signer_new(&g_cz, &s, &d), 0);
	assert_int_equal(zone_signer_keys(s, tags, algs, 4), 1);
	assert_int_equal(tags[0], 6122);
	assert_int_equal(algs[0], 13);
	assert_int_equal(zone_signer_sign(s, t_www, sizeof(t_www), 1, 60, rd, rdlen, 1, now, &sigs,
					  &sig_len, &expire),
			 0);
	assert_int_equal(expire, (uint32_t)(now + 14 * 86400));
	/* One RRSIG: C0 0C, type 46, class IN, TTL 60; inception 90 min back. */
	assert_true(sig_len > 12 + 18);
	assert_int_equal(sigs[0], 0xc0);
	assert_int_equal(sigs[3], 46);
	assert_int_equal(tu_get32(sigs + 6), 60);
	assert_int_equal(tu_get16(sigs + 12), 1);		       /* type covered A */
	assert_int_equal(tu_get32(sigs + 12 + 8), (uint32_t)expire);  /* expiration */
	assert_int_equal(tu_get32(sigs + 12 + 12), (uint32_t)(now - 5400)); /* inception */
	assert_int_equal(tu_get16(sigs + 12 + 16), 6122);
	assert_int_equal(12u + tu_get16(sigs + 10), sig_len);
	free(sigs);
	zone_signer_free(s);

	/* A key for another zone is refused with the file named. */
	g_cz.name = (char *)"example.net.";
	memset(&d, 0, sizeof(d));
	assert_int_equal(zone_signer_new(&g_cz, &s, &d), SW_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(d.msg, "not for zone example.net."));
	g_cz.name = (char *)"example.com.";
}

/* The builder: a signed slot replaces a placeholder; every other combination is refused. */
static void
test_build_checks(void **state)
{
	const struct zone *zones[1] = {g_zone};
	struct zone_signer *s;
	struct rrt_slot *slot;
	struct rrt *t = NULL;
	struct sw_diag d;
	uint32_t expire;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(zone_signer_new(&g_cz, &s, &d), 0);

	/* www has an A RRset (signed offline): the placeholder the slot takes over. */
	slot = t_slot(s, "www.example.com", &expire);
	assert_int_equal(rrt_build(zones, 1, &slot, 1, &t, &d), 0);
	rrt_free(t);

	/* Unsigned slot in a signed zone. */
	slot->nkeys = 0;
	memset(&d, 0, sizeof(d));
	assert_int_equal(rrt_build(zones, 1, &slot, 1, &t, &d), SW_ESLOT);
	assert_non_null(strstr(d.msg, "no dnssec.key-files"));

	/* A key the zone does not publish. */
	slot->nkeys = 1;
	slot->key_tag[0] = 4242;
	memset(&d, 0, sizeof(d));
	assert_int_equal(rrt_build(zones, 1, &slot, 1, &t, &d), SW_ESLOT);
	assert_non_null(strstr(d.msg, "signing key 4242"));
	rrt_slot_free(slot);

	/* No placeholder: nothing would prove the type at the name. */
	slot = t_slot(s, "fo.example.com", &expire);
	memset(&d, 0, sizeof(d));
	assert_int_equal(rrt_build(zones, 1, &slot, 1, &t, &d), SW_ESLOT);
	assert_non_null(strstr(d.msg, "placeholder"));
	rrt_slot_free(slot);
	zone_signer_free(s);
}

/* DO=1: the slot's RRSIG goes out with it and verifies; DO=0: the records alone. */
static void
test_answer(void **state)
{
	const struct zone *zones[1] = {g_zone};
	struct dnsq_conf conf = {.edns_payload = 4096};
	struct tu_qopt o = {.id = 9, .edns = 1, .do_bit = 1, .payload = 4096};
	struct zone_signer *s;
	struct rrt_slot *slot;
	struct rrt *t = NULL;
	struct sw_diag d;
	struct dnsq_info info;
	uint8_t q[512], r[4096];
	uint32_t expire;
	size_t qlen, n;
	ldns_pkt *p = NULL;
	ldns_rr_list *set, *sig;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(zone_signer_new(&g_cz, &s, &d), 0);
	slot = t_slot(s, "www.example.com", &expire);
	assert_int_equal(rrt_build(zones, 1, &slot, 1, &t, &d), 0);
	qlen = tu_query(q, sizeof(q), "www.example.com", 1, &o);
	n = dnsq_answer(t, &conf, NULL, q, qlen, r, sizeof(r), 0, &info);
	assert_int_equal(ldns_wire2pkt(&p, r, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), 3);
	set = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_A, LDNS_SECTION_ANSWER);
	sig = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_RRSIG, LDNS_SECTION_ANSWER);
	assert_int_equal(ldns_rr_list_rr_count(set), 2);
	assert_int_equal(ldns_rr_list_rr_count(sig), 1);
	assert_int_equal(ldns_verify_rrsig_keylist(set, ldns_rr_list_rr(sig, 0), g_keys, NULL),
			 LDNS_STATUS_OK);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sig);
	ldns_pkt_free(p);

	o.do_bit = 0;
	qlen = tu_query(q, sizeof(q), "www.example.com", 1, &o);
	n = dnsq_answer(t, &conf, NULL, q, qlen, r, sizeof(r), 0, &info);
	assert_int_equal(ldns_wire2pkt(&p, r, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
	rrt_free(t);
	rrt_slot_free(slot);
	zone_signer_free(s);
}

/*
 * Renewal: a failover record in a signed zone, from a real config through
 * failover_new(), is signed when it is built; fo_sign_renew() (the timer's
 * work) leaves it alone while the signatures are good for longer than the
 * refresh margin, and signs it anew, into the same slot, once they are not,
 * though nothing flipped.
 */
static void
test_renewal(void **state)
{
	char yaml[2048];
	const char *path;
	struct swerve_config *cfg = NULL;
	struct evloop *loop = NULL;
	struct failover *f = NULL;
	struct fo_record *r;
	const struct rrt_rrset *before;
	struct sw_diag d;
	time_t now = time(NULL);

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "service:\n  addresses: [198.18.0.53]\n"
		 "zones:\n  - name: example.com\n    file: %s\n"
		 "    dnssec:\n      key-files: [%s]\n      signature-lifetime: 86400\n"
		 "      signature-refresh: 3600\n"
		 "failover:\n  state-file: ~\n  records:\n"
		 "    - name: www.example.com\n      type: A\n      check: {kind: manual}\n"
		 "      pools:\n        - endpoints:\n            - address: 198.18.7.1\n",
		 tu_fixture_path("signed/example.com.nsec.zone"), g_files[0]);
	path = tu_write_temp(yaml);
	memset(&d, 0, sizeof(d));
	assert_int_equal(config_load(path, &cfg, &d), 0);
	rcu_register_thread();
	rcu_thread_offline();
	assert_int_equal(evloop_new(&loop), 0);
	assert_int_equal(failover_new(cfg, loop, &f, &d), 0);
	r = &f->recs[0];
	assert_non_null(r->signer);
	assert_int_equal(r->slot->nkeys, 1);
	assert_int_equal(r->slot->key_tag[0], 6122);
	before = r->slot->cur;
	assert_non_null(before);
	assert_true(before->sig_len > 0);
	assert_true(r->sig_expire >= (uint32_t)now + 86400 - 5);

	/* Good for longer than the margin: nothing to do. */
	assert_int_equal(fo_sign_renew(f, now), 0);
	assert_ptr_equal(r->slot->cur, before);
	/* Within the margin of expiry: signed anew, swapped in, counted. */
	assert_int_equal(fo_sign_renew(f, (time_t)r->sig_expire - 3600 + 1), 1);
	assert_ptr_not_equal(r->slot->cur, before);
	assert_true(r->slot->cur->sig_len > 0);
	assert_int_equal(f->resigns, 1);

	failover_free(f);
	rcu_barrier();
	evloop_free(loop);
	rcu_unregister_thread();
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signer),
		cmocka_unit_test(test_build_checks),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_renewal),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
