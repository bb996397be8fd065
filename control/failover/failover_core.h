/* SPDX-License-Identifier: BSD-3-Clause */
/* failover.c's functions for the other failover files: check results and their latency buckets. */

#ifndef SWERVE_FAILOVER_CORE_H
#define SWERVE_FAILOVER_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "failover_int.h"

/* Latency bucket bounds in seconds (the exposition adds +Inf); read by failover_ctl.c's metrics. */
extern const double fo_lat_bounds[FO_LAT_BUCKETS];

/*
 * One probe result for @ep: counters, then the rise/fall hysteresis.
 * Callers: the probe callback in failover.c, the unit test, the fuzz
 * target and the benchmark. Thread: the control thread.
 */
void fo_endpoint_result(struct fo_endpoint *ep, bool ok, uint32_t latency_us, const char *reason);

#endif /* SWERVE_FAILOVER_CORE_H */
