/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover control commands (failover-list, endpoint-drain, ...) and its Prometheus metrics. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "failover_core.h"
#include "failover_ctl.h"
#include "failover_lookup.h"
#include "failover_ops.h"
#include "failover_state.h"
#include "swerve/ctl.h"
#include "swerve/metrics.h"

/* Default and largest "events" reply. */
#define FO_EVENTS_DEFAULT 50

static const char *const fo_kind_names[] = {"tcp", "http", "https", "manual"};

/* "2026-11-27T03:03:37.123Z", or JSON null for "never". */
static json_t *
fo_json_time(uint64_t ms)
{
	char buf[40];
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0)
		return json_null();
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03uZ", (unsigned)(ms % 1000));
	return json_string(buf);
}

static void
fo_who(const struct ctl_req *req, char *buf, size_t len)
{
	snprintf(buf, len, "operator (uid %u, pid %d)", (unsigned)req->uid, (int)req->pid);
}

/*
 * Records named by @text: "www.example.com" (both types when it has A and
 * AAAA records) or "www.example.com/AAAA". Returns how many, first in *@out;
 * 0 after ctl_fail().
 */
static size_t
fo_ctl_records(struct failover *f, const char *text, json_t *reply, struct fo_record **out)
{
	char name[FO_NAME_TEXT];
	const char *slash = strrchr(text, '/');
	uint16_t type = 0;
	size_t n;

	/* Longer than any presentation-format name: refuse before cutting at the slash. */
	if (strlen(text) >= sizeof(name)) {
		ctl_fail(reply, "no failover record: name too long (%zu octets)", strlen(text));
		return 0;
	}
	snprintf(name, sizeof(name), "%s", text);
	if (slash != NULL) {
		if (strcasecmp(slash + 1, "A") == 0)
			type = 1;
		else if (strcasecmp(slash + 1, "AAAA") == 0)
			type = 28;
		if (type != 0)
			name[slash - text] = '\0';
	}
	*out = fo_record_find(f, name, type, &n);
	if (n == 0)
		ctl_fail(reply, "no failover record %s", text);
	return n;
}

/* Exactly one record, for commands where both types at once would be a guess. */
static struct fo_record *
fo_ctl_record1(struct failover *f, const struct ctl_req *req, json_t *reply, const char *arg)
{
	struct fo_record *r;
	const char *text;
	size_t n;

	if (ctl_arg_str(req, reply, arg, true, &text) < 0)
		return NULL;
	n = fo_ctl_records(f, text, reply, &r);
	if (n > 1) {
		ctl_fail(reply, "%s has A and AAAA records: say %s/A or %s/AAAA", text, text, text);
		return NULL;
	}
	return n == 1 ? r : NULL;
}

static json_t *
fo_json_served(const struct fo_record *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->neps && a != NULL; i++) {
		bool dup = false;

		if (!r->pub.served[i])
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = r->pub.served[j] &&
			      strcmp(r->eps[j].addr_text, r->eps[i].addr_text) == 0;
		if (!dup)
			json_array_append_new(a, json_string(r->eps[i].addr_text));
	}
	return a;
}

/* The summary line of a record: what its slot serves now. */
static json_t *
fo_json_record(const struct fo_record *r)
{
	char b1[32], b2[32];
	size_t up = 0, drained = 0;
	json_t *o;

	for (size_t i = 0; i < r->neps; i++) {
		up += r->eps[i].up;
		drained += r->eps[i].drained;
	}
	o = json_pack("{s:s, s:s, s:s, s:i, s:b, s:o, s:I, s:b, s:s, s:I, s:I, s:I, s:I}", "name",
		      r->name, "type", fo_type_name(r->cfg->type), "serving",
		      fo_serving_name(r, r->pub.serving, b1, sizeof(b1)), "serving_index",
		      r->pub.serving, "all_down", r->pub.all_down, "served", fo_json_served(r),
		      "ttl", (json_int_t)(r->pub.serving == FO_SERVE_NONE ? 0 : r->pub.ttl),
		      "degraded", r->pub.degraded, "mode", r->forced >= 0 ? "forced" : "auto", "up",
		      (json_int_t)up, "total", (json_int_t)r->neps, "drained", (json_int_t)drained,
		      "transitions", (json_int_t)r->transitions);
	if (o != NULL && r->forced >= 0)
		json_object_set_new(o, "forced_pool",
				    json_string(fo_serving_name(r, r->forced, b2, sizeof(b2))));
	return o;
}

