/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A configuration reload builds a new struct failover from the new config;
 * this carries over, from the one it replaces, the state of every record and
 * endpoint that did not change (docs/configuration.md, "Reloading the
 * configuration").
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "failover_int.h"
#include "failover_publish.h"
#include "swerve/error.h"
#include "swerve/log.h"

static bool
fo_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The record of @f named @name (lowercase, final dot) of @type, or NULL. */
static const struct fo_record *
fo_find_record(const struct failover *f, const char *name, uint16_t type)
{
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct fo_record *o = &f->recs[i];

		if (o->cfg->type == type && strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

static const char *
fo_pool_cfg_name(const struct fo_record *r, unsigned pool)
{
	return r->cfg->pools[pool].name;
}

/* The endpoint of @o that is @ep: same name, pool, address and probe target. */
static const struct fo_endpoint *
fo_adopt_endpoint(const struct fo_record *o, const struct fo_endpoint *ep)
{
	for (size_t e = 0; e < o->neps; e++) {
		const struct fo_endpoint *x = &o->eps[e];

		if (strcmp(x->name, ep->name) != 0 ||
		    !fo_str_eq(fo_pool_cfg_name(o, x->pool), fo_pool_cfg_name(ep->rec, ep->pool)))
			continue;
		if (x->rdlen != ep->rdlen || memcmp(x->rdata, ep->rdata, ep->rdlen) != 0 ||
		    strcmp(x->target_text, ep->target_text) != 0 ||
		    !fo_str_eq(x->cfg->check_host, ep->cfg->check_host))
			return NULL;
		return x;
	}
	return NULL;
}

static void
fo_adopt_state(struct fo_endpoint *ep, const struct fo_endpoint *x)
{
	ep->up = x->up;
	ep->drained = x->drained;
	ep->succ = x->succ;
	ep->fail = x->fail;
	ep->checked = x->checked;
	ep->last_ok = x->last_ok;
	memcpy(ep->last_reason, x->last_reason, sizeof(ep->last_reason));
	ep->last_latency_us = x->last_latency_us;
	ep->last_check_ms = x->last_check_ms;
	ep->last_change_ms = x->last_change_ms;
	ep->skipped = x->skipped;
}

static int
fo_adopt_forced(const struct fo_record *r, const struct fo_record *o)
{
	if (o->forced < 0)
		return -1;
	for (size_t p = 0; p < r->cfg->npools; p++)
		if (fo_str_eq(r->cfg->pools[p].name, fo_pool_cfg_name(o, (unsigned)o->forced)))
			return (int)p;
	return -1;
}

/* The event history goes on; events of a removed record keep a fixed owner text. */
static void
fo_adopt_events(struct failover *to, const struct failover *from)
{
	to->events.next_seq = from->events.next_seq;
	for (size_t i = 0; i < FO_EVENTS_MAX; i++) {
		const struct fo_event *e = &from->events.ring[i];
		struct fo_event *d = &to->events.ring[i];
		const struct fo_record *r;

		*d = *e;
		if (e->seq == 0)
			continue;
		r = fo_find_record(to, e->record, e->type);
		d->record = r != NULL ? r->name : "(removed by a reload)";
	}
}

void
failover_adopt(struct failover *to, const struct failover *from, struct failover_adopted *st)
{
	memset(st, 0, sizeof(*st));
	if (from == NULL)
		return;
	fo_adopt_events(to, from);
	for (size_t i = 0; i < to->nrecs; i++) {
		struct fo_record *r = &to->recs[i];
		const struct fo_record *o = fo_find_record(from, r->name, r->cfg->type);
		bool same_check;
		int rc;

		if (o == NULL) {
			st->records_new++;
			continue;
		}
		st->records_kept++;
		same_check = config_check_probe_eq(&r->cfg->check, &o->cfg->check);
		for (size_t e = 0; e < r->neps; e++) {
			const struct fo_endpoint *x =
				same_check ? fo_adopt_endpoint(o, &r->eps[e]) : NULL;

			if (x == NULL) {
				st->endpoints_new++;
				continue;
			}
			fo_adopt_state(&r->eps[e], x);
			st->endpoints_kept++;
		}
		r->forced = fo_adopt_forced(r, o);
		r->publishes = o->publishes;
		r->transitions = o->transitions;
		r->checks_ok = o->checks_ok;
		r->checks_fail = o->checks_fail;
		memcpy(r->lat_bucket, o->lat_bucket, sizeof(r->lat_bucket));
		r->lat_sum_s = o->lat_sum_s;
		r->last_pub_ms = o->last_pub_ms;
		rc = fo_record_restate(r);
		if (rc < 0)
			sw_err("failover %s: cannot serve the state carried over (%s): serving the "
			       "initial state until the next check",
			       r->name, sw_strerror(rc));
	}
	for (size_t i = 0; i < from->nrecs; i++)
		st->records_removed +=
			fo_find_record(to, from->recs[i].name, from->recs[i].cfg->type) == NULL;
}

void
failover_stop(struct failover *f)
{
	if (f == NULL || f->loop == NULL)
		return;
	for (size_t i = 0; i < f->nrecs && f->recs != NULL; i++) {
		struct fo_record *r = &f->recs[i];

		if (r->f == NULL)
			continue;
		evloop_timer_cancel(f->loop, &r->pub_timer);
		for (size_t e = 0; e < r->neps; e++) {
			struct fo_endpoint *ep = &r->eps[e];

			evloop_timer_cancel(f->loop, &ep->timer);
			if (ep->probe != NULL)
				health_probe_cancel(f->health, ep->probe);
			ep->probe = NULL;
		}
	}
	if (f->started)
		evloop_timer_cancel(f->loop, &f->rearm_timer);
	if (f->signers != NULL)
		evloop_timer_cancel(f->loop, &f->resign_timer);
	health_free(f->health);
	f->health = NULL;
	f->started = false;
	f->loop = NULL;
}

void
failover_ctl_unregister(struct failover *f, struct ctl *c)
{
	if (f != NULL && c != NULL)
		ctl_unregister(c, f->cmds, FO_NCMDS);
}
