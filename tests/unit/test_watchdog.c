/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the stuck-worker watchdog: fake workers on threads, a real event loop and metrics. */

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "swerve/evloop.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/stats.h"
#include "swerve/watchdog.h"

#define NFAKE	 2
#define PERIOD	 20  /* ms */
#define STUCK	 200 /* ms */

/* A fake worker: a thread that bumps its heartbeat every 200 us unless paused. */
struct fake {
	struct worker_stats st;
	atomic_bool paused;
	atomic_bool stop;
	pthread_t th;
};

static void *
fake_main(void *arg)
{
	struct fake *f = arg;

	while (!atomic_load(&f->stop)) {
		if (!atomic_load(&f->paused))
			*(volatile uint64_t *)&f->st.loops += 1;
		usleep(200);
	}
	return NULL;
}

struct fix {
	struct evloop *loop;
	struct watchdog *wd;
	struct fake *fk; /* NFAKE of them, cache-aligned like the real ones. */
};

static int
setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	x->fk = aligned_alloc(RTE_CACHE_LINE_SIZE, NFAKE * sizeof(*x->fk));
	if (x->fk == NULL || evloop_new(&x->loop) != 0)
		return -1;
	memset(x->fk, 0, NFAKE * sizeof(*x->fk));
	if (watchdog_new(x->loop, NFAKE, PERIOD, STUCK, &x->wd) != 0)
		return -1;
	for (unsigned i = 0; i < NFAKE; i++) {
		if (watchdog_watch(x->wd, i, &x->fk[i].st, 4 + i) != 0)
			return -1;
		if (pthread_create(&x->fk[i].th, NULL, fake_main, &x->fk[i]) != 0)
			return -1;
	}
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *x = *state;

	for (unsigned i = 0; i < NFAKE; i++) {
		atomic_store(&x->fk[i].stop, true);
		pthread_join(x->fk[i].th, NULL);
	}
	watchdog_free(x->wd);
	evloop_free(x->loop);
	free(x->fk);
	free(x);
	return 0;
}

/* Run @loop for @ms milliseconds. */
static void
run_for(struct evloop *loop, unsigned ms)
{
	uint64_t end = evloop_now_ms() + ms;

	while (evloop_now_ms() < end)
		assert_true(evloop_run_once(loop, (int)(end - evloop_now_ms())) >= 0);
}

static void
test_args(void **state)
{
	struct evloop *loop;
	struct watchdog *wd = NULL;
	struct worker_stats st;

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	assert_int_equal(watchdog_new(loop, 0, 0, 0, &wd), -EINVAL);
	assert_int_equal(watchdog_new(loop, 1, 500, 500, &wd), -EINVAL);
	assert_int_equal(watchdog_new(NULL, 1, 0, 0, &wd), -EINVAL);
	assert_int_equal(watchdog_new(loop, 1, 0, 0, &wd), 0);
	assert_int_equal(watchdog_watch(wd, 1, &st, 0), -ERANGE);
	assert_int_equal(watchdog_watch(wd, 0, NULL, 0), -ERANGE);
	watchdog_free(wd);
	watchdog_free(NULL);
	evloop_free(loop);
}

static void
test_detect_and_recover(void **state)
{
	struct fix *x = *state;
	struct watchdog_worker_info wi;

	assert_int_equal(watchdog_start(x->wd), 0);
	run_for(x->loop, 3 * STUCK);
	assert_int_equal(watchdog_stuck_now(x->wd), 0);
	assert_int_equal(watchdog_stuck_total(x->wd), 0);

	/* Worker 1 stops its heartbeat: reported within the threshold plus a period or two. */
	atomic_store(&x->fk[1].paused, true);
	run_for(x->loop, STUCK - PERIOD);
	assert_int_equal(watchdog_stuck_now(x->wd), 0);
	run_for(x->loop, 4 * PERIOD);
	assert_int_equal(watchdog_stuck_now(x->wd), 1);
	assert_int_equal(watchdog_stuck_total(x->wd), 1);
	assert_int_equal(watchdog_worker(x->wd, 1, &wi), 0);
	assert_true(wi.stuck);
	assert_int_equal(wi.lcore, 5);
	assert_int_equal(wi.stuck_events, 1);
	assert_true(wi.silent_ms >= STUCK);
	assert_int_equal(watchdog_worker(x->wd, 0, &wi), 0);
	assert_false(wi.stuck);
	assert_true(wi.silent_ms < STUCK);

	/* Still stuck: reported once, not once per sample. */
	run_for(x->loop, 3 * STUCK);
	assert_int_equal(watchdog_stuck_total(x->wd), 1);

	/* It moves again: recovered at the next sample. */
	atomic_store(&x->fk[1].paused, false);
	run_for(x->loop, 3 * PERIOD);
	assert_int_equal(watchdog_stuck_now(x->wd), 0);
	assert_int_equal(watchdog_worker(x->wd, 1, &wi), 0);
	assert_false(wi.stuck);

	/* Both stop: two more events. */
	atomic_store(&x->fk[0].paused, true);
	atomic_store(&x->fk[1].paused, true);
	run_for(x->loop, 2 * STUCK);
	assert_int_equal(watchdog_stuck_now(x->wd), 2);
	assert_int_equal(watchdog_stuck_total(x->wd), 3);
	assert_int_equal(watchdog_worker(x->wd, 1, &wi), 0);
	assert_int_equal(wi.stuck_events, 2);
	atomic_store(&x->fk[0].paused, false);
	atomic_store(&x->fk[1].paused, false);
	run_for(x->loop, 3 * PERIOD);
	assert_int_equal(watchdog_stuck_now(x->wd), 0);
}

/*
 * The whole process stopped (SIGSTOP, a VM pause): on resume the control
 * thread's first sample may run before any worker did. That is the
 * control thread's silence, not a worker's: no report.
 */
