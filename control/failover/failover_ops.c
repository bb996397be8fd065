/* SPDX-License-Identifier: BSD-3-Clause */
/* Operator overrides: drain, force and manual state; each persisted before it takes effect. */

#include <stdio.h>
#include <stdlib.h>

#include "failover_lookup.h"
#include "failover_ops.h"
#include "failover_publish.h"
#include "failover_state.h"
#include "swerve/error.h"
#include "swerve/log.h"

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
