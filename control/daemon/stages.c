/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved's start-up as a table of stages, each an init and the fini that undoes it. */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/ctl.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/exception.h"
#include "swerve/failover.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/metrics_dataplane.h"
#include "swerve/pkt.h"
#include "swerve/port.h"
#include "swerve/rrl.h"
#include "swerve/rrt.h"
#include "swerve/secondary.h"
#include "swerve/stats.h"
#include "swerve/tcp.h"
#include "swerve/watchdog.h"
#include "swerve/worker.h"
#include "notify.h"
#include "swerved.h"
#include "swerved_dnstap.h"

static void
swerved_diag(const struct sw_diag *d, int rc)
{
	char text[1024];

	sw_diag_format(d, rc, text, sizeof(text));
	sw_err("%s", text);
}

/*
 * Config, failover records, zones and the first snapshot (*@out may stay
 * NULL: no zones). The failover slots exist before the first build so
 * every snapshot, this one included, binds them. A start serves the table
 * image when it matches; a @check parses every zone and leaves the image
 * alone (a check has no side effects).
 */
int
swerved_load(struct swerved *s, bool check, struct rrt **out)
{
	const char *path = s->config_path;
	struct rrt_slot *const *slots = NULL;
	struct sw_diag d;
	size_t nslots;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = config_load(path, &s->cfg, &d);
	if (rc < 0)
		goto out;
	if (s->cfg->nzones == 0)
		sw_warn("%s: no zones configured: every query is REFUSED", path);
	rc = failover_new(s->cfg, s->loop, &s->fo, &d);
	if (rc < 0)
		goto out;
	nslots = failover_slots(s->fo, &slots);
	if (check) {
		free(s->cfg->table_image);
		s->cfg->table_image = NULL;
	}
	rc = loader_new(s->cfg, slots, nslots, check ? 0 : LOADER_FROM_IMAGE, &s->loader, out, &d);
out:
	if (rc < 0)
		swerved_diag(&d, rc);
	return rc;
}

static void
swerved_summary(const struct swerved *s)
{
	char addrs[256];
	size_t off = 0;

	addrs[0] = '\0';
	for (size_t i = 0; i < s->cfg->naddrs && off < sizeof(addrs); i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(s->cfg->addrs[i].family, &s->cfg->addrs[i].v6, a, sizeof(a));
		off += (size_t)snprintf(addrs + off, sizeof(addrs) - off, "%s%s", i ? " " : "", a);
	}
	sw_notice("swerved: serving %zu zone(s), %u names on %s; %u port(s), %u worker(s)%s; "
		  "exception path %s, tcp %s; %zu failover record(s); control %s, metrics %s",
		  s->cfg->nzones, swerved_names(s->loader), addrs, s->nports, s->nworkers,
		  s->cfg->idle_backoff_us ? " with idle back-off" : "",
		  s->excq != NULL ? s->cfg->exception_ifname : "off", s->tcp_on ? "on" : "off",
		  s->cfg->nfailovers, s->cfg->ctl_socket,
		  s->cfg->metrics_listen != NULL ? s->cfg->metrics_listen : "off");
}

/* The daemon's metric sources: counters (metrics_dataplane.c); zones and failover add their own. */
static int
swerved_metrics_add(struct swerved *s)
{
	return metrics_dataplane_workers(s->metrics, s->workers, &s->nworkers, SWERVE_VERSION,
					 s->start_wall);
}

static uint64_t
swerved_pool_free(void *arg)
{
	return rte_mempool_avail_count(arg);
}

static uint64_t
swerved_pool_fail(void *arg)
{
	(void)arg;
	return port_pool_nombuf();
}

/* The loader's reclamation backlog, in the watchdog's callback shape. */
static void
swerved_reclaim_held(void *arg, uint64_t *snapshots, uint64_t *bytes)
{
	loader_reclaim_held(arg, snapshots, bytes);
}

