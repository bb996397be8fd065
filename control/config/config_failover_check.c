/* SPDX-License-Identifier: BSD-3-Clause */
/* A failover record's "check:" in swerve.yaml: the probe's kind, timing, target, expectations. */

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "swerve/config.h"
#include "swerve/error.h"

#include "config_failover_check.h"
#include "config_syntax.h"
#include "config_yaml.h"

#define FO_CMEMBER(m) offsetof(struct cfg_check, m), sizeof(((struct cfg_check *)0)->m)

/* A path or a body longer than this is a mistake, not a health check. */
#define FO_TEXT_MAX 1024

/*
 * Host header, TLS SNI and the name the certificate is verified against:
 * a host name or an address literal. Anything else (spaces, CR/LF, a port)
 * would end up in the request line or make the verification meaningless.
 */
int
cfg_fo_host(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	    void *base)
{
	char **dst = (char **)((char *)base + k->off);
	unsigned char bin[sizeof(struct in6_addr)];
	const char *v;
	int ok;
	int rc;

	rc = cfg_string(p, node, path, k->max, &v);
	if (rc < 0)
		return rc;
	if (strchr(v, ':') != NULL) {
		ok = inet_pton(AF_INET6, v, bin) == 1;
	} else {
		ok = cfg_zone_name_ok(v);
		for (const char *c = v; ok && *c != '\0'; c++)
			ok = isalnum((unsigned char)*c) || strchr(".-_", *c) != NULL;
	}
	if (!ok)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "bad host \"%s\" (expected a host name or an address)", v);
	return cfg_keep_string(p, node, path, dst, v);
}

/* An origin-form request target: "/" then visible ASCII (percent-encode the rest). */
static int
cfg_fo_urlpath(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	       const char *path, void *base)
{
	char **dst = (char **)((char *)base + k->off);
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, k->max, &v);
	if (rc < 0)
		return rc;
	if (v[0] != '/')
		return cfg_err(p, node, SW_ECONFIG, path, "\"%s\" does not start with '/'", v);
	for (const char *c = v; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f || *c == '#')
			return cfg_err(p, node, SW_ECONFIG, path,
				       "\"%s\": spaces, control characters, '#' and non-ASCII "
				       "must be percent-encoded",
				       v);
	return cfg_keep_string(p, node, path, dst, v);
}

static int
cfg_fo_status(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	      const char *path, void *base)
{
	struct cfg_check *c = base;
	const struct cfg_key item = {"", CFG_UINT, 0, sizeof(uint16_t), k->min, k->max};
	char ipath[CFG_PATH_LEN + 24];
	size_t n;
	int rc;

	rc = cfg_seq(p, node, path, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, path, "at least one status is needed");
	if (n > CFG_CHECK_MAX_STATUS)
		return cfg_err(p, node, SW_ECONFIG, path, "%zu statuses, at most %d", n,
			       CFG_CHECK_MAX_STATUS);
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *in = cfg_seq_item(p, node, i);

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		rc = cfg_uint(p, in, ipath, &item, &c->status[i]);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (c->status[j] == c->status[i])
				return cfg_err(p, in, SW_ECONFIG, ipath, "status %u listed twice",
					       c->status[i]);
	}
	c->nstatus = (unsigned)n;
	return 0;
}

/* Indexes match enum cfg_check_kind. */
static const char *const cfg_fo_kinds[] = {"tcp", "http", "https", "manual", NULL};

static const struct cfg_key cfg_fo_check_keys[] = {
	{"kind", CFG_ENUM, FO_CMEMBER(kind), 0, 0, cfg_fo_kinds},
	/* 100 ms keeps a record with many endpoints from turning into a probe storm. */
	{"interval-ms", CFG_UINT, FO_CMEMBER(interval_ms), 100, 3600000},
	/* Below 10 ms not even a loopback TLS handshake completes. */
	{"timeout-ms", CFG_UINT, FO_CMEMBER(timeout_ms), 10, 3600000},
	{"rise", CFG_UINT, FO_CMEMBER(rise), 1, 100},
	{"fall", CFG_UINT, FO_CMEMBER(fall), 1, 100},
	{"port", CFG_UINT, FO_CMEMBER(port), 1, 65535},
	{"path", CFG_CUSTOM, FO_CMEMBER(path), 0, FO_TEXT_MAX, NULL, cfg_fo_urlpath},
	{"host", CFG_CUSTOM, FO_CMEMBER(host), 0, 253, NULL, cfg_fo_host},
	{"expect-status", CFG_CUSTOM, 0, 0, 100, 599, NULL, cfg_fo_status},
	{"body", CFG_STR, FO_CMEMBER(body), 0, FO_TEXT_MAX},
	/* Ten years: any longer and the check would fail every certificate there is. */
	{"min-cert-days", CFG_UINT, FO_CMEMBER(min_cert_days), 0, 3650},
	{"ca-file", CFG_FILE, FO_CMEMBER(ca_file), 0, 0},
};

int
cfg_fo_check(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	     const char *path, void *base)
{
	struct cfg_check *c = &((struct cfg_failover *)base)->check;
	char kpath[CFG_PATH_LEN + 16];
	uint32_t seen;
	int rc;

	(void)k;
	rc = cfg_want_map(p, node, path);
	if (rc < 0)
		return rc;
	c->interval_ms = 5000;
	c->timeout_ms = 2000;
	c->rise = 2;
	c->fall = 3;
	c->min_cert_days = 7;
	rc = cfg_map(p, node, path, cfg_fo_check_keys, CFG_NKEYS(cfg_fo_check_keys), c, &seen);
	if (rc < 0)
		return rc;
	if (!(seen & 1u))
		return cfg_err(p, node, SW_ECONFIG, path,
			       "missing key \"kind\" (tcp, http, https, manual)");
	if (c->nstatus == 0) {
		c->status[0] = 200;
		c->nstatus = 1;
	}
	/* A manual check is never probed: its timing and target are ignored. */
	if (c->kind == CFG_CHECK_MANUAL)
		return 0;
	if (c->timeout_ms >= c->interval_ms) {
		snprintf(kpath, sizeof(kpath), "%s.timeout-ms", path);
		return cfg_err(p, cfg_map_get(p, node, "timeout-ms"), SW_ECONFIG, kpath,
			       "%u must be less than interval-ms (%u)", c->timeout_ms,
			       c->interval_ms);
	}
	if (c->port == 0 && c->kind == CFG_CHECK_HTTP)
		c->port = 80;
	if (c->port == 0 && c->kind == CFG_CHECK_HTTPS)
		c->port = 443;
	return 0;
}
