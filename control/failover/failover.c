/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover records: set-up and tear-down, probe scheduling, and check results (rise/fall). */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "failover_core.h"
#include "failover_lookup.h"
#include "failover_publish.h"
#include "failover_sign.h"
#include "failover_state.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"

/* The first probe of each endpoint lands at a random point of this window after start. */
#define FO_FIRST_PROBE_MAX_MS 1000

/* xorshift64: jitter only needs to spread probes, not to be unpredictable. */
static uint32_t
fo_rand(struct failover *f, uint32_t bound)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return bound == 0 ? 0 : (uint32_t)(f->rng % bound);
}

const double fo_lat_bounds[FO_LAT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025,
					      0.05,  0.1,    0.25,  1.0,  5.0};

void
fo_endpoint_result(struct fo_endpoint *ep, bool ok, uint32_t latency_us, const char *reason)
{
	struct fo_record *r = ep->rec;
	const struct cfg_check *c = &r->cfg->check;
	double s = latency_us / 1e6;
	unsigned b = 0;

	ep->checked = true;
	ep->last_ok = ok;
	ep->last_latency_us = latency_us;
	ep->last_check_ms = fo_realtime_ms();
	snprintf(ep->last_reason, sizeof(ep->last_reason), "%s", reason);
	if (ok)
		r->checks_ok++;
	else
		r->checks_fail++;
	while (b < FO_LAT_BUCKETS && s > fo_lat_bounds[b])
		b++;
	r->lat_bucket[b]++;
	r->lat_sum_s += s;

	if (ok) {
		ep->fail = 0;
		if (ep->succ < UINT32_MAX)
			ep->succ++;
		if (!ep->up && ep->succ >= c->rise)
			fo_endpoint_flip(ep, true, reason);
	} else {
		ep->succ = 0;
		if (ep->fail < UINT32_MAX)
			ep->fail++;
		if (ep->up && ep->fail >= c->fall)
			fo_endpoint_flip(ep, false, reason);
	}
}

static void
fo_probe_done(void *arg, const struct health_result *res)
{
	struct fo_endpoint *ep = arg;

	ep->probe = NULL;
	fo_endpoint_result(ep, res->ok, res->latency_us, res->reason);
}

/* Next tick one interval away, +-5 % so endpoints started together drift apart. */
static void
fo_probe_arm(struct fo_endpoint *ep, uint64_t delay_ms)
{
	struct failover *f = ep->rec->f;

	if (evloop_timer_arm(f->loop, &ep->timer, delay_ms) < 0) {
		/* Not forgotten: the re-arm timer tries again within FO_REARM_MS. */
		if (!f->rearm_pending)
			sw_err("failover %s: endpoint %s: cannot arm its check timer; retrying",
			       ep->rec->name, ep->name);
		f->rearm_pending = true;
	}
}

/*
 * Every FO_REARM_MS: check timers that failed to arm (the timer heap could
 * not grow) are armed again. This timer itself never needs to grow the
 * heap: it re-arms in the slot it just left.
 */
#define FO_REARM_MS 1000

static void
fo_rearm_tick(void *arg)
{
	struct failover *f = arg;

	evloop_timer_arm(f->loop, &f->rearm_timer, FO_REARM_MS);
	if (!f->rearm_pending)
		return;
	f->rearm_pending = false;
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];

		if (r->cfg->check.kind == CFG_CHECK_MANUAL)
			continue;
		for (size_t e = 0; e < r->neps; e++)
			if (!evloop_timer_armed(&r->eps[e].timer))
				fo_probe_arm(&r->eps[e], 0);
	}
}

static void
fo_probe_tick(void *arg)
{
	struct fo_endpoint *ep = arg;
	struct failover *f = ep->rec->f;
	uint32_t iv = ep->rec->cfg->check.interval_ms;
	uint32_t spread = iv / 10;
	char reason[FO_REASON];
	int rc;

	fo_probe_arm(ep, (uint64_t)iv - spread / 2 + fo_rand(f, spread + 1));
	/* A probe still running (timeout close to the interval, a slow loop): one at a time. */
	if (ep->probe != NULL) {
		ep->skipped++;
		return;
	}
	rc = health_probe_start(f->health, &ep->spec, fo_probe_done, ep, &ep->probe);
	if (rc < 0) {
		ep->probe = NULL;
		snprintf(reason, sizeof(reason), "probe not started: %s", sw_strerror(rc));
		fo_endpoint_result(ep, false, 0, reason);
	}
}

