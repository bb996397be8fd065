/* SPDX-License-Identifier: BSD-3-Clause */
/* The stuck-worker watchdog: the control thread watches each worker's loop heartbeat on a timer. */

#ifndef SWERVE_WATCHDOG_H
#define SWERVE_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct ctl;
struct evloop;
struct metrics;
struct worker_stats;

/*
 * A worker announces a QSBR quiescent state and bumps worker_stats.loops
 * once per loop iteration (stats.h). A worker that stops doing so (a bug
 * that spins inside a burst, a lcore the host stopped scheduling) answers
 * nothing on its queues and stalls every grace period, so replaced
 * snapshots pile up unreclaimed. The watchdog samples every heartbeat on an
 * evloop timer of the control thread and reports a worker whose count did
 * not move for stuck_ms: one log line when it happens and one when it
 * recovers, a counter, a per-worker gauge, and what is waiting for
 * reclamation meanwhile. It only reports: a stuck lcore cannot be
 * restarted from outside without the risk of corrupting its queues.
 *
 * Thread: every function runs on the thread that owns the loop (the
 * control thread); the stats are read with plain aligned loads while
 * the workers write them (stats.h).
 */
struct watchdog;

#define WATCHDOG_PERIOD_MS 500	/* Default sampling period. */
#define WATCHDOG_STUCK_MS  2000 /* Default silence after which a worker is stuck. */

/* Memory held for reclamation: snapshots waiting for a grace period and their bytes. */
typedef void (*watchdog_reclaim_fn)(void *arg, uint64_t *snapshots, uint64_t *bytes);

/* One worker as the watchdog last saw it. */
struct watchdog_worker_info {
	unsigned worker; /* Index as given to watchdog_watch(). */
	unsigned lcore;
	bool stuck;
	uint64_t loops;	       /* Heartbeat at the last sample. */
	uint64_t silent_ms;    /* Since the heartbeat last moved (0 when it moved at the last sample). */
	uint64_t stuck_events; /* Times this worker was found stuck. */
};

/*
 * A watchdog for @nworkers workers on @loop, sampling every @period_ms
 * (0: WATCHDOG_PERIOD_MS) and reporting a worker stuck after @stuck_ms
 * (0: WATCHDOG_STUCK_MS) without a heartbeat. Returns 0, -EINVAL (no
 * worker, stuck_ms not above period_ms) or -ENOMEM.
 */
int watchdog_new(struct evloop *loop, unsigned nworkers, uint32_t period_ms, uint32_t stuck_ms,
		 struct watchdog **out);

/* Watch worker @idx (< nworkers): its counters @st (must outlive the watchdog) and its lcore. */
int watchdog_watch(struct watchdog *wd, unsigned idx, const struct worker_stats *st, unsigned lcore);

/* Where to read memory held for reclamation (optional; reported as unknown without it). */
void watchdog_set_reclaim(struct watchdog *wd, watchdog_reclaim_fn fn, void *arg);

/*
 * The mbuf pool, sampled on the same timer: @free_fn returns the mbufs
 * free now (rte_mempool_avail_count(): the ring plus every lcore cache),
 * @fail_fn (may be NULL) the allocation failures since start
 * (port_pool_nombuf()), @size is the pool's size. A sample finds the pool
 * exhausted when fewer than @low are free or the failure count moved since
 * the previous sample: logged once when an episode starts and once when it
 * ends, counted, and the free count is a gauge. Exhaustion lasts
 * microseconds under a flood, so the failure count is what catches it; the
 * free count shows a pool that stays drained (a leak).
 */
typedef uint64_t (*watchdog_pool_fn)(void *arg);
void watchdog_set_pool(struct watchdog *wd, watchdog_pool_fn free_fn, watchdog_pool_fn fail_fn,
		       void *arg, unsigned size, unsigned low);

/* Samples that found the pool exhausted, and episodes (exhausted, then not). */
uint64_t watchdog_pool_exhausted_samples(const struct watchdog *wd);
uint64_t watchdog_pool_exhausted_episodes(const struct watchdog *wd);

/* Take the first sample and arm the timer (after the workers were launched). */
int watchdog_start(struct watchdog *wd);

/* Disarm and free. NULL is harmless. */
void watchdog_free(struct watchdog *wd);

/* Workers stuck now. */
unsigned watchdog_stuck_now(const struct watchdog *wd);

/* Stuck events since start, over every worker. */
uint64_t watchdog_stuck_total(const struct watchdog *wd);

/* Worker @idx as last sampled; -ERANGE out of range. */
int watchdog_worker(const struct watchdog *wd, unsigned idx, struct watchdog_worker_info *out);

/*
 * The state as JSON (for "status" and the "watchdog" control command):
 * {"period_ms", "stuck_ms", "stuck_now", "stuck_total", "reclaim_snapshots",
 *  "reclaim_bytes" (null when unknown), "pool_free", "pool_size",
 *  "pool_exhausted_samples", "pool_exhausted_episodes" (with a pool), "workers": [{"worker", "lcore",
 *  "stuck", "loops", "silent_ms", "stuck_events"}]}. NULL when out of memory.
 */
json_t *watchdog_json(const struct watchdog *wd);

/*
 * swerve_watchdog_stuck_events_total, swerve_worker_stuck{worker,lcore},
 * swerve_worker_heartbeat_age_seconds{worker,lcore} and, with a reclaim
 * source, swerve_reclaim_pending_snapshots and swerve_reclaim_pending_bytes; with a
 * pool, swerve_mbuf_pool_free, swerve_mbuf_pool_size and
 * swerve_mbuf_pool_exhausted_samples_total.
 */
int watchdog_metrics_register(struct watchdog *wd, struct metrics *m);

/* The "watchdog" control command (read-only): watchdog_json(). */
int watchdog_ctl_register(struct watchdog *wd, struct ctl *c);

#endif /* SWERVE_WATCHDOG_H */