static void
test_control_thread_late(void **state)
{
	struct fix *x = *state;

	assert_int_equal(watchdog_start(x->wd), 0);
	run_for(x->loop, 2 * PERIOD);
	atomic_store(&x->fk[0].paused, true);
	atomic_store(&x->fk[1].paused, true);
	usleep(3 * STUCK * 1000); /* The loop does not run: the control thread is "stopped" too. */
	assert_true(evloop_run_once(x->loop, 2 * PERIOD) >= 0);
	assert_int_equal(watchdog_stuck_total(x->wd), 0);
	atomic_store(&x->fk[0].paused, false);
	atomic_store(&x->fk[1].paused, false);
	run_for(x->loop, 2 * STUCK);
	assert_int_equal(watchdog_stuck_total(x->wd), 0);
}

static uint64_t fake_snaps = 3, fake_bytes = 123456;

static void
fake_reclaim(void *arg, uint64_t *snaps, uint64_t *bytes)
{
	(void)arg;
	*snaps = fake_snaps;
	*bytes = fake_bytes;
}

static void
test_metrics_and_json(void **state)
{
	struct fix *x = *state;
	struct metrics *m;
	json_t *o, *w1;
	char *text;

	assert_int_equal(metrics_open(x->loop, "127.0.0.1:0", &m), 0);
	assert_int_equal(watchdog_metrics_register(x->wd, m), 0);

	/* Without a reclaim source the pending gauges are absent and JSON says null. */
	text = metrics_render(m, NULL);
	assert_non_null(text);
	assert_null(strstr(text, "swerve_reclaim_pending"));
	free(text);
	o = watchdog_json(x->wd);
	assert_non_null(o);
	assert_true(json_is_null(json_object_get(o, "reclaim_bytes")));
	json_decref(o);

	watchdog_set_reclaim(x->wd, fake_reclaim, NULL);
	assert_int_equal(watchdog_start(x->wd), 0);
	atomic_store(&x->fk[1].paused, true);
	run_for(x->loop, 2 * STUCK);

	text = metrics_render(m, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "# TYPE swerve_watchdog_stuck_events_total counter\n"));
	assert_non_null(strstr(text, "swerve_watchdog_stuck_events_total 1\n"));
	assert_non_null(strstr(text, "swerve_worker_stuck{worker=\"0\",lcore=\"4\"} 0\n"));
	assert_non_null(strstr(text, "swerve_worker_stuck{worker=\"1\",lcore=\"5\"} 1\n"));
	assert_non_null(strstr(text, "swerve_worker_heartbeat_age_seconds{worker=\"1\",lcore=\"5\"} "));
	assert_non_null(strstr(text, "swerve_reclaim_pending_snapshots 3\n"));
	assert_non_null(strstr(text, "swerve_reclaim_pending_bytes 123456\n"));
	free(text);

	o = watchdog_json(x->wd);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "stuck_now")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "stuck_total")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "reclaim_snapshots")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "reclaim_bytes")), 123456);
	assert_int_equal(json_integer_value(json_object_get(o, "stuck_ms")), STUCK);
	assert_int_equal(json_array_size(json_object_get(o, "workers")), NFAKE);
	w1 = json_array_get(json_object_get(o, "workers"), 1);
	assert_true(json_is_true(json_object_get(w1, "stuck")));
	assert_int_equal(json_integer_value(json_object_get(w1, "lcore")), 5);
	assert_true(json_integer_value(json_object_get(w1, "silent_ms")) >= STUCK);
	json_decref(o);

	atomic_store(&x->fk[1].paused, false);
	metrics_close(m);
}

static uint64_t fake_free = 1000, fake_fails = 7;

static uint64_t
fake_pool(void *arg)
{
	(void)arg;
	return fake_free;
}

static uint64_t
fake_pool_fails(void *arg)
{
	(void)arg;
	return fake_fails;
}

/* The pool sampler: exhaustion is counted per sample, logged per episode, and ends. */
static void
test_pool(void **state)
{
	struct fix *x = *state;
	json_t *o;

	watchdog_set_pool(x->wd, fake_pool, fake_pool_fails, NULL, 1023, 32);
	assert_int_equal(watchdog_start(x->wd), 0);
	run_for(x->loop, 3 * PERIOD);
	assert_int_equal(watchdog_pool_exhausted_samples(x->wd), 0);
	fake_free = 31;
	run_for(x->loop, 5 * PERIOD + PERIOD / 2);
	assert_true(watchdog_pool_exhausted_samples(x->wd) >= 4);
	assert_int_equal(watchdog_pool_exhausted_episodes(x->wd), 1);
	o = watchdog_json(x->wd);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "pool_free")), 31);
	assert_int_equal(json_integer_value(json_object_get(o, "pool_size")), 1023);
	json_decref(o);
	fake_free = 32;
	run_for(x->loop, 2 * PERIOD);
	fake_free = 0;
	run_for(x->loop, 2 * PERIOD);
	assert_int_equal(watchdog_pool_exhausted_episodes(x->wd), 2);
	fake_free = 1000;
	run_for(x->loop, 2 * PERIOD);

	/* Plenty free at every sample, but allocations failed in between: that is exhaustion too. */
	fake_fails += 3;
	run_for(x->loop, PERIOD + PERIOD / 2);
	assert_int_equal(watchdog_pool_exhausted_episodes(x->wd), 3);
	o = watchdog_json(x->wd);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "pool_alloc_failures")), 10);
	json_decref(o);
	run_for(x->loop, 2 * PERIOD);
	assert_int_equal(watchdog_pool_exhausted_episodes(x->wd), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test_setup_teardown(test_detect_and_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_thread_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
	};

	sw_log_init("stderr", LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
