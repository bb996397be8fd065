/* SPDX-License-Identifier: BSD-3-Clause */
/* The stuck-worker watchdog: samples each worker's loop counter on a control-thread timer. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "swerve/ctl.h"
#include "swerve/evloop.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/stats.h"
#include "swerve/watchdog.h"

#include "notify.h"

struct watchdog_slot {
	const struct worker_stats *st; /* NULL: not watched. */
	unsigned lcore;
	uint64_t loops;	      /* Heartbeat at the last sample. */
	uint64_t moved_ms;    /* When the heartbeat was last seen moving. */
	unsigned still;	      /* Consecutive samples without movement. */
	bool stuck;
	uint64_t stuck_since; /* moved_ms when it was declared stuck. */
	uint64_t events;
};

struct watchdog {
	struct evloop *loop;
	struct evloop_timer timer;
	uint32_t period_ms;
	uint32_t stuck_ms;
	/*
	 * Samples without movement needed besides the elapsed time: when the
	 * control thread itself was held up (the whole process stopped, a slow
	 * callback), the first sample after it must not blame the workers for
	 * the control thread's own silence.
	 */
	unsigned min_still;
	uint64_t total;
	unsigned stuck_now;
	watchdog_reclaim_fn reclaim;
	void *reclaim_arg;
	watchdog_pool_fn pool_free;
	watchdog_pool_fn pool_fail;
	void *pool_arg;
	uint64_t pool_fails; /* Failure count at the last sample. */
	unsigned pool_size;
	unsigned pool_low;
	unsigned pool_last; /* Free mbufs at the last sample. */
	bool pool_empty;
	uint64_t pool_samples; /* Samples that found it exhausted. */
	uint64_t pool_episodes;
	uint64_t pool_since;
	unsigned n;
	struct watchdog_slot w[];
};

/* The worker's counter as it is now: one aligned load, never torn (stats.h). */
static uint64_t
watchdog_read(const struct worker_stats *st)
{
	return *(const volatile uint64_t *)&st->loops;
}

static void
watchdog_reclaim_read(const struct watchdog *wd, uint64_t *snaps, uint64_t *bytes)
{
	*snaps = 0;
	*bytes = 0;
	if (wd->reclaim != NULL)
		wd->reclaim(wd->reclaim_arg, snaps, bytes);
}

static void
watchdog_sample(struct watchdog *wd, uint64_t now)
{
	for (unsigned i = 0; i < wd->n; i++) {
		struct watchdog_slot *s = &wd->w[i];
		uint64_t loops, snaps, bytes;

		if (s->st == NULL)
			continue;
		loops = watchdog_read(s->st);
		if (loops != s->loops) {
			if (s->stuck) {
				s->stuck = false;
				wd->stuck_now--;
				sw_notice("watchdog: worker %u (lcore %u) recovered after %" PRIu64
					  " ms without a heartbeat",
					  i, s->lcore, now - s->stuck_since);
			}
			s->loops = loops;
			s->moved_ms = now;
			s->still = 0;
			continue;
		}
		s->still++;
		if (s->stuck || s->still < wd->min_still || now - s->moved_ms < wd->stuck_ms)
			continue;
		s->stuck = true;
		s->stuck_since = s->moved_ms;
		s->events++;
		wd->total++;
		wd->stuck_now++;
		watchdog_reclaim_read(wd, &snaps, &bytes);
		sw_warn("watchdog: worker %u (lcore %u) stuck: no heartbeat for %" PRIu64
			" ms (loops=%" PRIu64 "); its queues go unanswered and grace periods wait; "
			"held for reclamation: %" PRIu64 " snapshot(s), %" PRIu64 " bytes%s",
			i, s->lcore, now - s->moved_ms, loops, snaps, bytes,
			wd->reclaim == NULL ? " (unknown)" : "");
	}
}