static json_t *
fo_json_endpoint(const struct fo_endpoint *ep)
{
	const struct fo_record *r = ep->rec;
	char pb[32];
	json_t *o, *last = json_null();

	if (ep->checked)
		last = json_pack("{s:b, s:s, s:I, s:o}", "ok", ep->last_ok, "reason",
				 ep->last_reason, "latency_us", (json_int_t)ep->last_latency_us,
				 "time", fo_json_time(ep->last_check_ms));
	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:o, s:o, s:b}", "name", ep->name,
		      "address", ep->addr_text, "pool",
		      fo_serving_name(r, (int)ep->pool, pb, sizeof(pb)), "health",
		      ep->up ? "up" : "down", "drained", ep->drained, "served",
		      r->pub.served[ep->index] != 0, "successes", (json_int_t)ep->succ, "failures",
		      (json_int_t)ep->fail, "last_check", last, "last_change",
		      fo_json_time(ep->last_change_ms), "probing", ep->probe != NULL);
	if (o != NULL && r->cfg->check.kind != CFG_CHECK_MANUAL) {
		json_object_set_new(o, "check_target", json_string(ep->target_text));
		/* Ticks that found the previous probe still running (a loop running late). */
		json_object_set_new(o, "probes_skipped", json_integer((json_int_t)ep->skipped));
	}
	return o;
}

static int
fo_cmd_list(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct failover *f = ctx;
	json_t *a = json_array();

	(void)req;
	for (size_t i = 0; i < f->nrecs; i++)
		json_array_append_new(a, fo_json_record(&f->recs[i]));
	json_object_set_new(reply, "records", a);
	return 0;
}

static int
fo_cmd_show(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct failover *f = ctx;
	struct fo_record *first;
	const char *text;
	json_t *a;
	size_t n;

	if (ctl_arg_str(req, reply, "name", true, &text) < 0)
		return -EINVAL;
	n = fo_ctl_records(f, text, reply, &first);
	if (n == 0)
		return -ENOENT;
	a = json_array();
	for (size_t i = (size_t)(first - f->recs); i < f->nrecs; i++) {
		const struct fo_record *r = &f->recs[i];
		const struct cfg_check *c = &r->cfg->check;
		static const char *const policy[] = {"first-pool", "serve-all", "servfail"};
		json_t *o, *eps;

		/* One match: that record; several: the name's A and AAAA records. */
		if (r->wire_len != first->wire_len ||
		    memcmp(r->wire, first->wire, r->wire_len) != 0 || (n == 1 && r != first))
			continue;
		eps = json_array();
		for (size_t e = 0; e < r->neps; e++)
			json_array_append_new(eps, fo_json_endpoint(&r->eps[e]));
		o = fo_json_record(r);
		json_object_set_new(o, "normal_ttl", json_integer(r->cfg->ttl));
		json_object_set_new(o, "degraded_ttl", json_integer(r->cfg->degraded_ttl));
		json_object_set_new(o, "all_down_policy",
				    json_string(policy[r->cfg->all_down % 3]));
		json_object_set_new(o, "check",
				    json_pack("{s:s, s:I, s:I, s:I, s:I}", "kind",
					      fo_kind_names[c->kind & 3], "interval_ms",
					      (json_int_t)c->interval_ms, "timeout_ms",
					      (json_int_t)c->timeout_ms, "rise",
					      (json_int_t)c->rise, "fall", (json_int_t)c->fall));
		json_object_set_new(o, "endpoints", eps);
		json_array_append_new(a, o);
	}
	json_object_set_new(reply, "records", a);
	return 0;
}

/*
 * The endpoints an endpoint command acts on: @ep_text (name or address) in
 * the records named by the "record" argument, or in every record when it
 * is absent (and @record_required is false). *@out is malloc'd.
 */
static int
fo_ctl_endpoints(struct failover *f, const struct ctl_req *req, json_t *reply, bool record_required,
		 struct fo_endpoint ***out, size_t *nout)
{
	const char *ep_text, *rec_text = NULL;
	struct fo_record *first = NULL;
	struct fo_endpoint **eps;
	size_t nrec = f->nrecs, n = 0;

