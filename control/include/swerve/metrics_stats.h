/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker counters and build info as Prometheus families, without the DPDK libraries (testable). */

#ifndef SWERVE_METRICS_STATS_H
#define SWERVE_METRICS_STATS_H

#include "swerve/metrics.h"
#include "swerve/stats.h"

/*
 * Every counter family of the fast path, one sample per worker with the
 * label worker="<i>" (@st[i] is worker i). No totals: Prometheus users sum()
 * over the worker label, and a total beside the per-worker samples would be
 * counted twice by such a sum. Families (counters):
 *   swerve_frames_received_total, swerve_queries_total,
 *   swerve_queries_by_type_total{qtype}, swerve_edns_queries_total,
 *   swerve_responses_total{rcode}, swerve_truncated_total,
 *   swerve_drops_total{reason}, swerve_exception_packets_total{direction},
 *   swerve_frames_sent_total, swerve_tx_failures_total.
 * Counters are the workers' raw counts since start: the control socket's
 * "stats --reset" does not reset them (a counter going down would read as a
 * restart to Prometheus).
 * Thread: the control thread, while workers run (reads as stats.h allows).
 */
void metrics_stats_render(struct metrics_out *o, const struct worker_stats *const *st, unsigned n);

/* swerve_build_info{version} 1 and swerve_start_time_seconds (@start_time: Unix time, s). */
void metrics_stats_render_build(struct metrics_out *o, const char *version, double start_time);

#endif /* SWERVE_METRICS_STATS_H */
