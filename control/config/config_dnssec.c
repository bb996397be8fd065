/* SPDX-License-Identifier: BSD-3-Clause */
/* A zone's "dnssec:" section of swerve.yaml: the key files that sign its failover records. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/config.h"
#include "swerve/error.h"

#include "config_dnssec.h"
#include "config_yaml.h"

#define DC_MEMBER(m) offsetof(struct cfg_zone, m), sizeof(((struct cfg_zone *)0)->m)

/* "key-files": a non-empty sequence of private key files that exist. */
static int
cfg_dnssec_key_files(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		     const char *path, void *base)
{
	struct cfg_zone *z = base;
	char ipath[CFG_PATH_LEN];
	size_t n;
	int rc;

	(void)k;
	rc = cfg_seq(p, node, path, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, path, "no key files");
	z->key_files = calloc(n, sizeof(*z->key_files));
	if (z->key_files == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = cfg_seq_item(p, node, i);
		const char *v;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		rc = cfg_string(p, item, ipath, 4095, &v);
		if (rc < 0)
			return rc;
		if (strlen(v) < 9 || strcmp(v + strlen(v) - 8, ".private") != 0)
			return cfg_err(p, item, SW_ECONFIG, ipath,
				       "\"%s\": a private key file (K<zone>+<alg>+<tag>.private)", v);
		rc = cfg_file(p, item, ipath, v, &z->key_files[i]);
		if (rc < 0)
			return rc;
		z->nkey_files = i + 1;
	}
	return 0;
}

/*
 * An RRSIG valid for less than an hour leaves no time to renew it; one valid
 * for more than a year outlives any key rollover worth the name.
 */
static const struct cfg_key cfg_dnssec_keys[] = {
	{"key-files", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_dnssec_key_files},
	{"signature-lifetime", CFG_UINT, DC_MEMBER(sig_lifetime_s), 3600, 366 * 86400},
	{"signature-refresh", CFG_UINT, DC_MEMBER(sig_refresh_s), 600, 365 * 86400},
};

int
cfg_dnssec_zone(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		const char *path, void *base)
{
	struct cfg_zone *z = base;
	char kpath[CFG_PATH_LEN];
	uint32_t seen = 0;
	int rc;

	(void)k;
	rc = cfg_want_map(p, node, path);
	if (rc < 0)
		return rc;
	z->sig_lifetime_s = CFG_SIG_LIFETIME_DEFAULT;
	z->sig_refresh_s = CFG_SIG_REFRESH_DEFAULT;
	rc = cfg_map(p, node, path, cfg_dnssec_keys, CFG_NKEYS(cfg_dnssec_keys), z, &seen);
	if (rc < 0)
		return rc;
	if (!(seen & 1u)) {
		snprintf(kpath, sizeof(kpath), "%s.key-files", path);
		return cfg_err(p, node, SW_ECONFIG, kpath, "missing: the zone's signing keys");
	}
	if (z->sig_refresh_s >= z->sig_lifetime_s) {
		snprintf(kpath, sizeof(kpath), "%s.signature-refresh", path);
		return cfg_err(p, cfg_map_get(p, node, "signature-refresh"), SW_ECONFIG, kpath,
			       "%u s: must be shorter than signature-lifetime (%u s)",
			       z->sig_refresh_s, z->sig_lifetime_s);
	}
	return 0;
}

void
cfg_dnssec_zone_free(struct cfg_zone *z)
{
	for (size_t i = 0; i < z->nkey_files; i++)
		free(z->key_files[i]);
	free(z->key_files);
	z->key_files = NULL;
	z->nkey_files = 0;
}
