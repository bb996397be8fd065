/* SPDX-License-Identifier: BSD-3-Clause */
/* A health probe in flight: its bookkeeping, the delivery of its verdict, and its release. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "health_probe.h"

static uint64_t
health_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
health_link(struct health *h, struct health_probe *p)
{
	p->prev = NULL;
	p->next = h->probes;
	if (h->probes != NULL)
		h->probes->prev = p;
	h->probes = p;
}

static void
health_unlink(struct health *h, struct health_probe *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		h->probes = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->prev = NULL;
	p->next = NULL;
}

/* The http(s) part of a release: detach the easy handle from the multi handle, free its lists. */
static void
health_probe_release_curl(struct health_probe *p)
{
	if (p->easy != NULL) {
		/* Removing also drops a completion message still queued for this handle. */
		curl_multi_remove_handle(p->h->multi, p->easy);
		curl_easy_cleanup(p->easy);
		p->easy = NULL;
	}
	curl_slist_free_all(p->headers);
	p->headers = NULL;
	curl_slist_free_all(p->connect_to);
	p->connect_to = NULL;
	free(p->body);
	p->body = NULL;
	p->body_len = 0;
	p->body_alloc = 0;
}

/* Give back the socket, the timer and any libcurl state; @p itself stays allocated. */
static void
health_probe_release(struct health_probe *p)
{
	struct health *h = p->h;

	evloop_timer_cancel(h->loop, &p->timer);
	if (p->fd >= 0) {
		evloop_del(h->loop, p->fd);
		close(p->fd);
		p->fd = -1;
	}
	health_probe_release_curl(p);
}

static void health_probe_vfinish(struct health_probe *p, bool ok, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void
health_probe_vfinish(struct health_probe *p, bool ok, const char *fmt, va_list ap)
{
	struct health_result res;
	health_done_fn done = p->done;
	void *arg = p->arg;
	uint64_t ns = health_now_ns() - p->start_ns;

	memset(&res, 0, sizeof(res));
	res.ok = ok;
	res.latency_us = ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
	vsnprintf(res.reason, sizeof(res.reason), fmt, ap);

	/*
	 * Free before calling back: the handle is documented as dead once
	 * @done runs, and the callback may start a new probe (which may even
	 * get the same address) or cancel others.
	 */
	health_probe_release(p);
	health_unlink(p->h, p);
	free(p);
	done(arg, &res);
}

void
health_probe_finish(struct health_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	health_probe_vfinish(p, ok, fmt, ap);
	va_end(ap);
}

static void
health_pending_fire(void *arg)
{
	struct health_probe *p = arg;

	health_probe_finish(p, p->pending_ok, "%s", p->pending_reason);
}

void
health_probe_finish_later(struct health_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	/* Nothing else may deliver a verdict meanwhile: drop the socket and curl state now. */
	health_probe_release(p);
	p->pending_ok = ok;
	va_start(ap, fmt);
	vsnprintf(p->pending_reason, sizeof(p->pending_reason), fmt, ap);
	va_end(ap);
	evloop_timer_init(&p->timer, health_pending_fire, p);
	if (evloop_timer_arm(p->h->loop, &p->timer, 0) < 0) {
		/*
		 * Arming only fails when the timer heap cannot grow; calling back
		 * now breaks the "never from start" promise, but losing the
		 * verdict would leave the caller waiting forever.
		 */
		health_pending_fire(p);
	}
}

struct health_probe *
health_probe_new(struct health *h, const struct health_spec *spec, health_done_fn done, void *arg)
{
	struct health_probe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->h = h;
	p->kind = spec->kind;
	p->done = done;
	p->arg = arg;
	p->fd = -1;
	p->timeout_ms = spec->timeout_ms;
	p->start_ns = health_now_ns();
	evloop_timer_init(&p->timer, health_pending_fire, p);
	health_link(h, p);
	return p;
}

void
health_probe_cancel(struct health *h, struct health_probe *p)
{
	if (h == NULL || p == NULL)
		return;
	health_probe_release(p);
	health_unlink(h, p);
	free(p);
}
