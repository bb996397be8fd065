/* SPDX-License-Identifier: BSD-3-Clause */
/* Loads swerve.yaml with libyaml's document API and validates every key before anything starts. */

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <net/if.h>

#include <yaml.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/log.h"

#include "config_dnstap.h"
#include "config_failover.h"
#include "config_syntax.h"
#include "config_xfr.h"
#include "config_yaml.h"

#define CFG_MEMBER(m) offsetof(struct swerve_config, m), sizeof(((struct swerve_config *)0)->m)

static const struct cfg_key cfg_service_keys[] = {
	{"addresses", CFG_ADDRS, 0, 0, 0, 0},
};

static const struct cfg_key cfg_dns_keys[] = {
	/* 512 is the pre-EDNS floor; above 4096 fragments make large UDP answers unreliable. */
	{"edns-payload", CFG_UINT, CFG_MEMBER(edns_payload), 512, 4096},
	/* A TXT character-string holds at most 255 octets. */
	{"version", CFG_STR_NULL, CFG_MEMBER(version), 0, 255},
	{"identity", CFG_STR_NULL, CFG_MEMBER(identity), 0, 255},
};

static const struct cfg_key cfg_dataplane_keys[] = {
	/* Beyond a second, the first query after an idle spell would be answered far too late. */
	{"idle-backoff-us", CFG_UINT, CFG_MEMBER(idle_backoff_us), 0, 1000000},
	/* Below 64 descriptors most PMDs refuse the queue; 32768 is the largest any of ours take.
	 */
	{"rx-ring", CFG_UINT, CFG_MEMBER(rx_ring), 64, 32768},
	{"tx-ring", CFG_UINT, CFG_MEMBER(tx_ring), 64, 32768},
};

static const struct cfg_key cfg_exception_keys[] = {
	{"interface", CFG_STR_NULL, CFG_MEMBER(exception_ifname), 0, IFNAMSIZ - 1},
	{"rate-limit-pps", CFG_UINT, CFG_MEMBER(exception_pps), 1, 10000000},
	/* Budgets of their own, so a flood of junk cannot take ARP/ND or TCP/53 down with it. */
	{"neigh-rate-limit-pps", CFG_UINT, CFG_MEMBER(exception_neigh_pps), 1, 10000000},
	{"dns-rate-limit-pps", CFG_UINT, CFG_MEMBER(exception_dns_pps), 1, 10000000},
};

static int cfg_cookie_secret(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			     const char *path, void *base);

/* BIND's and Knot's RRL knobs, under the names operators know from BIND. */
static const struct cfg_key cfg_rrl_keys[] = {
	{"responses-per-second", CFG_UINT, CFG_MEMBER(rrl_rate), 0, 10000000},
	{"errors-per-second", CFG_UINT, CFG_MEMBER(rrl_errors), 0, 10000000},
	{"burst", CFG_UINT, CFG_MEMBER(rrl_burst), 0, 100000000},
	{"slip", CFG_UINT, CFG_MEMBER(rrl_slip), 0, 10},
	{"ipv4-prefix-length", CFG_UINT, CFG_MEMBER(rrl_ipv4_prefix), 8, 32},
	{"ipv6-prefix-length", CFG_UINT, CFG_MEMBER(rrl_ipv6_prefix), 16, 128},
	{"table-size", CFG_UINT, CFG_MEMBER(rrl_table_size), 1024, 16777216},
};

static const struct cfg_key cfg_cookie_keys[] = {
	{"enabled", CFG_BOOL, CFG_MEMBER(cookies_enabled), 0, 0},
	{"secret", CFG_CUSTOM, CFG_MEMBER(cookie_secret), 0, 0, NULL, cfg_cookie_secret},
	{"previous-secret", CFG_CUSTOM, CFG_MEMBER(cookie_previous), 0, 0, NULL, cfg_cookie_secret},
};

static const struct cfg_key cfg_tcp_keys[] = {
	{"max-clients", CFG_UINT, CFG_MEMBER(tcp_max_clients), 1, 65535},
	/* RFC 7766 6.2.3 suggests idle timeouts of seconds; ten minutes is already generous. */
	{"idle-timeout-ms", CFG_UINT, CFG_MEMBER(tcp_idle_ms), 100, 600000},
	/* Unbound's tcp-connection-limit and dnsdist's per-client limit; 0: none. */
	{"max-clients-per-source", CFG_UINT, CFG_MEMBER(tcp_max_per_source), 0, 65535},
	/* Knot's tcp-io-timeout: one whole message, however slowly its octets come. */
	{"io-timeout-ms", CFG_UINT, CFG_MEMBER(tcp_io_ms), 100, 600000},
	/* Queries of one connection answered before the others get their turn. */
	{"max-pipelined", CFG_UINT, CFG_MEMBER(tcp_max_pipelined), 1, 65535},
};

