/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What differs between two configurations, key by key, and whether the
 * running daemon can take each difference live (docs/configuration.md,
 * "Reloading the configuration").
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "swerve/config.h"

/*
 * Every member of struct swerve_config must be classified below. A new key
 * changes the struct's size, and this stops the build until it is.
 */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(struct swerve_config) == 328,
	       "a config key was added: classify it in config_diff() (live or restart)");
#endif

struct diff {
	config_change_fn fn;
	void *arg;
	unsigned n;
	unsigned restart;
};

__attribute__((format(printf, 4, 5))) static void
diff_note(struct diff *d, bool restart, const char *key, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->n++;
	d->restart += restart;
	if (d->fn != NULL)
		d->fn(d->arg, key, restart, what);
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
addr_eq(const struct svc_addr *a, const struct svc_addr *b)
{
	size_t len = a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);

	return a->family == b->family && a->prefix == b->prefix && memcmp(&a->v6, &b->v6, len) == 0;
}

static bool
addrs_eq(const struct svc_addr *a, size_t na, const struct svc_addr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!addr_eq(&a[i], &b[i]))
			return false;
	return true;
}

/* A scalar key: noted when it differs. */
#define DIFF_KEY(d, restart, key, a, b)                                                            \
	do {                                                                                       \
		if ((a) != (b))                                                                    \
			diff_note(d, restart, key, "changed");                                     \
	} while (0)
#define DIFF_STR(d, restart, key, a, b)                                                            \
	do {                                                                                       \
		if (!str_eq(a, b))                                                                 \
			diff_note(d, restart, key, "changed");                                     \
	} while (0)

static const char *
key_name(const struct swerve_config *c, int k)
{
	return k >= 0 && (size_t)k < c->nkeys ? c->keys[k].name : NULL;
}

static bool
zone_eq(const struct swerve_config *ca, const struct cfg_zone *a, const struct swerve_config *cb,
	const struct cfg_zone *b)
{
	if (!str_eq(a->file, b->file) || a->nprimaries != b->nprimaries ||
	    a->refresh_s != b->refresh_s || a->retry_s != b->retry_s ||
	    a->expire_s != b->expire_s || a->ixfr != b->ixfr || a->nkey_files != b->nkey_files ||
	    a->sig_lifetime_s != b->sig_lifetime_s || a->sig_refresh_s != b->sig_refresh_s)
		return false;
	for (size_t i = 0; i < a->nprimaries; i++) {
		const struct cfg_primary *p = &a->primaries[i], *q = &b->primaries[i];

		if (!addr_eq(&p->addr, &q->addr) || p->port != q->port ||
		    !str_eq(key_name(ca, p->key), key_name(cb, q->key)))
			return false;
	}
	for (size_t i = 0; i < a->nkey_files; i++)
		if (!str_eq(a->key_files[i], b->key_files[i]))
			return false;
	return true;
}

/* Zones by name: the file, the primaries and their keys, the timers, the DNSSEC keys. */
static bool
zone_same(const void *x, const void *y)
{
	return config_zone_name_eq(((const struct cfg_zone *)x)->name,
				   ((const struct cfg_zone *)y)->name);
}

static bool
zone_eq_any(const struct swerve_config *ca, const void *x, const struct swerve_config *cb,
	    const void *y)
{
	return zone_eq(ca, x, cb, y);
}

static void
zone_key(const void *x, char *buf, size_t len)
{
	snprintf(buf, len, "zones[%s]", ((const struct cfg_zone *)x)->name);
}

/* TSIG keys by name: the algorithm and the secret. */
static bool
tsig_same(const void *x, const void *y)
{
	return str_eq(((const struct cfg_tsig_key *)x)->name,
		      ((const struct cfg_tsig_key *)y)->name);
}

static bool
tsig_eq(const struct swerve_config *ca, const void *x, const struct swerve_config *cb,
	const void *y)
{
	const struct cfg_tsig_key *k = x, *l = y;

	(void)ca;
	(void)cb;
	return str_eq(k->algorithm, l->algorithm) && str_eq(k->secret, l->secret);
}

