/* SPDX-License-Identifier: BSD-3-Clause */
/* The "failover:" section of swerve.yaml: records, their check, pools and endpoints, validated. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/error.h"

#include "config_failover.h"
#include "config_failover_check.h"
#include "config_syntax.h"
#include "config_yaml.h"

#define FO_TYPE_A    1
#define FO_TYPE_AAAA 28

#define FO_RMEMBER(m) offsetof(struct cfg_failover, m), sizeof(((struct cfg_failover *)0)->m)
#define FO_PMEMBER(m) offsetof(struct cfg_pool, m), sizeof(((struct cfg_pool *)0)->m)
#define FO_EMEMBER(m) offsetof(struct cfg_endpoint, m), sizeof(((struct cfg_endpoint *)0)->m)

/*
 * Endpoint and pool names appear in swervectl arguments, JSON, metric
 * labels and the state file: a small alphabet keeps every one of those free
 * of quoting, and 63 fits the failover engine's name buffers. ':' and '.'
 * are in it because an endpoint's default name is its address.
 */
#define FO_NAME_MAX 63

static int cfg_fo_dname(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			const char *path, void *base);
static int cfg_fo_type(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		       const char *path, void *base);
static int cfg_fo_pools(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			const char *path, void *base);
static int cfg_fo_endpoints(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			    const char *path, void *base);
static int cfg_fo_records(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			  const char *path, void *base);
static int cfg_fo_name(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		       const char *path, void *base);
static int cfg_fo_addr(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		       const char *path, void *base);

/* Indexes match enum cfg_all_down; "up" is index 1, i.e. true. */
static const char *const cfg_fo_all_down[] = {"first-pool", "serve-all", "servfail", NULL};
static const char *const cfg_fo_initial[] = {"down", "up", NULL};

static const struct cfg_key cfg_fo_endpoint_keys[] = {
	{"address", CFG_CUSTOM, FO_EMEMBER(addr), 0, 0, NULL, cfg_fo_addr},
	{"name", CFG_CUSTOM, FO_EMEMBER(name), 0, FO_NAME_MAX, NULL, cfg_fo_name},
	{"check-address", CFG_CUSTOM, FO_EMEMBER(check_addr), 0, 1, NULL, cfg_fo_addr},
	{"check-port", CFG_UINT, FO_EMEMBER(check_port), 1, 65535},
	{"check-host", CFG_CUSTOM, FO_EMEMBER(check_host), 0, 253, NULL, cfg_fo_host},
};

static const struct cfg_key cfg_fo_pool_keys[] = {
	{"name", CFG_CUSTOM, FO_PMEMBER(name), 0, FO_NAME_MAX, NULL, cfg_fo_name},
	{"endpoints", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_fo_endpoints},
};

/* Order matters for cfg_fo_record(): the "seen" bits below are these indexes. */
static const struct cfg_key cfg_fo_record_keys[] = {
	{"name", CFG_CUSTOM, FO_RMEMBER(name), 0, 0, NULL, cfg_fo_dname},
	{"type", CFG_CUSTOM, FO_RMEMBER(type), 0, 0, NULL, cfg_fo_type},
	{"check", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_fo_check},
	{"pools", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_fo_pools},
	/* A day: a failover record cached longer than that cannot fail over. */
	{"ttl", CFG_UINT, FO_RMEMBER(ttl), 1, 86400},
	{"degraded-ttl", CFG_UINT, FO_RMEMBER(degraded_ttl), 1, 86400},
	{"initial", CFG_ENUM, FO_RMEMBER(initial_up), 0, 0, cfg_fo_initial},
	{"all-down", CFG_ENUM, FO_RMEMBER(all_down), 0, 0, cfg_fo_all_down},
};
#define FO_SEEN_REQUIRED 4 /* name, type, check, pools */
#define FO_SEEN_DEGRADED (1u << 5)

const struct cfg_key cfg_failover_keys[2] = {
	{"state-file", CFG_PATH_NULL, offsetof(struct swerve_config, failover_state_file), 0},
	{"records", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_fo_records},
};

/* Absolute, lowercase, with the final dot: how the record is stored and compared. */
static int
cfg_fo_dname(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	     const char *path, void *base)
{
	char **dst = (char **)((char *)base + k->off);
	const char *v;
	char *s;
	size_t len;
	int rc;

	rc = cfg_string(p, node, path, 255, &v);
	if (rc < 0)
		return rc;
	if (!cfg_zone_name_ok(v))
		return cfg_err(p, node, SW_ECONFIG, path, "bad domain name \"%s\"", v);
	/* The answer engine synthesises wildcards itself; a slot there would never be read. */
	if (strcmp(v, "*") == 0 || strncmp(v, "*.", 2) == 0)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "\"%s\": a wildcard cannot be a failover record", v);
	len = strlen(v) + 2;
	s = malloc(len);
	if (s == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	dname_text_canon(v, s, len);
	free(*dst);
	*dst = s;
	return 0;
}

