/* SPDX-License-Identifier: BSD-3-Clause */
/* The control thread's event loop: epoll for file descriptors, a binary min-heap for timers. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "swerve/evloop.h"

/*
 * Events collected per epoll_wait(). The control thread watches a few dozen
 * descriptors at most; anything not collected now is reported by the next
 * call (level-triggered), so a small batch costs nothing in correctness.
 */
#define EVLOOP_BATCH 64

/* epoll data of the wake eventfd: no watcher can carry it (fd would be UINT32_MAX). */
#define EVLOOP_WAKE_TAG UINT64_MAX

/*
 * One watched descriptor, indexed by fd. @gen changes on every add and del,
 * and the epoll data of an event carries the generation it was registered
 * with: an event collected before its watcher was deleted (or deleted and
 * re-added by a callback earlier in the same batch) no longer matches and is
 * dropped.
 */
struct evloop_watch {
	evloop_fd_fn fn; /* NULL when the slot is free. */
	void *arg;
	uint32_t events;
	uint32_t gen;
};

struct evloop {
	int epfd;
	int wakefd;
	struct evloop_watch *watch; /* Indexed by fd, @nwatch slots. */
	size_t nwatch;
	struct evloop_timer **heap; /* Min-heap on deadline_ms, @heap_len used of @heap_cap. */
	uint32_t heap_len;
	uint32_t heap_cap;
	/*
	 * While due timers run: the time they were judged due against. A timer
	 * armed meanwhile is due strictly later, so a callback re-arming with
	 * delay 0 runs on the next iteration instead of looping here forever.
	 */
	bool in_timers;
	uint64_t timers_now;
};

uint64_t
evloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
evloop_new(struct evloop **out)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EVLOOP_WAKE_TAG};
	struct evloop *loop;
	int rc;

	loop = calloc(1, sizeof(*loop));
	if (loop == NULL)
		return -ENOMEM;
	loop->wakefd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		rc = -errno;
		goto fail;
	}
	loop->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wakefd < 0) {
		rc = -errno;
		goto fail;
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) < 0) {
		rc = -errno;
		goto fail;
	}
	*out = loop;
	return 0;
fail:
	if (loop->wakefd >= 0)
		close(loop->wakefd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	free(loop);
	return rc;
}

void
evloop_free(struct evloop *loop)
{
	uint32_t i;

	if (loop == NULL)
		return;
	/* Owners may reuse their timers after the loop is gone: leave them disarmed. */
	for (i = 0; i < loop->heap_len; i++)
		loop->heap[i]->heap_idx = EVLOOP_TIMER_IDLE;
	close(loop->wakefd);
	close(loop->epfd);
	free(loop->heap);
	free(loop->watch);
	free(loop);
}

static int
evloop_watch_grow(struct evloop *loop, int fd)
{
	struct evloop_watch *w;
	size_t n;

	if ((size_t)fd < loop->nwatch)
		return 0;
	n = loop->nwatch == 0 ? 64 : loop->nwatch;
	while (n <= (size_t)fd)
		n *= 2;
	w = realloc(loop->watch, n * sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	memset(w + loop->nwatch, 0, (n - loop->nwatch) * sizeof(*w));
	loop->watch = w;
	loop->nwatch = n;
	return 0;
}

static struct evloop_watch *
evloop_watch_get(struct evloop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nwatch || loop->watch[fd].fn == NULL)
		return NULL;
	return &loop->watch[fd];
}

int
evloop_add(struct evloop *loop, int fd, uint32_t events, evloop_fd_fn fn, void *arg)
{
	struct epoll_event ev;
	struct evloop_watch *w;
	int rc;

	if (fd < 0 || fn == NULL)
		return -EINVAL;
	if (evloop_watch_get(loop, fd) != NULL)
		return -EEXIST;
	rc = evloop_watch_grow(loop, fd);
	if (rc < 0)
		return rc;
	w = &loop->watch[fd];
	ev.events = events;
	ev.data.u64 = (uint64_t)(w->gen + 1) << 32 | (uint32_t)fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->gen++;
	w->fn = fn;
	w->arg = arg;
	w->events = events;
	return 0;
}

