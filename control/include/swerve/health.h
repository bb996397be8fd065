/* SPDX-License-Identifier: BSD-3-Clause */
/* Health probes: one non-blocking check of one endpoint (tcp connect, http, https), on the event loop. */

#ifndef SWERVE_HEALTH_H
#define SWERVE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct evloop;

/*
 * health.c runs single probes and says how each went; scheduling
 * (interval), hysteresis (rise/fall) and what a result means for the
 * served RRset belong to failover.c. Probes never block the control thread:
 * tcp is a non-blocking connect() watched by the loop, http/https use
 * libcurl's multi interface with its sockets and timer on the loop.
 */

enum health_kind {
	HEALTH_TCP = 0, /* The port accepts a connection. */
	HEALTH_HTTP,    /* GET path: the status is in the expected list (and the body matches). */
	HEALTH_HTTPS,   /* As http, over TLS: chain and host name verified, certificate not expiring. */
	HEALTH_MANUAL,  /* No probe at all: state only from the control socket. */
};

#define HEALTH_MAX_STATUS 8

/* What to probe. Strings are borrowed for the probe's lifetime. */
struct health_spec {
	enum health_kind kind;
	struct sockaddr_storage addr; /* Target address and port. */
	socklen_t addrlen;
	const char *host;     /* Host header (sent as is, no port), TLS SNI and the name verified;
				 NULL: the address. https connects to @addr all the same. */
	const char *path;     /* http(s): "/" when NULL; a missing leading '/' is added. */
	uint16_t status[HEALTH_MAX_STATUS]; /* Accepted statuses; nstatus == 0 means 200..299. */
	unsigned nstatus;
	const char *body;     /* http(s): substring the body must contain, or NULL. Only the
				 first 64 KiB of the body are read and searched. */
	uint32_t timeout_ms;  /* Whole probe, connect included; 0 is refused (-EINVAL). */
	uint32_t min_cert_days; /* https: a leaf certificate expiring sooner is a failure. */
	const char *ca_file;  /* https: the only trust anchors (the system store is then not
				 used), NULL for the system store. */
};

/* The result of one probe. */
struct health_result {
	bool ok;
	uint32_t latency_us; /* From start to verdict. */
	char reason[160];    /* Why it failed ("connect: Connection refused", "timeout after
				500 ms", "http status 503", "body does not contain \"ready\"",
				"certificate expires in 3 days (< 7)", or libcurl's own text
				for TLS failures), or a short "ok ..." text. */
};

/* Called exactly once per started probe, from the loop (never from health_probe_start()). */
typedef void (*health_done_fn)(void *arg, const struct health_result *res);

struct health;
struct health_probe;

/* A prober on @loop (which must outlive it). Thread: the loop's thread, for all functions. */
int health_new(struct evloop *loop, struct health **out);

/*
 * Cancel every probe in flight (their callbacks are not called) and free.
 * Call it before evloop_free(), and not from inside a probe's callback.
 */
void health_free(struct health *h);

/*
 * Start one probe of @spec; @done is called with @arg when it completes or
 * times out. HEALTH_MANUAL is refused (-EINVAL). Returns 0 and the probe
 * handle (valid until @done runs or health_probe_cancel()), or a negative code.
 */
int health_probe_start(struct health *h, const struct health_spec *spec, health_done_fn done,
		       void *arg, struct health_probe **out);

/* Abandon a probe in flight: its callback is never called. Not for a probe whose callback ran. */
void health_probe_cancel(struct health *h, struct health_probe *p);

#endif /* SWERVE_HEALTH_H */
