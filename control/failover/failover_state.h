/* SPDX-License-Identifier: BSD-3-Clause */
/* The failover memory: the bounded event history and the persisted operator overrides. */

#ifndef SWERVE_FAILOVER_STATE_H
#define SWERVE_FAILOVER_STATE_H

#include <stddef.h>

#include "failover_int.h"

/*
 * Callers: failover.c (set-up, tear-down, loading the state file),
 * failover_publish.c (events), failover_ops.c (events, saving) and
 * failover_ctl.c (reading the history). Thread: the control thread.
 */

int fo_events_init(struct fo_events *ev);
void fo_events_fini(struct fo_events *ev);
void fo_event_add(struct failover *f, const struct fo_record *r, const char *endpoint,
		  const char *from, const char *to, const char *reason);
/* The @i-th oldest of the last @n events (i < n <= fo_events_count()). */
size_t fo_events_count(const struct fo_events *ev);
const struct fo_event *fo_events_get(const struct fo_events *ev, size_t n, size_t i);

/* Apply the state file's overrides (a bad file is logged and ignored). */
void fo_state_load(struct failover *f);
/* Write every override to the state file atomically; 0 or a negative code (logged). */
int fo_state_save(const struct failover *f);

#endif /* SWERVE_FAILOVER_STATE_H */