static void
tsig_key(const void *x, char *buf, size_t len)
{
	snprintf(buf, len, "keys[%s]", ((const struct cfg_tsig_key *)x)->name);
}

bool
config_check_probe_eq(const struct cfg_check *a, const struct cfg_check *b)
{
	return a->kind == b->kind && a->port == b->port && str_eq(a->path, b->path) &&
	       str_eq(a->host, b->host) && a->nstatus == b->nstatus &&
	       memcmp(a->status, b->status, a->nstatus * sizeof(a->status[0])) == 0 &&
	       str_eq(a->body, b->body) && a->min_cert_days == b->min_cert_days &&
	       str_eq(a->ca_file, b->ca_file);
}

static bool
check_eq(const struct cfg_check *a, const struct cfg_check *b)
{
	return config_check_probe_eq(a, b) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall;
}

static bool
endpoint_eq(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
	return str_eq(a->name, b->name) && addr_eq(&a->addr, &b->addr) &&
	       a->has_check_addr == b->has_check_addr &&
	       (!a->has_check_addr || addr_eq(&a->check_addr, &b->check_addr)) &&
	       a->check_port == b->check_port && str_eq(a->check_host, b->check_host);
}

static bool
failover_eq(const struct cfg_failover *a, const struct cfg_failover *b)
{
	if (a->ttl != b->ttl || a->degraded_ttl != b->degraded_ttl ||
	    a->initial_up != b->initial_up || a->all_down != b->all_down ||
	    !check_eq(&a->check, &b->check) || a->npools != b->npools)
		return false;
	for (size_t p = 0; p < a->npools; p++) {
		const struct cfg_pool *x = &a->pools[p], *y = &b->pools[p];

		if (!str_eq(x->name, y->name) || x->nendpoints != y->nendpoints)
			return false;
		for (size_t e = 0; e < x->nendpoints; e++)
			if (!endpoint_eq(&x->endpoints[e], &y->endpoints[e]))
				return false;
	}
	return true;
}

/* Failover records by name and type: everything else of them. */
static bool
failover_same(const void *x, const void *y)
{
	const struct cfg_failover *r = x, *o = y;

	return r->type == o->type && config_zone_name_eq(r->name, o->name);
}

static bool
failover_eq_any(const struct swerve_config *ca, const void *x, const struct swerve_config *cb,
		const void *y)
{
	(void)ca;
	(void)cb;
	return failover_eq(x, y);
}

static void
failover_key(const void *x, char *buf, size_t len)
{
	const struct cfg_failover *r = x;

	snprintf(buf, len, "failover.records[%s/%s]", r->name, r->type == 28 ? "AAAA" : "A");
}

/*
 * A list of named items (zones, keys, failover records): how two are the
 * same item, whether that item changed, and its key for the report. Every
 * item of the list is live.
 */
struct diff_list {
	size_t size; /* Of one item. */
	bool (*same)(const void *x, const void *y);
	bool (*eq)(const struct swerve_config *ca, const void *x, const struct swerve_config *cb,
		   const void *y);
	void (*key)(const void *x, char *buf, size_t len);
};

static const void *
diff_find(const struct diff_list *l, const void *items, size_t n, const void *x)
{
	for (size_t i = 0; i < n; i++) {
		const void *y = (const char *)items + i * l->size;

		if (l->same(y, x))
			return y;
	}
	return NULL;
}

