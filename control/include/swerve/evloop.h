/* SPDX-License-Identifier: BSD-3-Clause */
/* The control thread's event loop: one epoll set, file descriptor watchers and millisecond timers. */

#ifndef SWERVE_EVLOOP_H
#define SWERVE_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Everything on the control thread (control socket, health checks, libcurl,
 * libmicrohttpd, loader completions, signals) is driven from one loop, so
 * none of it needs a lock: callbacks run one at a time, on the thread that
 * calls evloop_run_once(). No callback may block; long work goes to the
 * loader thread, which reports back through an eventfd watched here.
 *
 * Thread: all functions, the thread that owns the loop, except
 * evloop_wake(), which any thread (and a signal handler) may call.
 */
struct evloop;

/* @events are EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP as epoll reported them. */
typedef void (*evloop_fd_fn)(void *arg, int fd, uint32_t events);
typedef void (*evloop_timer_fn)(void *arg);

/*
 * A timer, embedded in its owner's structure. Zero it (or evloop_timer_init())
 * before first use. A timer is armed at most once: arming an armed timer
 * moves it. It fires once; the callback may re-arm it.
 */
struct evloop_timer {
	uint64_t deadline_ms; /* CLOCK_MONOTONIC, milliseconds. */
	evloop_timer_fn fn;
	void *arg;
	uint32_t heap_idx; /* Position in the loop's heap, EVLOOP_TIMER_IDLE when not armed. */
};

#define EVLOOP_TIMER_IDLE UINT32_MAX

/* Milliseconds on CLOCK_MONOTONIC (the clock every deadline uses). */
uint64_t evloop_now_ms(void);

int evloop_new(struct evloop **out);

/* Close the epoll set; watchers and armed timers are forgotten, not called. */
void evloop_free(struct evloop *loop);

/* Watch @fd for @events (EPOLLIN, EPOLLOUT; level-triggered). One watcher per fd. */
int evloop_add(struct evloop *loop, int fd, uint32_t events, evloop_fd_fn fn, void *arg);

/* Change the events watched on @fd. */
int evloop_mod(struct evloop *loop, int fd, uint32_t events);

/*
 * Stop watching @fd (before closing it). Safe from inside any callback,
 * including @fd's own: an event already collected for @fd is not delivered.
 */
void evloop_del(struct evloop *loop, int fd);

void evloop_timer_init(struct evloop_timer *t, evloop_timer_fn fn, void *arg);

/* Fire @t's callback @delay_ms from now (0: on the next iteration). */
int evloop_timer_arm(struct evloop *loop, struct evloop_timer *t, uint64_t delay_ms);

/* Disarm @t; harmless when it is not armed. Safe from inside any callback. */
void evloop_timer_cancel(struct evloop *loop, struct evloop_timer *t);

static inline bool
evloop_timer_armed(const struct evloop_timer *t)
{
	return t->heap_idx != EVLOOP_TIMER_IDLE;
}

/*
 * Wait for events or the next timer, at most @max_wait_ms (-1: no limit),
 * and run the callbacks that are due. Returns the number of callbacks run,
 * or a negative code (EINTR is not an error: it returns 0).
 */
int evloop_run_once(struct evloop *loop, int max_wait_ms);

/* Make a concurrent or the next evloop_run_once() return promptly. Async-signal-safe. */
void evloop_wake(struct evloop *loop);

#endif /* SWERVE_EVLOOP_H */
