/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition over HTTP (libmicrohttpd), served from the control thread's loop. */

#ifndef SWERVE_METRICS_H
#define SWERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evloop;
struct metrics;

/*
 * Output of one scrape. Sources write whole metric families: one
 * metrics_family() then every sample of that family, so a family is never
 * split (the exposition format requires it).
 */
struct metrics_out;

/* Renders its part of a scrape. Runs on the control thread, never concurrently. */
typedef void (*metrics_source_fn)(void *ctx, struct metrics_out *o);

/*
 * Listen on @listen ("127.0.0.1:9153", "[::1]:9153") for GET /metrics
 * (anything else is 404). libmicrohttpd runs without threads of its own:
 * its epoll descriptor is watched by @loop, so a source reads control-thread
 * state without locks. Thread: the control thread.
 */
int metrics_open(struct evloop *loop, const char *listen, struct metrics **out);

void metrics_close(struct metrics *m);

/* Add a source; sources render in the order they were added. */
int metrics_add_source(struct metrics *m, metrics_source_fn fn, void *ctx);

/* "# HELP name help" and "# TYPE name type" (type: "counter", "gauge", "histogram"...). */
void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help);

/*
 * One sample: name{k1="v1",...} value. Labels are NULL-terminated key/value
 * pairs; values are escaped as the format requires. Integers print exactly.
 */
void metrics_sample_u64(struct metrics_out *o, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
void metrics_sample_double(struct metrics_out *o, const char *name, double value, ...)
	__attribute__((sentinel));

/* Render every source into a string (for tests and the "metrics" control command); free() it. */
char *metrics_render(struct metrics *m, size_t *len);

#endif /* SWERVE_METRICS_H */