static void
watchdog_pool_sample(struct watchdog *wd, uint64_t now)
{
	uint64_t n, fails;
	bool failed = false;

	if (wd->pool_free == NULL)
		return;
	n = wd->pool_free(wd->pool_arg);
	wd->pool_last = (unsigned)n;
	if (wd->pool_fail != NULL) {
		fails = wd->pool_fail(wd->pool_arg);
		failed = fails != wd->pool_fails;
		wd->pool_fails = fails;
	}
	if (n < wd->pool_low || failed) {
		wd->pool_samples++;
		if (!wd->pool_empty) {
			wd->pool_empty = true;
			wd->pool_episodes++;
			wd->pool_since = now;
			sw_warn("watchdog: mbuf pool exhausted: %" PRIu64 " of %u mbufs free, %" PRIu64
				" failed allocations so far; receive stalls and the device drops "
				"frames until mbufs come back",
				n, wd->pool_size, wd->pool_fails);
		}
	} else if (wd->pool_empty) {
		wd->pool_empty = false;
		sw_notice("watchdog: mbuf pool recovered: %" PRIu64 " of %u mbufs free after %" PRIu64
			  " ms exhausted, %" PRIu64 " failed allocations so far",
			  n, wd->pool_size, now - wd->pool_since, wd->pool_fails);
	}
}

static void
watchdog_tick(void *arg)
{
	struct watchdog *wd = arg;
	uint64_t now = evloop_now_ms();

	watchdog_sample(wd, now);
	watchdog_pool_sample(wd, now);
	/* systemd's watchdog is pinged from here, and only while no worker is stuck (notify.h). */
	notify_watchdog(wd->stuck_now, now);
	if (evloop_timer_arm(wd->loop, &wd->timer, wd->period_ms) < 0)
		sw_err("watchdog: cannot re-arm its timer: workers are no longer watched");
}

int
watchdog_new(struct evloop *loop, unsigned nworkers, uint32_t period_ms, uint32_t stuck_ms,
	     struct watchdog **out)
{
	struct watchdog *wd;

	if (period_ms == 0)
		period_ms = WATCHDOG_PERIOD_MS;
	if (stuck_ms == 0)
		stuck_ms = WATCHDOG_STUCK_MS;
	if (loop == NULL || nworkers == 0 || stuck_ms <= period_ms)
		return -EINVAL;
	wd = calloc(1, sizeof(*wd) + nworkers * sizeof(wd->w[0]));
	if (wd == NULL)
		return -ENOMEM;
	wd->loop = loop;
	wd->period_ms = period_ms;
	wd->stuck_ms = stuck_ms;
	/* One sample fewer than the period fits, so sampling jitter cannot delay a report by a period. */
	wd->min_still = stuck_ms / period_ms > 1 ? stuck_ms / period_ms - 1 : 1;
	wd->n = nworkers;
	evloop_timer_init(&wd->timer, watchdog_tick, wd);
	*out = wd;
	return 0;
}

int
watchdog_watch(struct watchdog *wd, unsigned idx, const struct worker_stats *st, unsigned lcore)
{
	if (idx >= wd->n || st == NULL)
		return -ERANGE;
	wd->w[idx].st = st;
	wd->w[idx].lcore = lcore;
	return 0;
}

void
watchdog_set_reclaim(struct watchdog *wd, watchdog_reclaim_fn fn, void *arg)
{
	wd->reclaim = fn;
	wd->reclaim_arg = arg;
}

void
watchdog_set_pool(struct watchdog *wd, watchdog_pool_fn free_fn, watchdog_pool_fn fail_fn,
		  void *arg, unsigned size, unsigned low)
{
	wd->pool_free = free_fn;
	wd->pool_fail = fail_fn;
	wd->pool_fails = fail_fn != NULL ? fail_fn(arg) : 0;
	wd->pool_arg = arg;
	wd->pool_size = size;
	wd->pool_low = low;
}

uint64_t
watchdog_pool_exhausted_samples(const struct watchdog *wd)
{
	return wd->pool_samples;
}

uint64_t
watchdog_pool_exhausted_episodes(const struct watchdog *wd)
{
	return wd->pool_episodes;
}

