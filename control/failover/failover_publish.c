/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover selection and publishing: which pool a record serves, its RRset, the slot swap. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "failover_lookup.h"
#include "failover_publish.h"
#include "failover_state.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/zone_sign.h"

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
 * What @r should serve now (docs/failover.md, "Selection"). Drained
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

/*
 * The RRset for @sel, or NULL (on failure too: *@err says). Duplicate
 * addresses collapse. In a signed zone it carries its RRSIGs, made now, and
 * r->built_expire says until when they are valid.
 */
struct rrt_rrset *
fo_build(struct fo_record *r, const struct fo_sel *sel, int *err)
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
	if (r->signer != NULL) {
		uint8_t *sigs = NULL;
		size_t sig_len = 0;

		*err = zone_signer_sign(r->signer, r->wire, r->wire_len, r->cfg->type, sel->ttl,
					rdata, rdlen, n, time(NULL), &sigs, &sig_len,
					&r->built_expire);
		if (*err == 0) {
			rs = rrt_rrset_new_signed(r->cfg->type, sel->ttl, rdata, rdlen, n, sigs,
						  sig_len);
			if (rs == NULL)
				*err = -ENOMEM;
		}
		free(sigs);
		goto out;
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
	r->sig_expire = r->built_expire;
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

void
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

void
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

int
fo_record_resign(struct fo_record *r)
{
	struct rrt_rrset *rs;
	int err;

	rs = fo_build(r, &r->pub, &err);
	if (err < 0)
		return err;
	fo_slot_swap(r->slot, rs);
	r->sig_expire = r->built_expire;
	return 0;
}

int
fo_record_restate(struct fo_record *r)
{
	struct rrt_rrset *rs;
	uint8_t *tmp;
	int err;

	fo_select(r, &r->next);
	if (fo_sel_equal(r, &r->pub, &r->next))
		return 0;
	rs = fo_build(r, &r->next, &err);
	if (err < 0)
		return err;
	fo_slot_swap(r->slot, rs);
	r->sig_expire = r->built_expire;
	tmp = r->pub.served;
	r->pub = r->next;
	r->next.served = tmp;
	return 0;
}
