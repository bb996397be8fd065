/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The settings block the workers and the TCP thread read (struct
 * worker_settings): built from the configuration at start and at every
 * reload (docs/configuration.md, "Reloading the configuration").
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/error.h"
#include "swerve/exception.h"
#include "swerve/log.h"
#include "swerve/worker.h"
#include "swerved.h"

/* A copy of @s inside the block's own storage at *@at (NULL stays NULL). */
static const char *
settings_str(char **at, const char *s)
{
	char *d = *at;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*at += n;
	return d;
}

/*
 * Server cookies (cookies:). Without cookies.secret the secret is random and
 * this process's alone: cookies then neither survive a restart nor verify on
 * other nodes of a fleet. A reload keeps a random secret that is still
 * wanted, so cookies handed out before it still verify.
 */
static int
settings_cookies(struct worker_settings *ws, const struct swerve_config *cfg,
		 const struct worker_settings *prev)
{
	struct dnsq_cookie_conf *cc = &ws->dconf.cookie;

	cc->enabled = cfg->cookies_enabled;
	if (!cc->enabled)
		return 0;
	if (cfg->cookie_secret_set) {
		memcpy(cc->secret, cfg->cookie_secret, sizeof(cc->secret));
	} else if (prev != NULL && prev->dconf.cookie.enabled && prev->cookie_random) {
		memcpy(cc->secret, prev->dconf.cookie.secret, sizeof(cc->secret));
		ws->cookie_random = true;
	} else if (getrandom(cc->secret, sizeof(cc->secret), 0) != (ssize_t)sizeof(cc->secret)) {
		return -EIO;
	} else {
		ws->cookie_random = true;
	}
	cc->has_previous = cfg->cookie_previous_set;
	if (cc->has_previous)
		memcpy(cc->previous, cfg->cookie_previous, sizeof(cc->previous));
	return 0;
}

int
swerved_settings_new(const struct swerve_config *cfg, const struct worker_settings *prev,
		     struct worker_settings **out)
{
	size_t strs = (cfg->version != NULL ? strlen(cfg->version) + 1 : 0) +
		      (cfg->identity != NULL ? strlen(cfg->identity) + 1 : 0);
	struct worker_settings *ws;
	struct exc_conf ec;
	char *at;
	int rc;

	*out = NULL;
	ws = calloc(1, sizeof(*ws) + strs);
	if (ws == NULL)
		return -ENOMEM;
	at = (char *)(ws + 1);
	ws->gen = prev != NULL ? prev->gen + 1 : 1;
	ws->dconf.edns_payload = cfg->edns_payload;
	ws->dconf.version = settings_str(&at, cfg->version);
	ws->dconf.identity = settings_str(&at, cfg->identity);
	rc = settings_cookies(ws, cfg, prev);
	if (rc < 0) {
		free(ws);
		return rc;
	}
	config_rrl_conf(cfg, &ws->rrl);
	config_exc_conf(cfg, &ec);
	ws->exc_pps[STATS_EXC_NEIGH] = ec.neigh_pps;
	ws->exc_pps[STATS_EXC_DNS] = ec.dns_pps;
	ws->exc_pps[STATS_EXC_OTHER] = ec.pps;
	ws->tcp_max_clients = cfg->tcp_max_clients;
	ws->tcp_idle_ms = cfg->tcp_idle_ms;
	ws->tcp_io_ms = cfg->tcp_io_ms;
	ws->tcp_max_per_source = cfg->tcp_max_per_source;
	ws->tcp_max_pipelined = cfg->tcp_max_pipelined;
	*out = ws;
	return 0;
}

void
swerved_settings_log(const struct worker_settings *ws, const struct swerve_config *cfg)
{
	if (ws->dconf.cookie.enabled)
		sw_notice("cookies: on, %s secret%s",
			  cfg->cookie_secret_set ? "configured"
			  : ws->cookie_random && ws->gen > 1 ? "random (kept)"
							     : "random",
			  ws->dconf.cookie.has_previous ? ", previous secret still accepted" : "");
}
