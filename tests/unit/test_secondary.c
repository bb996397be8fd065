/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for secondary zones: transfers, refresh, failures, expiry, restart and NOTIFY, with a fake primary. */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <ldns/ldns.h>
#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/secondary.h"
#include "swerve/xfr.h"
#include "testutil.h"

#define T_A 1
/* One timer "second" of the module is this many ms here: refresh 5 = 100 ms. */
#define MS_PER_S 20
#define ZSEC	 1 /* cfg zone index of the secondary zone. */

/* The fake primary, shared with the transfer thread (set only while it is idle). */
static struct {
	uint32_t serial;	/* The primary's zone version. */
	int fail;		/* Negative: every call fails with this code. */
	unsigned delay_ms;	/* Each SOA query takes this long (a slow primary). */
	int soa_calls, transfers;
	bool last_had_current, last_ixfr;
	char write_path[256];
	int write_fail;	 /* Negative: the local copy cannot be written (disk full). */
	int parse_fail;	 /* Negative: the transferred zone does not load. */
	int writes;
} g;

static int
fake_soa(const struct xfr_primary *p, const char *zone, uint32_t timeout_ms, uint32_t *serial,
	 char *err, size_t errlen)
{
	(void)p;
	(void)zone;
	(void)timeout_ms;
	__atomic_add_fetch(&g.soa_calls, 1, __ATOMIC_SEQ_CST);
	if (g.delay_ms != 0)
		usleep(g.delay_ms * 1000);
	if (g.fail < 0) {
		snprintf(err, errlen, "127.0.0.1#53: SOA: fake failure");
		return g.fail;
	}
	*serial = g.serial;
	return 0;
}

static ldns_rr_list *
mk_zone(uint32_t serial)
{
	ldns_rr_list *l = ldns_rr_list_new();
	char line[256];
	const char *rest[] = {"sec.test. 300 IN NS ns1.sec.test.",
			      "ns1.sec.test. 300 IN A 192.0.2.53"};
	ldns_rr *rr;

	snprintf(line, sizeof(line), "sec.test. 300 IN SOA ns1.sec.test. h.sec.test. %u 5 2 20 60",
		 serial);
	assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_rr_list_push_rr(l, rr);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, rest[i], 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_rr_list_push_rr(l, rr);
	}
	snprintf(line, sizeof(line), "www.sec.test. 300 IN A 192.0.2.%u", serial % 256);
	assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_rr_list_push_rr(l, rr);
	return l;
}

static uint32_t
list_serial(const ldns_rr_list *l)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(l, 0), 2));
}

static int
fake_transfer(const struct xfr_primary *p, const char *zone, const ldns_rr_list *current,
	      bool ixfr, uint32_t timeout_ms, struct xfr_result *res, char *err, size_t errlen)
{
	(void)p;
	(void)timeout_ms;
	memset(res, 0, sizeof(*res));
	assert_string_equal(zone, "sec.test.");
	g.last_had_current = current != NULL;
	g.last_ixfr = ixfr;
	__atomic_add_fetch(&g.transfers, 1, __ATOMIC_SEQ_CST);
	if (g.fail < 0) {
		snprintf(err, errlen, "127.0.0.1#53: AXFR: connection closed after 3 messages");
		return g.fail;
	}
	res->serial = g.serial;
	if (current != NULL && !xfr_serial_newer(g.serial, list_serial(current))) {
		res->kind = XFR_UPTODATE;
		return 0;
	}
	res->kind = current != NULL && ixfr ? XFR_IXFR : XFR_AXFR;
	res->rrs = mk_zone(g.serial);
	res->messages = 1;
	return 0;
}

static int
fake_write(const char *path, const char *zone, const ldns_rr_list *rrs, char *err, size_t errlen)
{
	FILE *f = g.write_fail < 0 ? NULL : fopen(path, "w");

	(void)zone;
	__atomic_add_fetch(&g.writes, 1, __ATOMIC_SEQ_CST);
	if (g.write_fail < 0) {
		if (f != NULL)
			fclose(f);
		if (err != NULL)
			snprintf(err, errlen, "%s: write: No space left on device", path);
		return g.write_fail;
	}
	(void)err;
	(void)errlen;
	if (f == NULL)
		return -errno;
	ldns_rr_list_print(f, rrs);
	fclose(f);
	return 0;
}