static int
cfg_fo_type(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	    void *base)
{
	uint16_t *dst = (uint16_t *)((char *)base + k->off);
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, 16, &v);
	if (rc < 0)
		return rc;
	/* RR type mnemonics are case-insensitive in presentation form (RFC 3597 section 5). */
	if (strcasecmp(v, "A") == 0)
		*dst = FO_TYPE_A;
	else if (strcasecmp(v, "AAAA") == 0)
		*dst = FO_TYPE_AAAA;
	else
		return cfg_err(p, node, SW_ECONFIG, path, "unknown type \"%s\" (A, AAAA)", v);
	return 0;
}

/* Endpoint and pool names: 1..63 of A-Z a-z 0-9 . _ - : */
static int
cfg_fo_name(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	    void *base)
{
	char **dst = (char **)((char *)base + k->off);
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, k->max, &v);
	if (rc < 0)
		return rc;
	for (const char *c = v; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && strchr("._-:", *c) == NULL)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "bad name \"%s\" (letters, digits, '.', '_', '-', ':')", v);
	return cfg_keep_string(p, node, path, dst, v);
}

/* A single unicast address, no prefix. k->max == 1 marks check-address. */
static int
cfg_fo_addr(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	    void *base)
{
	struct svc_addr *dst = (struct svc_addr *)((char *)base + k->off);
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, 0, &v);
	if (rc < 0)
		return rc;
	if (strchr(v, '/') != NULL || cfg_parse_addr(v, dst) < 0)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "bad address \"%s\" (expected a unicast IPv4 or IPv6 address)", v);
	if (k->max == 1)
		((struct cfg_endpoint *)base)->has_check_addr = true;
	return 0;
}

/*
 * A sequence of mappings at @path: *@n items and, when there are any, an
 * array of that many zeroed @size-octet elements in *@out. An empty
 * sequence is the error @empty, or n == 0 and no array when @empty is NULL.
 */
static int
cfg_fo_seq_alloc(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t size,
		 const char *empty, void **out, size_t *n)
{
	int rc = cfg_seq(p, node, path, n);

	if (rc < 0)
		return rc;
	if (*n == 0)
		return empty != NULL ? cfg_err(p, node, SW_ECONFIG, path, "%s", empty) : 0;
	*out = calloc(*n, size);
	if (*out == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	return 0;
}

/* Item @i of sequence @node, a mapping of @keys read into @base; its key path goes to @ipath. */
static int
cfg_fo_map_item(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t i,
		const struct cfg_key *keys, size_t nkeys, void *base, char *ipath,
		const yaml_node_t **item, uint32_t *seen)
{
	int rc;

	*item = cfg_seq_item(p, node, i);
	snprintf(ipath, CFG_PATH_LEN, "%s[%zu]", path, i);
	rc = cfg_want_map(p, *item, ipath);
	if (rc < 0)
		return rc;
	return cfg_map(p, *item, ipath, keys, nkeys, base, seen);
}

static int
cfg_fo_endpoints(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		 const char *path, void *base)
{
	struct cfg_pool *pool = base;
	char ipath[CFG_PATH_LEN];
	char kpath[CFG_PATH_LEN + 16];
	char text[INET6_ADDRSTRLEN];
	uint32_t seen;
	void *arr = NULL;
	size_t n;
	int rc;

	(void)k;
	rc = cfg_fo_seq_alloc(p, node, path, sizeof(*pool->endpoints),
			      "a pool needs at least one endpoint", &arr, &n);
	if (rc < 0)
		return rc;
	pool->endpoints = arr;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item;
		struct cfg_endpoint *e = &pool->endpoints[i];

		pool->nendpoints = i + 1;
		rc = cfg_fo_map_item(p, node, path, i, cfg_fo_endpoint_keys,
				     CFG_NKEYS(cfg_fo_endpoint_keys), e, ipath, &item, &seen);
		if (rc < 0)
			return rc;
		if (!(seen & 1u))
			return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"address\"");
		inet_ntop(e->addr.family,
			  e->addr.family == AF_INET ? (void *)&e->addr.v4 : (void *)&e->addr.v6,
			  text, sizeof(text));
		/* The same address twice would put a duplicate RR into the served RRset. */
		for (size_t j = 0; j < i; j++)
			if (pool->endpoints[j].addr.family == e->addr.family &&
			    memcmp(&pool->endpoints[j].addr.v6, &e->addr.v6,
				   e->addr.family == AF_INET ? 4 : 16) == 0) {
				snprintf(kpath, sizeof(kpath), "%s.address", ipath);
				return cfg_err(p, cfg_map_get(p, item, "address"), SW_ECONFIG,
					       kpath,
					       "%s listed twice in this pool (also "
					       "endpoints[%zu])",
					       text, j);
			}
		if (e->name == NULL && cfg_set_string(&e->name, text) < 0)
			return cfg_err(p, item, -ENOMEM, ipath, "out of memory");
	}
	return 0;
}