int
evloop_mod(struct evloop *loop, int fd, uint32_t events)
{
	struct evloop_watch *w = evloop_watch_get(loop, fd);
	struct epoll_event ev;

	if (w == NULL)
		return -ENOENT;
	if (w->events == events)
		return 0;
	ev.events = events;
	ev.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void
evloop_del(struct evloop *loop, int fd)
{
	struct evloop_watch *w = evloop_watch_get(loop, fd);

	if (w == NULL)
		return;
	/* May fail when the owner already closed @fd; the slot is freed regardless. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->fn = NULL;
	w->arg = NULL;
	w->events = 0;
	w->gen++;
}

void
evloop_timer_init(struct evloop_timer *t, evloop_timer_fn fn, void *arg)
{
	t->deadline_ms = 0;
	t->fn = fn;
	t->arg = arg;
	t->heap_idx = EVLOOP_TIMER_IDLE;
}

static void
evloop_heap_set(struct evloop *loop, uint32_t i, struct evloop_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void
evloop_heap_up(struct evloop *loop, uint32_t i)
{
	struct evloop_timer *t = loop->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (loop->heap[parent]->deadline_ms <= t->deadline_ms)
			break;
		evloop_heap_set(loop, i, loop->heap[parent]);
		i = parent;
	}
	evloop_heap_set(loop, i, t);
}

static void
evloop_heap_down(struct evloop *loop, uint32_t i)
{
	struct evloop_timer *t = loop->heap[i];

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    loop->heap[child + 1]->deadline_ms < loop->heap[child]->deadline_ms)
			child++;
		if (t->deadline_ms <= loop->heap[child]->deadline_ms)
			break;
		evloop_heap_set(loop, i, loop->heap[child]);
		i = child;
	}
	evloop_heap_set(loop, i, t);
}

/* Remove the armed timer at heap position @i, keeping the heap ordered. */
static void
evloop_heap_remove(struct evloop *loop, uint32_t i)
{
	struct evloop_timer *t = loop->heap[i];
	struct evloop_timer *last;

	loop->heap_len--;
	t->heap_idx = EVLOOP_TIMER_IDLE;
	if (i == loop->heap_len)
		return;
	last = loop->heap[loop->heap_len];
	evloop_heap_set(loop, i, last);
	/* The moved element may belong above or below its new position. */
	if (i > 0 && loop->heap[(i - 1) / 2]->deadline_ms > last->deadline_ms)
		evloop_heap_up(loop, i);
	else
		evloop_heap_down(loop, i);
}

int
evloop_timer_arm(struct evloop *loop, struct evloop_timer *t, uint64_t delay_ms)
{
	uint64_t now = evloop_now_ms();
	uint64_t deadline;

	if (t->fn == NULL)
		return -EINVAL;
	deadline = delay_ms > UINT64_MAX - now ? UINT64_MAX : now + delay_ms;
	if (loop->in_timers && deadline <= loop->timers_now)
		deadline = loop->timers_now + 1;
	if (evloop_timer_armed(t)) {
		evloop_heap_remove(loop, t->heap_idx);
	} else if (loop->heap_len == loop->heap_cap) {
		uint32_t cap = loop->heap_cap == 0 ? 32 : loop->heap_cap * 2;
		struct evloop_timer **h;

		if (cap >= EVLOOP_TIMER_IDLE)
			return -ENOSPC;
		h = realloc(loop->heap, cap * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->deadline_ms = deadline;
	loop->heap[loop->heap_len] = t;
	loop->heap_len++;
	evloop_heap_up(loop, loop->heap_len - 1);
	return 0;
}

void
evloop_timer_cancel(struct evloop *loop, struct evloop_timer *t)
{
	if (!evloop_timer_armed(t))
		return;
	if (t->heap_idx >= loop->heap_len || loop->heap[t->heap_idx] != t)
		return; /* Not ours (or corrupted): never touch another loop's heap. */
	evloop_heap_remove(loop, t->heap_idx);
}

/* The epoll timeout: @max_wait_ms, shortened to the nearest deadline. */
static int
evloop_timeout(const struct evloop *loop, int max_wait_ms)
{
	uint64_t now, wait;

	if (loop->heap_len == 0)
		return max_wait_ms;
	now = evloop_now_ms();
	if (loop->heap[0]->deadline_ms <= now)
		return 0;
	wait = loop->heap[0]->deadline_ms - now;
	if (wait > INT32_MAX)
		wait = INT32_MAX;
	if (max_wait_ms >= 0 && (uint64_t)max_wait_ms < wait)
		return max_wait_ms;
	return (int)wait;
}

static void
evloop_drain_wake(struct evloop *loop)
{
	uint64_t v;

	/* Nonblocking: EAGAIN when another wake-up already drained it. */
	if (read(loop->wakefd, &v, sizeof(v)) < 0)
		return;
}

static int
evloop_run_timers(struct evloop *loop)
{
	int ran = 0;

	loop->in_timers = true;
	loop->timers_now = evloop_now_ms();
	while (loop->heap_len > 0 && loop->heap[0]->deadline_ms <= loop->timers_now) {
		struct evloop_timer *t = loop->heap[0];

		evloop_heap_remove(loop, 0);
		t->fn(t->arg);
		ran++;
	}
	loop->in_timers = false;
	return ran;
}

int
evloop_run_once(struct evloop *loop, int max_wait_ms)
{
	struct epoll_event evs[EVLOOP_BATCH];
	int n, i, ran = 0;

	n = epoll_wait(loop->epfd, evs, EVLOOP_BATCH, evloop_timeout(loop, max_wait_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		uint64_t data = evs[i].data.u64;
		int fd = (int)(uint32_t)data;
		struct evloop_watch *w;

		if (data == EVLOOP_WAKE_TAG) {
			evloop_drain_wake(loop);
			continue;
		}
		w = evloop_watch_get(loop, fd);
		if (w == NULL || w->gen != (uint32_t)(data >> 32))
			continue; /* Deleted by an earlier callback of this batch. */
		w->fn(w->arg, fd, evs[i].events);
		ran++;
	}
	return ran + evloop_run_timers(loop);
}

void
evloop_wake(struct evloop *loop)
{
	uint64_t one = 1;
	int saved = errno;

	/* A full counter (EAGAIN) already means "wake up": nothing to do. */
	if (write(loop->wakefd, &one, sizeof(one)) < 0)
		errno = saved;
	errno = saved;
}