	if (ctl_arg_str(req, reply, "endpoint", true, &ep_text) < 0 ||
	    ctl_arg_str(req, reply, "record", record_required, &rec_text) < 0)
		return -EINVAL;
	if (rec_text != NULL) {
		nrec = fo_ctl_records(f, rec_text, reply, &first);
		if (nrec == 0)
			return -ENOENT;
	}
	eps = calloc(f->nrecs + 1, sizeof(*eps));
	if (eps == NULL)
		return ctl_fail(reply, "out of memory");
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];
		struct fo_endpoint *ep;

		if (first != NULL &&
		    (r->wire_len != first->wire_len ||
		     memcmp(r->wire, first->wire, r->wire_len) != 0 || (nrec == 1 && r != first)))
			continue;
		ep = fo_endpoint_find(r, ep_text);
		if (ep != NULL)
			eps[n++] = ep;
	}
	if (n == 0) {
		free(eps);
		if (rec_text != NULL)
			return ctl_fail(reply, "%s has no endpoint %s", rec_text, ep_text);
		return ctl_fail(reply, "no failover record has an endpoint %s", ep_text);
	}
	*out = eps;
	*nout = n;
	return 0;
}

static void
fo_reply_endpoints(json_t *reply, struct fo_endpoint *const *eps, size_t n, int changed)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "record", eps[i]->rec->name,
						   "type", fo_type_name(eps[i]->rec->cfg->type),
						   "endpoint", eps[i]->name));
	json_object_set_new(reply, "endpoints", a);
	json_object_set_new(reply, "changed", json_integer(changed));
}

static int
fo_cmd_drain_common(struct failover *f, const struct ctl_req *req, json_t *reply, bool drain)
{
	struct fo_endpoint **eps = NULL;
	char who[64];
	size_t n;
	int rc;

	rc = fo_ctl_endpoints(f, req, reply, false, &eps, &n);
	if (rc < 0)
		return rc;
	fo_who(req, who, sizeof(who));
	rc = fo_drain(f, eps, n, drain, who);
	if (rc < 0)
		rc = ctl_fail(reply, "cannot save the state file: %s", strerror(-rc));
	else
		fo_reply_endpoints(reply, eps, n, rc);
	free(eps);
	return rc < 0 ? rc : 0;
}

static int
fo_cmd_drain(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return fo_cmd_drain_common(ctx, req, reply, true);
}

static int
fo_cmd_undrain(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return fo_cmd_drain_common(ctx, req, reply, false);
}

static int
fo_cmd_set(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct failover *f = ctx;
	struct fo_endpoint **eps = NULL;
	const char *state;
	char who[64];
	bool up;
	size_t n;
	int rc;

	if (ctl_arg_str(req, reply, "state", true, &state) < 0)
		return -EINVAL;
	if (strcmp(state, "up") != 0 && strcmp(state, "down") != 0)
		return ctl_fail(reply, "state: up or down, not %s", state);
	up = strcmp(state, "up") == 0;
	rc = fo_ctl_endpoints(f, req, reply, true, &eps, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (eps[i]->rec->cfg->check.kind != CFG_CHECK_MANUAL) {
			rc = ctl_fail(reply,
				      "%s %s has %s checks: endpoint-set needs a manual check",
				      eps[i]->rec->name, fo_type_name(eps[i]->rec->cfg->type),
				      fo_kind_names[eps[i]->rec->cfg->check.kind & 3]);
			goto out;
		}
	}
	fo_who(req, who, sizeof(who));
	rc = fo_manual_set(f, eps, n, up, who);
	if (rc < 0) {
		rc = ctl_fail(reply, "cannot save the state file: %s", strerror(-rc));
		goto out;
	}
	fo_reply_endpoints(reply, eps, n, rc);
	rc = 0;
out:
	free(eps);
	return rc;
}