static int
fake_read(const char *path, const char *zone, ldns_rr_list **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	ldns_zone *z = NULL;
	ldns_rdf *origin = ldns_dname_new_frm_str(zone);
	ldns_rr_list *rest;
	ldns_status st;

	*out = NULL;
	if (f == NULL) {
		ldns_rdf_deep_free(origin);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	st = ldns_zone_new_frm_fp(&z, f, origin, 300, LDNS_RR_CLASS_IN);
	fclose(f);
	ldns_rdf_deep_free(origin);
	if (st != LDNS_STATUS_OK)
		return -EBADMSG;
	*out = ldns_rr_list_new();
	ldns_rr_list_push_rr(*out, ldns_rr_clone(ldns_zone_soa(z)));
	rest = ldns_rr_list_clone(ldns_zone_rrs(z));
	ldns_rr_list_cat(*out, rest);
	ldns_rr_list_free(rest); /* The records moved; only the container goes. */
	ldns_zone_deep_free(z);
	return 0;
}

static int
fake_parse(const char *zone, const ldns_rr_list *rrs, struct zone **out, char *err, size_t errlen)
{
	if (g.parse_fail < 0) {
		*out = NULL;
		snprintf(err, errlen, "the zone as it would be written does not load: line 3: fake");
		return g.parse_fail;
	}
	return xfr_zone_parse(zone, rrs, out, err, errlen);
}

static bool
sec_serial_of(const ldns_rr_list *l, uint32_t *out)
{
	const ldns_rr *soa = l != NULL && ldns_rr_list_rr_count(l) > 0 ? ldns_rr_list_rr(l, 0) : NULL;

	if (soa == NULL || ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA)
		return false;
	*out = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	return true;
}

static const struct secondary_ops fake_ops = {
	.zone_parse = fake_parse,
	.soa_serial = fake_soa,
	.transfer = fake_transfer,
	.zone_write = fake_write,
	.zone_read = fake_read,
	.ms_per_s = MS_PER_S,
};

struct fx {
	char dir[64];
	char path[2][128];
	struct cfg_zone zones[2];
	struct cfg_primary prim[2];
	struct cfg_tsig_key key;
	struct svc_addr addr;
	struct swerve_config cfg;
	struct evloop *loop;
	struct rrt_root root;
	struct loader *l;
	struct secondary *s;
};

static struct fx *cur_fx;

static void
fx_done(void *arg, const struct loader_result *res)
{
	struct fx *f = arg;

	if (secondary_cookie_is(res->cookie))
		secondary_loader_done(f->s, res);
}

/* The A answer for www.<zone>: its last octet, 0 for none, -1 for REFUSED, -2 for SERVFAIL. */
static int
fx_www(struct fx *f, const char *zone)
{
	uint8_t q[512], r[1024];
	char name[128];
	struct dnsq_info info;
	size_t ql, rl;
	int octet = 0;

	snprintf(name, sizeof(name), "www.%s", zone);
	ql = tu_query(q, sizeof(q), name, T_A, NULL);
	rcu_thread_online();
	rl = dnsq_answer(rrt_current(&f->root), &(struct dnsq_conf){.edns_payload = 1232}, NULL, q,
			 ql, r, sizeof(r), 0, &info);
	rcu_thread_offline();
	if (rl > 4 && info.rcode == 5)
		octet = -1;
	else if (rl > 4 && info.rcode == 2)
		octet = -2;
	else if (rl > 4 && info.rcode == 0 && r[7] == 1)
		octet = r[rl - 1];
	return octet;
}

static void
write_zone(const char *path, uint32_t serial)
{
	ldns_rr_list *l = mk_zone(serial);

	assert_int_equal(fake_write(path, "sec.test.", l, NULL, 0), 0);
	ldns_rr_list_deep_free(l);
}

/* Build the loader and the secondary module; zone 1 is the secondary (local copy @copy_serial). */
static void
fx_start(struct fx *f, uint32_t copy_serial, bool with_key)
{
	struct sw_diag d;
	struct rrt *t = NULL;

	if (copy_serial != 0)
		write_zone(f->path[1], copy_serial);
	else
		unlink(f->path[1]);
	f->prim[0].key = with_key ? 0 : -1;
	memset(&d, 0, sizeof(d));
	assert_int_equal(loader_new(&f->cfg, NULL, 0, 0, &f->l, &t, &d), 0);
	rrt_publish(&f->root, t);
	assert_int_equal(loader_start(f->l, f->loop, &f->root, fx_done, f), 0);
	assert_int_equal(secondary_new(&f->cfg, f->l, f->loop, &fake_ops, &f->s), 0);
	assert_int_equal(secondary_start(f->s), 0);
}

static void
fx_stop(struct fx *f)
{
	secondary_free(f->s);
	f->s = NULL;
	loader_reclaim(f->l, rrt_publish(&f->root, NULL));
	loader_free(f->l);
	f->l = NULL;
}

static const struct secondary_info *
info(struct fx *f)
{
	return secondary_zone_info(f->s, ZSEC);
}

/* Run the loop until @cond holds (at most ~3 s). */
#define RUN_UNTIL(f, cond)                                                                        \
	do {                                                                                       \
		for (int i_ = 0; i_ < 300 && !(cond); i_++)                                        \
			evloop_run_once((f)->loop, 10);                                             \
		if (!(cond))                                                                       \
			fail_msg("timed out waiting for %s", #cond);                               \
	} while (0)

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	FILE *fp;

	assert_non_null(f);
	memset(&g, 0, sizeof(g));
	g.serial = 10;
	snprintf(f->dir, sizeof(f->dir), "/tmp/swerve-sec-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (int i = 0; i < 2; i++) {
		snprintf(f->path[i], sizeof(f->path[i]), "%s/z%d.zone", f->dir, i);
		f->zones[i].file = f->path[i];
	}
	fp = fopen(f->path[0], "w");
	assert_non_null(fp);
	fprintf(fp, "$TTL 300\n@ IN SOA ns1 h 1 3600 600 86400 60\n@ IN NS ns1\nns1 IN A "
		    "192.0.2.1\nwww IN A 192.0.2.1\n");
	fclose(fp);
	f->zones[0].name = "one.test";
	f->zones[1].name = "Sec.Test";
	f->zones[1].primaries = f->prim;
	f->zones[1].nprimaries = 1;
	f->zones[1].ixfr = true;
	f->prim[0].addr.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &f->prim[0].addr.v4);
	f->prim[0].port = 53;
	f->prim[0].key = -1;
	f->key = (struct cfg_tsig_key){"transfer.key.", "hmac-sha256.",
				       "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo="};
	f->addr.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &f->addr.v4);
	f->cfg.zones = f->zones;
	f->cfg.nzones = 2;
	f->cfg.keys = &f->key;
	f->cfg.nkeys = 1;
	f->cfg.addrs = &f->addr;
	f->cfg.naddrs = 1;
	f->cfg.xfr_timeout_ms = 1000;
	rcu_register_thread();
	rcu_thread_offline();
	assert_int_equal(evloop_new(&f->loop), 0);
	cur_fx = f;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	if (f->s != NULL || f->l != NULL)
		fx_stop(f);
	evloop_free(f->loop);
	rcu_unregister_thread();
	unlink(f->path[0]);
	unlink(f->path[1]);
	snprintf(p, sizeof(p), "%s", f->dir);
	rmdir(p);
	free(f);
	return 0;
}

