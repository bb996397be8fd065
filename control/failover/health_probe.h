/* SPDX-License-Identifier: BSD-3-Clause */
/* The prober and a probe in flight (health_probe.c), shared by health.c (tcp) and health_http.c. */

#ifndef SWERVE_HEALTH_PROBE_H
#define SWERVE_HEALTH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "swerve/evloop.h"
#include "swerve/health.h"

/*
 * Thread: everything here runs on the thread that owns the loop; nothing is
 * locked because the loop runs one callback at a time.
 */
struct health {
	struct evloop *loop;
	CURLM *multi;			/* Shared by every http(s) probe; owns no connection
					   between probes (each easy handle forbids reuse). */
	struct evloop_timer curl_timer; /* The single timer libcurl asks for. */
	struct health_probe *probes;	/* Probes in flight, doubly linked, for health_free(). */
};

struct health_probe {
	struct health *h;
	struct health_probe *prev;
	struct health_probe *next;
	enum health_kind kind;
	health_done_fn done;
	void *arg;
	uint64_t start_ns; /* CLOCK_MONOTONIC, for the latency in the result. */
	uint32_t timeout_ms;

	/*
	 * tcp: the connect timeout. Every kind: a verdict reached inside
	 * health_probe_start() (socket() failed, connect() refused at once)
	 * is delivered through this timer at 0 ms, so callbacks never run
	 * synchronously in the caller's frame.
	 */
	struct evloop_timer timer;
	bool pending_ok;
	char pending_reason[sizeof(((struct health_result *)0)->reason)];

	int fd; /* tcp: the connecting socket, watched by the loop; -1 otherwise. */

	/* http/https only. */
	CURL *easy;
	struct curl_slist *headers;    /* "Host: ..." */
	struct curl_slist *connect_to; /* https with a host name: name:port -> address:port */
	uint16_t status[HEALTH_MAX_STATUS];
	unsigned nstatus;
	const char *body_want; /* Borrowed from the spec, like every string. */
	uint32_t min_cert_days;
	char *body; /* First bytes of the body, only when body_want is set. */
	size_t body_len;
	size_t body_alloc;
	bool body_full; /* We stopped the transfer on purpose: enough body read. */
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * health_probe.c, the lowest health file: it calls neither health.c nor
 * health_http.c. Callers: health.c (start, cancel, the tcp check) and
 * health_http.c (the http verdicts). Thread: the loop's thread.
 */

/* A probe of @spec on @h: allocated, linked into h->probes, its timer set for finish_later. */
struct health_probe *health_probe_new(struct health *h, const struct health_spec *spec,
				      health_done_fn done, void *arg);

/* Deliver @p's verdict: release everything, unlink, free @p, then call its callback. */
void health_probe_finish(struct health_probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Deliver a verdict on the next loop iteration (for failures found while starting). */
void health_probe_finish_later(struct health_probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SWERVE_HEALTH_PROBE_H */