static const struct cfg_key cfg_control_keys[] = {
	{"socket", CFG_STR, CFG_MEMBER(ctl_socket), 0,
	 sizeof(((struct sockaddr_un *)0)->sun_path) - 1},
	{"mode", CFG_MODE, CFG_MEMBER(ctl_mode), 0, 0777},
	/* Each client costs a descriptor and a line buffer; a thousand is far more than operators.
	 */
	{"max-clients", CFG_UINT, CFG_MEMBER(ctl_max_clients), 1, 1024},
	{"idle-timeout-ms", CFG_UINT, CFG_MEMBER(ctl_idle_ms), 100, 3600000},
};

static const struct cfg_key cfg_metrics_keys[] = {
	{"listen", CFG_LISTEN, CFG_MEMBER(metrics_listen), 0, 0},
};

static const struct cfg_key cfg_table_keys[] = {
	{"image", CFG_PATH_NULL, CFG_MEMBER(table_image), 0, 0},
};

static const struct cfg_key cfg_log_keys[] = {
	{"level", CFG_LOGLEVEL, CFG_MEMBER(log_level), 0, 0},
	{"target", CFG_LOGTARGET, CFG_MEMBER(log_target), 0, 0},
};

struct cfg_section {
	const char *name;
	const struct cfg_key *keys;
	size_t nkeys;
};

/* "zones" and "keys" are not here: they are sequences, handled by cfg_zones() and
 * cfg_xfr_tsig_keys(). */
static const struct cfg_section cfg_sections[] = {
	{"service", cfg_service_keys, CFG_NKEYS(cfg_service_keys)},
	{"dns", cfg_dns_keys, CFG_NKEYS(cfg_dns_keys)},
	{"dataplane", cfg_dataplane_keys, CFG_NKEYS(cfg_dataplane_keys)},
	{"exception", cfg_exception_keys, CFG_NKEYS(cfg_exception_keys)},
	{"tcp", cfg_tcp_keys, CFG_NKEYS(cfg_tcp_keys)},
	{"control", cfg_control_keys, CFG_NKEYS(cfg_control_keys)},
	{"metrics", cfg_metrics_keys, CFG_NKEYS(cfg_metrics_keys)},
	{"log", cfg_log_keys, CFG_NKEYS(cfg_log_keys)},
	{"table", cfg_table_keys, CFG_NKEYS(cfg_table_keys)},
	{"rrl", cfg_rrl_keys, CFG_NKEYS(cfg_rrl_keys)},
	{"cookies", cfg_cookie_keys, CFG_NKEYS(cfg_cookie_keys)},
	{"failover", cfg_failover_keys, CFG_NKEYS(cfg_failover_keys)},
	{"xfr", cfg_xfr_keys, CFG_NKEYS(cfg_xfr_keys)},
	{"dnstap", cfg_dnstap_keys, CFG_NKEYS(cfg_dnstap_keys)},
};

/* The value of hex digit @c, or -1. */
static int
cfg_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * cookies.secret / previous-secret: exactly 32 hex digits (128 bits, the
 * SipHash-2-4 key of RFC 9018), as "openssl rand -hex 16" prints them. A
 * shorter secret would silently weaken every node of the fleet, so there
 * is no padding.
 */
static int
cfg_cookie_secret(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		  const char *path, void *base)
{
	struct swerve_config *cfg = base;
	uint8_t *dst = (uint8_t *)base + k->off;
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, 64, &v);
	if (rc < 0)
		return rc;
	if (strlen(v) != 2 * sizeof(cfg->cookie_secret))
		return cfg_err(p, node, SW_ECONFIG, path,
			       "expected 32 hex digits (openssl rand -hex 16), got %zu characters",
			       strlen(v));
	for (size_t i = 0; i < sizeof(cfg->cookie_secret); i++) {
		int hi = cfg_hexval(v[2 * i]), lo = cfg_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "expected 32 hex digits, got \"%c%c\" at offset %zu",
				       v[2 * i], v[2 * i + 1], 2 * i);
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	if (dst == cfg->cookie_secret)
		cfg->cookie_secret_set = true;
	else
		cfg->cookie_previous_set = true;
	return 0;
}

