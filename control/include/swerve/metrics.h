/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition over HTTP (libmicrohttpd), served from the control thread's loop. */

#ifndef SWERVE_METRICS_H
#define SWERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evloop;
struct metrics;

/*
 * Output of one scrape (text format 0.0.4). Sources write whole metric
 * families: one metrics_family() then every sample of that family, so a
 * family is never split and never repeated (the exposition format requires
 * both; promtool rejects either). A failed allocation is remembered and turns
 * the whole scrape into an error, so sources need not check anything.
 */
struct metrics_out;

/*
 * Renders its part of a scrape. Runs on the control thread, never
 * concurrently with itself or another source, so it may read control-thread
 * state without locks. It must not block: a scrape holds up the whole loop.
 */
typedef void (*metrics_source_fn)(void *ctx, struct metrics_out *o);

/*
 * Listen on @listen, a numeric "ADDR:PORT" ("127.0.0.1:9153", "[::1]:9153";
 * port 0 picks a free one, see metrics_port()) for GET or HEAD /metrics.
 * Another path is 404, another method on /metrics 405. libmicrohttpd runs
 * without threads of its own: its epoll descriptor is watched by @loop and a
 * timer of @loop closes idle connections, so sources run on the control
 * thread. Returns 0, -EINVAL for an address that does not parse, -EADDRINUSE
 * (or another negative code) when the daemon cannot start.
 * Thread: the control thread (the one running @loop), as every function here.
 */
int metrics_open(struct evloop *loop, const char *listen, struct metrics **out);

/* Stop listening, drop open connections, forget the sources. NULL is harmless. */
void metrics_close(struct metrics *m);

/*
 * Listen on @listen instead (a configuration reload), keeping every source.
 * Connections in progress are closed. On failure @m listens on @previous
 * again when it can (NULL: not at all) and the error is returned.
 */
int metrics_rebind(struct metrics *m, const char *listen, const char *previous);

/* The port actually bound (the configured one, or the kernel's choice for port 0). */
uint16_t metrics_port(const struct metrics *m);

/*
 * Add a source; sources render in the order they were added. @ctx must stay
 * valid until metrics_close(). Returns 0 or -ENOMEM.
 */
int metrics_add_source(struct metrics *m, metrics_source_fn fn, void *ctx);

/* Remove every source registered with @ctx (a module being replaced or freed). */
void metrics_remove_source(struct metrics *m, const void *ctx);

/*
 * Start a family: "# HELP name help" (skipped when @help is NULL; backslash
 * and newline escaped) and "# TYPE name type" (type: "counter", "gauge",
 * "histogram", "summary", "untyped"). Counter names end in _total.
 */
void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help);

/*
 * One sample: name{k1="v1",...} value. The variadic part is label name,
 * label value pairs of const char *, terminated by NULL:
 *   metrics_sample_u64(o, "swerve_queries_total", n, "worker", "0", NULL);
 * Label names must be valid Prometheus label names (they are written as
 * given); values are escaped (\\, \", \n) and a NULL value is written as "".
 * Integers print exactly; doubles print the shortest text that reads back as
 * the same double, or NaN, +Inf, -Inf.
 */
void metrics_sample_u64(struct metrics_out *o, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
void metrics_sample_double(struct metrics_out *o, const char *name, double value, ...)
	__attribute__((sentinel));

/*
 * Render every source into a NUL-terminated string (for tests and the
 * "metrics" control command); free() it. Returns NULL when memory ran out.
 * @len (may be NULL) receives the length without the NUL.
 */
char *metrics_render(struct metrics *m, size_t *len);

#endif /* SWERVE_METRICS_H */