/* No local copy: not served (REFUSED) until the first AXFR, then served from the copy written. */
static void
test_initial_axfr(void **state)
{
	struct fx *f = *state;
	const struct loader_zone_info *zi;
	size_t n;

	fx_start(f, 0, false);
	assert_int_equal(fx_www(f, "sec.test"), -1);
	assert_int_equal(fx_www(f, "one.test"), 1);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	assert_false(g.last_had_current);
	assert_int_equal(g.soa_calls, 0); /* Nothing held: straight to AXFR. */
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_int_equal(info(f)->serial, 10);
	assert_true(info(f)->have_data);
	assert_false(info(f)->expired);
	assert_string_equal(info(f)->last_kind, "axfr");
	assert_string_equal(info(f)->last_error, "");
	assert_string_equal(info(f)->primary, "127.0.0.1#53");
	assert_true(info(f)->last_transfer > 1e9);
	assert_true(info(f)->next_refresh > info(f)->last_transfer);
	assert_true(info(f)->expires > info(f)->last_transfer);
	zi = loader_zones(f->l, &n);
	assert_true(zi[ZSEC].served);
	assert_int_equal(zi[ZSEC].serial, 10);
	assert_int_equal(access(f->path[1], R_OK), 0);
	assert_null(secondary_zone_info(f->s, 0)); /* A primary zone. */
	assert_int_equal(secondary_refresh(f->s, 0, false), -EINVAL);
}

