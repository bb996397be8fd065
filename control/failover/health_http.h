/* SPDX-License-Identifier: BSD-3-Clause */
/* The http and https probes (health_http.c): libcurl's multi handle on the loop, for health.c. */

#ifndef SWERVE_HEALTH_HTTP_H
#define SWERVE_HEALTH_HTTP_H

#include "health_probe.h"

/*
 * Callers: health.c (health_new(), health_free(), health_probe_start()).
 * Thread: the loop's thread.
 */

/* Set up libcurl's multi handle on @h's loop; undone by health_http_fini(). */
int health_http_init(struct health *h);
void health_http_fini(struct health *h);

/* Start an http(s) probe; failures after @p exists are reported through finish_later. */
void health_http_start(struct health_probe *p, const struct health_spec *spec);

#endif /* SWERVE_HEALTH_HTTP_H */