static int
cfg_zones(struct cfg_parse *p, const yaml_node_t *node)
{
	struct swerve_config *cfg = p->cfg;
	char ipath[64];
	char d[96];
	size_t n;
	uint32_t seen;
	int rc;

	if (cfg_is_null(node))
		return cfg_err(p, node, SW_ECONFIG, "zones", "no zones configured");
	if (node->type != YAML_SEQUENCE_NODE)
		return cfg_err(p, node, SW_ECONFIG, "zones", "expected a sequence, got %s",
			       cfg_describe(node, d, sizeof(d)));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, "zones", "no zones configured");
	cfg->zones = calloc(n, sizeof(*cfg->zones));
	if (cfg->zones == NULL)
		return cfg_err(p, node, -ENOMEM, "zones", "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item =
			yaml_document_get_node(p->doc, node->data.sequence.items.start[i]);
		struct cfg_zone *z = &cfg->zones[i];

		cfg->nzones = i + 1;
		snprintf(ipath, sizeof(ipath), "zones[%zu]", i);
		if (cfg_is_null(item) || item->type != YAML_MAPPING_NODE)
			return cfg_err(p, item, SW_ECONFIG, ipath, "expected a mapping, got %s",
				       cfg_describe(item, d, sizeof(d)));
		z->ixfr = true;
		rc = cfg_map(p, item, ipath, cfg_xfr_zone_keys, CFG_XFR_NZONE_KEYS, z, &seen);
		if (rc < 0)
			return rc;
		/* name and file are required; the rest are a secondary zone's. */
		for (size_t k = 0; k < 2; k++)
			if (!(seen & (1u << k)))
				return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"%s\"",
					       cfg_xfr_zone_keys[k].name);
		rc = cfg_xfr_zone_check(p, item, ipath, z, seen);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (config_zone_name_eq(cfg->zones[j].name, z->name))
				return sw_diag_set(p->diag, SW_EZONE_DUP, cfg->path,
						   cfg_line(cfg_map_get(p, item, "name")),
						   "zones[%zu].name: zone \"%s\" configured twice "
						   "(also zones[%zu])",
						   i, z->name, j);
	}
	return 0;
}