/* The items of @bi added or changed against @ai, then those of @ai removed. */
static void
diff_items(struct diff *d, const struct diff_list *l, const struct swerve_config *a,
	   const void *ai, size_t na, const struct swerve_config *b, const void *bi, size_t nb)
{
	char key[320];

	for (size_t i = 0; i < nb; i++) {
		const void *y = (const char *)bi + i * l->size;
		const void *x = diff_find(l, ai, na, y);

		l->key(y, key, sizeof(key));
		if (x == NULL)
			diff_note(d, false, key, "added");
		else if (!l->eq(a, x, b, y))
			diff_note(d, false, key, "changed");
	}
	for (size_t k = 0; k < na; k++) {
		const void *x = (const char *)ai + k * l->size;

		l->key(x, key, sizeof(key));
		if (diff_find(l, bi, nb, x) == NULL)
			diff_note(d, false, key, "removed");
	}
}

static const struct diff_list diff_zones = {sizeof(struct cfg_zone), zone_same, zone_eq_any,
					    zone_key};
static const struct diff_list diff_keys = {sizeof(struct cfg_tsig_key), tsig_same, tsig_eq,
					   tsig_key};
static const struct diff_list diff_failovers = {sizeof(struct cfg_failover), failover_same,
						failover_eq_any, failover_key};