int
watchdog_start(struct watchdog *wd)
{
	uint64_t now = evloop_now_ms();

	for (unsigned i = 0; i < wd->n; i++) {
		struct watchdog_slot *s = &wd->w[i];

		if (s->st == NULL)
			continue;
		s->loops = watchdog_read(s->st);
		s->moved_ms = now;
		s->still = 0;
	}
	return evloop_timer_arm(wd->loop, &wd->timer, wd->period_ms);
}

void
watchdog_free(struct watchdog *wd)
{
	if (wd == NULL)
		return;
	evloop_timer_cancel(wd->loop, &wd->timer);
	free(wd);
}

unsigned
watchdog_stuck_now(const struct watchdog *wd)
{
	return wd->stuck_now;
}

uint64_t
watchdog_stuck_total(const struct watchdog *wd)
{
	return wd->total;
}

static uint64_t
watchdog_silent(const struct watchdog_slot *s, uint64_t now)
{
	return s->still == 0 ? 0 : now - s->moved_ms;
}

int
watchdog_worker(const struct watchdog *wd, unsigned idx, struct watchdog_worker_info *out)
{
	const struct watchdog_slot *s;

	if (idx >= wd->n || wd->w[idx].st == NULL)
		return -ERANGE;
	s = &wd->w[idx];
	out->worker = idx;
	out->lcore = s->lcore;
	out->stuck = s->stuck;
	out->loops = s->loops;
	out->silent_ms = watchdog_silent(s, evloop_now_ms());
	out->stuck_events = s->events;
	return 0;
}