static int
cfg_root(struct cfg_parse *p, const yaml_node_t *root)
{
	const yaml_node_pair_t *pair;
	uint32_t seen = 0;
	uint32_t kseen;
	char d[96];
	int rc;

	/* An empty file is an empty mapping; the checks after this report what is missing. */
	if (root == NULL || cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return cfg_err(p, root, SW_ECONFIG, "(top level)", "expected a mapping, got %s",
			       cfg_describe(root, d, sizeof(d)));
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *key;
		size_t i;

		if (kn->type != YAML_SCALAR_NODE)
			return cfg_err(p, kn, SW_ECONFIG, "(top level)",
				       "keys must be strings, got %s",
				       cfg_describe(kn, d, sizeof(d)));
		key = (const char *)kn->data.scalar.value;
		for (i = 0; i < CFG_NKEYS(cfg_sections); i++)
			if (strcmp(cfg_sections[i].name, key) == 0)
				break;
		/* The two sequences take the indexes after the sections'. */
		if (i == CFG_NKEYS(cfg_sections) && strcmp(key, "keys") == 0)
			i++;
		else if (i == CFG_NKEYS(cfg_sections) && strcmp(key, "zones") != 0)
			return cfg_err(p, kn, SW_ECONFIG, key, "unknown key");
		if (seen & (1u << i))
			return cfg_err(p, kn, SW_ECONFIG, key, "duplicate key");
		seen |= 1u << i;
		if (i == CFG_NKEYS(cfg_sections)) {
			p->zones_line = cfg_line(kn);
			rc = cfg_zones(p, vn);
		} else if (i == CFG_NKEYS(cfg_sections) + 1) {
			rc = cfg_xfr_tsig_keys(p, vn);
		} else {
			if (strcmp(key, "service") == 0)
				p->service_line = cfg_line(kn);
			rc = cfg_map(p, vn, key, cfg_sections[i].keys, cfg_sections[i].nkeys,
				     p->cfg, &kseen);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static struct swerve_config *
cfg_defaults(const char *path)
{
	struct swerve_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->edns_payload = 1232;
	cfg->idle_backoff_us = 0;
	cfg->rx_ring = 1024;
	cfg->tx_ring = 1024;
	cfg->exception_pps = 10000;
	cfg->tcp_max_clients = 256;
	cfg->tcp_idle_ms = 10000;
	cfg->tcp_max_per_source = 32;
	cfg->tcp_io_ms = 2000;
	cfg->tcp_max_pipelined = 16;
	cfg->exception_neigh_pps = 1000;
	cfg->exception_dns_pps = 10000;
	cfg->ctl_mode = 0660;
	cfg->ctl_max_clients = 16;
	cfg->ctl_idle_ms = 30000;
	cfg->rrl_slip = 2;
	cfg->rrl_ipv4_prefix = 24;
	cfg->rrl_ipv6_prefix = 56;
	cfg->rrl_table_size = 65536;
	cfg->xfr_timeout_ms = 30000;
	cfg->log_level = LOG_INFO;
	cfg_dnstap_defaults(cfg);
	cfg->path = strdup(path);
	cfg->exception_ifname = strdup("swerve0");
	cfg->ctl_socket = strdup("/run/swerve/control.sock");
	cfg->metrics_listen = strdup("127.0.0.1:9153");
	cfg->log_target = strdup("stderr");
	cfg->failover_state_file = strdup("/var/lib/swerve/failover.json");
	cfg->table_image = strdup("/var/lib/swerve/table.img");
	if (cfg->path == NULL || cfg->exception_ifname == NULL || cfg->ctl_socket == NULL ||
	    cfg->metrics_listen == NULL || cfg->log_target == NULL ||
	    cfg->failover_state_file == NULL || cfg->table_image == NULL) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int
cfg_yaml_err(struct cfg_parse *p, const yaml_parser_t *y)
{
	const char *path = p->cfg->path;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return sw_diag_set(p->diag, -ENOMEM, path, 0, "out of memory");
	case YAML_READER_ERROR:
		return sw_diag_set(p->diag, SW_ECONFIG, path, 0, "YAML: %s at octet %zu",
				   y->problem != NULL ? y->problem : "read error",
				   y->problem_offset);
	default:
		return sw_diag_set(p->diag, SW_ECONFIG, path, (unsigned)y->problem_mark.line + 1,
				   "YAML: %s%s%s", y->problem != NULL ? y->problem : "syntax error",
				   y->context != NULL ? " " : "",
				   y->context != NULL ? y->context : "");
	}
}

int
config_load(const char *path, struct swerve_config **out, struct sw_diag *diag)
{
	struct cfg_parse p = {.diag = diag};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_document_t extra;
	int parser_ok = 0;
	int doc_ok = 0;
	FILE *f = NULL;
	char tmp[PATH_MAX];
	int rc;

	*out = NULL;
	p.cfg = cfg_defaults(path);
	if (p.cfg == NULL)
		return sw_diag_set(diag, -ENOMEM, path, 0, "out of memory");
	f = fopen(path, "re");
	if (f == NULL) {
		rc = -errno;
		sw_diag_set(diag, rc, path, 0, "cannot open: %s", strerror(-rc));
		goto out;
	}
	/* Zone files are relative to the config file, not to wherever the daemon was started. */
	snprintf(tmp, sizeof(tmp), "%s", path);
	if (realpath(dirname(tmp), p.dir) == NULL) {
		rc = -errno;
		sw_diag_set(diag, rc, path, 0, "cannot resolve its directory: %s", strerror(-rc));
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = sw_diag_set(diag, -ENOMEM, path, 0, "out of memory");
		goto out;
	}
	parser_ok = 1;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = cfg_yaml_err(&p, &parser);
		goto out;
	}
	doc_ok = 1;
	p.doc = &doc;
	rc = cfg_root(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;

	/* A second document would be silently ignored by most readers; refuse it. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = cfg_yaml_err(&p, &parser);
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		rc = sw_diag_set(diag, SW_ECONFIG, path,
				 cfg_line(yaml_document_get_root_node(&extra)),
				 "more than one YAML document");
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);

	if (p.cfg->naddrs == 0) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, p.service_line,
				 "service.addresses: no service address configured");
		goto out;
	}
	if (p.cfg->nzones == 0) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, p.zones_line,
				 "zones: no zones configured");
		goto out;
	}
	if (p.cfg->cookie_previous_set && !p.cfg->cookie_secret_set) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, 0,
				 "cookies.previous-secret: needs cookies.secret (a rollover is "
				 "from one shared secret to another)");
		goto out;
	}
	/* After the zones: "failover:" may come first in the file. */
	rc = cfg_failover_finish(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;
	rc = cfg_xfr_finish(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;
	rc = cfg_dnstap_finish(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;
	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (f != NULL)
		fclose(f);
	config_free(p.cfg);
	return rc;
}

void
config_free(struct swerve_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_xfr_free(cfg);
	for (size_t i = 0; i < cfg->nzones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].file);
	}
	free(cfg->zones);
	free(cfg->addrs);
	free(cfg->version);
	free(cfg->identity);
	free(cfg->exception_ifname);
	free(cfg->ctl_socket);
	free(cfg->metrics_listen);
	free(cfg->log_target);
	free(cfg->table_image);
	cfg_failover_free(cfg);
	cfg_dnstap_free(cfg);
	free(cfg->path);
	free(cfg);
}
