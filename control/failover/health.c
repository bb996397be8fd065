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

#include "health_http.h"
#include "health_probe.h"

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
	p = health_probe_new(h, spec, done, arg);
	if (p == NULL)
		return -ENOMEM;
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