static int
fo_cmd_force_common(struct failover *f, const struct ctl_req *req, json_t *reply, bool force)
{
	struct fo_record *r = fo_ctl_record1(f, req, reply, "name");
	const char *pool_text;
	char who[64], pb[32];
	int pool = -1, rc;

	if (r == NULL)
		return -EINVAL;
	if (force) {
		if (ctl_arg_str(req, reply, "pool", true, &pool_text) < 0)
			return -EINVAL;
		pool = fo_pool_find(r, pool_text);
		if (pool < 0)
			return ctl_fail(reply, "%s %s has no pool %s", r->name,
					fo_type_name(r->cfg->type), pool_text);
	}
	fo_who(req, who, sizeof(who));
	rc = fo_force(f, r, pool, who);
	if (rc < 0)
		return ctl_fail(reply, "cannot save the state file: %s", strerror(-rc));
	json_object_set_new(reply, "record", json_string(r->name));
	json_object_set_new(reply, "type", json_string(fo_type_name(r->cfg->type)));
	json_object_set_new(reply, "mode", json_string(force ? "forced" : "auto"));
	if (force)
		json_object_set_new(reply, "pool",
				    json_string(fo_serving_name(r, pool, pb, sizeof(pb))));
	json_object_set_new(reply, "changed", json_integer(rc));
	return 0;
}

static int
fo_cmd_force(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return fo_cmd_force_common(ctx, req, reply, true);
}

static int
fo_cmd_auto(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return fo_cmd_force_common(ctx, req, reply, false);
}

/* "count" as a JSON integer or a decimal string (swervectl passes words). */
static int
fo_arg_count(const struct ctl_req *req, json_t *reply, size_t *out)
{
	const json_t *v = json_object_get(req->args, "count");
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
	} else if (json_is_string(v) && json_string_value(v)[0] != '\0') {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end != '\0')
			return ctl_fail(reply, "count: not a number");
	} else {
		return ctl_fail(reply, "count: not a number");
	}
	if (n < 1)
		return ctl_fail(reply, "count: at least 1");
	*out = n > FO_EVENTS_MAX ? FO_EVENTS_MAX : (size_t)n;
	return 0;
}

static int
fo_cmd_events(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct failover *f = ctx;
	size_t want = FO_EVENTS_DEFAULT, n;
	const char *rec_text = NULL;
	struct fo_record *r = NULL;
	json_t *a;

	if (fo_arg_count(req, reply, &want) < 0 ||
	    ctl_arg_str(req, reply, "record", false, &rec_text) < 0)
		return -EINVAL;
	if (rec_text != NULL && fo_ctl_records(f, rec_text, reply, &r) == 0)
		return -ENOENT;
	a = json_array();
	n = fo_events_count(&f->events);
	/* Newest last; with a record filter, the last @want of that record's events. */
	for (size_t i = 0, kept = 0; i < n && kept < want; i++) {
		const struct fo_event *e = fo_events_get(&f->events, n, n - 1 - i);
		json_t *o;

		if (r != NULL && strcmp(e->record, r->name) != 0)
			continue;
		kept++;
		o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq,
			      "time", fo_json_time(e->time_ms), "record", e->record, "type",
			      fo_type_name(e->type), "endpoint", e->endpoint, "from", e->from, "to",
			      e->to, "reason", e->reason);
		json_array_insert_new(a, 0, o);
	}
	json_object_set_new(reply, "events", a);
	return 0;
}

size_t
fo_ctl_commands(struct failover *f, const struct ctl_cmd **cmds)
{
	const struct ctl_cmd tmpl[FO_NCMDS] = {
		{"failover-list", fo_cmd_list, f, false, "failover-list"},
		{"failover-show", fo_cmd_show, f, false, "failover-show NAME[/TYPE]"},
		{"endpoint-drain", fo_cmd_drain, f, true, "endpoint-drain ENDPOINT [RECORD]"},
		{"endpoint-undrain", fo_cmd_undrain, f, true, "endpoint-undrain ENDPOINT [RECORD]"},
		{"endpoint-set", fo_cmd_set, f, true, "endpoint-set RECORD ENDPOINT up|down"},
		{"failover-force", fo_cmd_force, f, true, "failover-force NAME[/TYPE] POOL"},
		{"failover-auto", fo_cmd_auto, f, true, "failover-auto NAME[/TYPE]"},
		{"events", fo_cmd_events, f, false, "events [COUNT] [record=NAME]"},
	};

	memcpy(f->cmds, tmpl, sizeof(tmpl));
	*cmds = f->cmds;
	return FO_NCMDS;
}

int
failover_ctl_register(struct failover *f, struct ctl *c)
{
	const struct ctl_cmd *cmds;
	size_t n = fo_ctl_commands(f, &cmds);

	return ctl_register(c, cmds, n);
}

