/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's own metric source: every worker's counters, build info and start time. */

#ifndef SWERVE_SWERVED_METRICS_H
#define SWERVE_SWERVED_METRICS_H

struct metrics;
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
int swerved_metrics_register(struct metrics *m, struct worker *const *workers,
			     const unsigned *nworkers, const char *version, double start_time);

#endif /* SWERVE_SWERVED_METRICS_H */
