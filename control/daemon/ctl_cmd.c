/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's control socket commands: status, stats, zones, lookup, log level, stop, metrics. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <ldns/ldns.h>
#include <rte_ethdev.h>
#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/ctl.h"
#include "swerve/dnsq.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/secondary.h"
#include "swerve/stats.h"
#include "swerve/tcp.h"
#include "swerve/watchdog.h"
#include "swerved.h"

/* More queued reloads than this is an operator script gone wrong, not a need. */
#define CTL_CMD_MAX_RELOADS 64

/* lookup builds its query and answer here: the control thread is the only user. */
static uint8_t ctl_cmd_query[512];
static uint8_t ctl_cmd_resp[TCP_MSG_MAX];

/* Wall-clock seconds as "2024-05-01T12:00:00Z". */
static json_t *
ctl_cmd_time(double t)
{
	char buf[32];
	time_t sec = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&sec, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* ---- status ---- */

static json_t *
ctl_cmd_ports(const struct swerved *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->nports; i++) {
		const struct port *p = &s->ports[i];
		struct rte_eth_link link;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(p->id, &link);
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		json_array_append_new(
			a, json_pack("{s:i, s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:s, s:b}",
				     "port", (int)p->id, "name", p->name, "driver", p->driver,
				     "link", link.link_status ? "up" : "down", "speed_mbps",
				     (json_int_t)link.link_speed, "rx_queues", (int)p->nq,
				     "tx_queues", (int)p->nq, "rx_ring", (int)p->rx_ring,
				     "tx_ring", (int)p->tx_ring, "mtu", (int)p->mtu, "mac", mac,
				     "rss", p->rss));
	}
	return a;
}

static json_t *
ctl_cmd_workers(const struct swerved *s)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < s->nworkers; i++) {
		const struct worker *w = s->workers[i];
		char q[WORKER_MAX_PORTS * 24] = "";
		size_t off = 0;

		/* "port0/q1 port1/q1": readable in a table, still easy to split. */
		for (unsigned k = 0; k < w->nports && off < sizeof(q); k++)
			off += (size_t)snprintf(q + off, sizeof(q) - off, "%sport%u/q%u",
						k != 0 ? " " : "", w->ports[k].port_id,
						w->ports[k].queue);
		json_array_append_new(a, json_pack("{s:i, s:i, s:s}", "worker", (int)w->index,
						   "lcore", (int)w->lcore_id, "queues", q));
	}
	return a;
}

/* A secondary zone's transfer state: what it holds, when it last heard from a primary, what next. */
static json_t *
ctl_cmd_transfer(const struct secondary_info *si)
{
	json_t *o = json_object();

	if (o == NULL)
		return json_null();
	json_object_set_new(o, "serial", si->have_data ? json_integer((json_int_t)si->serial) :
							   json_null());
	json_object_set_new(o, "expired", json_boolean(si->expired));
	json_object_set_new(o, "busy", json_boolean(si->busy));
	json_object_set_new(o, "last_refresh", ctl_cmd_time(si->last_refresh));
	json_object_set_new(o, "last_transfer", ctl_cmd_time(si->last_transfer));
	json_object_set_new(o, "last_kind", si->last_kind != NULL ? json_string(si->last_kind) :
								    json_null());
	json_object_set_new(o, "primary", si->primary[0] != '\0' ? json_string(si->primary) :
								   json_null());
	json_object_set_new(o, "next_refresh", ctl_cmd_time(si->next_refresh));
	json_object_set_new(o, "expires", ctl_cmd_time(si->expires));
	json_object_set_new(o, "last_error", si->last_error[0] != '\0' ?
						     json_string(si->last_error) :
						     json_null());
	json_object_set_new(o, "axfr", json_integer((json_int_t)si->transfers[0]));
	json_object_set_new(o, "ixfr", json_integer((json_int_t)si->transfers[1]));
	json_object_set_new(o, "failures", json_integer((json_int_t)si->failures));
	json_object_set_new(o, "notifies", json_integer((json_int_t)si->notifies));
	return o;
}

