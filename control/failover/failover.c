/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover records: endpoint health (rise/fall), probe scheduling, pool choice, slot publishing. */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "failover_int.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"

#define FO_TYPE_A    1
#define FO_TYPE_AAAA 28

/* The first probe of each endpoint lands at a random point of this window after start. */
#define FO_FIRST_PROBE_MAX_MS 1000

uint64_t
fo_realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *
fo_type_name(uint16_t type)
{
	return type == FO_TYPE_AAAA ? "AAAA" : type == FO_TYPE_A ? "A" : "?";
}

/* xorshift64: jitter only needs to spread probes, not to be unpredictable. */
static uint32_t
fo_rand(struct failover *f, uint32_t bound)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return bound == 0 ? 0 : (uint32_t)(f->rng % bound);
}

/* Pool name as configured, or "pool<N>" when the config gave none. */
static const char *
fo_pool_name(const struct fo_record *r, int pool, char *buf, size_t len)
{
	const char *name = r->cfg->pools[pool].name;

	if (name != NULL)
		return name;
	snprintf(buf, len, "pool%d", pool);
	return buf;
}

const char *
fo_serving_name(const struct fo_record *r, int serving, char *buf, size_t len)
{
	if (serving == FO_SERVE_NONE)
		return "servfail";
	if (serving == FO_SERVE_ALL)
		return "serve-all";
	return fo_pool_name(r, serving, buf, len);
}

/* Records called @name (any case, final dot optional); @type 0 matches both types. */
struct fo_record *
fo_record_find(struct failover *f, const char *name, uint16_t type, size_t *nmatch)
{
	struct fo_record *first = NULL;
	uint8_t wire[DNAME_MAXLEN];
	size_t len;

	*nmatch = 0;
	if (dname_from_text(name, wire, &len) < 0)
		return NULL;
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];

		if (r->wire_len != len || memcmp(r->wire, wire, len) != 0)
			continue;
		if (type != 0 && r->cfg->type != type)
			continue;
		if (first == NULL)
			first = r;
		(*nmatch)++;
	}
	return first;
}

/* By name first; then by address, compared in binary so any IPv6 spelling matches. */
struct fo_endpoint *
fo_endpoint_find(struct fo_record *r, const char *name_or_addr)
{
	uint8_t bin[16];
	int family = r->cfg->type == FO_TYPE_AAAA ? AF_INET6 : AF_INET;

	for (size_t i = 0; i < r->neps; i++)
		if (strcmp(r->eps[i].name, name_or_addr) == 0)
			return &r->eps[i];
	if (inet_pton(family, name_or_addr, bin) != 1)
		return NULL;
	for (size_t i = 0; i < r->neps; i++)
		if (memcmp(r->eps[i].rdata, bin, r->eps[i].rdlen) == 0)
			return &r->eps[i];
	return NULL;
}

/* A pool by name, or by a decimal index; -1 when there is none. */
int
fo_pool_find(const struct fo_record *r, const char *name_or_index)
{
	char buf[32], *end;
	unsigned long idx;

	for (size_t p = 0; p < r->cfg->npools; p++)
		if (strcmp(fo_pool_name(r, (int)p, buf, sizeof(buf)), name_or_index) == 0)
			return (int)p;
	if (name_or_index[0] < '0' || name_or_index[0] > '9')
		return -1;
	idx = strtoul(name_or_index, &end, 10);
	if (*end != '\0' || idx >= r->cfg->npools)
		return -1;
	return (int)idx;
}

/* Mark the members of @pool that are not drained (and up, when @need_up); returns how many. */
static size_t
fo_mark_pool(const struct fo_record *r, int pool, bool need_up, uint8_t *served)
{
	size_t n = 0;

	for (size_t i = 0; i < r->neps; i++) {
		const struct fo_endpoint *ep = &r->eps[i];

		if ((int)ep->pool != pool || ep->drained || (need_up && !ep->up))
			continue;
		served[i] = 1;
		n++;
	}
	return n;
}

/*
 * What @r should serve now (readme-failover.md, "Selection"). Drained
 * endpoints are never served. Auto: the first pool with a member up, all of
 * its up members. Forced: every non-drained member of the forced pool, up or
 * not. Nothing selectable: the all-down policy.
 */
