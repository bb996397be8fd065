/* SPDX-License-Identifier: BSD-3-Clause */
/* Health probes: their lifecycle on the event loop, and the tcp connect check. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health_int.h"

static uint64_t
health_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
health_addr_text(const struct sockaddr_storage *sa, char *buf, size_t len, uint16_t *port)
{
	char text[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) == NULL)
			return -errno;
		*port = ntohs(in->sin_port);
		if ((size_t)snprintf(buf, len, "%s", text) >= len)
			return -ENOSPC;
		return 0;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text)) == NULL)
			return -errno;
		*port = ntohs(in6->sin6_port);
		/* Brackets: the text goes into URLs and CURLOPT_CONNECT_TO entries. */
		if ((size_t)snprintf(buf, len, "[%s]", text) >= len)
			return -ENOSPC;
		return 0;
	}
	return -EAFNOSUPPORT;
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
	health_http_release(p);
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

static void
health_tcp_timeout(void *arg)
{
	struct health_probe *p = arg;

	health_probe_finish(p, false, "timeout after %u ms", p->timeout_ms);
}

static void
health_tcp_event(void *arg, int fd, uint32_t events)
{
	struct health_probe *p = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)events;
	/* SO_ERROR is the verdict of a non-blocking connect; EPOLLERR alone does not say why. */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		health_probe_finish(p, false, "connect: %s", strerror(err));
	else
		health_probe_finish(p, true, "ok connected");
}

static void
health_tcp_start(struct health_probe *p, const struct health_spec *spec)
{
	struct health *h = p->h;
	int fd, rc;

	fd = socket(spec->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		health_probe_finish_later(p, false, "socket: %s", strerror(errno));
		return;
	}
	p->fd = fd;
	if (connect(fd, (const struct sockaddr *)&spec->addr, spec->addrlen) == 0) {
		/* Loopback may connect at once; the verdict still goes through the loop. */
		health_probe_finish_later(p, true, "ok connected");
		return;
	}
	if (errno != EINPROGRESS) {
		health_probe_finish_later(p, false, "connect: %s", strerror(errno));
		return;
	}
	rc = evloop_add(h->loop, fd, EPOLLOUT, health_tcp_event, p);
	if (rc < 0) {
		close(fd);
		p->fd = -1;
		health_probe_finish_later(p, false, "event loop: %s", strerror(-rc));
		return;
	}
	evloop_timer_init(&p->timer, health_tcp_timeout, p);
	rc = evloop_timer_arm(h->loop, &p->timer, p->timeout_ms);
	if (rc < 0)
		health_probe_finish_later(p, false, "event loop: %s", strerror(-rc));
}

int
health_new(struct evloop *loop, struct health **out)
{
	struct health *h;
	int rc;

	if (loop == NULL || out == NULL)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->loop = loop;
	rc = health_http_init(h);
	if (rc < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	free(h);
	return rc;
}

void
health_free(struct health *h)
{
	if (h == NULL)
		return;
	while (h->probes != NULL)
		health_probe_cancel(h, h->probes);
	health_http_fini(h);
	free(h);
}

static int
health_spec_check(const struct health_spec *spec)
{
	if (spec->kind != HEALTH_TCP && spec->kind != HEALTH_HTTP && spec->kind != HEALTH_HTTPS)
		return -EINVAL; /* HEALTH_MANUAL has nothing to probe. */
	if (spec->addr.ss_family == AF_INET) {
		if (spec->addrlen < sizeof(struct sockaddr_in))
			return -EINVAL;
	} else if (spec->addr.ss_family == AF_INET6) {
		if (spec->addrlen < sizeof(struct sockaddr_in6))
			return -EINVAL;
	} else {
		return -EAFNOSUPPORT;
	}
	/* No timeout would let a dead endpoint hold a probe (and libcurl) forever. */
	if (spec->timeout_ms == 0 || spec->nstatus > HEALTH_MAX_STATUS)
		return -EINVAL;
	return 0;
}

int
health_probe_start(struct health *h, const struct health_spec *spec, health_done_fn done, void *arg,
		   struct health_probe **out)
{
	struct health_probe *p;
	int rc;

	if (h == NULL || spec == NULL || done == NULL || out == NULL)
		return -EINVAL;
	rc = health_spec_check(spec);
	if (rc < 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->h = h;
	p->kind = spec->kind;
	p->done = done;
	p->arg = arg;
	p->fd = -1;
	p->timeout_ms = spec->timeout_ms;
	p->start_ns = health_now_ns();
	evloop_timer_init(&p->timer, health_pending_fire, p);
	health_link(h, p);
	/*
	 * Before the start functions: in the one case where they call back at
	 * once (no room to arm a timer), the callback clears the caller's copy
	 * of the handle, and must find it already set.
	 */
	*out = p;
	if (spec->kind == HEALTH_TCP)
		health_tcp_start(p, spec);
	else
		health_http_start(p, spec);
	return 0;
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
