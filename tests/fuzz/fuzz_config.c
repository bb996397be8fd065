/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: octets as swerve.yaml -> config_load(); failures explained, successes within the documented ranges. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "fuzz_util.h"

/*
 * The input is written as swerve.yaml in a private directory that also
 * holds the files a config may name (example.com.zone, example.net.zone,
 * ca.pem), so relative paths resolve and the validation beyond them runs.
 */

static char fz_path[256];

static void
fz_init(void)
{
	static const char *const files[] = {"example.com.zone", "example.net.zone", "ca.pem"};
	static const char text[] = "; present for the config fuzzer\n";
	char p[256];

	fz_quiet_logs();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fz_tmpdir(), files[i]);
		fz_write_file(p, (const uint8_t *)text, sizeof(text) - 1);
	}
	snprintf(fz_path, sizeof(fz_path), "%s/swerve.yaml", fz_tmpdir());
}

static void
fz_check_str(const char *s, size_t max, const char *what)
{
	FZ_CHECK(s != NULL && strlen(s) <= max, "%s: %s", what, s == NULL ? "NULL" : "too long");
}

static void
fz_check_failover(const struct cfg_failover *f)
{
	const struct cfg_check *c = &f->check;

	FZ_CHECK(f->name != NULL && f->name[0] != '\0', "failover record without a name");
	FZ_CHECK(f->type == 1 || f->type == 28, "failover type %u", f->type);
	FZ_CHECK(f->ttl >= 1 && f->ttl <= 86400, "ttl %u", f->ttl);
	FZ_CHECK(f->degraded_ttl >= 1 && f->degraded_ttl <= f->ttl, "degraded-ttl %u, ttl %u",
		 f->degraded_ttl, f->ttl);
	FZ_CHECK(f->all_down <= CFG_ALL_DOWN_SERVFAIL, "all-down %d", (int)f->all_down);
	FZ_CHECK(c->kind <= CFG_CHECK_MANUAL, "check kind %d", (int)c->kind);
	FZ_CHECK(c->interval_ms >= 100 && c->interval_ms <= 3600000, "interval %u", c->interval_ms);
	if (c->kind != CFG_CHECK_MANUAL)
		FZ_CHECK(c->timeout_ms < c->interval_ms, "timeout %u >= interval %u", c->timeout_ms,
			 c->interval_ms);
	FZ_CHECK(c->rise >= 1 && c->rise <= 100 && c->fall >= 1 && c->fall <= 100,
		 "rise %u fall %u", c->rise, c->fall);
	FZ_CHECK(c->nstatus >= 1 && c->nstatus <= CFG_CHECK_MAX_STATUS, "%u statuses", c->nstatus);
	for (unsigned i = 0; i < c->nstatus; i++)
		FZ_CHECK(c->status[i] >= 100 && c->status[i] <= 599, "status %u", c->status[i]);
	FZ_CHECK(f->npools >= 1 && f->pools != NULL, "record without pools");
	for (size_t i = 0; i < f->npools; i++) {
		const struct cfg_pool *pool = &f->pools[i];

		FZ_CHECK(pool->name != NULL, "pool %zu without a name", i);
		FZ_CHECK(pool->nendpoints >= 1, "pool %zu without endpoints", i);
		for (size_t j = 0; j < pool->nendpoints; j++) {
			const struct cfg_endpoint *ep = &pool->endpoints[j];

			FZ_CHECK(ep->name != NULL, "endpoint without a name");
			/* A tcp check takes its port from the check, or else from every endpoint. */
			FZ_CHECK(c->kind != CFG_CHECK_TCP || c->port != 0 || ep->check_port != 0,
				 "tcp check without a port for endpoint %s", ep->name);
			FZ_CHECK(ep->addr.family == (f->type == 1 ? AF_INET : AF_INET6),
				 "endpoint family %d for type %u", ep->addr.family, f->type);
			for (size_t k = 0; k < j; k++)
				FZ_CHECK(strcmp(pool->endpoints[k].name, ep->name) != 0,
					 "duplicate endpoint name %s", ep->name);
		}
		for (size_t k = 0; k < i; k++)
			FZ_CHECK(strcmp(f->pools[k].name, pool->name) != 0, "duplicate pool name %s",
				 pool->name);
	}
}

