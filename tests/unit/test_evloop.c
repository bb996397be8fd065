/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the control thread's event loop: fd watchers, timers, wake-ups. */

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "swerve/evloop.h"

/* ---- fd watchers ---- */

struct fdrec {
	unsigned calls;
	uint32_t events;
	int fd;
};

static void
fd_record(void *arg, int fd, uint32_t events)
{
	struct fdrec *r = arg;
	char buf[64];

	r->calls++;
	r->events = events;
	r->fd = fd;
	if (events & EPOLLIN)
		(void)!read(fd, buf, sizeof(buf));
}

static void
test_fd_events(void **state)
{
	struct evloop *loop;
	struct fdrec r = {0};
	int sv[2];

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(evloop_add(loop, sv[0], EPOLLIN, fd_record, &r), 0);
	assert_int_equal(evloop_add(loop, sv[0], EPOLLIN, fd_record, &r), -EEXIST);
	assert_int_equal(evloop_mod(loop, sv[1], EPOLLIN), -ENOENT);

	/* Nothing to read: the call times out with no callback. */
	assert_int_equal(evloop_run_once(loop, 10), 0);
	assert_int_equal(r.calls, 0);

	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(evloop_run_once(loop, 1000), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, sv[0]);
	assert_true(r.events & EPOLLIN);

	/* Writable at once when watching EPOLLOUT; level-triggered: again and again. */
	assert_int_equal(evloop_mod(loop, sv[0], EPOLLOUT), 0);
	assert_int_equal(evloop_run_once(loop, 1000), 1);
	assert_int_equal(evloop_run_once(loop, 1000), 1);
	assert_int_equal(r.calls, 3);
	assert_true(r.events & EPOLLOUT);

	/* After del nothing is delivered, and the fd may be watched again. */
	evloop_del(loop, sv[0]);
	assert_int_equal(evloop_run_once(loop, 10), 0);
	assert_int_equal(r.calls, 3);
	assert_int_equal(evloop_add(loop, sv[0], EPOLLIN, fd_record, &r), 0);
	evloop_del(loop, sv[0]);
	evloop_del(loop, sv[0]); /* Harmless twice. */

	close(sv[0]);
	close(sv[1]);
	evloop_free(loop);
}

/* Two readable sockets; whichever callback runs first deletes (and closes) the other. */
struct delpair {
	struct evloop *loop;
	int fds[2];
	unsigned calls[2];
	bool readd; /* Re-add the victim with another callback: still no stale event. */
	unsigned readd_calls;
};

static void
del_readd_cb(void *arg, int fd, uint32_t events)
{
	struct delpair *d = arg;

	(void)fd;
	(void)events;
	d->readd_calls++;
}

static void
del_cb(void *arg, int fd, uint32_t events)
{
	struct delpair *d = arg;
	int me = fd == d->fds[0] ? 0 : 1;
	int other = d->fds[1 - me];

	(void)events;
	d->calls[me]++;
	evloop_del(d->loop, other);
	if (d->readd)
		assert_int_equal(evloop_add(d->loop, other, EPOLLIN, del_readd_cb, d), 0);
	evloop_del(d->loop, fd); /* And itself: must not break the rest of the batch. */
}

