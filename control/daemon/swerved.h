/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's state and what its files share: start-up stages, signals, control commands, reload
 * routing. */

#ifndef SWERVE_SWERVED_H
#define SWERVE_SWERVED_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>
#include <rte_lcore.h>

#include "swerve/dnsq.h"
#include "swerve/pkt.h"
#include "swerve/port.h"
#include "swerve/rrt.h"
#include "swerve/stats.h"
#include "swerve/worker.h"

#ifndef SWERVE_VERSION
#define SWERVE_VERSION "0.1.0"
#endif

struct ctl;
struct ctl_req;
struct evloop;
struct exc_queue;
struct failover;
struct loader;
struct metrics;
struct secondary;
struct swerve_config;
struct watchdog;

/*
 * Everything the daemon owns. Written by the main lcore (the control thread)
 * only; workers read root, settings and svc, the TCP thread root and settings.
 */
struct swerved {
	const char *config_path; /* -c FILE, as given. */
	/*
	 * The CPUs the process may use, read before the EAL pins the main
	 * lcore to its own: the first load parses on all of them, the worker
	 * lcores' too, which have nothing to do before it is published.
	 */
	cpu_set_t start_cpus;
	bool have_start_cpus;
	struct swerve_config *cfg;
	struct rrt_root
		root; /* read: workers, the TCP thread, lookup; write: the loader's publish. */
	struct worker_settings_root settings; /* read: workers, the TCP thread (RCU); write: start,
						 reload (settings.c, reconfig.c). */
	struct pkt_service svc;
	struct rte_mempool *mp;
	struct port ports[WORKER_MAX_PORTS];
	unsigned nports;
	struct worker *workers[RTE_MAX_LCORE];
	unsigned nworkers;
	bool launched;
	struct exc_queue *excq; /* One per worker, or NULL without an exception path. */
	bool tcp_on;
	bool exc; /* An exception path is configured (exception.interface is set). */

	/* The control plane, all on the control thread's loop. */
	struct evloop *loop;
	struct ctl *ctl;
	struct metrics *metrics;
	struct failover *fo;
	struct loader *loader;
	struct secondary *sec; /* Secondary zones (transfers, NOTIFY); always set once started. */
	struct watchdog *wd;   /* Stuck-worker watchdog; NULL until started. */
	int sigfd;
	bool quit;
	uint64_t start_ms; /* evloop_now_ms() at start, for the uptime. */
	double start_wall; /* Wall clock at start. */

	/* "stats reset": worker counters are never written here; this is subtracted. */
	struct worker_stats *stats_base; /* One per worker. */
	double stats_since;		 /* Wall clock of the last reset (the start before). */
};

/*
 * Start-up (stages.c): a table of stages, each an init and the fini that
 * undoes it. swerved_start() runs the inits in order and stops at the first
 * failure; *@reached is then the number of stages whose fini must run (the
 * failed one included: every fini is safe on a half-done init).
 * swerved_stop() runs those finis in reverse order. Thread: main lcore.
 */
int swerved_start(struct swerved *s, unsigned *reached);
void swerved_stop(struct swerved *s, unsigned reached);

/*
 * Config, failover records and zones, without publishing (stages.c; also
 * --check): *@out is the first snapshot, or stays NULL with no zones.
 */
int swerved_load(struct swerved *s, bool check, struct rrt **out);

/*
 * The dataplane's stages (workers.c): every port the EAL gave with a queue
 * pair per worker lcore, from one mbuf pool; one worker per worker lcore
 * with its RRL table; the exception tap (when configured); the launch.
 * Each leaves what it made in @s for the stage's fini, also on failure.
 */
int swerved_ports(struct swerved *s);
int swerved_workers(struct swerved *s);
int swerved_exception(struct swerved *s);
int swerved_launch(struct swerved *s);

/*
 * The TCP listener's NOTIFY hook (Knot 3 sends NOTIFY over TCP, not UDP),
 * @arg the secondary module; and whether any zone of @cfg is a secondary:
 * without one, NOTIFY over TCP stays NOTIMP (reload.c).
 */