/* Probe target: check-address/-port/-host, else the served address and the check's. */
static int
fo_endpoint_spec(struct fo_endpoint *ep, const struct cfg_check *c)
{
	const struct cfg_endpoint *ce = ep->cfg;
	const struct svc_addr *a = ce->has_check_addr ? &ce->check_addr : &ce->addr;
	struct health_spec *s = &ep->spec;
	char at[INET6_ADDRSTRLEN];
	uint16_t port = ce->check_port != 0 ? ce->check_port : c->port;

	memset(s, 0, sizeof(*s));
	s->kind = (enum health_kind)c->kind;
	if (c->kind == CFG_CHECK_MANUAL)
		return 0;
	if (port == 0)
		port = c->kind == CFG_CHECK_HTTPS ? 443 : c->kind == CFG_CHECK_HTTP ? 80 : 0;
	if (port == 0)
		return -EINVAL;
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->v6;
		sin6->sin6_port = htons(port);
		s->addrlen = sizeof(*sin6);
		inet_ntop(AF_INET6, &a->v6, at, sizeof(at));
		snprintf(ep->target_text, sizeof(ep->target_text), "[%s]:%u", at, port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->v4;
		sin->sin_port = htons(port);
		s->addrlen = sizeof(*sin);
		inet_ntop(AF_INET, &a->v4, at, sizeof(at));
		snprintf(ep->target_text, sizeof(ep->target_text), "%s:%u", at, port);
	}
	s->host = ce->check_host != NULL ? ce->check_host : c->host;
	s->path = c->path;
	s->nstatus = c->nstatus < HEALTH_MAX_STATUS ? c->nstatus : HEALTH_MAX_STATUS;
	memcpy(s->status, c->status, s->nstatus * sizeof(s->status[0]));
	s->body = c->body;
	s->timeout_ms = c->timeout_ms;
	s->min_cert_days = c->min_cert_days;
	s->ca_file = c->ca_file;
	return 0;
}

static int
fo_record_init(struct failover *f, struct fo_record *r, size_t idx, struct sw_diag *diag)
{
	const struct cfg_failover *c = &f->cfg->failovers[idx];
	const char *file = f->cfg->path;
	size_t n = 0, k = 0;

	r->f = f;
	r->cfg = c;
	r->index = (unsigned)idx;
	r->forced = -1;
	evloop_timer_init(&r->pub_timer, fo_publish_timer, r);
	if (c->name == NULL || dname_from_text(c->name, r->wire, &r->wire_len) < 0)
		return sw_diag_set(diag, SW_ECONFIG, file, 0,
				   "failover.records[%zu].name: bad name", idx);
	dname_to_text(r->wire, r->name, sizeof(r->name));
	if (c->type != FO_TYPE_A && c->type != FO_TYPE_AAAA)
		return sw_diag_set(diag, SW_ECONFIG, file, 0,
				   "failover.records[%zu].type: A or AAAA only", idx);
	for (size_t i = 0; i < idx; i++)
		if (f->recs[i].cfg->type == c->type && f->recs[i].wire_len == r->wire_len &&
		    memcmp(f->recs[i].wire, r->wire, r->wire_len) == 0)
			return sw_diag_set(diag, SW_ECONFIG, file, 0,
					   "failover.records[%zu]: %s %s is already records[%zu]",
					   idx, r->name, fo_type_name(c->type), i);
	for (size_t p = 0; p < c->npools; p++)
		n += c->pools[p].nendpoints;
	if (c->npools == 0 || n == 0)
		return sw_diag_set(diag, SW_ECONFIG, file, 0, "failover.records[%zu]: no endpoints",
				   idx);
	r->eps = calloc(n, sizeof(*r->eps));
	r->pub.served = calloc(n, 1);
	r->next.served = calloc(n, 1);
	if (r->eps == NULL || r->pub.served == NULL || r->next.served == NULL)
		return sw_diag_set(diag, -ENOMEM, file, 0, "out of memory");
	r->neps = n;
	for (size_t p = 0; p < c->npools; p++) {
		for (size_t e = 0; e < c->pools[p].nendpoints; e++, k++) {
			struct fo_endpoint *ep = &r->eps[k];
			const struct cfg_endpoint *ce = &c->pools[p].endpoints[e];
			int fam = c->type == FO_TYPE_A ? AF_INET : AF_INET6;

			ep->rec = r;
			ep->cfg = ce;
			ep->pool = (unsigned)p;
			ep->index = (unsigned)k;
			if (ce->addr.family != fam)
				return sw_diag_set(
					diag, SW_ECONFIG, file, 0,
					"failover.records[%zu].pools[%zu].endpoints[%zu]."
					"address: not an %s address",
					idx, p, e, fo_type_name(c->type));
			ep->rdlen = fam == AF_INET ? 4 : 16;
			memcpy(ep->rdata,
			       fam == AF_INET ? (const void *)&ce->addr.v4
					      : (const void *)&ce->addr.v6,
			       ep->rdlen);
			inet_ntop(fam, ep->rdata, ep->addr_text, sizeof(ep->addr_text));
			snprintf(ep->name, sizeof(ep->name), "%s",
				 ce->name != NULL ? ce->name : ep->addr_text);
			for (size_t j = 0; j < k; j++)
				if (strcmp(r->eps[j].name, ep->name) == 0)
					return sw_diag_set(diag, SW_ECONFIG, file, 0,
							   "failover.records[%zu]: endpoint name "
							   "%s used twice",
							   idx, ep->name);
			if (fo_endpoint_spec(ep, &c->check) < 0)
				return sw_diag_set(diag, SW_ECONFIG, file, 0,
						   "failover.records[%zu].check.port: required",
						   idx);
			ep->up = c->initial_up;
			evloop_timer_init(&ep->timer, fo_probe_tick, ep);
		}
	}
	return 0;
}

