/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's control socket commands: status, stats, log level, stop, metrics; the command table.
 */

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
			a,
			json_pack("{s:i, s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:i, s:i, s:s, s:b}",
				  "port", (int)p->id, "name", p->name, "driver", p->driver, "link",
				  link.link_status ? "up" : "down", "speed_mbps",
				  (json_int_t)link.link_speed, "rx_queues", (int)p->nq, "tx_queues",
				  (int)p->nq, "rx_ring", (int)p->rx_ring, "tx_ring",
				  (int)p->tx_ring, "mtu", (int)p->mtu, "mac", mac, "rss", p->rss));
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

static int
ctl_cmd_status(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	const struct rrt *t;
	uint64_t gen, bytes = 0;
	bool staged = false;

	(void)req;
	/* A few numbers of the snapshot; its pointer needs a reader bracket. */
	rcu_thread_online();
	t = rrt_current(&s->root);
	gen = t != NULL ? t->generation : 0;
	if (t != NULL) {
		bytes = rrt_bytes(t);
		/* What the workers decide per burst (docs/design.md, "Answering a burst"). */
		staged = !rrt_cache_resident(t);
	}
	rcu_thread_offline();

	json_object_set_new(reply, "version", json_string(SWERVE_VERSION));
	json_object_set_new(reply, "pid", json_integer(getpid()));
	json_object_set_new(reply, "uptime_s",
			    json_integer((json_int_t)((evloop_now_ms() - s->start_ms) / 1000)));
	json_object_set_new(reply, "started", ctl_zone_time(s->start_wall));
	json_object_set_new(reply, "config", json_string(s->cfg->path));
	json_object_set_new(reply, "main_lcore", json_integer(rte_get_main_lcore()));
	json_object_set_new(reply, "workers", ctl_cmd_workers(s));
	json_object_set_new(reply, "ports", ctl_cmd_ports(s));
	json_object_set_new(reply, "exception",
			    s->excq != NULL ? json_string(s->cfg->exception_ifname) : json_null());
	json_object_set_new(reply, "tcp", json_boolean(s->tcp_on));
	json_object_set_new(reply, "zones", ctl_zone_all(s, false));
	json_object_set_new(reply, "generation", json_integer((json_int_t)gen));
	json_object_set_new(reply, "table_bytes", json_integer((json_int_t)bytes));
	json_object_set_new(reply, "staged_lookups", json_boolean(staged));
	json_object_set_new(reply, "failover_records",
			    json_integer((json_int_t)s->cfg->nfailovers));
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
			 (json_int_t)st->rx, "dns_queries", (json_int_t)st->dns_queries, "answered",
			 (json_int_t)st->answered, "noerror", (json_int_t)st->rcode[0], "nxdomain",
			 (json_int_t)st->rcode[3], "refused", (json_int_t)st->rcode[5], "truncated",
			 (json_int_t)st->truncated, "dropped", (json_int_t)dropped, "exc_to_kernel",
			 (json_int_t)st->exc_to_kernel, "tx_sent", (json_int_t)st->tx_sent,
			 "tx_failed", (json_int_t)st->tx_failed);
}

static json_t *
ctl_cmd_stats_obj(const struct worker_stats *st)
{
	static const char *const rcodes[] = {"noerror",	 "formerr", "servfail",
					     "nxdomain", "notimp",  "refused"};
	json_t *o = json_object();
	uint64_t other = st->rcode[STATS_RCODE_OTHER], dropped = 0;
	char key[64];

	json_object_set_new(o, "rx", json_integer((json_int_t)st->rx));
	json_object_set_new(o, "dns_queries", json_integer((json_int_t)st->dns_queries));
	json_object_set_new(o, "answered", json_integer((json_int_t)st->answered));
	for (unsigned i = 0; i < 6; i++)
		json_object_set_new(o, rcodes[i], json_integer((json_int_t)st->rcode[i]));
	json_object_set_new(o, "badvers", json_integer((json_int_t)st->rcode[STATS_RCODE_BADVERS]));
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
	json_object_set_new(reply, "since", ctl_zone_time(s->stats_since));
	json_object_set_new(reply, "total", ctl_cmd_stats_obj(&total));
	json_object_set_new(reply, "workers", workers);
	if (reset) {
		s->stats_since = swerved_wall_now();
		json_object_set_new(reply, "reset", json_true());
		/* The one mutation of a read-only command: logged like the others. */
		sw_notice("control: stats reset by uid %u pid %d", (unsigned)req->uid,
			  (int)req->pid);
	}
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

/* reload [--check]: re-read swerve.yaml and apply what changed (reconfig.c). */
static int
ctl_cmd_reload(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	bool check = false;
	int rc;

	rc = ctl_arg_bool(req, reply, "check", &check);
	if (rc < 0)
		return rc;
	return swerved_reconfig(s, swerved_cookie(req->client), check, reply);
}

static struct ctl_cmd ctl_cmd_table[] = {
	{"status", ctl_cmd_status, NULL, false, "status"},
	{"stats", ctl_cmd_stats, NULL, false, "stats [--reset]"},
	{"zone-list", ctl_zone_list, NULL, false, "zone-list"},
	{"reload", ctl_cmd_reload, NULL, true, "reload [--check]"},
	{"zone-reload", ctl_zone_reload, NULL, true, "zone-reload [ZONE]"},
	{"zone-refresh", ctl_zone_refresh, NULL, true, "zone-refresh ZONE"},
	{"zone-retransfer", ctl_zone_retransfer, NULL, true, "zone-retransfer ZONE"},
	{"lookup", ctl_lookup, NULL, false, "lookup NAME [TYPE]"},
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