static void
fo_metrics_render(void *ctx, struct metrics_out *o)
{
	struct failover *f = ctx;
	char pool[16];

	metrics_family(o, "swerve_endpoint_up", "gauge",
		       "Health of a failover endpoint after rise/fall (1 up, 0 down).");
	for (size_t i = 0; i < f->nrecs; i++)
		for (size_t e = 0; e < f->recs[i].neps; e++)
			metrics_sample_u64(o, "swerve_endpoint_up", f->recs[i].eps[e].up, "record",
					   f->recs[i].name, "endpoint", f->recs[i].eps[e].name,
					   "type", fo_type_name(f->recs[i].cfg->type), NULL);
	metrics_family(o, "swerve_endpoint_drained", "gauge",
		       "Endpoint drained by the operator (never served while 1).");
	for (size_t i = 0; i < f->nrecs; i++)
		for (size_t e = 0; e < f->recs[i].neps; e++)
			metrics_sample_u64(o, "swerve_endpoint_drained", f->recs[i].eps[e].drained,
					   "record", f->recs[i].name, "endpoint",
					   f->recs[i].eps[e].name, "type",
					   fo_type_name(f->recs[i].cfg->type), NULL);
	metrics_family(o, "swerve_failover_transitions_total", "counter",
		       "Changes of the pool (or all-down policy) a record serves.");
	for (size_t i = 0; i < f->nrecs; i++)
		metrics_sample_u64(o, "swerve_failover_transitions_total", f->recs[i].transitions,
				   "record", f->recs[i].name, "type",
				   fo_type_name(f->recs[i].cfg->type), NULL);
	metrics_family(o, "swerve_failover_publishes_total", "counter",
		       "RRset swaps into a record's slot (coalesced to one per 50 ms).");
	for (size_t i = 0; i < f->nrecs; i++)
		metrics_sample_u64(o, "swerve_failover_publishes_total", f->recs[i].publishes,
				   "record", f->recs[i].name, "type",
				   fo_type_name(f->recs[i].cfg->type), NULL);
	metrics_family(o, "swerve_failover_pool", "gauge",
		       "Pool index served; -1 SERVFAIL, -2 all-down serve-all.");
	for (size_t i = 0; i < f->nrecs; i++)
		metrics_sample_double(o, "swerve_failover_pool", f->recs[i].pub.serving, "record",
				      f->recs[i].name, "type", fo_type_name(f->recs[i].cfg->type),
				      NULL);
	metrics_family(o, "swerve_health_checks_total", "counter",
		       "Health probes completed, by result.");
	for (size_t i = 0; i < f->nrecs; i++) {
		const char *t = fo_type_name(f->recs[i].cfg->type);

		metrics_sample_u64(o, "swerve_health_checks_total", f->recs[i].checks_ok, "record",
				   f->recs[i].name, "type", t, "result", "ok", NULL);
		metrics_sample_u64(o, "swerve_health_checks_total", f->recs[i].checks_fail,
				   "record", f->recs[i].name, "type", t, "result", "fail", NULL);
	}
	metrics_family(o, "swerve_health_check_duration_seconds", "histogram",
		       "Health probe duration, start to verdict.");
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct fo_record *r = &f->recs[i];
		const char *t = fo_type_name(r->cfg->type);
		uint64_t cum = 0;

		for (unsigned b = 0; b <= FO_LAT_BUCKETS; b++) {
			cum += r->lat_bucket[b];
			if (b < FO_LAT_BUCKETS)
				snprintf(pool, sizeof(pool), "%g", fo_lat_bounds[b]);
			else
				snprintf(pool, sizeof(pool), "+Inf");
			metrics_sample_u64(o, "swerve_health_check_duration_seconds_bucket", cum,
					   "record", r->name, "type", t, "le", pool, NULL);
		}
		metrics_sample_double(o, "swerve_health_check_duration_seconds_sum", r->lat_sum_s,
				      "record", r->name, "type", t, NULL);
		metrics_sample_u64(o, "swerve_health_check_duration_seconds_count", cum, "record",
				   r->name, "type", t, NULL);
	}
}

int
failover_metrics_register(struct failover *f, struct metrics *m)
{
	return metrics_add_source(m, fo_metrics_render, f);
}
