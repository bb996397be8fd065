/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: failover check-result handling, the state file and the http verdict helpers, against an independent model. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/rrt.h"
#include "fuzz_util.h"
#include "../../control/failover/failover_core.h"
#include "../../control/failover/failover_ops.h"
#include "../../control/failover/failover_publish.h"
#include "../../control/failover/failover_state.h"

/*
 * health_http.c's verdict helpers are static: the file is compiled into
 * this target (and only here), so the certificate date parser and the
 * status matcher are reached without widening its interface.
 */
#include "../../control/failover/health_http.c"

/*
 * Input: [state file JSON] 0x00 [operations]. Without a 0x00 the whole
 * input is the operations and there is no state file.
 *
 * A fixed config holds four failover records covering every check kind
 * and all-down policy. The state file is loaded by failover_new(); then
 * each operation (two octets: kind, argument; a few take more) is applied
 * through the same internal calls the probes and the control commands use:
 * a probe result (ok/fail, reason text), drain/undrain, force/auto,
 * endpoint-set on a manual record, and the http helpers on octets.
 *
 * After every operation, with the publishes flushed, an independent model
 * must agree with the daemon: the rise/fall hysteresis per endpoint, the
 * drained and forced state, the selection (pool, members, TTL, all-down
 * policy: docs/failover.md "Selection") and the RRset in the slot (the
 * distinct addresses of the members served, the type and TTL; NULL when
 * nothing is served). At the end the overrides are saved to the state file
 * and a second instance loading it must restore exactly the same forced
 * pools, drains and manual states.
 */

#define FZ_MAX_EPS   32
#define FZ_MAX_OPS   256
#define FZ_CERT_MAX  48

/* A printf format: %s is the state file. */
static const char fz_yaml[] =
	"service:\n"
	"  addresses: [198.18.0.53/24]\n"
	"zones:\n"
	"  - name: example.test\n"
	"    file: example.test.zone\n"
	"control:\n"
	"  socket: ctl.sock\n"
	"metrics:\n"
	"  listen: null\n"
	"failover:\n"
	"  state-file: %s\n"
	"  records:\n"
	"    - name: web.example.test\n"
	"      type: A\n"
	"      ttl: 60\n"
	"      degraded-ttl: 5\n"
	"      all-down: first-pool\n"
	"      check: {kind: http, interval-ms: 1000, timeout-ms: 500, rise: 2, fall: 3, "
	"expect-status: [200, 204]}\n"
	"      pools:\n"
	"        - {name: main, endpoints: [{address: 192.0.2.1, name: a}, {address: 192.0.2.2, name: b}]}\n"
	"        - {name: backup, endpoints: [{address: 192.0.2.3, name: c}, {address: 192.0.2.1, name: a2}]}\n"
	"    - name: six.example.test\n"
	"      type: AAAA\n"
	"      all-down: serve-all\n"
	"      check: {kind: manual}\n"
	"      pools:\n"
	"        - {name: p0, endpoints: [{address: \"2001:db8::1\", name: a}]}\n"
	"        - {name: p1, endpoints: [{address: \"2001:db8::2\", name: b}, {address: \"2001:db8::3\", name: c}]}\n"
	"    - name: sf.example.test\n"
	"      type: A\n"
	"      all-down: servfail\n"
	"      initial: down\n"
	"      check: {kind: manual}\n"
	"      pools:\n"
	"        - {endpoints: [{address: 198.51.100.1, name: x}]}\n"
	"        - {endpoints: [{address: 198.51.100.2, name: y}]}\n"
	"        - {endpoints: [{address: 198.51.100.3, name: z}]}\n"
	"    - name: tcp.example.test\n"
	"      type: A\n"
	"      all-down: servfail\n"
	"      check: {kind: tcp, port: 80, interval-ms: 1000, timeout-ms: 500, rise: 1, fall: 1}\n"
	"      pools:\n"
	"        - {endpoints: [{address: 203.0.113.1}, {address: 203.0.113.2}]}\n";