static int
cfg_fo_pools(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	     const char *path, void *base)
{
	struct cfg_failover *r = base;
	char ipath[CFG_PATH_LEN];
	char kpath[CFG_PATH_LEN + 16];
	char def[32];
	uint32_t seen;
	void *arr = NULL;
	size_t n;
	int rc;

	(void)k;
	rc = cfg_fo_seq_alloc(p, node, path, sizeof(*r->pools), "at least one pool is needed", &arr,
			      &n);
	if (rc < 0)
		return rc;
	r->pools = arr;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item;
		struct cfg_pool *pool = &r->pools[i];

		r->npools = i + 1;
		rc = cfg_fo_map_item(p, node, path, i, cfg_fo_pool_keys,
				     CFG_NKEYS(cfg_fo_pool_keys), pool, ipath, &item, &seen);
		if (rc < 0)
			return rc;
		if (!(seen & 2u))
			return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"endpoints\"");
		snprintf(def, sizeof(def), "pool%zu", i);
		if (pool->name == NULL && cfg_set_string(&pool->name, def) < 0)
			return cfg_err(p, item, -ENOMEM, ipath, "out of memory");
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->pools[j].name, pool->name) == 0) {
				snprintf(kpath, sizeof(kpath), "%s.name", ipath);
				return cfg_err(p, cfg_map_get(p, item, "name"), SW_ECONFIG, kpath,
					       "\"%s\" used twice (also pools[%zu])", pool->name,
					       j);
			}
	}
	return 0;
}

/* The node of @key in endpoint @e of pool @pl, for an error's line (the item when absent). */
static const yaml_node_t *
cfg_fo_ep_node(struct cfg_parse *p, const yaml_node_t *rec, size_t pl, size_t e, const char *key)
{
	const yaml_node_t *pools = cfg_map_get(p, rec, "pools");
	const yaml_node_t *eps = cfg_map_get(p, cfg_seq_item(p, pools, pl), "endpoints");

	return cfg_map_get(p, cfg_seq_item(p, eps, e), key);
}

/* Checks across keys of one record, once all of them are read. */
static int
cfg_fo_record_check(struct cfg_parse *p, const yaml_node_t *node, const char *path,
		    struct cfg_failover *r, uint32_t seen)
{
	static const char *const fam_text[] = {"IPv4", "IPv6"};
	char kpath[CFG_PATH_LEN + 96];
	char text[INET6_ADDRSTRLEN];
	int want = r->type == FO_TYPE_A ? AF_INET : AF_INET6;
	bool all_ports = true;

	for (unsigned i = 0; i < FO_SEEN_REQUIRED; i++)
		if (!(seen & (1u << i)))
			return cfg_err(p, node, SW_ECONFIG, path, "missing key \"%s\"",
				       cfg_fo_record_keys[i].name);
	/* The default shrinks with a small ttl; only an explicit value above it is an error. */
	if (!(seen & FO_SEEN_DEGRADED)) {
		r->degraded_ttl = r->degraded_ttl < r->ttl ? r->degraded_ttl : r->ttl;
	} else if (r->degraded_ttl > r->ttl) {
		snprintf(kpath, sizeof(kpath), "%s.degraded-ttl", path);
		return cfg_err(p, cfg_map_get(p, node, "degraded-ttl"), SW_ECONFIG, kpath,
			       "%u must not exceed ttl (%u)", r->degraded_ttl, r->ttl);
	}
	for (size_t pl = 0; pl < r->npools; pl++) {
		for (size_t e = 0; e < r->pools[pl].nendpoints; e++) {
			const struct cfg_endpoint *ep = &r->pools[pl].endpoints[e];

			all_ports = all_ports && ep->check_port != 0;
			if (ep->addr.family != want) {
				snprintf(kpath, sizeof(kpath),
					 "%s.pools[%zu].endpoints[%zu].address", path, pl, e);
				inet_ntop(ep->addr.family, &ep->addr.v6, text, sizeof(text));
				return cfg_err(p, cfg_fo_ep_node(p, node, pl, e, "address"),
					       SW_ECONFIG, kpath,
					       "%s is not an %s address (type %s)", text,
					       fam_text[want == AF_INET6],
					       r->type == FO_TYPE_A ? "A" : "AAAA");
			}
			snprintf(kpath, sizeof(kpath), "%s.pools[%zu].endpoints[%zu].name", path,
				 pl, e);
			for (size_t q = 0; q <= pl; q++)
				for (size_t f = 0; f < (q < pl ? r->pools[q].nendpoints : e); f++)
					if (strcmp(r->pools[q].endpoints[f].name, ep->name) == 0)
						return cfg_err(
							p, cfg_fo_ep_node(p, node, pl, e, "name"),
							SW_ECONFIG, kpath,
							"endpoint name \"%s\" used twice (also "
							"pools[%zu].endpoints[%zu])",
							ep->name, q, f);
		}
	}
	if (r->check.kind == CFG_CHECK_TCP && r->check.port == 0 && !all_ports) {
		snprintf(kpath, sizeof(kpath), "%s.check.port", path);
		return cfg_err(p, cfg_map_get(p, node, "check"), SW_ECONFIG, kpath,
			       "a tcp check needs a port (here, or check-port on every endpoint)");
	}
	return 0;
}

