/* SPDX-License-Identifier: BSD-3-Clause */
/* Zone transfers in swerve.yaml: keys (TSIG), xfr, a secondary zone's primaries and timers. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/error.h"

#include "config_dnssec.h"
#include "config_syntax.h"
#include "config_xfr.h"
#include "config_yaml.h"

#define XC_KMEMBER(m) offsetof(struct cfg_tsig_key, m), sizeof(((struct cfg_tsig_key *)0)->m)
#define XC_PMEMBER(m) offsetof(struct cfg_primary, m), sizeof(((struct cfg_primary *)0)->m)
#define XC_ZMEMBER(m) offsetof(struct cfg_zone, m), sizeof(((struct cfg_zone *)0)->m)

/* A secret longer than this is not a TSIG key anyone generated (HMAC-SHA512 keys are 64 octets). */
#define XC_SECRET_MAX 1024

static int cfg_xfr_keyname(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			   const char *path, void *base);
static int cfg_xfr_algorithm(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			     const char *path, void *base);
static int cfg_xfr_secret(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			  const char *path, void *base);
static int cfg_xfr_paddr(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			 const char *path, void *base);
static int cfg_xfr_pkey(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			const char *path, void *base);
static int cfg_xfr_primaries(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			     const char *path, void *base);
static int cfg_xfr_zfile(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			 const char *path, void *base);

/*
 * The algorithms ldns 1.8 computes, as it names them, without the final dot
 * (xfr_tsig_key_check() agrees): RFC 8945's hmac-sha384 and hmac-sha224 are
 * refused here rather than failing at the first transfer.
 */
static const char *const cfg_xfr_algs[] = {"hmac-sha256", "hmac-sha512", "hmac-sha1",
					   "hmac-md5.sig-alg.reg.int", NULL};

static const struct cfg_key cfg_xfr_key_keys[] = {
	{"name", CFG_CUSTOM, XC_KMEMBER(name), 0, 0, NULL, cfg_xfr_keyname},
	{"algorithm", CFG_CUSTOM, XC_KMEMBER(algorithm), 0, 0, NULL, cfg_xfr_algorithm},
	{"secret", CFG_CUSTOM, XC_KMEMBER(secret), 0, 0, NULL, cfg_xfr_secret},
};

static const struct cfg_key cfg_xfr_primary_keys[] = {
	{"address", CFG_CUSTOM, XC_PMEMBER(addr), 0, 0, NULL, cfg_xfr_paddr},
	{"port", CFG_UINT, XC_PMEMBER(port), 1, 65535},
	/* Resolved against keys[] by cfg_xfr_finish(): "keys:" may come after "zones:". */
	{"key", CFG_CUSTOM, XC_PMEMBER(key), 0, 0, NULL, cfg_xfr_pkey},
};

/* Index 0..2 name the keys every zone may have; the rest make a zone a secondary one. */
const struct cfg_key cfg_xfr_zone_keys[CFG_XFR_NZONE_KEYS] = {
	{"name", CFG_ZONENAME, XC_ZMEMBER(name), 0, 0},
	{"file", CFG_CUSTOM, XC_ZMEMBER(file), 0, 0, NULL, cfg_xfr_zfile},
	{"primaries", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_xfr_primaries},
	/* RFC 1982: a timer is a 32-bit serial-space quantity; at most 2^31 - 1 seconds. */
	{"refresh", CFG_UINT, XC_ZMEMBER(refresh_s), 1, INT32_MAX},
	{"retry", CFG_UINT, XC_ZMEMBER(retry_s), 1, INT32_MAX},
	{"expire", CFG_UINT, XC_ZMEMBER(expire_s), 1, INT32_MAX},
	{"ixfr", CFG_BOOL, XC_ZMEMBER(ixfr), 0, 0},
	{"dnssec", CFG_CUSTOM, 0, 0, 0, 0, NULL, cfg_dnssec_zone},
};

const struct cfg_key cfg_xfr_keys[3] = {
	/* Below 100 ms not even a loopback SOA query is sure to finish; a day is plenty for any
	   zone. */
	{"timeout-ms", CFG_UINT, offsetof(struct swerve_config, xfr_timeout_ms), sizeof(uint32_t),
	 100, 86400000},
	/* Octets received for one transfer, and records in one transfer or the zone it makes;
	   unset (0): CFG_XFR_MAX_SIZE_DEF and CFG_XFR_MAX_RECORDS_DEF. */
	{"max-size", CFG_UINT, offsetof(struct swerve_config, xfr_max_size), sizeof(uint32_t),
	 1024, UINT32_MAX},
	{"max-records", CFG_UINT, offsetof(struct swerve_config, xfr_max_records),
	 sizeof(uint32_t), 2, UINT32_MAX},
};