static json_t *
ctl_cmd_zone(const struct swerved *s, size_t i, const struct loader_zone_info *zi, bool full)
{
	const struct secondary_info *si = secondary_zone_info(s->sec, (int)i);
	json_t *o = json_pack("{s:s, s:I, s:o, s:I}", "zone",
			      zi->apex[0] != '\0' ? zi->apex : zi->name, "serial", (json_int_t)zi->serial,
			      "loaded", ctl_cmd_time(zi->load_time), "names", (json_int_t)zi->names);

	if (o != NULL) {
		json_object_set_new(o, "role", json_string(si != NULL ? "secondary" : "primary"));
		json_object_set_new(o, "served", json_boolean(zi->served));
		if (si != NULL)
			json_object_set_new(o, "transfer", ctl_cmd_transfer(si));
	}
	if (o != NULL && full) {
		json_object_set_new(o, "file", json_string(zi->file));
		json_object_set_new(o, "load_time", json_real(zi->load_time));
		json_object_set_new(o, "records", json_integer((json_int_t)zi->records));
		json_object_set_new(o, "loads", json_integer((json_int_t)zi->loads));
		json_object_set_new(o, "failures", json_integer((json_int_t)zi->failures));
		json_object_set_new(o, "last_error", zi->last_error[0] != '\0' ?
							     json_string(zi->last_error) :
							     json_null());
	}
	return o;
}

static json_t *
ctl_cmd_zones(const struct swerved *s, bool full)
{
	const struct loader_zone_info *zi;
	json_t *a = json_array();
	size_t n;

	zi = loader_zones(s->loader, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, ctl_cmd_zone(s, i, &zi[i], full));
	return a;
}

static int
ctl_cmd_status(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	uint64_t gen;

	(void)req;
	/* Only the generation is read, but a snapshot pointer needs a reader bracket. */
	rcu_thread_online();
	gen = rrt_current(&s->root) != NULL ? rrt_current(&s->root)->generation : 0;
	rcu_thread_offline();

	json_object_set_new(reply, "version", json_string(SWERVE_VERSION));
	json_object_set_new(reply, "pid", json_integer(getpid()));
	json_object_set_new(reply, "uptime_s",
			    json_integer((json_int_t)((evloop_now_ms() - s->start_ms) / 1000)));
	json_object_set_new(reply, "started", ctl_cmd_time(s->start_wall));
	json_object_set_new(reply, "config", json_string(s->cfg->path));
	json_object_set_new(reply, "main_lcore", json_integer(rte_get_main_lcore()));
	json_object_set_new(reply, "workers", ctl_cmd_workers(s));
	json_object_set_new(reply, "ports", ctl_cmd_ports(s));
	json_object_set_new(reply, "exception", s->excq != NULL ?
							json_string(s->cfg->exception_ifname) :
							json_null());
	json_object_set_new(reply, "tcp", json_boolean(s->tcp_on));
	json_object_set_new(reply, "zones", ctl_cmd_zones(s, false));
	json_object_set_new(reply, "generation", json_integer((json_int_t)gen));
	json_object_set_new(reply, "failover_records", json_integer((json_int_t)s->cfg->nfailovers));
	json_object_set_new(reply, "log_level", json_string(sw_log_level_name(sw_log_get_level())));
	if (s->wd != NULL)
		json_object_set_new(reply, "watchdog", watchdog_json(s->wd));
	return 0;
}

/* ---- stats ---- */

#define CTL_CMD_NWORDS (sizeof(struct worker_stats) / sizeof(uint64_t))

/*
 * Read @w's counters word by word: each is a naturally aligned uint64_t
 * written by one worker, so each load is a value it really had (stats.h);
 * a memcpy could tear a counter into bytes.
 */
static void
ctl_cmd_stats_read(const struct worker *w, struct worker_stats *out)
{
	const volatile uint64_t *src = (const volatile uint64_t *)(const void *)&w->stats;
	uint64_t *dst = (uint64_t *)(void *)out;

	for (size_t i = 0; i < CTL_CMD_NWORDS; i++)
		dst[i] = src[i];
}

/* @acc += @cur - @base, counter by counter (never below zero). */
static void
ctl_cmd_stats_add(struct worker_stats *acc, const struct worker_stats *cur,
		  const struct worker_stats *base)
{
	uint64_t *a = (uint64_t *)(void *)acc;
	const uint64_t *c = (const uint64_t *)(const void *)cur;
	const uint64_t *b = (const uint64_t *)(const void *)base;

	for (size_t i = 0; i < CTL_CMD_NWORDS; i++)
		a[i] += c[i] > b[i] ? c[i] - b[i] : 0;
}

