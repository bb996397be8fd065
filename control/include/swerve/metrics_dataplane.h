/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's counters as metric sources: workers (metrics_stats.c formats them) and ports. */

#ifndef SWERVE_METRICS_DATAPLANE_H
#define SWERVE_METRICS_DATAPLANE_H

struct metrics;
struct port;
struct worker;

/*
 * Add the source that renders the worker counters (per worker, label
 * worker="<index>"; see swerve/metrics_stats.h for the families),
 * swerve_build_info{version=@version} and swerve_start_time_seconds
 * (@start_time, Unix seconds) to @m.
 *
 * @workers and *@nworkers are read at every scrape, not now: metrics open
 * before the workers exist, and trailing workers without ports are dropped
 * during setup. Pass the daemon's own array and count (s->workers,
 * &s->nworkers); both must stay valid, and every worker in the first
 * *@nworkers entries allocated, until metrics_close(@m). @version is not
 * copied either (a string literal such as SWERVE_VERSION).
 *
 * One registration per process (swerved has one set of workers): the context
 * is static, so there is nothing to free. Returns 0, -EBUSY on a second call,
 * or metrics_add_source()'s error.
 * Thread: the control thread.
 */
int metrics_dataplane_workers(struct metrics *m, struct worker *const *workers,
			      const unsigned *nworkers, const char *version, double start_time);

/*
 * Add the source that renders every port's device counters,
 * swerve_port_{rx_packets,rx_missed,rx_nombuf,rx_errors,tx_packets,tx_errors}_total{port},
 * read with port_counters_read() at every scrape from @ports[0..*@nports-1],
 * and swerve_mbuf_pool_dequeue_failures_total (port_pool_nombuf()). The same
 * lifetime rules as for the workers hold for @ports and *@nports.
 * Returns 0, -EBUSY on a second call, or metrics_add_source()'s error.
 * Thread: the control thread.
 */
int metrics_dataplane_ports(struct metrics *m, const struct port *ports, const unsigned *nports);

#endif /* SWERVE_METRICS_DATAPLANE_H */