/* The refresh timer finds a newer serial: an IXFR from the records held. */
static void
test_refresh_ixfr(void **state)
{
	struct fx *f = *state;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	g.serial = 11;
	/* REFRESH is 5 "seconds" = 100 ms. */
	RUN_UNTIL(f, info(f)->transfers[1] == 1 && !info(f)->busy);
	assert_true(g.last_had_current);
	assert_true(g.last_ixfr);
	assert_int_equal(fx_www(f, "sec.test"), 11);
	assert_string_equal(info(f)->last_kind, "ixfr");
	/* Forced AXFR: no records held are passed. */
	g.serial = 12;
	assert_int_equal(secondary_refresh(f->s, ZSEC, true), 0);
	RUN_UNTIL(f, info(f)->transfers[0] == 2 && !info(f)->busy);
	assert_false(g.last_had_current);
	assert_int_equal(fx_www(f, "sec.test"), 12);
}

/* Failures and an older serial change nothing served; the error is kept; expiry drops the zone. */
static void
test_failures_and_expiry(void **state)
{
	struct fx *f = *state;
	int before;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	/* An older serial on the primary: kept, no transfer. */
	before = g.transfers;
	g.serial = 9;
	assert_int_equal(secondary_refresh(f->s, ZSEC, false), 0);
	RUN_UNTIL(f, !info(f)->busy);
	assert_int_equal(g.transfers, before);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_string_equal(info(f)->last_error, "");

	/* A transfer cut off: served data unchanged, error reported. */
	g.serial = 20;
	g.fail = -EPROTO;
	assert_int_equal(secondary_refresh(f->s, ZSEC, true), 0);
	RUN_UNTIL(f, info(f)->failures >= 1);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_non_null(strstr(info(f)->last_error, "connection closed after 3 messages"));
	assert_int_equal(info(f)->serial, 10);
	assert_false(info(f)->expired);

	/* Unreachable past EXPIRE (20 "seconds" = 400 ms): SERVFAIL, as Knot and BIND, and said so. */
	RUN_UNTIL(f, info(f)->expired && !loader_zones(f->l, &(size_t){0})[ZSEC].served);
	assert_int_equal(fx_www(f, "sec.test"), -2);
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_true(info(f)->expires == 0);

	/* The primary is back with the same version: served again without a transfer. */
	g.serial = 10;
	g.fail = 0;
	before = g.transfers;
	assert_int_equal(secondary_refresh(f->s, ZSEC, false), 0);
	RUN_UNTIL(f, !info(f)->expired && loader_zones(f->l, &(size_t){0})[ZSEC].served);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_int_equal(g.transfers, before);
	assert_string_equal(info(f)->last_error, "");
}

/*
 * Disk full while writing the local copy: the new serial is served from memory
 * (Knot's choice), the failure shows in the state, the old copy stays on disk
 * and the write is retried until it works.
 */