/* One worker's line: the counters an operator compares between workers (the total has them all). */
static json_t *
ctl_cmd_stats_worker(const struct worker *w, const struct worker_stats *st)
{
	uint64_t dropped = 0;

	for (unsigned i = 0; i < STATS_DROP_MAX; i++)
		dropped += st->drop[i];
	return json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "worker", (int)w->index, "lcore", (int)w->lcore_id, "rx",
			 (json_int_t)st->rx, "dns_queries", (json_int_t)st->dns_queries,
			 "answered", (json_int_t)st->answered, "noerror", (json_int_t)st->rcode[0],
			 "nxdomain", (json_int_t)st->rcode[3], "refused", (json_int_t)st->rcode[5],
			 "truncated", (json_int_t)st->truncated, "dropped", (json_int_t)dropped,
			 "exc_to_kernel", (json_int_t)st->exc_to_kernel, "tx_sent",
			 (json_int_t)st->tx_sent, "tx_failed", (json_int_t)st->tx_failed);
}

static json_t *
ctl_cmd_stats_obj(const struct worker_stats *st)
{
	static const char *const rcodes[] = {"noerror", "formerr", "servfail",
					     "nxdomain", "notimp", "refused"};
	json_t *o = json_object();
	uint64_t other = st->rcode[STATS_RCODE_OTHER], dropped = 0;
	char key[64];

	json_object_set_new(o, "rx", json_integer((json_int_t)st->rx));
	json_object_set_new(o, "dns_queries", json_integer((json_int_t)st->dns_queries));
	json_object_set_new(o, "answered", json_integer((json_int_t)st->answered));
	for (unsigned i = 0; i < 6; i++)
		json_object_set_new(o, rcodes[i], json_integer((json_int_t)st->rcode[i]));
	json_object_set_new(o, "badvers",
			    json_integer((json_int_t)st->rcode[STATS_RCODE_BADVERS]));
	for (unsigned i = 6; i < 16; i++)
		other += st->rcode[i];
	json_object_set_new(o, "rcode_other", json_integer((json_int_t)other));
	json_object_set_new(o, "truncated", json_integer((json_int_t)st->truncated));
	json_object_set_new(o, "edns", json_integer((json_int_t)st->edns));
	for (unsigned i = 0; i < STATS_DROP_MAX; i++)
		dropped += st->drop[i];
	json_object_set_new(o, "dropped", json_integer((json_int_t)dropped));
	for (unsigned i = 0; i < STATS_DROP_MAX; i++) {
		snprintf(key, sizeof(key), "drop_%s", stats_drop_name((enum stats_drop)i));
		json_object_set_new(o, key, json_integer((json_int_t)st->drop[i]));
	}
	json_object_set_new(o, "ipv4_frag", json_integer((json_int_t)st->ipv4_frag));
	json_object_set_new(o, "ipv6_ext", json_integer((json_int_t)st->ipv6_ext));
	json_object_set_new(o, "exc_to_kernel", json_integer((json_int_t)st->exc_to_kernel));
	json_object_set_new(o, "exc_limited", json_integer((json_int_t)st->exc_limited));
	json_object_set_new(o, "exc_from_kernel", json_integer((json_int_t)st->exc_from_kernel));
	json_object_set_new(o, "tx_sent", json_integer((json_int_t)st->tx_sent));
	json_object_set_new(o, "tx_failed", json_integer((json_int_t)st->tx_failed));
	json_object_set_new(o, "idle_sleeps", json_integer((json_int_t)st->idle_sleeps));
	return o;
}

static int
ctl_cmd_stats(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	struct worker_stats total, cur, none;
	json_t *workers;
	bool reset = false;
	int rc;

	rc = ctl_arg_bool(req, reply, "reset", &reset);
	if (rc < 0)
		return rc;
	memset(&total, 0, sizeof(total));
	memset(&none, 0, sizeof(none));
	workers = json_array();
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker_stats one;

		memset(&one, 0, sizeof(one));
		ctl_cmd_stats_read(s->workers[i], &cur);
		ctl_cmd_stats_add(&one, &cur, s->stats_base != NULL ? &s->stats_base[i] : &none);
		ctl_cmd_stats_add(&total, &one, &none);
		json_array_append_new(workers, ctl_cmd_stats_worker(s->workers[i], &one));
		/* The reply shows the counters up to now; the next one counts from here. */
		if (reset && s->stats_base != NULL)
			s->stats_base[i] = cur;
	}
	json_object_set_new(reply, "since", ctl_cmd_time(s->stats_since));
	json_object_set_new(reply, "total", ctl_cmd_stats_obj(&total));
	json_object_set_new(reply, "workers", workers);
	if (reset) {
		s->stats_since = swerved_wall_now();
		json_object_set_new(reply, "reset", json_true());
		/* The one mutation of a read-only command: logged like the others. */
		sw_notice("control: stats reset by uid %u pid %d", (unsigned)req->uid, (int)req->pid);
	}
	return 0;
}