static const char fz_zone[] = "$ORIGIN example.test.\n$TTL 300\n"
			      "@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
			      "@ IN NS ns1\nns1 IN A 198.18.0.53\n";

static struct swerve_config *fz_cfg;
static struct evloop *fz_loop;
static char fz_state[300];

/* The model of one endpoint. */
struct fz_ep {
	struct fo_endpoint *ep;
	bool up, drained;
	uint32_t succ, fail;
};

struct fz_model {
	struct failover *f;
	struct fz_ep eps[FZ_MAX_EPS];
	size_t neps;
};

static void
fz_rm_state(void)
{
	unlink(fz_state);
}

static void
fz_init(void)
{
	char p[300], yaml[sizeof(fz_yaml) + 300];
	struct sw_diag d;
	int n;

	fz_quiet_logs();
	rcu_register_thread();
	rcu_thread_offline();
	snprintf(p, sizeof(p), "%s/example.test.zone", fz_tmpdir());
	fz_write_file(p, (const uint8_t *)fz_zone, sizeof(fz_zone) - 1);
	/* The state file is saved (fsync) once per input: on tmpfs when there is one. */
	if (access("/dev/shm", W_OK) == 0)
		snprintf(fz_state, sizeof(fz_state), "/dev/shm/swerve-fuzz-failover-%d.json",
			 (int)getpid());
	else
		snprintf(fz_state, sizeof(fz_state), "%s/failover.json", fz_tmpdir());
	atexit(fz_rm_state);
	snprintf(p, sizeof(p), "%s/swerve.yaml", fz_tmpdir());
	n = snprintf(yaml, sizeof(yaml), fz_yaml, fz_state);
	fz_write_file(p, (const uint8_t *)yaml, (size_t)n);
	memset(&d, 0, sizeof(d));
	if (config_load(p, &fz_cfg, &d) < 0)
		fz_fail(__FILE__, __LINE__, "config_load", "%s:%u: %s", d.file, d.line, d.msg);
	if (evloop_new(&fz_loop) < 0)
		fz_fail(__FILE__, __LINE__, "evloop_new", "no loop");
}

/* Saving the state on every operation would fsync thousands of times a second: off until the end. */
static void
fz_persist(bool on)
{
	free(fz_cfg->failover_state_file);
	fz_cfg->failover_state_file = on ? strdup(fz_state) : NULL;
	FZ_CHECK(!on || fz_cfg->failover_state_file != NULL, "strdup");
}

static void
fz_model_init(struct fz_model *m, struct failover *f)
{
	memset(m, 0, sizeof(*m));
	m->f = f;
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];

		FZ_CHECK(r->forced >= -1 && r->forced < (int)r->cfg->npools, "forced %d", r->forced);
		for (size_t e = 0; e < r->neps && m->neps < FZ_MAX_EPS; e++) {
			struct fz_ep *x = &m->eps[m->neps++];

			x->ep = &r->eps[e];
			x->up = r->eps[e].up;
			x->drained = r->eps[e].drained;
			/* Only a manual record may start other than the configured initial state. */
			if (r->cfg->check.kind != CFG_CHECK_MANUAL)
				FZ_CHECK(x->up == r->cfg->initial_up, "%s/%s up %d", r->name,
					 r->eps[e].name, x->up);
		}
	}
}