unsigned
config_diff(const struct swerve_config *a, const struct swerve_config *b, config_change_fn fn,
	    void *arg, unsigned *restart)
{
	struct diff d = {.fn = fn, .arg = arg};

	/* Pinned at start: the workers' service set, the ports and rings, the tap, the socket. */
	if (!addrs_eq(a->addrs, a->naddrs, b->addrs, b->naddrs))
		diff_note(&d, true, "service.addresses", "changed");
	DIFF_KEY(&d, true, "dataplane.idle-backoff-us", a->idle_backoff_us, b->idle_backoff_us);
	DIFF_KEY(&d, true, "dataplane.rx-ring", a->rx_ring, b->rx_ring);
	DIFF_KEY(&d, true, "dataplane.tx-ring", a->tx_ring, b->tx_ring);
	DIFF_STR(&d, true, "exception.interface", a->exception_ifname, b->exception_ifname);
	DIFF_STR(&d, true, "control.socket", a->ctl_socket, b->ctl_socket);
	DIFF_KEY(&d, true, "control.mode", a->ctl_mode, b->ctl_mode);
	DIFF_KEY(&d, true, "control.max-clients", a->ctl_max_clients, b->ctl_max_clients);
	DIFF_KEY(&d, true, "control.idle-timeout-ms", a->ctl_idle_ms, b->ctl_idle_ms);

	/*
	 * The RRL table is allocated at start, only when RRL is on: its size,
	 * and turning RRL on when it is off, need a restart. The rest of rrl,
	 * cookies, the exception limits and tcp reach the workers and the TCP
	 * thread in a new settings block (struct worker_settings).
	 */
	DIFF_KEY(&d, a->rrl_rate == 0 && b->rrl_rate != 0, "rrl.responses-per-second", a->rrl_rate,
		 b->rrl_rate);
	DIFF_KEY(&d, false, "rrl.errors-per-second", a->rrl_errors, b->rrl_errors);
	DIFF_KEY(&d, false, "rrl.burst", a->rrl_burst, b->rrl_burst);
	DIFF_KEY(&d, false, "rrl.slip", a->rrl_slip, b->rrl_slip);
	DIFF_KEY(&d, false, "rrl.ipv4-prefix-length", a->rrl_ipv4_prefix, b->rrl_ipv4_prefix);
	DIFF_KEY(&d, false, "rrl.ipv6-prefix-length", a->rrl_ipv6_prefix, b->rrl_ipv6_prefix);
	DIFF_KEY(&d, true, "rrl.table-size", a->rrl_table_size, b->rrl_table_size);
	DIFF_KEY(&d, false, "cookies.enabled", a->cookies_enabled, b->cookies_enabled);
	if (a->cookie_secret_set != b->cookie_secret_set ||
	    memcmp(a->cookie_secret, b->cookie_secret, sizeof(a->cookie_secret)) != 0)
		diff_note(&d, false, "cookies.secret", "changed");
	if (a->cookie_previous_set != b->cookie_previous_set ||
	    memcmp(a->cookie_previous, b->cookie_previous, sizeof(a->cookie_previous)) != 0)
		diff_note(&d, false, "cookies.previous-secret", "changed");
	DIFF_KEY(&d, false, "exception.rate-limit-pps", a->exception_pps, b->exception_pps);
	DIFF_KEY(&d, false, "exception.neigh-rate-limit-pps", a->exception_neigh_pps,
		 b->exception_neigh_pps);
	DIFF_KEY(&d, false, "exception.dns-rate-limit-pps", a->exception_dns_pps,
		 b->exception_dns_pps);
	DIFF_KEY(&d, false, "tcp.max-clients", a->tcp_max_clients, b->tcp_max_clients);
	DIFF_KEY(&d, false, "tcp.idle-timeout-ms", a->tcp_idle_ms, b->tcp_idle_ms);
	DIFF_KEY(&d, false, "tcp.max-clients-per-source", a->tcp_max_per_source,
		 b->tcp_max_per_source);
	DIFF_KEY(&d, false, "tcp.io-timeout-ms", a->tcp_io_ms, b->tcp_io_ms);
	DIFF_KEY(&d, false, "tcp.max-pipelined", a->tcp_max_pipelined, b->tcp_max_pipelined);
	/* The dnstap writer and the producers' rings are made at start (docs/dnstap.md). */
	DIFF_STR(&d, true, "dnstap.sink", a->dnstap_sink, b->dnstap_sink);
	DIFF_KEY(&d, true, "dnstap.sink", a->dnstap_unix, b->dnstap_unix);
	DIFF_KEY(&d, true, "dnstap.sample", a->dnstap_sample, b->dnstap_sample);
	DIFF_KEY(&d, true, "dnstap.ring", a->dnstap_ring, b->dnstap_ring);
	DIFF_KEY(&d, true, "dnstap.log-queries", a->dnstap_log_queries, b->dnstap_log_queries);
	DIFF_KEY(&d, true, "dnstap.log-responses", a->dnstap_log_responses,
		 b->dnstap_log_responses);
	DIFF_STR(&d, true, "dnstap.identity", a->dnstap_identity, b->dnstap_identity);
	DIFF_STR(&d, true, "dnstap.version", a->dnstap_version, b->dnstap_version);

	/* Live. */
	diff_items(&d, &diff_zones, a, a->zones, a->nzones, b, b->zones, b->nzones);
	diff_items(&d, &diff_keys, a, a->keys, a->nkeys, b, b->keys, b->nkeys);
	diff_items(&d, &diff_failovers, a, a->failovers, a->nfailovers, b, b->failovers,
		   b->nfailovers);
	DIFF_STR(&d, false, "failover.state-file", a->failover_state_file, b->failover_state_file);
	/* Written after the next load and read at the next start: nothing to move now. */
	DIFF_STR(&d, false, "table.image", a->table_image, b->table_image);
	DIFF_KEY(&d, false, "dns.edns-payload", a->edns_payload, b->edns_payload);
	DIFF_STR(&d, false, "dns.version", a->version, b->version);
	DIFF_STR(&d, false, "dns.identity", a->identity, b->identity);
	DIFF_KEY(&d, false, "xfr.timeout-ms", a->xfr_timeout_ms, b->xfr_timeout_ms);
	DIFF_KEY(&d, false, "xfr.max-size", a->xfr_max_size, b->xfr_max_size);
	DIFF_KEY(&d, false, "xfr.max-records", a->xfr_max_records, b->xfr_max_records);
	/* A new address is taken live; turning the listener on or off needs a restart. */
	if (!str_eq(a->metrics_listen, b->metrics_listen))
		diff_note(&d, (a->metrics_listen == NULL) != (b->metrics_listen == NULL),
			  "metrics.listen", "changed");
	DIFF_KEY(&d, false, "log.level", a->log_level, b->log_level);
	DIFF_STR(&d, false, "log.target", a->log_target, b->log_target);

	if (restart != NULL)
		*restart = d.restart;
	return d.n;
}