static void
run_del_inside(bool readd)
{
	struct delpair d = {.readd = readd};
	int a[2], b[2];

	assert_int_equal(evloop_new(&d.loop), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	d.fds[0] = a[0];
	d.fds[1] = b[0];
	assert_int_equal(evloop_add(d.loop, a[0], EPOLLIN, del_cb, &d), 0);
	assert_int_equal(evloop_add(d.loop, b[0], EPOLLIN, del_cb, &d), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	/* Give epoll both events in one batch. */
	usleep(1000);
	assert_int_equal(evloop_run_once(d.loop, 1000), 1);
	assert_int_equal(d.calls[0] + d.calls[1], 1);
	assert_int_equal(d.readd_calls, 0);
	if (readd) {
		/* The re-added watcher does get the next, fresh event. */
		assert_int_equal(evloop_run_once(d.loop, 1000), 1);
		assert_int_equal(d.readd_calls, 1);
	} else {
		assert_int_equal(evloop_run_once(d.loop, 10), 0);
	}
	evloop_free(d.loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

static void
test_fd_del_inside_callback(void **state)
{
	(void)state;
	run_del_inside(false);
	run_del_inside(true);
}

/* ---- timers ---- */

struct tlog {
	int order[64];
	unsigned n;
};

struct tnode {
	struct evloop_timer t;
	struct tlog *log;
	int id;
	struct evloop *loop;
	unsigned rearm;		     /* Re-arm itself this many more times. */
	struct evloop_timer *cancel; /* Cancel this timer when firing. */
};

static void
tnode_fire(void *arg)
{
	struct tnode *n = arg;

	if (n->log->n < 64)
		n->log->order[n->log->n++] = n->id;
	if (n->cancel != NULL)
		evloop_timer_cancel(n->loop, n->cancel);
	if (n->rearm > 0) {
		n->rearm--;
		assert_int_equal(evloop_timer_arm(n->loop, &n->t, 0), 0);
	}
}

/* Run the loop until nothing is armed (or a generous deadline passes). */
static void
run_until_idle(struct evloop *loop, struct evloop_timer **ts, size_t n)
{
	uint64_t end = evloop_now_ms() + 5000;
	size_t i;

	for (;;) {
		bool armed = false;

		for (i = 0; i < n; i++)
			armed |= evloop_timer_armed(ts[i]);
		if (!armed)
			break;
		assert_true(evloop_now_ms() < end);
		assert_true(evloop_run_once(loop, 1000) >= 0);
	}
}

static void
test_timer_order_cancel_rearm(void **state)
{
	struct evloop *loop;
	struct tlog log = {0};
	struct tnode n[5];
	struct evloop_timer *ts[5];
	uint64_t start;
	int i;

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	for (i = 0; i < 5; i++) {
		memset(&n[i], 0, sizeof(n[i]));
		n[i].id = i;
		n[i].log = &log;
		n[i].loop = loop;
		evloop_timer_init(&n[i].t, tnode_fire, &n[i]);
		ts[i] = &n[i].t;
		assert_false(evloop_timer_armed(&n[i].t));
	}
	/* Armed out of order: 0 at 40 ms, 1 at 10, 2 at 30, 3 at 20, 4 at 50 (cancelled). */
	start = evloop_now_ms();
	assert_int_equal(evloop_timer_arm(loop, &n[0].t, 40), 0);
	assert_int_equal(evloop_timer_arm(loop, &n[1].t, 10), 0);
	assert_int_equal(evloop_timer_arm(loop, &n[2].t, 30), 0);
	assert_int_equal(evloop_timer_arm(loop, &n[3].t, 20), 0);
	assert_int_equal(evloop_timer_arm(loop, &n[4].t, 50), 0);
	assert_true(evloop_timer_armed(&n[4].t));
	evloop_timer_cancel(loop, &n[4].t);
	evloop_timer_cancel(loop, &n[4].t); /* Harmless twice. */
	assert_false(evloop_timer_armed(&n[4].t));
	/* Re-arming moves: 2 now fires last, at 60 ms. */
	assert_int_equal(evloop_timer_arm(loop, &n[2].t, 60), 0);
	run_until_idle(loop, ts, 5);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.order[0], 1);
	assert_int_equal(log.order[1], 3);
	assert_int_equal(log.order[2], 0);
	assert_int_equal(log.order[3], 2);
	/* Deadlines are honoured: nothing fires early. */
	assert_true(evloop_now_ms() - start >= 60);

	/* A callback re-arming with 0 runs once per iteration, not in a tight loop. */
	log.n = 0;
	n[0].rearm = 3;
	assert_int_equal(evloop_timer_arm(loop, &n[0].t, 0), 0);
	assert_int_equal(evloop_run_once(loop, 1000), 1);
	assert_int_equal(log.n, 1);
	run_until_idle(loop, ts, 5);
	assert_int_equal(log.n, 4);

	/* A callback cancelling another timer that is due in the same iteration. */
	log.n = 0;
	n[1].cancel = &n[2].t;
	assert_int_equal(evloop_timer_arm(loop, &n[1].t, 0), 0);
	assert_int_equal(evloop_timer_arm(loop, &n[2].t, 1), 0);
	usleep(3000);
	assert_int_equal(evloop_run_once(loop, 0), 1);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.order[0], 1);
	assert_false(evloop_timer_armed(&n[2].t));

	/* The epoll wait is bounded by the nearest timer, not by max_wait. */
	log.n = 0;
	start = evloop_now_ms();
	assert_int_equal(evloop_timer_arm(loop, &n[3].t, 30), 0);
	while (log.n == 0)
		assert_true(evloop_run_once(loop, -1) >= 0);
	assert_true(evloop_now_ms() - start < 1000);

	/* Freeing the loop disarms what is still armed. */
	assert_int_equal(evloop_timer_arm(loop, &n[4].t, 100000), 0);
	evloop_free(loop);
	assert_false(evloop_timer_armed(&n[4].t));
}

/* Many timers with pseudo-random deadlines, some cancelled or moved: they fire sorted. */
#define NTIMERS 2000

struct mt {
	struct evloop_timer t;
	uint64_t *last;
	unsigned *fired;
	bool bad;
};

static void
mt_fire(void *arg)
{
	struct mt *m = arg;

	if (m->t.deadline_ms < *m->last)
		m->bad = true;
	*m->last = m->t.deadline_ms;
	(*m->fired)++;
}

static void
test_timer_heap_many(void **state)
{
	struct evloop *loop;
	struct mt *ms;
	uint64_t last = 0, end;
	unsigned fired = 0, expect = 0, seed = 12345;
	unsigned i;

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	ms = calloc(NTIMERS, sizeof(*ms));
	assert_non_null(ms);
	for (i = 0; i < NTIMERS; i++) {
		ms[i].last = &last;
		ms[i].fired = &fired;
		evloop_timer_init(&ms[i].t, mt_fire, &ms[i]);
		seed = seed * 1103515245 + 12345;
		assert_int_equal(evloop_timer_arm(loop, &ms[i].t, (seed >> 16) % 80), 0);
	}
	/* Cancel every third, move every fifth (from the middle of the heap). */
	for (i = 0; i < NTIMERS; i++) {
		if (i % 3 == 0) {
			evloop_timer_cancel(loop, &ms[i].t);
		} else if (i % 5 == 0) {
			seed = seed * 1103515245 + 12345;
			assert_int_equal(evloop_timer_arm(loop, &ms[i].t, (seed >> 16) % 80), 0);
		}
		if (i % 3 != 0)
			expect++;
	}
	end = evloop_now_ms() + 5000;
	while (fired < expect && evloop_now_ms() < end)
		assert_true(evloop_run_once(loop, 100) >= 0);
	assert_int_equal(fired, expect);
	for (i = 0; i < NTIMERS; i++) {
		assert_false(ms[i].bad);
		assert_false(evloop_timer_armed(&ms[i].t));
	}
	/* Nothing left: a short wait runs nothing. */
	assert_int_equal(evloop_run_once(loop, 5), 0);
	assert_int_equal(fired, expect);
	evloop_free(loop);
	free(ms);
}

/* ---- wake-up from another thread ---- */

struct waker {
	struct evloop *loop;
	unsigned delay_us;
};

static void *
waker_main(void *arg)
{
	struct waker *w = arg;

	usleep(w->delay_us);
	evloop_wake(w->loop);
	return NULL;
}

static void
test_wake_from_thread(void **state)
{
	struct waker w;
	pthread_t th;
	uint64_t start;

	(void)state;
	assert_int_equal(evloop_new(&w.loop), 0);
	w.delay_us = 50000;
	start = evloop_now_ms();
	assert_int_equal(pthread_create(&th, NULL, waker_main, &w), 0);
	/* No timer, no fd, no limit: only the wake-up can end this call. */
	assert_int_equal(evloop_run_once(w.loop, 10000), 0);
	assert_true(evloop_now_ms() - start < 5000);
	assert_int_equal(pthread_join(th, NULL), 0);

	/* A wake before the call makes the next call return at once, and only once. */
	evloop_wake(w.loop);
	evloop_wake(w.loop);
	start = evloop_now_ms();
	assert_int_equal(evloop_run_once(w.loop, 10000), 0);
	assert_true(evloop_now_ms() - start < 1000);
	assert_int_equal(evloop_run_once(w.loop, 20), 0);
	assert_true(evloop_now_ms() - start >= 20);
	evloop_free(w.loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_events),
		cmocka_unit_test(test_fd_del_inside_callback),
		cmocka_unit_test(test_timer_order_cancel_rearm),
		cmocka_unit_test(test_timer_heap_many),
		cmocka_unit_test(test_wake_from_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