struct sockaddr;
size_t swerved_tcp_notify(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
			  uint8_t *resp, size_t cap);
bool swerved_has_secondary(const struct swerve_config *cfg);

/* READY=1 to systemd, with what is served now as STATUS= (reload.c; notify.h). */
void swerved_notify_ready(const struct swerved *s);

/* Owner names over every zone, for messages (reload.c). */
uint32_t swerved_names(const struct loader *l);

/*
 * Signals (signals.c): the set the loop handles, blocked in every thread
 * from the start; the loop's handler (INT/TERM stop, HUP reloads every zone,
 * USR1 logs the counters); the counters as log lines.
 */
void swerved_sigset(sigset_t *set);
void swerved_on_signal(void *arg, int fd, uint32_t events);
void swerved_stats_all(const struct swerved *s);

/* Register the daemon's own commands (ctl_cmd.c's table: status, stats, zone-*, lookup, ...). */
int swerved_ctl_register(struct swerved *s);

/* Command handlers of the table in other files: ctl_zone.c, ctl_lookup.c. */
int ctl_zone_list(void *ctx, const struct ctl_req *req, json_t *reply);
int ctl_zone_reload(void *ctx, const struct ctl_req *req, json_t *reply);
int ctl_zone_refresh(void *ctx, const struct ctl_req *req, json_t *reply);
int ctl_zone_retransfer(void *ctx, const struct ctl_req *req, json_t *reply);
int ctl_lookup(void *ctx, const struct ctl_req *req, json_t *reply);

/* Zone @i's state as JSON (@full: the zone-list fields too), and every zone's (ctl_zone.c). */
struct loader_zone_info;
json_t *ctl_zone_json(const struct swerved *s, size_t i, const struct loader_zone_info *zi,
		      bool full);
json_t *ctl_zone_all(const struct swerved *s, bool full);

/* Wall-clock seconds as "2024-05-01T12:00:00Z", JSON null for 0 (ctl_zone.c). */
json_t *ctl_zone_time(double t);

/* The loader's done callback (reload.c): answers the zone-reload that asked. */
struct loader_result;
void swerved_reload_done(void *arg, const struct loader_result *res);

/*
 * Configuration reload (reconfig.c; docs/configuration.md, "Reloading the
 * configuration"): re-read s->config_path and apply it. @cookie is
 * swerved_cookie(client) for a control client, answered through
 * ctl_reply_deferred(), or SWERVED_COOKIE_SIGNAL (SIGHUP). With
 * @check_only, @reply says what would change and nothing is applied.
 * Returns CTL_DEFERRED (the reload runs), 0 (@check_only) or ctl_fail()'s
 * result: nothing changed. swerved_reconfig_abort() drops a reload in
 * progress and swerved_reconfig_wait() waits for the last one's
 * leftovers to be freed (both at stop). Thread: the control thread.
 */
int swerved_reconfig(struct swerved *s, uint64_t cookie, bool check_only, json_t *reply);
void swerved_reconfig_abort(void);
void swerved_reconfig_wait(void);

/*
 * The workers' settings block for @cfg (settings.c): a new generation after
 * @prev (NULL at start), whose random cookie secret it keeps when the new
 * config still wants one. 0 or -ENOMEM, -EIO (no random secret).
 * swerved_settings_log() says what a block turned on. Thread: control.
 */
int swerved_settings_new(const struct swerve_config *cfg, const struct worker_settings *prev,
			 struct worker_settings **out);
void swerved_settings_log(const struct worker_settings *ws, const struct swerve_config *cfg);

/* Loader cookies: a control client's reload, or one of SIGHUP's (which nobody waits for). */
#define SWERVED_COOKIE_SIGNAL 0
static inline uint64_t
swerved_cookie(uint64_t client)
{
	return client << 1 | 1;
}

/* Leave the main loop at the end of this iteration (the "stop" command, SIGINT, SIGTERM). */
static inline void
swerved_request_stop(struct swerved *s)
{
	s->quit = true;
}

/* Wall clock as seconds since the epoch. */
static inline double
swerved_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* SWERVE_SWERVED_H */