/* The model's selection of @r: members served (out), serving pool, all-down, TTL. */
static int
fz_select(const struct fz_model *m, const struct fo_record *r, uint8_t *served, bool *all_down,
	  uint32_t *ttl)
{
	int serving = FO_SERVE_NONE;
	size_t base = 0, n = 0;
	bool full;

	while (base < m->neps && m->eps[base].ep->rec != r)
		base++;
	memset(served, 0, r->neps);
	*all_down = false;
	/* Auto: the first pool with a member up and undrained. Forced: that pool's undrained members. */
	for (size_t p = 0; p < r->cfg->npools && serving == FO_SERVE_NONE; p++) {
		if (r->forced >= 0 && (int)p != r->forced)
			continue;
		for (size_t e = 0; e < r->neps; e++) {
			const struct fz_ep *x = &m->eps[base + e];

			if (x->ep->pool == p && !x->drained && (r->forced >= 0 || x->up)) {
				served[e] = 1;
				serving = (int)p;
			}
		}
	}
	if (serving == FO_SERVE_NONE) {
		*all_down = true;
		for (size_t p = 0; p < r->cfg->npools; p++) {
			if (r->cfg->all_down == CFG_ALL_DOWN_SERVFAIL)
				break;
			if (r->cfg->all_down == CFG_ALL_DOWN_FIRST_POOL && serving != FO_SERVE_NONE)
				break;
			for (size_t e = 0; e < r->neps; e++) {
				if (m->eps[base + e].ep->pool != p || m->eps[base + e].drained)
					continue;
				served[e] = 1;
				n++;
				serving = r->cfg->all_down == CFG_ALL_DOWN_SERVE_ALL ? FO_SERVE_ALL
										     : (int)p;
			}
		}
	}
	full = serving == 0;
	for (size_t e = 0; e < r->neps && full; e++)
		if (m->eps[base + e].ep->pool == 0 && !(served[e] && m->eps[base + e].up))
			full = false;
	*ttl = full ? r->cfg->ttl : r->cfg->degraded_ttl;
	(void)n;
	return serving;
}

/* The slot's RRset holds exactly the distinct addresses of the members served. */
static void
fz_check_slot(const struct fo_record *r, const uint8_t *served, uint32_t ttl)
{
	const struct rrt_rrset *rs = r->slot->cur;
	size_t want = 0;

	for (size_t e = 0; e < r->neps; e++) {
		bool dup = false;

		if (!served[e])
			continue;
		for (size_t k = 0; k < e; k++)
			if (served[k] && r->eps[k].rdlen == r->eps[e].rdlen &&
			    memcmp(r->eps[k].rdata, r->eps[e].rdata, r->eps[e].rdlen) == 0)
				dup = true;
		want += !dup;
	}
	if (want == 0) {
		FZ_CHECK(rs == NULL, "%s: nothing served but the slot holds %u records", r->name,
			 rs != NULL ? rs->count : 0);
		return;
	}
	FZ_CHECK(rs != NULL, "%s: %zu addresses served but the slot is empty", r->name, want);
	FZ_CHECK(rs->type == r->cfg->type && rs->count == want && rs->ttl == ttl,
		 "%s: slot type %u count %u ttl %u, want %u %zu %u", r->name, rs->type, rs->count,
		 rs->ttl, r->cfg->type, want, ttl);
	for (uint16_t off = 0, i = 0; i < rs->count; i++, off = rrt_rrset_next(rs, off)) {
		const uint8_t *rr = rs->wire + off;
		uint16_t rdlen = (uint16_t)(rr[10] << 8 | rr[11]);
		bool found = false;

		FZ_CHECK(off + 12u + rdlen <= rs->len, "%s: record %u overruns the RRset", r->name, i);
		FZ_CHECK(rr[0] == 0xc0 && rr[1] == 0x0c, "%s: record %u owner", r->name, i);
		FZ_CHECK((uint32_t)(rr[6] << 24 | rr[7] << 16 | rr[8] << 8 | rr[9]) == ttl,
			 "%s: record %u TTL", r->name, i);
		for (size_t e = 0; e < r->neps && !found; e++)
			found = served[e] && r->eps[e].rdlen == rdlen &&
				memcmp(r->eps[e].rdata, rr + 12, rdlen) == 0;
		FZ_CHECK(found, "%s: record %u is no member served", r->name, i);
	}
}