/* ---- zones ---- */

static int
ctl_cmd_zone_list(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;

	(void)req;
	json_object_set_new(reply, "zones", ctl_cmd_zones(s, true));
	return 0;
}

static int
ctl_cmd_zone_reload(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	const char *name = NULL;
	int zone = -1, rc;

	rc = ctl_arg_str(req, reply, "zone", false, &name);
	if (rc < 0)
		return rc;
	if (name != NULL) {
		zone = loader_zone_index(s->loader, name);
		if (zone < 0)
			return ctl_fail(reply, "unknown zone '%s'", name);
		/* Serving an expired copy again is the primary's call, through a refresh. */
		if (secondary_zone_info(s->sec, zone) != NULL &&
		    secondary_zone_info(s->sec, zone)->expired)
			return ctl_fail(reply, "zone '%s' has expired: zone-refresh asks its primaries",
					name);
	}
	if (loader_pending(s->loader) >= CTL_CMD_MAX_RELOADS)
		return ctl_fail(reply, "%u reloads already queued", loader_pending(s->loader));
	rc = loader_reload(s->loader, zone, swerved_cookie(req->client));
	if (rc < 0)
		return ctl_fail(reply, "cannot queue the reload: %s", sw_strerror(rc));
	return CTL_DEFERRED;
}

void
swerved_reload_done(void *arg, const struct loader_result *res)
{
	struct swerved *s = arg;
	const struct loader_zone_info *zi;
	const char *what;
	json_t *reply, *zones;
	size_t n;

	if (secondary_cookie_is(res->cookie)) {
		/* A transfer being published, or an expired zone dropped: the module logs it. */
		secondary_loader_done(s->sec, res);
		return;
	}
	zi = loader_zones(s->loader, &n);
	what = res->zone < 0 ? "all zones" : zi[res->zone].apex[0] != '\0' ? zi[res->zone].apex :
									       zi[res->zone].name;
	if (res->rc < 0)
		sw_err("zone reload of %s refused, the previous version keeps serving: %s", what,
		       res->error);
	else if (res->zone >= 0)
		sw_notice("zone %s reloaded: serial %u, %u names (generation %" PRIu64 ")", what,
			  zi[res->zone].serial, zi[res->zone].names, res->generation);
	else
		sw_notice("all %zu zone(s) reloaded (generation %" PRIu64 ")", n, res->generation);

	if (res->cookie == SWERVED_COOKIE_SIGNAL || s->ctl == NULL)
		return;
	reply = json_object();
	if (reply == NULL)
		return;
	if (res->rc < 0) {
		json_object_set_new(reply, "error", json_string(res->error));
		ctl_reply_deferred(s->ctl, res->cookie >> 1, false, reply);
		return;
	}
	zones = json_array();
	for (size_t i = 0; i < n; i++)
		if (res->zone < 0 || (size_t)res->zone == i)
			json_array_append_new(zones, ctl_cmd_zone(s, i, &zi[i], false));
	json_object_set_new(reply, "zones", zones);
	json_object_set_new(reply, "generation", json_integer((json_int_t)res->generation));
	ctl_reply_deferred(s->ctl, res->cookie >> 1, true, reply);
}

/* zone-refresh ZONE / zone-retransfer ZONE: a secondary zone's refresh, now. */
static int
ctl_cmd_refresh_common(struct swerved *s, const struct ctl_req *req, json_t *reply, bool axfr)
{
	const char *name = NULL;
	int zone, rc;

	rc = ctl_arg_str(req, reply, "zone", true, &name);
	if (rc < 0)
		return rc;
	zone = loader_zone_index(s->loader, name);
	if (zone < 0)
		return ctl_fail(reply, "unknown zone '%s'", name);
	if (secondary_zone_info(s->sec, zone) == NULL)
		return ctl_fail(reply, "zone '%s' has no primaries (zone-reload re-reads its file)",
				name);
	rc = secondary_refresh(s->sec, zone, axfr);
	if (rc < 0)
		return ctl_fail(reply, "cannot start the refresh: %s", sw_strerror(rc));
	json_object_set_new(reply, "zone", json_string(name));
	json_object_set_new(reply, "started", json_string(axfr ? "axfr" : "refresh"));
	return 0;
}