/* The stuck-worker watchdog (watchdog.h): one per process, on the control loop. */
static int
swerved_watchdog(struct swerved *s)
{
	struct watchdog *wd = NULL;
	int rc;

	rc = watchdog_new(s->loop, s->nworkers, 0, 0, &wd);
	for (unsigned i = 0; rc == 0 && i < s->nworkers; i++)
		rc = watchdog_watch(wd, i, &s->workers[i]->stats, s->workers[i]->lcore_id);
	if (rc == 0)
		watchdog_set_pool(wd, swerved_pool_free, swerved_pool_fail, s->mp, s->mp->size,
				  WORKER_BURST);
	if (rc == 0)
		watchdog_set_reclaim(wd, swerved_reclaim_held, s->loader);
	if (rc == 0 && s->metrics != NULL)
		rc = watchdog_metrics_register(wd, s->metrics);
	if (rc == 0 && s->metrics != NULL)
		rc = metrics_dataplane_ports(s->metrics, s->ports, &s->nports);
	if (rc == 0)
		rc = watchdog_ctl_register(wd, s->ctl);
	if (rc == 0)
		rc = watchdog_start(wd);
	/* Set even on failure, so the stage's fini frees it. */
	s->wd = wd;
	if (rc < 0)
		sw_err("watchdog: %s", sw_strerror(rc));
	return rc;
}

/*
 * The control socket, metrics and signals, all on the loop, before any port
 * starts: a control socket that cannot open stops the daemon early.
 */
static int
swerved_control(struct swerved *s)
{
	const struct swerve_config *cfg = s->cfg;
	sigset_t set;
	int rc;

	/* Signals, the control socket, metrics: the order of the fini below is the reverse. */
	swerved_sigset(&set);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0) {
		rc = -errno;
		sw_err("signalfd: %s", sw_strerror(rc));
		return rc;
	}
	rc = evloop_add(s->loop, s->sigfd, EPOLLIN, swerved_on_signal, s);
	if (rc < 0)
		return rc;

	rc = ctl_open(s->loop, cfg->ctl_socket, cfg->ctl_mode,
		      cfg->ctl_max_clients != 0 ? cfg->ctl_max_clients : CTL_MAX_CLIENTS_DEFAULT,
		      cfg->ctl_idle_ms != 0 ? cfg->ctl_idle_ms : CTL_IDLE_MS_DEFAULT, &s->ctl);
	if (rc < 0) {
		sw_err("control socket %s: %s", cfg->ctl_socket, sw_strerror(rc));
		return rc;
	}
	rc = swerved_ctl_register(s);
	if (rc == 0)
		rc = failover_ctl_register(s->fo, s->ctl);
	if (rc < 0) {
		sw_err("control commands: %s", sw_strerror(rc));
		return rc;
	}

	if (cfg->metrics_listen != NULL) {
		rc = metrics_open(s->loop, cfg->metrics_listen, &s->metrics);
		if (rc < 0) {
			sw_err("metrics on %s: %s", cfg->metrics_listen, sw_strerror(rc));
			return rc;
		}
		rc = swerved_metrics_add(s);
		if (rc == 0)
			rc = loader_metrics_register(s->loader, s->metrics);
		if (rc == 0)
			rc = failover_metrics_register(s->fo, s->metrics);
		if (rc == 0)
			rc = secondary_metrics_register(s->sec, s->metrics);
		if (rc < 0) {
			sw_err("metrics sources: %s", sw_strerror(rc));
			return rc;
		}
	}
	return 0;
}

/* ---- the stages' own inits and finis ---- */

static int
stage_loop_init(struct swerved *s)
{
	int rc = evloop_new(&s->loop);

	if (rc < 0)
		sw_err("event loop: %s", sw_strerror(rc));
	return rc;
}

static void
stage_loop_fini(struct swerved *s)
{
	if (s->loop != NULL)
		evloop_free(s->loop);
	s->loop = NULL;
}

/*
 * Config, failover records, zones; the first snapshot is published at once.
 * The zone files are parsed on every CPU the process had before the EAL
 * pinned this thread (docs/design.md, "Parallel loading"): the workers are
 * not running yet. Later loads run on the loader thread, which is created
 * after this and keeps to the main lcore's CPUs.
 */
