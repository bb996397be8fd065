/* SPDX-License-Identifier: BSD-3-Clause */
/* Names and finders over the failover data model: the lowest failover file, it calls no other. */

#ifndef SWERVE_FAILOVER_LOOKUP_H
#define SWERVE_FAILOVER_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "failover_int.h"

/*
 * Callers: every other file of control/failover/ (state file, events,
 * publishing, operator commands). Thread: the control thread, like all of
 * struct failover; these functions only read it.
 */

/* CLOCK_REALTIME in milliseconds, for event and check times shown to operators. */
uint64_t fo_realtime_ms(void);

/* "A", "AAAA" (or "?") for a record type. */
const char *fo_type_name(uint16_t type);

/* Pool @pool's configured name, or "pool<N>" written into @buf when it has none. */
const char *fo_pool_name(const struct fo_record *r, int pool, char *buf, size_t len);

/* A pool name, "servfail" (FO_SERVE_NONE) or "serve-all" (FO_SERVE_ALL). */
const char *fo_serving_name(const struct fo_record *r, int serving, char *buf, size_t len);

/* Records called @name (any case, final dot optional); @type 0 matches both types. */
struct fo_record *fo_record_find(struct failover *f, const char *name, uint16_t type,
				 size_t *nmatch);

/* By name first; then by address, compared in binary so any IPv6 spelling matches. */
struct fo_endpoint *fo_endpoint_find(struct fo_record *r, const char *name_or_addr);

/* A pool by name, or by a decimal index; -1 when there is none. */
int fo_pool_find(const struct fo_record *r, const char *name_or_index);

#endif /* SWERVE_FAILOVER_LOOKUP_H */