static void
fz_check(struct fz_model *m)
{
	struct failover *f = m->f;
	uint8_t served[FZ_MAX_EPS];
	bool all_down;
	uint32_t ttl;
	int serving;

	for (size_t i = 0; i < m->neps; i++) {
		const struct fz_ep *x = &m->eps[i];

		FZ_CHECK(x->ep->up == x->up && x->ep->drained == x->drained,
			 "%s/%s: up %d drained %d, model %d %d", x->ep->rec->name, x->ep->name,
			 x->ep->up, x->ep->drained, x->up, x->drained);
	}
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];

		/* Publishes may wait for a coalescing window; flush them as the timer would. */
		fo_record_publish(r);
		serving = fz_select(m, r, served, &all_down, &ttl);
		FZ_CHECK(r->pub.serving == serving && r->pub.all_down == all_down &&
				 r->pub.ttl == ttl && memcmp(r->pub.served, served, r->neps) == 0,
			 "%s: serving %d all_down %d ttl %u, model %d %d %u", r->name,
			 r->pub.serving, r->pub.all_down, r->pub.ttl, serving, all_down, ttl);
		fz_check_slot(r, served, ttl);
	}
}

/* A probe result through the rise/fall hysteresis, and the model's reading of it. */
static void
fz_result(struct fz_ep *x, bool ok, uint8_t arg, const uint8_t *reason, size_t rlen)
{
	const struct cfg_check *c = &x->ep->rec->cfg->check;
	char text[64];

	snprintf(text, sizeof(text), "%.*s", (int)rlen, (const char *)reason);
	fo_endpoint_result(x->ep, ok, (uint32_t)arg * 4099u, text);
	if (ok) {
		x->fail = 0;
		x->succ++;
		if (!x->up && x->succ >= c->rise)
			x->up = true;
	} else {
		x->succ = 0;
		x->fail++;
		if (x->up && x->fail >= c->fall)
			x->up = false;
	}
}

/* health_cert_time_parse(): accepted dates are real dates of the stated year and month. */
static void
fz_cert_time(const uint8_t *p, size_t n)
{
	char s[FZ_CERT_MAX + 1];
	time_t t;
	struct tm tm;

	memcpy(s, p, n);
	s[n] = '\0';
	if (health_cert_time_parse(s, &t) < 0)
		return;
	FZ_CHECK(gmtime_r(&t, &tm) != NULL, "\"%s\": time %lld has no calendar date", s, (long long)t);
	FZ_CHECK(tm.tm_year + 1900 >= 1950, "\"%s\": year %d accepted", s, tm.tm_year + 1900);
}

/* health_status_ok(): the configured list, or any 2xx without one. */
static void
fz_status(const uint8_t *p)
{
	struct health_probe pr;
	long code = (long)(p[0] << 8 | p[1]) - 1000;
	bool want;

	memset(&pr, 0, sizeof(pr));
	pr.nstatus = p[2] % (HEALTH_MAX_STATUS + 1);
	want = pr.nstatus == 0 && code >= 200 && code <= 299;
	for (unsigned i = 0; i < pr.nstatus; i++) {
		pr.status[i] = (uint16_t)(100 + p[3 + i % 4] * 2 + i);
		want |= code == pr.status[i];
	}
	FZ_CHECK(health_status_ok(&pr, code) == want, "status %ld against %u codes", code,
		 pr.nstatus);
}