void
fo_select(const struct fo_record *r, struct fo_sel *sel)
{
	const struct cfg_failover *c = r->cfg;
	bool full = true;

	memset(sel->served, 0, r->neps);
	sel->serving = FO_SERVE_NONE;
	sel->all_down = false;
	if (r->forced >= 0) {
		if (fo_mark_pool(r, r->forced, false, sel->served) > 0)
			sel->serving = r->forced;
	} else {
		for (size_t p = 0; p < c->npools && sel->serving == FO_SERVE_NONE; p++)
			if (fo_mark_pool(r, (int)p, true, sel->served) > 0)
				sel->serving = (int)p;
	}
	if (sel->serving == FO_SERVE_NONE) {
		sel->all_down = true;
		switch (c->all_down) {
		case CFG_ALL_DOWN_FIRST_POOL:
			for (size_t p = 0; p < c->npools && sel->serving == FO_SERVE_NONE; p++)
				if (fo_mark_pool(r, (int)p, false, sel->served) > 0)
					sel->serving = (int)p;
			break;
		case CFG_ALL_DOWN_SERVE_ALL: {
			size_t n = 0;

			for (size_t p = 0; p < c->npools; p++)
				n += fo_mark_pool(r, (int)p, false, sel->served);
			if (n > 0)
				sel->serving = FO_SERVE_ALL;
			break;
		}
		case CFG_ALL_DOWN_SERVFAIL:
		default:
			break;
		}
	}
	/* Normal TTL only for pool 0 served in full: every member up, none drained. */
	if (sel->serving != 0)
		full = false;
	for (size_t i = 0; i < r->neps && full; i++)
		if (r->eps[i].pool == 0 && !(sel->served[i] && r->eps[i].up))
			full = false;
	sel->degraded = !full;
	sel->ttl = full ? c->ttl : c->degraded_ttl;
}

static bool
fo_sel_equal(const struct fo_record *r, const struct fo_sel *a, const struct fo_sel *b)
{
	return a->serving == b->serving && a->ttl == b->ttl && a->all_down == b->all_down &&
	       memcmp(a->served, b->served, r->neps) == 0;
}

/* The RRset for @sel, or NULL (on failure too: *@err says). Duplicate addresses collapse. */
static struct rrt_rrset *
fo_build(const struct fo_record *r, const struct fo_sel *sel, int *err)
{
	const uint8_t **rdata = NULL;
	uint16_t *rdlen = NULL;
	struct rrt_rrset *rs = NULL;
	unsigned n = 0;

	*err = 0;
	if (sel->serving == FO_SERVE_NONE)
		return NULL;
	rdata = calloc(r->neps, sizeof(*rdata));
	rdlen = calloc(r->neps, sizeof(*rdlen));
	if (rdata == NULL || rdlen == NULL) {
		*err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < r->neps; i++) {
		const struct fo_endpoint *ep = &r->eps[i];
		bool dup = false;

		if (!sel->served[i])
			continue;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = rdlen[j] == ep->rdlen && memcmp(rdata[j], ep->rdata, ep->rdlen) == 0;
		if (dup)
			continue;
		rdata[n] = ep->rdata;
		rdlen[n] = ep->rdlen;
		n++;
	}
	rs = rrt_rrset_new(r->cfg->type, sel->ttl, rdata, rdlen, n);
	if (rs == NULL)
		*err = -ENOMEM;
out:
	free(rdata);
	free(rdlen);
	return rs;
}

/*
 * call_rcu() wants a registered QSBR caller that is online. The control
 * thread is registered and normally offline; a test thread may already be
 * online, and must stay so.
 */
static void
fo_slot_swap(struct rrt_slot *slot, struct rrt_rrset *rs)
{
	bool online = rcu_read_ongoing();

	if (!online)
		rcu_thread_online();
	rrt_slot_replace(slot, rs);
	if (!online)
		rcu_thread_offline();
}

static void
fo_transition_reason(const struct fo_record *r, const struct fo_sel *from, const struct fo_sel *to,
		     char *buf, size_t len)
{
	static const char *const policy[] = {"first-pool", "serve-all", "servfail"};
	char pb[32];

	if (to->all_down)
		snprintf(buf, len, "no endpoint up%s: all-down policy %s",
			 r->forced >= 0 ? " or undrained in the forced pool" : "",
			 policy[r->cfg->all_down <= CFG_ALL_DOWN_SERVFAIL ? r->cfg->all_down : 2]);
	else if (r->forced >= 0)
		snprintf(buf, len, "pool forced by operator");
	else if (from->serving >= 0 && !from->all_down && to->serving > from->serving)
		snprintf(buf, len, "pool %s has no member up and undrained",
			 fo_pool_name(r, from->serving, pb, sizeof(pb)));
	else
		snprintf(buf, len, "pool %s has a member up",
			 fo_pool_name(r, to->serving, pb, sizeof(pb)));
}