static int
ctl_cmd_zone_refresh(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return ctl_cmd_refresh_common(ctx, req, reply, false);
}

static int
ctl_cmd_zone_retransfer(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return ctl_cmd_refresh_common(ctx, req, reply, true);
}

/* ---- lookup ---- */

/* A query for @name/@type/IN without RD, as a client would send it; returns its length or 0. */
static size_t
ctl_cmd_make_query(const char *name, uint16_t type, json_t *reply)
{
	char fq[DNAME_MAXLEN * 4 + 2];
	ldns_rdf *dn;
	size_t nlen, n = strlen(name);
	uint8_t *q = ctl_cmd_query;

	if (n == 0 || n >= sizeof(fq) - 1) {
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	snprintf(fq, sizeof(fq), "%s%s", name, name[n - 1] == '.' ? "" : ".");
	dn = ldns_dname_new_frm_str(fq);
	if (dn == NULL) {
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	nlen = ldns_rdf_size(dn);
	if (nlen > DNAME_MAXLEN || 12 + nlen + 4 > sizeof(ctl_cmd_query)) {
		ldns_rdf_deep_free(dn);
		ctl_fail(reply, "bad name '%s'", name);
		return 0;
	}
	memset(q, 0, 12);
	q[0] = 0x53; /* An ID nobody reads. */
	q[1] = 0x57;
	q[5] = 1; /* QDCOUNT */
	memcpy(q + 12, ldns_rdf_data(dn), nlen);
	ldns_rdf_deep_free(dn);
	q[12 + nlen] = (uint8_t)(type >> 8);
	q[13 + nlen] = (uint8_t)type;
	q[14 + nlen] = 0;
	q[15 + nlen] = 1; /* IN */
	return 12 + nlen + 4;
}

/* The records of one section as presentation lines ("name ttl IN type rdata"). */
static json_t *
ctl_cmd_section(const ldns_rr_list *list)
{
	json_t *a = json_array();

	for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		char *txt = ldns_rr2str(ldns_rr_list_rr(list, i));
		size_t n;

		if (txt == NULL)
			continue;
		n = strlen(txt);
		while (n > 0 && (txt[n - 1] == '\n' || txt[n - 1] == ' '))
			txt[--n] = '\0';
		for (char *p = txt; *p != '\0'; p++)
			if (*p == '\t')
				*p = ' ';
		json_array_append_new(a, json_string(txt));
		free(txt);
	}
	return a;
}

static const char *
ctl_cmd_rcode_name(unsigned rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					    "NXRRSET", "NOTAUTH", "NOTZONE"};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return rcode == 16 ? "BADVERS" : "RCODE?";
}