static int
stage_zones_init(struct swerved *s)
{
	struct rrt *t = NULL;
	cpu_set_t own;
	bool widened;
	int rc;

	widened = s->have_start_cpus &&
		  pthread_getaffinity_np(pthread_self(), sizeof(own), &own) == 0 &&
		  pthread_setaffinity_np(pthread_self(), sizeof(s->start_cpus), &s->start_cpus) == 0;
	rc = swerved_load(s, false, &t);
	if (widened)
		pthread_setaffinity_np(pthread_self(), sizeof(own), &own);
	if (rc < 0)
		return rc;
	sw_log_init(s->cfg->log_target, s->cfg->log_level);
	rrt_publish(&s->root, t);
	rc = swerved_settings_new(s->cfg, NULL, &s->settings.cur);
	if (rc < 0) {
		sw_err("settings: %s", rc == -EIO ? "no random cookie secret" : sw_strerror(rc));
		return rc;
	}
	swerved_settings_log(s->settings.cur, s->cfg);
	s->exc = s->cfg->exception_ifname != NULL && s->cfg->exception_ifname[0] != '\0';
	return 0;
}

/*
 * The last snapshot (reclaimed on the loader thread), RCU callbacks, then the
 * failover slots no snapshot refers to any more, and the config last.
 */
static void
stage_zones_fini(struct swerved *s)
{
	/* A configuration reload in progress is dropped; the last one's leftovers freed. */
	swerved_reconfig_abort();
	swerved_reconfig_wait();
	if (s->loader != NULL)
		loader_reclaim(s->loader, rrt_publish(&s->root, NULL));
	loader_free(s->loader);
	s->loader = NULL;
	/* Failover slots free their RRsets with call_rcu: wait for those callbacks first. */
	rcu_barrier();
	if (s->fo != NULL)
		failover_free(s->fo);
	s->fo = NULL;
	rcu_barrier();
	/* The workers and the TCP thread have stopped: nobody reads the settings. */
	free(s->settings.cur);
	s->settings.cur = NULL;
	config_free(s->cfg);
	s->cfg = NULL;
}

/* The service addresses the workers answer on, and a worker lcore to answer with. */
static int
stage_service_init(struct swerved *s)
{
	int rc = pkt_service_init(&s->svc, s->cfg->addrs, s->cfg->naddrs);

	if (rc < 0) {
		sw_err("%s: at most %u service addresses per family", s->config_path,
		       PKT_MAX_SERVICE);
		return rc;
	}
	if (rte_lcore_count() < 2) {
		sw_err("no worker lcore: give two lcores or more (-l 0-1, --lcores 0@0,1@1)");
		return -EINVAL;
	}
	return 0;
}

static int
stage_loader_init(struct swerved *s)
{
	int rc = loader_start(s->loader, s->loop, &s->root, swerved_reload_done, s);

	if (rc < 0)
		sw_err("loader thread: %s", sw_strerror(rc));
	return rc;
}

static int
stage_secondary_init(struct swerved *s)
{
	int rc = secondary_new(s->cfg, s->loader, s->loop, NULL, &s->sec);

	if (rc < 0)
		sw_err("secondary zones: %s", sw_strerror(rc));
	return rc;
}

/* Before the loader goes: a transfer in flight ends in a reload request. */
static void
stage_secondary_fini(struct swerved *s)
{
	secondary_free(s->sec);
	s->sec = NULL;
}

static void
stage_control_fini(struct swerved *s)
{
	if (s->metrics != NULL)
		metrics_close(s->metrics);
	s->metrics = NULL;
	if (s->ctl != NULL)
		ctl_close(s->ctl);
	s->ctl = NULL;
	if (s->sigfd >= 0) {
		evloop_del(s->loop, s->sigfd);
		close(s->sigfd);
	}
	s->sigfd = -1;
}

static void
stage_ports_fini(struct swerved *s)
{
	for (unsigned i = 0; i < s->nports; i++)
		port_close(&s->ports[i]);
	s->nports = 0;
	rte_mempool_free(s->mp);
	s->mp = NULL;
}

/* The workers' last counters go to the log, then the workers go. */
static void
stage_workers_fini(struct swerved *s)
{
	if (s->nworkers != 0)
		swerved_stats_all(s);
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_fini(s->workers[i]);
		rte_free(s->workers[i]);
	}
	s->nworkers = 0;
	free(s->stats_base);
	s->stats_base = NULL;
}

static void
stage_exception_fini(struct swerved *s)
{
	if (s->excq != NULL)
		exception_close(s->excq[0].tap_port);
	free(s->excq);
	s->excq = NULL;
}