/* Swap the slot when the selection differs from what it serves; a failure retries later. */
void
fo_record_publish(struct fo_record *r)
{
	struct failover *f = r->f;
	struct rrt_rrset *rs;
	uint8_t *tmp;
	char reason[FO_REASON], b1[32], b2[32];
	int err;

	fo_select(r, &r->next);
	if (fo_sel_equal(r, &r->pub, &r->next))
		return;
	rs = fo_build(r, &r->next, &err);
	if (err < 0) {
		sw_err("failover %s %s: cannot build the RRset (%s), retrying", r->name,
		       fo_type_name(r->cfg->type), sw_strerror(err));
		evloop_timer_arm(f->loop, &r->pub_timer, 1000);
		return;
	}
	fo_slot_swap(r->slot, rs);
	r->last_pub_ms = evloop_now_ms();
	r->publishes++;
	if (r->next.serving != r->pub.serving || r->next.all_down != r->pub.all_down) {
		r->transitions++;
		fo_transition_reason(r, &r->pub, &r->next, reason, sizeof(reason));
		sw_notice("failover %s %s: serving %s -> %s (%s), ttl %u", r->name,
			  fo_type_name(r->cfg->type),
			  fo_serving_name(r, r->pub.serving, b1, sizeof(b1)),
			  fo_serving_name(r, r->next.serving, b2, sizeof(b2)), reason, r->next.ttl);
		fo_event_add(f, r, NULL, fo_serving_name(r, r->pub.serving, b1, sizeof(b1)),
			     fo_serving_name(r, r->next.serving, b2, sizeof(b2)), reason);
	} else {
		sw_info("failover %s %s: served set of %s changed, ttl %u", r->name,
			fo_type_name(r->cfg->type),
			fo_serving_name(r, r->next.serving, b1, sizeof(b1)), r->next.ttl);
	}
	tmp = r->pub.served;
	r->pub = r->next;
	r->next.served = tmp;
}

static void
fo_publish_timer(void *arg)
{
	fo_record_publish(arg);
}

/*
 * Something that may change @r's selection happened. Publish at once unless
 * the record published within the last FO_COALESCE_MS; then one timer
 * publishes whatever is current when the window ends, so the final state
 * always reaches the slot.
 */
void
fo_record_changed(struct fo_record *r)
{
	uint64_t now = evloop_now_ms();

	if (evloop_timer_armed(&r->pub_timer))
		return;
	if (r->last_pub_ms == 0 || now >= r->last_pub_ms + FO_COALESCE_MS ||
	    evloop_timer_arm(r->f->loop, &r->pub_timer, r->last_pub_ms + FO_COALESCE_MS - now) < 0)
		fo_record_publish(r);
}

static void
fo_endpoint_flip(struct fo_endpoint *ep, bool up, const char *reason)
{
	struct fo_record *r = ep->rec;

	ep->up = up;
	ep->last_change_ms = fo_realtime_ms();
	sw_notice("failover %s %s: endpoint %s (%s) %s -> %s: %s", r->name,
		  fo_type_name(r->cfg->type), ep->name, ep->addr_text, up ? "down" : "up",
		  up ? "up" : "down", reason);
	fo_event_add(r->f, r, ep->name, up ? "down" : "up", up ? "up" : "down", reason);
	fo_record_changed(r);
}

/* Latency bucket bounds in seconds; the exposition adds +Inf. */
const double fo_lat_bounds[FO_LAT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025,
					      0.05,  0.1,    0.25,  1.0,  5.0};

/* One probe result: counters, then the rise/fall hysteresis. */
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

	if (evloop_timer_arm(f->loop, &ep->timer, delay_ms) < 0)
		sw_err("failover %s: endpoint %s: cannot arm its check timer", ep->rec->name,
		       ep->name);
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

/* Operator actions. Each validates, applies, persists, and undoes itself if saving fails. */