static int
cfg_fo_records(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	       const char *path, void *base)
{
	struct swerve_config *cfg = base;
	char ipath[CFG_PATH_LEN];
	char npath[CFG_PATH_LEN + 8];
	uint32_t seen;
	void *arr = NULL;
	size_t n;
	int rc;

	(void)k;
	rc = cfg_fo_seq_alloc(p, node, path, sizeof(*cfg->failovers), NULL, &arr, &n);
	if (rc < 0 || n == 0)
		return rc;
	cfg->failovers = arr;
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item;
		struct cfg_failover *r = &cfg->failovers[i];

		cfg->nfailovers = i + 1;
		/* docs/failover.md: a failover TTL is short so that a move is seen soon. */
		r->ttl = 30;
		r->degraded_ttl = 10;
		r->initial_up = true;
		r->all_down = CFG_ALL_DOWN_FIRST_POOL;
		rc = cfg_fo_map_item(p, node, path, i, cfg_fo_record_keys,
				     CFG_NKEYS(cfg_fo_record_keys), r, ipath, &item, &seen);
		if (rc < 0)
			return rc;
		rc = cfg_fo_record_check(p, item, ipath, r, seen);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (cfg->failovers[j].type == r->type &&
			    strcmp(cfg->failovers[j].name, r->name) == 0) {
				snprintf(npath, sizeof(npath), "%s.name", ipath);
				return cfg_err(p, cfg_map_get(p, item, "name"), SW_ECONFIG, npath,
					       "%s %s configured twice (also %s[%zu])", r->name,
					       r->type == FO_TYPE_A ? "A" : "AAAA", path, j);
			}
	}
	return 0;
}

/* @name (normalised: lowercase, final dot) at or below zone @zone (as written). */
static int
cfg_fo_in_zone(const char *name, const char *zone)
{
	size_t zl = strlen(zone);
	size_t nl = strlen(name) - 1; /* Without the final dot. */

	if (zl > 0 && zone[zl - 1] == '.')
		zl--;
	if (zl == 0)
		return 1; /* The root zone holds every name. */
	if (nl < zl || strncasecmp(name + nl - zl, zone, zl) != 0)
		return 0;
	return nl == zl || name[nl - zl - 1] == '.';
}

int
cfg_failover_finish(struct cfg_parse *p, const yaml_node_t *root)
{
	struct swerve_config *cfg = p->cfg;
	char path[64];

	for (size_t i = 0; i < cfg->nfailovers; i++) {
		const struct cfg_failover *r = &cfg->failovers[i];
		const yaml_node_t *recs;
		size_t z;

		for (z = 0; z < cfg->nzones; z++)
			if (cfg_fo_in_zone(r->name, cfg->zones[z].name))
				break;
		if (z < cfg->nzones)
			continue;
		/* Records exist only when the file had failover.records, so this walk finds them.
		 */
		recs = cfg_map_get(p, cfg_map_get(p, root, "failover"), "records");
		snprintf(path, sizeof(path), "failover.records[%zu].name", i);
		return cfg_err(p, cfg_map_get(p, cfg_seq_item(p, recs, i), "name"), SW_ECONFIG,
			       path, "failover record %s is outside every zone", r->name);
	}
	return 0;
}

void
cfg_failover_free(struct swerve_config *cfg)
{
	for (size_t i = 0; i < cfg->nfailovers; i++) {
		struct cfg_failover *r = &cfg->failovers[i];

		for (size_t pl = 0; pl < r->npools; pl++) {
			struct cfg_pool *pool = &r->pools[pl];

			for (size_t e = 0; e < pool->nendpoints; e++) {
				free(pool->endpoints[e].name);
				free(pool->endpoints[e].check_host);
			}
			free(pool->endpoints);
			free(pool->name);
		}
		free(r->pools);
		free(r->name);
		free(r->check.path);
		free(r->check.host);
		free(r->check.body);
		free(r->check.ca_file);
	}
	free(cfg->failovers);
	free(cfg->failover_state_file);
}