/* A key name as primaries name it: lowercase with the final dot, so comparisons are plain. */
static int
cfg_xfr_keyname(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		const char *path, void *base)
{
	char **dst = (char **)(void *)((char *)base + k->off);
	const char *v;
	char *s;
	size_t n;
	int rc;

	rc = cfg_string(p, node, path, 254, &v);
	if (rc < 0)
		return rc;
	if (strcmp(v, ".") == 0 || !cfg_zone_name_ok(v))
		return cfg_err(p, node, SW_ECONFIG, path, "bad key name \"%s\"", v);
	n = strlen(v) + 2;
	s = malloc(n);
	if (s == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	dname_text_canon(v, s, n);
	free(*dst);
	*dst = s;
	return 0;
}

static int
cfg_xfr_algorithm(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		  const char *path, void *base)
{
	char **dst = (char **)(void *)((char *)base + k->off);
	char buf[64];
	const char *v;
	size_t n;
	int rc;

	rc = cfg_string(p, node, path, 40, &v);
	if (rc < 0)
		return rc;
	n = strlen(v);
	if (v[n - 1] == '.')
		n--;
	/* BIND and Knot write hmac-md5 for the long legacy name. */
	if (n == 8 && strncasecmp(v, "hmac-md5", 8) == 0) {
		v = "hmac-md5.sig-alg.reg.int";
		n = strlen(v);
	}
	for (size_t i = 0; cfg_xfr_algs[i] != NULL; i++) {
		if (strlen(cfg_xfr_algs[i]) != n || strncasecmp(cfg_xfr_algs[i], v, n) != 0)
			continue;
		snprintf(buf, sizeof(buf), "%s.", cfg_xfr_algs[i]);
		if (cfg_set_string(dst, buf) < 0)
			return cfg_err(p, node, -ENOMEM, path, "out of memory");
		return 0;
	}
	return cfg_err(p, node, SW_ECONFIG, path,
		       "unknown algorithm \"%s\" (hmac-sha256, hmac-sha512, hmac-sha1, hmac-md5)",
		       v);
}

static int
cfg_xfr_b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict RFC 4648 base64 as tsig-keygen and keymgr print it: whole groups
 * of four, '=' only as the last one or two characters, no line breaks.
 * A secret that does not decode would only show up as "TSIG verification
 * failed" on the first transfer, far from the typo.
 */
static int
cfg_xfr_secret(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	       const char *path, void *base)
{
	char **dst = (char **)(void *)((char *)base + k->off);
	const char *v;
	size_t n, pad = 0;
	int rc;

	rc = cfg_string(p, node, path, XC_SECRET_MAX, &v);
	if (rc < 0)
		return rc;
	n = strlen(v);
	if (n % 4 != 0)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "bad base64: %zu characters, not a multiple of 4", n);
	while (pad < 2 && n > pad && v[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (cfg_xfr_b64val(v[i]) < 0)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "bad base64: character '%c' at offset %zu", v[i], i);
	if (n - pad < 2)
		return cfg_err(p, node, SW_ECONFIG, path, "bad base64: empty secret");
	return cfg_keep_string(p, node, path, dst, v);
}

/* A primary's address: one host, so no prefix. */
static int
cfg_xfr_paddr(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	      const char *path, void *base)
{
	struct svc_addr *a = (struct svc_addr *)(void *)((char *)base + k->off);
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, 64, &v);
	if (rc < 0)
		return rc;
	if (strchr(v, '/') != NULL || cfg_parse_addr(v, a) < 0)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "bad address \"%s\" (expected a unicast IPv4 or IPv6 address)", v);
	return 0;
}

/* Only the form here; the name is looked up in keys[] once the whole file is read. */
static int
cfg_xfr_pkey(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	     const char *path, void *base)
{
	const char *v;
	int rc;

	(void)k;
	(void)base;
	rc = cfg_string(p, node, path, 254, &v);
	if (rc < 0)
		return rc;
	if (strcmp(v, ".") == 0 || !cfg_zone_name_ok(v))
		return cfg_err(p, node, SW_ECONFIG, path, "bad key name \"%s\"", v);
	return 0;
}