static void
test_write_fails_serves_memory(void **state)
{
	struct fx *f = *state;
	struct stat st;
	ldns_rr_list *onfile = NULL;
	char err[128];
	uint32_t ser = 0;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	assert_false(info(f)->copy_stale);
	assert_int_equal(info(f)->copy_serial, 10);
	g.write_fail = -ENOSPC;
	g.serial = 11;
	assert_int_equal(secondary_refresh(f->s, ZSEC, true), 0);
	RUN_UNTIL(f, info(f)->write_failures >= 1 && !info(f)->busy);
	assert_int_equal(fx_www(f, "sec.test"), 11); /* served from memory */
	assert_int_equal(info(f)->serial, 11);
	assert_true(info(f)->copy_stale);
	assert_int_equal(info(f)->copy_serial, 10);
	assert_non_null(strstr(info(f)->copy_error, "No space left"));
	assert_string_equal(info(f)->last_error, ""); /* the refresh itself worked */
	/* The old copy is intact. */
	assert_int_equal(stat(f->path[1], &st), 0);
	assert_int_equal(fake_read(f->path[1], "sec.test.", &onfile, err, sizeof(err)), 0);
	assert_true(sec_serial_of(onfile, &ser));
	assert_int_equal(ser, 10);
	ldns_rr_list_deep_free(onfile);
	/* Retried every RETRY (2 "seconds") while stale; once there is room it is written. */
	RUN_UNTIL(f, info(f)->write_failures >= 2);
	g.write_fail = 0;
	RUN_UNTIL(f, !info(f)->copy_stale);
	assert_int_equal(info(f)->copy_serial, 11);
	assert_null(strstr(info(f)->copy_error, "No space"));
	assert_int_equal(fake_read(f->path[1], "sec.test.", &onfile, err, sizeof(err)), 0);
	assert_true(sec_serial_of(onfile, &ser));
	assert_int_equal(ser, 11);
	ldns_rr_list_deep_free(onfile);
}

/* A transferred zone that does not load: nothing served or written, last_refresh unmoved. */
static void
test_parse_fails_nothing_moves(void **state)
{
	struct fx *f = *state;
	double last;
	int writes;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	last = info(f)->last_refresh;
	writes = g.writes;
	usleep(20000);
	g.parse_fail = -EBADMSG;
	g.serial = 12;
	assert_int_equal(secondary_refresh(f->s, ZSEC, true), 0);
	RUN_UNTIL(f, info(f)->failures >= 1 && !info(f)->busy);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_int_equal(info(f)->serial, 10);
	assert_true(info(f)->last_refresh == last);
	assert_int_equal(g.writes, writes);
	assert_non_null(strstr(info(f)->last_error, "does not load"));
}

/* SIGHUP (a reload of every zone) with the secondary's file gone: the zone stays served. */
static void
test_sighup_missing_copy(void **state)
{
	struct fx *f = *state;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	assert_int_equal(unlink(f->path[1]), 0);
	assert_int_equal(loader_reload(f->l, -1, 1), 0);
	RUN_UNTIL(f, loader_pending(f->l) == 0);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	assert_int_equal(fx_www(f, "one.test"), 1);
	assert_true(loader_zones(f->l, &(size_t){0})[ZSEC].served);
	/* And the next transfer is served as usual. */
	g.serial = 13;
	assert_int_equal(secondary_refresh(f->s, ZSEC, false), 0);
	RUN_UNTIL(f, fx_www(f, "sec.test") == 13);
}

/* Expiry while a slow refresh runs: the refresh decides; it fails, so the zone goes. */
static void
test_expiry_during_refresh(void **state)
{
	struct fx *f = *state;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	/* EXPIRE is 400 ms; this refresh takes 600 ms and fails. */
	g.fail = -ETIMEDOUT;
	g.delay_ms = 600;
	assert_int_equal(secondary_refresh(f->s, ZSEC, false), 0);
	RUN_UNTIL(f, info(f)->expired);
	/* Still served while the refresh runs, gone once it failed. */
	assert_true(info(f)->busy);
	assert_int_equal(fx_www(f, "sec.test"), 10);
	RUN_UNTIL(f, !loader_zones(f->l, &(size_t){0})[ZSEC].served);
	assert_int_equal(fx_www(f, "sec.test"), -2);
	/* Retries go on, and the primary's return serves it again. */
	g.delay_ms = 0;
	g.fail = 0;
	RUN_UNTIL(f, !info(f)->expired && fx_www(f, "sec.test") == 10);
	g.delay_ms = 0;
}

