/* SPDX-License-Identifier: BSD-3-Clause */
/* Operator overrides of failover records: drain, force a pool, set a manual endpoint. */

#ifndef SWERVE_FAILOVER_OPS_H
#define SWERVE_FAILOVER_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "failover_int.h"

/*
 * Each validates, applies, persists (fo_state_save()), and undoes itself if
 * saving fails; @who names the operator in logs and events. Callers: the
 * command handlers in failover_ctl.c, the unit test and the fuzz target.
 * Thread: the control thread.
 */

/* Drain (or undrain) @eps. Returns how many changed, or a negative code. */
int fo_drain(struct failover *f, struct fo_endpoint *const *eps, size_t n, bool drain,
	     const char *who);

/* Force @pool (-1: back to auto). Returns 1 when the mode changed, 0 when it already was. */
int fo_force(struct failover *f, struct fo_record *r, int pool, const char *who);

/* endpoint-set on manual endpoints (-EINVAL for any other). Returns how many changed state. */
int fo_manual_set(struct failover *f, struct fo_endpoint *const *eps, size_t n, bool up,
		  const char *who);

#endif /* SWERVE_FAILOVER_OPS_H */