/* The overrides saved and loaded by a second instance must come back exactly. */
static void
fz_roundtrip(const struct fz_model *m)
{
	struct failover *g = NULL;
	struct sw_diag d;
	size_t k = 0;

	fz_persist(true);
	FZ_CHECK(fo_state_save(m->f) == 0, "state save failed");
	memset(&d, 0, sizeof(d));
	FZ_CHECK(failover_new(fz_cfg, fz_loop, &g, &d) == 0, "second instance: %s", d.msg);
	fz_persist(false);
	for (size_t i = 0; i < g->nrecs; i++) {
		const struct fo_record *a = &m->f->recs[i], *b = &g->recs[i];

		FZ_CHECK(a->forced == b->forced, "%s: forced %d restored as %d", a->name, a->forced,
			 b->forced);
		for (size_t e = 0; e < b->neps; e++, k++) {
			FZ_CHECK(b->eps[e].drained == m->eps[k].drained, "%s/%s: drained not restored",
				 b->name, b->eps[e].name);
			if (b->cfg->check.kind == CFG_CHECK_MANUAL)
				FZ_CHECK(b->eps[e].up == m->eps[k].up, "%s/%s: manual state not restored",
					 b->name, b->eps[e].name);
		}
	}
	failover_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	const uint8_t *sep = memchr(data, 0, size);
	const uint8_t *op = data, *end = data + size;
	struct failover *f = NULL;
	struct fz_model m;
	struct sw_diag d;
	unsigned nops = 0;
	int rc;

	if (fz_cfg == NULL)
		fz_init();
	unlink(fz_state);
	if (sep != NULL) {
		fz_write_file(fz_state, data, (size_t)(sep - data));
		op = sep + 1;
	}
	/* The state file is read by failover_new() only: load with the path set, then run without. */
	fz_persist(true);
	memset(&d, 0, sizeof(d));
	rc = failover_new(fz_cfg, fz_loop, &f, &d);
	fz_persist(false);
	FZ_CHECK(rc == 0, "failover_new: %s (a bad state file must be ignored, not fatal)", d.msg);
	fz_model_init(&m, f);
	fz_check(&m);

	while (end - op >= 2 && nops++ < FZ_MAX_OPS) {
		uint8_t kind = op[0], arg = op[1];
		struct fz_ep *x = &m.eps[arg % m.neps];
		struct fo_endpoint *ep = x->ep;
		struct fo_record *r = &f->recs[arg % f->nrecs];
		size_t len;

		op += 2;
		switch (kind % 8) {
		case 0:
		case 1:
			if (ep->rec->cfg->check.kind == CFG_CHECK_MANUAL)
				break;
			len = (size_t)(kind >> 3) < (size_t)(end - op) ? (size_t)(kind >> 3)
								       : (size_t)(end - op);
			fz_result(x, kind % 8 == 0, arg, op, len);
			op += len;
			break;
		case 2:
		case 3:
			rc = fo_drain(f, &ep, 1, kind % 8 == 2, "fuzz");
			FZ_CHECK(rc >= 0, "drain: %d", rc);
			x->drained = kind % 8 == 2;
			break;
		case 4: {
			int pool = (int)((kind >> 3) % (r->cfg->npools + 2)) - 1;

			rc = fo_force(f, r, pool >= (int)r->cfg->npools ? (int)r->cfg->npools : pool,
				      "fuzz");
			if (pool >= (int)r->cfg->npools)
				FZ_CHECK(rc == -EINVAL, "force to pool %d of %zu: %d", pool,
					 r->cfg->npools, rc);
			else
				FZ_CHECK(rc >= 0 && r->forced == pool, "force %d: %d", pool, rc);
			break;
		}
		case 5:
			rc = fo_manual_set(f, &ep, 1, (kind & 0x80) != 0, "fuzz");
			if (ep->rec->cfg->check.kind != CFG_CHECK_MANUAL) {
				FZ_CHECK(rc == -EINVAL, "endpoint-set on a probed record: %d", rc);
			} else {
				FZ_CHECK(rc >= 0, "endpoint-set: %d", rc);
				x->up = (kind & 0x80) != 0;
				x->succ = x->fail = 0;
			}
			break;
		case 6:
			len = arg % (FZ_CERT_MAX + 1);
			if (len > (size_t)(end - op))
				len = (size_t)(end - op);
			fz_cert_time(op, len);
			op += len;
			break;
		default:
			if (end - op < 7)
				break;
			fz_status(op);
			op += 7;
			break;
		}
		fz_check(&m);
	}
	fz_roundtrip(&m);
	failover_free(f);
	/* Replaced RRsets are freed by call_rcu(): collect them now and then. */
	if (++runs % 64 == 0)
		rcu_barrier();
	return 0;
}