/* A restart serves the local copy at once, before the primary answers, and IXFRs from it. */
static void
test_restart_serves_copy(void **state)
{
	struct fx *f = *state;

	g.fail = -ETIMEDOUT;
	fx_start(f, 7, false);
	/* Served before anything ran. */
	assert_int_equal(fx_www(f, "sec.test"), 7);
	assert_true(info(f)->have_data);
	RUN_UNTIL(f, info(f)->failures >= 1);
	assert_int_equal(fx_www(f, "sec.test"), 7);
	assert_int_equal(info(f)->serial, 7);
	/* The primary comes back with a newer version: IXFR from the copy read back. */
	g.fail = 0;
	g.serial = 8;
	assert_int_equal(secondary_refresh(f->s, ZSEC, false), 0);
	RUN_UNTIL(f, info(f)->transfers[1] == 1 && !info(f)->busy);
	assert_true(g.last_had_current);
	assert_int_equal(fx_www(f, "sec.test"), 8);
}

/* A NOTIFY message for @zone, signed with @key when not NULL. */
static size_t
mk_notify(const char *zone, const struct cfg_tsig_key *key, uint8_t *buf, size_t cap)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(zone), LDNS_RR_TYPE_SOA,
					 LDNS_RR_CLASS_IN, 0);
	uint8_t *wire = NULL;
	size_t len = 0;

	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_rd(p, false);
	ldns_pkt_set_id(p, 4242);
	if (key != NULL)
		assert_int_equal(ldns_pkt_tsig_sign(p, key->name, key->secret, 300, key->algorithm,
						    NULL),
				 LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	assert_true(len <= cap);
	memcpy(buf, wire, len);
	free(wire);
	ldns_pkt_free(p);
	return len;
}

static struct sockaddr_in
sin_of(const char *a)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(40000)};

	inet_pton(AF_INET, a, &sin.sin_addr);
	return sin;
}

static int
reply_rcode(const uint8_t *r, size_t len)
{
	assert_true(len >= 12);
	assert_int_equal(r[0] << 8 | r[1], 4242);
	assert_true(r[2] & 0x80);
	return r[3] & 0x0f;
}

static void
test_notify(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in prim = sin_of("127.0.0.1"), other = sin_of("192.0.2.99");
	uint8_t msg[512], resp[512];
	size_t ml, rl;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	g.serial = 30;
	/* From someone else: REFUSED, nothing starts. */
	ml = mk_notify("sec.test.", NULL, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&other, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 5);
	assert_false(info(f)->busy);
	/* Not a zone of ours: NOTAUTH. */
	ml = mk_notify("other.test.", NULL, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 9);
	/* Garbage: no answer. */
	assert_int_equal(secondary_notify_input(f->s, (const uint8_t *)"xx", 2,
						(struct sockaddr *)&prim, resp, sizeof(resp)),
			 0);
	/* From the primary: NOERROR and a refresh, which transfers serial 30. */
	ml = mk_notify("SEC.test.", NULL, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 0);
	assert_int_equal(info(f)->notifies, 1);
	RUN_UNTIL(f, fx_www(f, "sec.test") == 30);
	assert_int_equal(info(f)->serial, 30);
}

/* With a key on the primary: unsigned or wrongly signed NOTIFY is NOTAUTH, the right key works. */
static void
test_notify_tsig(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in prim = sin_of("127.0.0.1");
	struct cfg_tsig_key wrong = {"transfer.key.", "hmac-sha256.", "d3JvbmcgcGFzc3dvcmQ="};
	uint8_t msg[512], resp[512];
	size_t ml, rl;

	fx_start(f, 5, true);
	RUN_UNTIL(f, !info(f)->busy);
	ml = mk_notify("sec.test.", NULL, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 9);
	ml = mk_notify("sec.test.", &wrong, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 9);
	assert_int_equal(info(f)->notifies, 0);
	ml = mk_notify("sec.test.", &f->key, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 0);
	assert_int_equal(info(f)->notifies, 1);
}