int
fo_drain(struct failover *f, struct fo_endpoint *const *eps, size_t n, bool drain, const char *who)
{
	bool *old = calloc(n == 0 ? 1 : n, sizeof(*old));
	int rc, changed = 0;

	if (old == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		old[i] = eps[i]->drained;
		eps[i]->drained = drain;
	}
	rc = fo_state_save(f);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			eps[i]->drained = old[i];
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct fo_endpoint *ep = eps[i];
		char reason[FO_REASON];

		if (old[i] == drain)
			continue;
		changed++;
		snprintf(reason, sizeof(reason), "%s by %s", drain ? "drained" : "undrained", who);
		sw_notice("failover %s %s: endpoint %s (%s) %s", ep->rec->name,
			  fo_type_name(ep->rec->cfg->type), ep->name, ep->addr_text, reason);
		fo_event_add(f, ep->rec, ep->name, drain ? "active" : "drained",
			     drain ? "drained" : "active", reason);
		fo_record_changed(ep->rec);
	}
	rc = changed;
out:
	free(old);
	return rc;
}

static const char *
fo_mode_name(const struct fo_record *r, int forced, char *buf, size_t len)
{
	char pb[32];

	if (forced < 0)
		return "auto";
	snprintf(buf, len, "forced:%s", fo_pool_name(r, forced, pb, sizeof(pb)));
	return buf;
}

/* Force @pool (-1: back to auto). Returns 1 when the mode changed, 0 when it already was. */
int
fo_force(struct failover *f, struct fo_record *r, int pool, const char *who)
{
	int old = r->forced, rc;
	char reason[FO_REASON], b1[48], b2[48];

	if (pool >= (int)r->cfg->npools || pool < -1)
		return -EINVAL;
	r->forced = pool;
	rc = fo_state_save(f);
	if (rc < 0) {
		r->forced = old;
		return rc;
	}
	if (old == pool)
		return 0;
	snprintf(reason, sizeof(reason), "%s by %s", pool < 0 ? "back to auto" : "forced", who);
	sw_notice("failover %s %s: mode %s -> %s (%s)", r->name, fo_type_name(r->cfg->type),
		  fo_mode_name(r, old, b1, sizeof(b1)), fo_mode_name(r, pool, b2, sizeof(b2)),
		  reason);
	fo_event_add(f, r, NULL, fo_mode_name(r, old, b1, sizeof(b1)),
		     fo_mode_name(r, pool, b2, sizeof(b2)), reason);
	fo_record_changed(r);
	return 1;
}

/* endpoint-set on manual endpoints. Returns how many changed state. */
int
fo_manual_set(struct failover *f, struct fo_endpoint *const *eps, size_t n, bool up,
	      const char *who)
{
	bool *old = calloc(n == 0 ? 1 : n, sizeof(*old));
	char reason[FO_REASON];
	int rc, changed = 0;

	if (old == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (eps[i]->rec->cfg->check.kind != CFG_CHECK_MANUAL) {
			rc = -EINVAL;
			goto out;
		}
	}
	/* The file is written with the new states; memory keeps the old ones until it succeeds. */
	for (size_t i = 0; i < n; i++) {
		old[i] = eps[i]->up;
		eps[i]->up = up;
	}
	rc = fo_state_save(f);
	for (size_t i = 0; i < n; i++)
		eps[i]->up = old[i];
	if (rc < 0)
		goto out;
	snprintf(reason, sizeof(reason), "set %s by %s", up ? "up" : "down", who);
	for (size_t i = 0; i < n; i++) {
		struct fo_endpoint *ep = eps[i];

		ep->checked = true;
		ep->last_ok = up;
		ep->last_check_ms = fo_realtime_ms();
		ep->last_latency_us = 0;
		ep->succ = 0;
		ep->fail = 0;
		snprintf(ep->last_reason, sizeof(ep->last_reason), "%s", reason);
		if (old[i] != up) {
			changed++;
			fo_endpoint_flip(ep, up, reason);
		}
	}
	rc = changed;
out:
	free(old);
	return rc;
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
			rc = sw_diag_set(diag, -ENOMEM, cfg->path, 0, "out of memory");
			goto fail;
		}
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
	if (f->started)
		return 0;
	f->started = true;
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
	if (f->health != NULL)
		health_free(f->health);
	fo_events_fini(&f->events);
	free(f->recs);
	free(f->slots);
	free(f);
}
