/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's state, shared by swerved.c (life cycle) and ctl_cmd.c (control socket commands). */

#ifndef SWERVE_SWERVED_H
#define SWERVE_SWERVED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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
struct evloop;
struct exc_queue;
struct failover;
struct loader;
struct metrics;
struct secondary;
struct swerve_config;

/*
 * Everything the daemon owns. Written by the main lcore (the control thread)
 * only; workers read root, dconf and svc, the TCP thread root and dconf.
 */
struct swerved {
	struct swerve_config *cfg;
	struct rrt_root root; /* read: workers, the TCP thread, lookup; write: the loader's publish. */
	struct dnsq_conf dconf;
	struct pkt_service svc;
	struct rte_mempool *mp;
	struct port ports[WORKER_MAX_PORTS];
	unsigned nports;
	struct worker *workers[RTE_MAX_LCORE];
	unsigned nworkers;
	bool launched;
	struct exc_queue *excq; /* One per worker, or NULL without an exception path. */
	bool tcp_on;

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
	uint64_t start_ms;  /* evloop_now_ms() at start, for the uptime. */
	double start_wall;  /* Wall clock at start. */

	/* "stats reset": worker counters are never written here; this is subtracted. */
	struct worker_stats *stats_base; /* One per worker. */
	double stats_since;		 /* Wall clock of the last reset (the start before). */
};

/* Register the daemon's own commands (status, stats, zone-*, lookup, log-level, stop, metrics). */
int swerved_ctl_register(struct swerved *s);

/* The loader's done callback: answers the zone-reload that asked (ctl_cmd.c). */
struct loader_result;
void swerved_reload_done(void *arg, const struct loader_result *res);

/* Loader cookies: a control client's reload, or one of SIGHUP's (which nobody waits for). */
#define SWERVED_COOKIE_SIGNAL 0
static inline uint64_t
swerved_cookie(uint64_t client)
{
	return client << 1 | 1;
}

/* Leave the main loop at the end of this iteration (the "stop" command, SIGINT, SIGTERM). */
void swerved_request_stop(struct swerved *s);

/* Wall clock as seconds since the epoch. */
double swerved_wall_now(void);

#endif /* SWERVE_SWERVED_H */