json_t *
watchdog_json(const struct watchdog *wd)
{
	json_t *o = json_object(), *a = json_array();
	uint64_t snaps, bytes;

	if (o == NULL || a == NULL)
		goto fail;
	watchdog_reclaim_read(wd, &snaps, &bytes);
	for (unsigned i = 0; i < wd->n; i++) {
		struct watchdog_worker_info wi;

		if (watchdog_worker(wd, i, &wi) < 0)
			continue;
		if (json_array_append_new(a, json_pack("{s:i, s:i, s:b, s:I, s:I, s:I}", "worker",
						       (int)wi.worker, "lcore", (int)wi.lcore,
						       "stuck", wi.stuck, "loops",
						       (json_int_t)wi.loops, "silent_ms",
						       (json_int_t)wi.silent_ms, "stuck_events",
						       (json_int_t)wi.stuck_events)) < 0)
			goto fail;
	}
	json_object_set_new(o, "period_ms", json_integer(wd->period_ms));
	json_object_set_new(o, "stuck_ms", json_integer(wd->stuck_ms));
	json_object_set_new(o, "stuck_now", json_integer(wd->stuck_now));
	json_object_set_new(o, "stuck_total", json_integer((json_int_t)wd->total));
	json_object_set_new(o, "reclaim_snapshots",
			    wd->reclaim != NULL ? json_integer((json_int_t)snaps) : json_null());
	json_object_set_new(o, "reclaim_bytes",
			    wd->reclaim != NULL ? json_integer((json_int_t)bytes) : json_null());
	if (wd->pool_free != NULL) {
		json_object_set_new(o, "pool_free", json_integer(wd->pool_last));
		json_object_set_new(o, "pool_size", json_integer(wd->pool_size));
		json_object_set_new(o, "pool_exhausted_samples",
				    json_integer((json_int_t)wd->pool_samples));
		json_object_set_new(o, "pool_exhausted_episodes",
				    json_integer((json_int_t)wd->pool_episodes));
		json_object_set_new(o, "pool_alloc_failures",
				    wd->pool_fail != NULL ? json_integer((json_int_t)wd->pool_fails)
							  : json_null());
	}
	if (json_object_set_new(o, "workers", a) < 0) {
		a = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(a);
	json_decref(o);
	return NULL;
}

static void
watchdog_metrics_render(void *ctx, struct metrics_out *o)
{
	const struct watchdog *wd = ctx;
	uint64_t now = evloop_now_ms(), snaps, bytes;
	char idx[16], lc[16];

	metrics_family(o, "swerve_watchdog_stuck_events_total", "counter",
		       "Times a worker was found without a loop heartbeat for the stuck threshold.");
	metrics_sample_u64(o, "swerve_watchdog_stuck_events_total", wd->total, NULL);

	metrics_family(o, "swerve_worker_stuck", "gauge",
		       "1 while the worker's loop heartbeat has not moved for the stuck threshold.");
	for (unsigned i = 0; i < wd->n; i++) {
		if (wd->w[i].st == NULL)
			continue;
		snprintf(idx, sizeof(idx), "%u", i);
		snprintf(lc, sizeof(lc), "%u", wd->w[i].lcore);
		metrics_sample_u64(o, "swerve_worker_stuck", wd->w[i].stuck ? 1 : 0, "worker", idx,
				   "lcore", lc, NULL);
	}
	metrics_family(o, "swerve_worker_heartbeat_age_seconds", "gauge",
		       "Seconds since the watchdog last saw the worker's loop heartbeat move.");
	for (unsigned i = 0; i < wd->n; i++) {
		if (wd->w[i].st == NULL)
			continue;
		snprintf(idx, sizeof(idx), "%u", i);
		snprintf(lc, sizeof(lc), "%u", wd->w[i].lcore);
		metrics_sample_double(o, "swerve_worker_heartbeat_age_seconds",
				      (double)watchdog_silent(&wd->w[i], now) / 1000.0, "worker",
				      idx, "lcore", lc, NULL);
	}
	if (wd->pool_free != NULL) {
		metrics_family(o, "swerve_mbuf_pool_free", "gauge",
			       "Free mbufs in the pool at the watchdog's last sample.");
		metrics_sample_u64(o, "swerve_mbuf_pool_free", wd->pool_last, NULL);
		metrics_family(o, "swerve_mbuf_pool_size", "gauge", "Mbufs in the pool.");
		metrics_sample_u64(o, "swerve_mbuf_pool_size", wd->pool_size, NULL);
		metrics_family(o, "swerve_mbuf_pool_exhausted_samples_total", "counter",
			       "Watchdog samples that found the mbuf pool (nearly) empty.");
		metrics_sample_u64(o, "swerve_mbuf_pool_exhausted_samples_total", wd->pool_samples,
				   NULL);
	}
	if (wd->reclaim == NULL)
		return;
	watchdog_reclaim_read(wd, &snaps, &bytes);
	metrics_family(o, "swerve_reclaim_pending_snapshots", "gauge",
		       "Replaced snapshots waiting for a grace period before they are freed.");
	metrics_sample_u64(o, "swerve_reclaim_pending_snapshots", snaps, NULL);
	metrics_family(o, "swerve_reclaim_pending_bytes", "gauge",
		       "Bytes held by the snapshots waiting for a grace period.");
	metrics_sample_u64(o, "swerve_reclaim_pending_bytes", bytes, NULL);
}

int
watchdog_metrics_register(struct watchdog *wd, struct metrics *m)
{
	return metrics_add_source(m, watchdog_metrics_render, wd);
}

static int
watchdog_cmd(void *ctx, const struct ctl_req *req, json_t *reply)
{
	const struct watchdog *wd = ctx;
	json_t *o;
	const char *k;
	json_t *v;

	(void)req;
	o = watchdog_json(wd);
	if (o == NULL)
		return ctl_fail(reply, "out of memory");
	json_object_foreach(o, k, v)
		json_object_set(reply, k, v);
	json_decref(o);
	return 0;
}

int
watchdog_ctl_register(struct watchdog *wd, struct ctl *c)
{
	/* ctl_register() keeps the table: one per process, like the daemon's own commands. */
	static struct ctl_cmd cmds[] = {
		{"watchdog", watchdog_cmd, NULL, false, "watchdog"},
	};

	cmds[0].ctx = wd;
	return ctl_register(c, cmds, 1);
}