static int
ctl_cmd_lookup(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	const char *name = NULL, *tname = "A";
	struct dnsq_info info;
	uint64_t gen = 0;
	ldns_pkt *pkt = NULL;
	ldns_rr_type type;
	size_t qlen, len;
	char flags[32];
	int rc;

	rc = ctl_arg_str(req, reply, "name", true, &name);
	if (rc < 0)
		return rc;
	rc = ctl_arg_str(req, reply, "type", false, &tname);
	if (rc < 0)
		return rc;
	if (tname == NULL)
		tname = "A";
	type = ldns_get_rr_type_by_name(tname);
	if (type == 0)
		return ctl_fail(reply, "unknown type '%s'", tname);
	qlen = ctl_cmd_make_query(name, (uint16_t)type, reply);
	if (qlen == 0)
		return -EINVAL;

	/* The only place the control thread reads the table: online just for the answer. */
	rcu_thread_online();
	{
		const struct rrt *t = rrt_current(&s->root);

		if (t != NULL)
			gen = t->generation;
		len = dnsq_answer(t, &s->dconf, NULL, ctl_cmd_query, qlen, ctl_cmd_resp,
				  sizeof(ctl_cmd_resp), DNSQ_TCP, &info);
	}
	rcu_thread_offline();

	if (len == 0)
		return ctl_fail(reply, "the query was dropped (%u)", info.verdict);
	if (ldns_wire2pkt(&pkt, ctl_cmd_resp, len) != LDNS_STATUS_OK)
		return ctl_fail(reply, "the answer does not parse");
	snprintf(flags, sizeof(flags), "%s%s%s%s%s", ldns_pkt_qr(pkt) ? "qr " : "",
		 ldns_pkt_aa(pkt) ? "aa " : "", ldns_pkt_tc(pkt) ? "tc " : "",
		 ldns_pkt_rd(pkt) ? "rd " : "", ldns_pkt_cd(pkt) ? "cd " : "");
	if (flags[0] != '\0')
		flags[strlen(flags) - 1] = '\0';
	json_object_set_new(reply, "name", json_string(name));
	json_object_set_new(reply, "type", json_string(tname));
	json_object_set_new(reply, "rcode", json_string(ctl_cmd_rcode_name(info.rcode)));
	json_object_set_new(reply, "flags", json_string(flags));
	json_object_set_new(reply, "answer", ctl_cmd_section(ldns_pkt_answer(pkt)));
	json_object_set_new(reply, "authority", ctl_cmd_section(ldns_pkt_authority(pkt)));
	json_object_set_new(reply, "additional", ctl_cmd_section(ldns_pkt_additional(pkt)));
	json_object_set_new(reply, "generation", json_integer((json_int_t)gen));
	ldns_pkt_free(pkt);
	return 0;
}

/* ---- log-level, stop, metrics ---- */

static int
ctl_cmd_log_level(void *ctx, const struct ctl_req *req, json_t *reply)
{
	const char *name = NULL;
	int prev = sw_log_get_level(), level, rc;

	(void)ctx;
	rc = ctl_arg_str(req, reply, "level", false, &name);
	if (rc < 0)
		return rc;
	if (name == NULL) {
		json_object_set_new(reply, "level", json_string(sw_log_level_name(prev)));
		return 0;
	}
	level = sw_log_level_parse(name);
	if (level < 0)
		return ctl_fail(reply, "unknown level '%s' (error, warning, notice, info, debug)",
				name);
	sw_log_set_level(level);
	sw_notice("log level %s (was %s)", sw_log_level_name(level), sw_log_level_name(prev));
	json_object_set_new(reply, "level", json_string(sw_log_level_name(level)));
	json_object_set_new(reply, "previous", json_string(sw_log_level_name(prev)));
	return 0;
}

static int
ctl_cmd_stop(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;

	(void)req;
	swerved_request_stop(s);
	json_object_set_new(reply, "stopping", json_true());
	return 0;
}

static int
ctl_cmd_metrics(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	size_t len = 0;
	char *text;

	(void)req;
	if (s->metrics == NULL)
		return ctl_fail(reply, "metrics are off (metrics.listen is null)");
	text = metrics_render(s->metrics, &len);
	if (text == NULL)
		return ctl_fail(reply, "out of memory");
	json_object_set_new(reply, "text", json_stringn(text, len));
	free(text);
	return 0;
}

static struct ctl_cmd ctl_cmd_table[] = {
	{"status", ctl_cmd_status, NULL, false, "status"},
	{"stats", ctl_cmd_stats, NULL, false, "stats [--reset]"},
	{"zone-list", ctl_cmd_zone_list, NULL, false, "zone-list"},
	{"zone-reload", ctl_cmd_zone_reload, NULL, true, "zone-reload [ZONE]"},
	{"zone-refresh", ctl_cmd_zone_refresh, NULL, true, "zone-refresh ZONE"},
	{"zone-retransfer", ctl_cmd_zone_retransfer, NULL, true, "zone-retransfer ZONE"},
	{"lookup", ctl_cmd_lookup, NULL, false, "lookup NAME [TYPE]"},
	{"log-level", ctl_cmd_log_level, NULL, true, "log-level [LEVEL]"},
	{"stop", ctl_cmd_stop, NULL, true, "stop"},
	{"metrics", ctl_cmd_metrics, NULL, false, "metrics"},
};

int
swerved_ctl_register(struct swerved *s)
{
	size_t n = sizeof(ctl_cmd_table) / sizeof(ctl_cmd_table[0]);

	for (size_t i = 0; i < n; i++)
		ctl_cmd_table[i].ctx = s;
	return ctl_register(s->ctl, ctl_cmd_table, n);
}