static int
cfg_xfr_primaries(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		  const char *path, void *base)
{
	struct cfg_zone *z = base;
	char ipath[CFG_PATH_LEN];
	char d[96];
	uint32_t seen;
	size_t n;
	int rc;

	(void)k;
	rc = cfg_seq(p, node, path, &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, path,
			       "no primaries (leave the key out for a primary zone)");
	z->primaries = calloc(n, sizeof(*z->primaries));
	if (z->primaries == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = cfg_seq_item(p, node, i);
		struct cfg_primary *pr = &z->primaries[i];

		z->nprimaries = i + 1;
		pr->port = 53;
		pr->key = -1;
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (item->type != YAML_MAPPING_NODE)
			return cfg_err(p, item, SW_ECONFIG, ipath, "expected a mapping, got %s",
				       cfg_describe(item, d, sizeof(d)));
		rc = cfg_map(p, item, ipath, cfg_xfr_primary_keys, CFG_NKEYS(cfg_xfr_primary_keys),
			     pr, &seen);
		if (rc < 0)
			return rc;
		if (!(seen & 1u))
			return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"address\"");
	}
	return 0;
}

/* Resolved now; whether it must exist depends on "primaries", which may come later. */
static int
cfg_xfr_zfile(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
	      const char *path, void *base)
{
	char **dst = (char **)(void *)((char *)base + k->off);
	char full[PATH_MAX];
	const char *v;
	int n, rc;

	rc = cfg_string(p, node, path, PATH_MAX - 1, &v);
	if (rc < 0)
		return rc;
	if (v[0] == '/')
		n = snprintf(full, sizeof(full), "%s", v);
	else
		n = snprintf(full, sizeof(full), "%s/%s", p->dir, v);
	if (n < 0 || (size_t)n >= sizeof(full))
		return cfg_err(p, node, SW_ECONFIG, path, "path too long");
	return cfg_keep_string(p, node, path, dst, full);
}

/*
 * A secondary zone's file is the local copy the daemon writes after every
 * transfer (a temporary file renamed over it): it may be missing, but when
 * present it must be a regular file, and its directory must be writable.
 */
static int
cfg_xfr_local_copy(struct cfg_parse *p, const yaml_node_t *node, const char *path, const char *file)
{
	char dir[PATH_MAX];
	struct stat st;

	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode))
		return cfg_err(p, node, SW_ECONFIG, path, "%s is not a regular file", file);
	snprintf(dir, sizeof(dir), "%s", file);
	if (access(dirname(dir), W_OK | X_OK) < 0) {
		int err = errno;

		snprintf(dir, sizeof(dir), "%s", file);
		return cfg_err(p, node, -err, path, "cannot write the local copy in %s: %s",
			       dirname(dir), strerror(err));
	}
	return 0;
}

int
cfg_xfr_zone_check(struct cfg_parse *p, const yaml_node_t *item, const char *ipath,
		   struct cfg_zone *z, uint32_t seen)
{
	const yaml_node_t *fnode = cfg_map_get(p, item, "file");
	char kpath[CFG_PATH_LEN];
	char *file;
	int rc;

	snprintf(kpath, sizeof(kpath), "%s.file", ipath);
	if (z->nprimaries > 0)
		return cfg_xfr_local_copy(p, fnode, kpath, z->file);
	/* Timers and ixfr only mean something for a zone that is transferred. */
	for (size_t k = CFG_XFR_SECONDARY_FIRST; k < CFG_XFR_SECONDARY_END; k++)
		if (seen & (1u << k)) {
			snprintf(kpath, sizeof(kpath), "%s.%s", ipath, cfg_xfr_zone_keys[k].name);
			return cfg_err(p, cfg_map_get(p, item, cfg_xfr_zone_keys[k].name),
				       SW_ECONFIG, kpath,
				       "only for a secondary zone (with primaries)");
		}
	/* A primary zone's file must be there now: the same check (and words) as ever. */
	file = z->file;
	z->file = NULL;
	rc = cfg_file(p, fnode, kpath, file, &z->file);
	free(file);
	return rc;
}

