/* SPDX-License-Identifier: BSD-3-Clause */
/* The "dnstap:" section of swerve.yaml: where query logs go and how many queries are logged. */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "swerve/config.h"
#include "swerve/error.h"

#include "config_dnstap.h"

#ifndef SWERVE_VERSION
#define SWERVE_VERSION "0.1.0"
#endif

#define DT_MEMBER(m) offsetof(struct swerve_config, m), sizeof(((struct swerve_config *)0)->m)

/* The ring's default: 4096 records of 1280 octets, 5 MiB per worker. */
#define CFG_DNSTAP_RING_DEF 4096u

static int cfg_dnstap_sink(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			   const char *path, void *base);

/*
 * ring: below 64 a burst of 32 queries at sample 1 fills half of it; past
 * 65536 records (80 MiB) per producer memory, not the ring, is the limit.
 * identity and version: the Dnstap fields are free text; 255 is the TXT
 * limit dns.identity has too.
 */
const struct cfg_key cfg_dnstap_keys[CFG_DNSTAP_NKEYS] = {
	{"sink", CFG_CUSTOM, DT_MEMBER(dnstap_sink), 0, 0, NULL, cfg_dnstap_sink},
	{"sample", CFG_UINT, DT_MEMBER(dnstap_sample), 0, 1000000000},
	{"ring", CFG_UINT, DT_MEMBER(dnstap_ring), 64, 65536},
	{"log-queries", CFG_BOOL, DT_MEMBER(dnstap_log_queries), 0, 0},
	{"log-responses", CFG_BOOL, DT_MEMBER(dnstap_log_responses), 0, 0},
	{"identity", CFG_STR, DT_MEMBER(dnstap_identity), 0, 255},
	{"version", CFG_STR, DT_MEMBER(dnstap_version), 0, 255},
};

/*
 * sink: null (off), "unix:PATH" (a Frame Streams reader's socket) or a file.
 * Relative paths are the config directory's, as zone files are. A file's
 * directory must exist, so that --check finds a typo; a socket may appear
 * later (Frame Streams reconnects).
 */
static int
cfg_dnstap_sink(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		const char *path, void *base)
{
	struct swerve_config *cfg = base;
	char full[PATH_MAX], dir[PATH_MAX];
	const char *v, *file;
	struct stat st;
	char *slash;
	bool sock;
	int n, rc;

	(void)k;
	free(cfg->dnstap_sink);
	cfg->dnstap_sink = NULL;
	cfg->dnstap_unix = false;
	if (cfg_is_null(node))
		return 0;
	rc = cfg_string(p, node, path, PATH_MAX - 1, &v);
	if (rc < 0)
		return rc;
	sock = strncmp(v, "unix:", 5) == 0;
	file = sock ? v + 5 : v;
	if (file[0] == '\0')
		return cfg_err(p, node, SW_ECONFIG, path, "\"%s\": no path", v);
	if (file[0] == '/')
		n = snprintf(full, sizeof(full), "%s", file);
	else
		n = snprintf(full, sizeof(full), "%s/%s", p->dir, file);
	if (n < 0 || n >= (int)sizeof(full))
		return cfg_err(p, node, SW_ECONFIG, path, "path too long");
	if (full[n - 1] == '/')
		return cfg_err(p, node, SW_ECONFIG, path, "\"%s\" names a directory", v);
	if (sock && (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return cfg_err(p, node, SW_ECONFIG, path,
			       "socket path %s is longer than a Unix socket takes (%zu)", full,
			       sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (!sock) {
		snprintf(dir, sizeof(dir), "%s", full);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return cfg_err(p, node, SW_ECONFIG, path, "directory %s does not exist",
				       dir);
	}
	cfg->dnstap_unix = sock;
	return cfg_keep_string(p, node, path, &cfg->dnstap_sink, full);
}

void
cfg_dnstap_defaults(struct swerve_config *cfg)
{
	cfg->dnstap_ring = CFG_DNSTAP_RING_DEF;
	cfg->dnstap_log_queries = true;
	cfg->dnstap_log_responses = true;
}

/* The node of dnstap.@key for a message's line: the key's value, else the section, else the root. */
static const yaml_node_t *
cfg_dnstap_node(struct cfg_parse *p, const yaml_node_t *sec, const char *key)
{
	if (sec == NULL || sec->type != YAML_MAPPING_NODE)
		return sec;
	return cfg_map_get(p, sec, key);
}

int
cfg_dnstap_finish(struct cfg_parse *p, const yaml_node_t *root)
{
	struct swerve_config *cfg = p->cfg;
	const yaml_node_t *sec = NULL;
	char host[256];

	if (root != NULL && root->type == YAML_MAPPING_NODE)
		sec = cfg_map_get(p, root, "dnstap");

	if (cfg->dnstap_ring & (cfg->dnstap_ring - 1))
		return cfg_err(p, cfg_dnstap_node(p, sec, "ring"), SW_ECONFIG, "dnstap.ring",
			       "%u: must be a power of two (64, 128, ... 65536)", cfg->dnstap_ring);
	if (cfg->dnstap_sample != 0 && cfg->dnstap_sink == NULL)
		return cfg_err(p, cfg_dnstap_node(p, sec, "sample"), SW_ECONFIG, "dnstap.sample",
			       "logging 1 in %u queries needs dnstap.sink (a file or unix:PATH)",
			       cfg->dnstap_sample);
	if (cfg->dnstap_sample != 0 && !cfg->dnstap_log_queries && !cfg->dnstap_log_responses)
		return cfg_err(p, sec, SW_ECONFIG, "dnstap",
			       "log-queries and log-responses are both false: nothing to log "
			       "(sample: 0 turns dnstap off)");
	if (cfg->dnstap_identity == NULL) {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "swerve");
		host[sizeof(host) - 1] = '\0';
		if (cfg_set_string(&cfg->dnstap_identity, host) < 0)
			return cfg_err(p, sec, -ENOMEM, "dnstap.identity", "out of memory");
	}
	if (cfg->dnstap_version == NULL &&
	    cfg_set_string(&cfg->dnstap_version, "swerve " SWERVE_VERSION) < 0)
		return cfg_err(p, sec, -ENOMEM, "dnstap.version", "out of memory");
	return 0;
}

void
cfg_dnstap_free(struct swerve_config *cfg)
{
	free(cfg->dnstap_sink);
	free(cfg->dnstap_identity);
	free(cfg->dnstap_version);
	cfg->dnstap_sink = cfg->dnstap_identity = cfg->dnstap_version = NULL;
}