static void
fz_check_config(const struct swerve_config *cfg)
{
	FZ_CHECK(cfg->naddrs >= 1 && cfg->addrs != NULL, "no service address");
	for (size_t i = 0; i < cfg->naddrs; i++) {
		const struct svc_addr *a = &cfg->addrs[i];

		FZ_CHECK(a->family == AF_INET || a->family == AF_INET6, "family %d", a->family);
		FZ_CHECK(a->prefix <= (a->family == AF_INET ? 32 : 128), "prefix %u", a->prefix);
	}
	FZ_CHECK(cfg->nzones >= 1 && cfg->zones != NULL, "no zone");
	for (size_t i = 0; i < cfg->nzones; i++) {
		FZ_CHECK(cfg->zones[i].name != NULL, "zone %zu without a name", i);
		FZ_CHECK(cfg->zones[i].file != NULL && cfg->zones[i].file[0] == '/',
			 "zone %zu file not absolute", i);
	}
	FZ_CHECK(cfg->edns_payload >= 512 && cfg->edns_payload <= 4096, "edns-payload %u",
		 cfg->edns_payload);
	if (cfg->version != NULL)
		fz_check_str(cfg->version, 255, "version");
	if (cfg->identity != NULL)
		fz_check_str(cfg->identity, 255, "identity");
	FZ_CHECK(cfg->rx_ring >= 64 && cfg->rx_ring <= 32768 && cfg->tx_ring >= 64 &&
			 cfg->tx_ring <= 32768,
		 "rings %u/%u", cfg->rx_ring, cfg->tx_ring);
	/* exception.interface: null turns the exception path off (config.c, CFG_STR_NULL). */
	if (cfg->exception_ifname != NULL)
		fz_check_str(cfg->exception_ifname, 15, "exception.interface");
	FZ_CHECK(cfg->exception_pps >= 1, "exception pps 0");
	FZ_CHECK(cfg->tcp_max_clients >= 1 && cfg->tcp_idle_ms >= 100, "tcp limits");
	FZ_CHECK(cfg->ctl_socket != NULL && cfg->ctl_socket[0] != '\0', "control.socket");
	FZ_CHECK(cfg->ctl_mode <= 0777, "control.mode %o", (unsigned)cfg->ctl_mode);
	FZ_CHECK(cfg->ctl_max_clients >= 1 && cfg->ctl_max_clients <= 1024, "control.max-clients");
	FZ_CHECK(cfg->ctl_idle_ms >= 100 && cfg->ctl_idle_ms <= 3600000, "control.idle-timeout-ms");
	FZ_CHECK(sw_log_level_name(cfg->log_level)[0] != 'u', "log level %d", cfg->log_level);
	FZ_CHECK(cfg->log_target != NULL &&
			 (strcmp(cfg->log_target, "stderr") == 0 ||
			  strcmp(cfg->log_target, "syslog") == 0),
		 "log.target");
	for (size_t i = 0; i < cfg->nfailovers; i++) {
		fz_check_failover(&cfg->failovers[i]);
		for (size_t k = 0; k < i; k++)
			FZ_CHECK(strcasecmp(cfg->failovers[k].name, cfg->failovers[i].name) != 0 ||
					 cfg->failovers[k].type != cfg->failovers[i].type,
				 "failover record %s twice", cfg->failovers[i].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct swerve_config *cfg = (struct swerve_config *)&init; /* Must become NULL on failure. */
	struct sw_diag d;
	int rc;

	if (!init) {
		fz_init();
		init = true;
	}
	fz_write_file(fz_path, data, size);
	memset(&d, 0, sizeof(d));
	rc = config_load(fz_path, &cfg, &d);
	if (fz_verbose())
		fprintf(stderr, "config_load: %d %s:%u: %s\n", rc, d.file, d.line, d.msg);
	if (rc < 0) {
		FZ_CHECK(cfg == NULL, "config_load failed but set its output");
		FZ_CHECK(d.code == rc, "config_load failed with %d but diag.code is %d", rc, d.code);
		FZ_CHECK(memchr(d.msg, '\0', sizeof(d.msg)) != NULL && d.msg[0] != '\0',
			 "config_load failed (%d) without a message", rc);
		return 0;
	}
	FZ_CHECK(rc == 0 && cfg != NULL, "config_load returned %d", rc);
	fz_check_config(cfg);
	config_free(cfg);
	return 0;
}