int
failover_new(const struct swerve_config *cfg, struct evloop *loop, struct failover **out,
	     struct sw_diag *diag)
{
	struct failover *f;
	bool probes = false;
	int rc;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return sw_diag_set(diag, -ENOMEM, cfg->path, 0, "out of memory");
	f->cfg = cfg;
	f->loop = loop;
	f->rng = ((uint64_t)getpid() << 32) ^ fo_realtime_ms() ^ 0x9e3779b97f4a7c15ull;
	f->nrecs = cfg->nfailovers;
	f->recs = calloc(f->nrecs + 1, sizeof(*f->recs));
	f->slots = calloc(f->nrecs + 1, sizeof(*f->slots));
	rc = fo_events_init(&f->events);
	if (f->recs == NULL || f->slots == NULL || rc < 0) {
		rc = sw_diag_set(diag, -ENOMEM, cfg->path, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < f->nrecs; i++) {
		rc = fo_record_init(f, &f->recs[i], i, diag);
		if (rc < 0)
			goto fail;
		probes |= cfg->failovers[i].check.kind != CFG_CHECK_MANUAL;
	}
	if (probes) {
		rc = health_new(loop, &f->health);
		if (rc < 0) {
			sw_diag_set(diag, rc, cfg->path, 0, "health checks: %s", sw_strerror(rc));
			goto fail;
		}
	}
	fo_state_load(f);
	rc = fo_sign_init(f, diag);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];
		struct rrt_rrset *rs;

		fo_select(r, &r->pub);
		rs = fo_build(r, &r->pub, &rc);
		if (rc == 0) {
			r->slot = rrt_slot_new(r->wire, r->wire_len, r->cfg->type, rs);
			if (r->slot == NULL)
				free(rs); /* Fresh, never published: no grace period needed. */
		}
		if (r->slot == NULL) {
			rc = sw_diag_set(diag, rc < 0 ? rc : -ENOMEM, cfg->path, 0,
					 "failover record %s: %s", r->name,
					 rc < 0 ? sw_strerror(rc) : "out of memory");
			goto fail;
		}
		fo_sign_slot(r);
		f->slots[i] = r->slot;
	}
	*out = f;
	return 0;
fail:
	failover_free(f);
	return rc;
}

size_t
failover_slots(const struct failover *f, struct rrt_slot *const **slots)
{
	*slots = f->slots;
	return f->nrecs;
}

int
failover_start(struct failover *f)
{
	int rc;

	if (f->started)
		return 0;
	evloop_timer_init(&f->rearm_timer, fo_rearm_tick, f);
	rc = evloop_timer_arm(f->loop, &f->rearm_timer, FO_REARM_MS);
	if (rc < 0)
		return rc;
	f->started = true;
	fo_sign_start(f);
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];
		uint32_t first = r->cfg->check.interval_ms < FO_FIRST_PROBE_MAX_MS
					 ? r->cfg->check.interval_ms
					 : FO_FIRST_PROBE_MAX_MS;

		if (r->cfg->check.kind == CFG_CHECK_MANUAL)
			continue;
		for (size_t e = 0; e < r->neps; e++)
			fo_probe_arm(&r->eps[e], fo_rand(f, first));
	}
	return 0;
}

void
failover_free(struct failover *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nrecs && f->recs != NULL; i++) {
		struct fo_record *r = &f->recs[i];

		if (r->f == NULL)
			continue;
		if (f->loop != NULL)
			evloop_timer_cancel(f->loop, &r->pub_timer);
		for (size_t e = 0; e < r->neps; e++) {
			struct fo_endpoint *ep = &r->eps[e];

			if (f->loop != NULL)
				evloop_timer_cancel(f->loop, &ep->timer);
			if (ep->probe != NULL)
				health_probe_cancel(f->health, ep->probe);
		}
		rrt_slot_free(r->slot);
		free(r->eps);
		free(r->pub.served);
		free(r->next.served);
	}
	if (f->loop != NULL && f->started)
		evloop_timer_cancel(f->loop, &f->rearm_timer);
	if (f->health != NULL)
		health_free(f->health);
	fo_events_fini(&f->events);
	fo_sign_free(f);
	free(f->recs);
	free(f->slots);
	free(f);
}