/* The UDP socket on a service address answers a NOTIFY sent to it; metrics count them. */
static void
test_notify_socket(void **state)
{
	struct fx *f = *state;
	uint16_t port = (uint16_t)(20000 + getpid() % 20000);
	struct sockaddr_in to = sin_of("127.0.0.1");
	uint8_t msg[512], resp[512];
	struct metrics *m = NULL;
	ssize_t rl = -1;
	size_t ml;
	char *text;
	int fd;

	fx_start(f, 0, false);
	assert_int_equal(secondary_notify_open(f->s, port), 0);
	to.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	ml = mk_notify("sec.test.", NULL, msg, sizeof(msg));
	assert_int_equal(sendto(fd, msg, ml, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)ml);
	for (int i = 0; i < 100 && rl < 0; i++) {
		evloop_run_once(f->loop, 10);
		rl = recv(fd, resp, sizeof(resp), 0);
	}
	close(fd);
	assert_int_equal(reply_rcode(resp, (size_t)rl), 0);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);

	assert_int_equal(metrics_open(f->loop, "127.0.0.1:0", &m), 0);
	assert_int_equal(secondary_metrics_register(f->s, m), 0);
	text = metrics_render(m, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "swerve_notify_total{result=\"accepted\"} 1\n"));
	assert_non_null(strstr(text, "swerve_xfr_transfers_total{zone=\"sec.test\",kind=\"axfr\"} 1\n"));
	assert_non_null(strstr(text, "swerve_xfr_failures_total{zone=\"sec.test\"} 0\n"));
	assert_non_null(strstr(text, "swerve_xfr_zone_expired{zone=\"sec.test\"} 0\n"));
	assert_non_null(strstr(text, "swerve_xfr_expire_seconds{zone=\"sec.test\"} "));
	free(text);
	metrics_close(m);
}

struct notify_arg {
	struct fx *f;
	size_t rl;
	uint8_t resp[512];
};

static void *
notify_thread(void *p)
{
	struct notify_arg *a = p;
	struct sockaddr_in prim = sin_of("127.0.0.1");
	uint8_t msg[512];
	size_t ml = mk_notify("sec.test.", NULL, msg, sizeof(msg));

	a->rl = secondary_notify_input(a->f->s, msg, ml, (struct sockaddr *)&prim, a->resp,
				       sizeof(a->resp));
	return NULL;
}

/* A NOTIFY handed over on another thread (the TCP listener's) still starts the refresh. */
static void
test_notify_other_thread(void **state)
{
	struct fx *f = *state;
	struct notify_arg a = {.f = f};
	pthread_t t;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1 && !info(f)->busy);
	g.serial = 40;
	assert_int_equal(pthread_create(&t, NULL, notify_thread, &a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(reply_rcode(a.resp, a.rl), 0);
	RUN_UNTIL(f, fx_www(f, "sec.test") == 40);
	assert_int_equal(info(f)->transfers[1], 1);
}

/*
 * Issue 15, item 5: refused NOTIFY (unknown zone, not a primary) is answered
 * at most 10/s (burst 20), over UDP or TCP alike; past that it gets no
 * answer at all, and the log sums it up instead of a line per packet. A
 * primary's NOTIFY is never held back by it.
 */
static void
test_notify_refusals_limited(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in prim = sin_of("127.0.0.1");
	struct sockaddr_in other = sin_of("192.0.2.1");
	uint8_t msg[512], resp[512];
	unsigned answered = 0;
	size_t ml, rl;

	fx_start(f, 0, false);
	RUN_UNTIL(f, info(f)->transfers[0] == 1);
	for (int i = 0; i < 200; i++) {
		ml = mk_notify(i % 2 ? "other.test." : "sec.test.", NULL, msg, sizeof(msg));
		rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&other, resp,
					    sizeof(resp));
		answered += rl != 0;
	}
	/* The burst, plus what refilled while the loop ran (10/s). */
	assert_true(answered >= 10);
	assert_true(answered <= 25);
	ml = mk_notify("sec.test.", NULL, msg, sizeof(msg));
	rl = secondary_notify_input(f->s, msg, ml, (struct sockaddr *)&prim, resp, sizeof(resp));
	assert_int_equal(reply_rcode(resp, rl), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_axfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_ixfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry_during_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_serves_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails_serves_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_fails_nothing_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sighup_missing_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_tsig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_other_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_refusals_limited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