/* TCP reaches the kernel only through the exception path, so it needs it. */
static int
stage_tcp_init(struct swerved *s)
{
	int rc;

	if (!s->exc)
		return 0;
	if (s->sec != NULL && swerved_has_secondary(s->cfg))
		tcp_listener_set_notify(swerved_tcp_notify, s->sec);
	rc = tcp_listener_start(s->cfg, &s->root, &s->settings);
	if (rc < 0) {
		sw_err("tcp listener: %s", sw_strerror(rc));
		return rc;
	}
	s->tcp_on = true;
	return 0;
}

static void
stage_tcp_fini(struct swerved *s)
{
	if (s->tcp_on)
		tcp_listener_stop();
	s->tcp_on = false;
}

/* Workers stop first of all, so nothing below them changes under a running worker. */
static void
stage_launch_fini(struct swerved *s)
{
	worker_request_stop();
	if (s->launched)
		rte_eal_mp_wait_lcore();
	s->launched = false;
}

static int
stage_checks_init(struct swerved *s)
{
	int rc = failover_start(s->fo);

	if (rc < 0)
		sw_err("failover checks: %s", sw_strerror(rc));
	return rc;
}

/* NOTIFY reaches the kernel side (where the service addresses live) by the exception path. */
static int
stage_notify_init(struct swerved *s)
{
	int rc = s->exc ? secondary_notify_open(s->sec, 53) : 0;

	if (rc < 0)
		sw_err("NOTIFY sockets on port 53: %s", sw_strerror(rc));
	return rc;
}

static int
stage_transfers_init(struct swerved *s)
{
	int rc = secondary_start(s->sec);

	if (rc < 0)
		sw_err("secondary zones: %s", sw_strerror(rc));
	return rc;
}

static void
stage_watchdog_fini(struct swerved *s)
{
	watchdog_free(s->wd);
	s->wd = NULL;
}

/*
 * The stages, in start-up order; swerved_stop() runs the finis in reverse.
 * Why this order: the control socket opens before any port starts, so one
 * that cannot open stops the daemon early; the exception tap takes the MAC
 * of a port that must exist; the workers launch only when everything they
 * read is in place; health checks, NOTIFY and transfers start once answers
 * flow; the watchdog last, once there are workers to watch. In reverse, the
 * workers stop before anything they read goes away, and the snapshot, the
 * failover slots and the config go last.
 */
static const struct swerved_stage {
	const char *name;
	int (*init)(struct swerved *s);
	void (*fini)(struct swerved *s); /* NULL: nothing to undo, or a later stage's fini does. */
} swerved_stages[] = {
	{"event loop", stage_loop_init, stage_loop_fini},
	{"config and zones", stage_zones_init, stage_zones_fini},
	{"service addresses", stage_service_init, NULL},
	{"loader thread", stage_loader_init, NULL},
	{"secondary zones", stage_secondary_init, stage_secondary_fini},
	{"control socket and metrics", swerved_control, stage_control_fini},
	{"ports", swerved_ports, stage_ports_fini},
	{"workers", swerved_workers, stage_workers_fini},
	{"dnstap", stage_dnstap_init, stage_dnstap_fini},
	{"exception path", swerved_exception, stage_exception_fini},
	{"tcp listener", stage_tcp_init, stage_tcp_fini},
	{"launch", swerved_launch, stage_launch_fini},
	{"health checks", stage_checks_init, NULL},
	{"notify sockets", stage_notify_init, NULL},
	{"transfers", stage_transfers_init, NULL},
	{"watchdog", swerved_watchdog, stage_watchdog_fini},
};

#define SWERVED_NSTAGES (sizeof(swerved_stages) / sizeof(swerved_stages[0]))

int
swerved_start(struct swerved *s, unsigned *reached)
{
	int rc = 0;

	*reached = 0;
	while (*reached < SWERVED_NSTAGES) {
		const struct swerved_stage *st = &swerved_stages[(*reached)++];

		rc = st->init(s);
		if (rc < 0) {
			sw_debug("start-up stopped at stage \"%s\": %s", st->name, sw_strerror(rc));
			return rc;
		}
	}
	swerved_summary(s);
	/* Every stage is done: the table is published, the ports are up, the workers answer. */
	swerved_notify_ready(s);
	return 0;
}

void
swerved_stop(struct swerved *s, unsigned reached)
{
	notify_stopping();
	while (reached > 0) {
		const struct swerved_stage *st = &swerved_stages[--reached];

		if (st->fini != NULL)
			st->fini(s);
	}
}