/* keys: a sequence of {name, algorithm, secret}; names unique. */
int
cfg_xfr_tsig_keys(struct cfg_parse *p, const yaml_node_t *node)
{
	struct swerve_config *cfg = p->cfg;
	char ipath[CFG_PATH_LEN];
	char d[96];
	uint32_t seen;
	size_t n;
	int rc;

	rc = cfg_seq(p, node, "keys", &n);
	if (rc < 0 || n == 0)
		return rc;
	cfg->keys = calloc(n, sizeof(*cfg->keys));
	if (cfg->keys == NULL)
		return cfg_err(p, node, -ENOMEM, "keys", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *item = cfg_seq_item(p, node, i);
		struct cfg_tsig_key *key = &cfg->keys[i];

		cfg->nkeys = i + 1;
		snprintf(ipath, sizeof(ipath), "keys[%zu]", i);
		if (item->type != YAML_MAPPING_NODE)
			return cfg_err(p, item, SW_ECONFIG, ipath, "expected a mapping, got %s",
				       cfg_describe(item, d, sizeof(d)));
		rc = cfg_map(p, item, ipath, cfg_xfr_key_keys, CFG_NKEYS(cfg_xfr_key_keys), key,
			     &seen);
		if (rc < 0)
			return rc;
		if (!(seen & 1u))
			return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"name\"");
		if (!(seen & 4u))
			return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"secret\"");
		if (key->algorithm == NULL && cfg_set_string(&key->algorithm, "hmac-sha256.") < 0)
			return cfg_err(p, item, -ENOMEM, ipath, "out of memory");
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->keys[j].name, key->name) == 0) {
				snprintf(ipath, sizeof(ipath), "keys[%zu].name", i);
				return cfg_err(p, cfg_map_get(p, item, "name"), SW_ECONFIG, ipath,
					       "key %s defined twice (also keys[%zu])", key->name,
					       j);
			}
	}
	return 0;
}

/* Every zones[].primaries[].key names a key of keys[]: looked up once both are read. */
int
cfg_xfr_finish(struct cfg_parse *p, const yaml_node_t *root)
{
	struct swerve_config *cfg = p->cfg;
	const yaml_node_t *zones;
	char path[CFG_PATH_LEN];

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return 0;
	zones = cfg_map_get(p, root, "zones");
	for (size_t i = 0; i < cfg->nzones; i++) {
		const yaml_node_t *prim;

		if (cfg->zones[i].nprimaries == 0)
			continue;
		/* Transfers overwrite the local copy: it must be this zone's alone. */
		for (size_t j = 0; j < cfg->nzones; j++)
			if (j != i && strcmp(cfg->zones[j].file, cfg->zones[i].file) == 0) {
				snprintf(path, sizeof(path), "zones[%zu].file", i);
				return cfg_err(
					p, cfg_map_get(p, cfg_seq_item(p, zones, i), "file"),
					SW_ECONFIG, path,
					"%s is also zones[%zu]'s file; a secondary zone's local "
					"copy must be its own",
					cfg->zones[i].file, j);
			}
		prim = cfg_map_get(p, cfg_seq_item(p, zones, i), "primaries");
		for (size_t j = 0; j < cfg->zones[i].nprimaries; j++) {
			const yaml_node_t *item = cfg_seq_item(p, prim, j);
			const yaml_node_t *kn = cfg_map_get(p, item, "key");
			char want[256];
			size_t n, k;

			if (kn == item)
				continue;
			n = (size_t)snprintf(want, sizeof(want), "%s",
					     (const char *)kn->data.scalar.value);
			if (n > 0 && want[n - 1] != '.' && n + 1 < sizeof(want))
				want[n++] = '.', want[n] = '\0';
			for (k = 0; k < cfg->nkeys; k++)
				if (strcasecmp(cfg->keys[k].name, want) == 0)
					break;
			snprintf(path, sizeof(path), "zones[%zu].primaries[%zu].key", i, j);
			if (k == cfg->nkeys)
				return cfg_err(p, kn, SW_ECONFIG, path,
					       "unknown key \"%s\" (not in keys)",
					       (const char *)kn->data.scalar.value);
			cfg->zones[i].primaries[j].key = (int)k;
		}
	}
	return 0;
}

void
cfg_xfr_free(struct swerve_config *cfg)
{
	for (size_t i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].name);
		free(cfg->keys[i].algorithm);
		free(cfg->keys[i].secret);
	}
	free(cfg->keys);
	for (size_t i = 0; i < cfg->nzones; i++) {
		free(cfg->zones[i].primaries);
		cfg_dnssec_zone_free(&cfg->zones[i]);
	}
}
