/* SPDX-License-Identifier: BSD-3-Clause */
/* What a failover record serves: pool selection, its RRset, and swapping it into the slot. */

#ifndef SWERVE_FAILOVER_PUBLISH_H
#define SWERVE_FAILOVER_PUBLISH_H

#include <stdbool.h>

#include "failover_int.h"

struct rrt_rrset;

/*
 * Callers: failover.c (the initial RRset, check results), failover_ops.c
 * (operator overrides), the unit test and the fuzz target. Thread: the
 * control thread (a registered QSBR thread; the slot swap brackets itself
 * online as call_rcu() requires).
 */

/* What @r should serve now, into @sel (docs/failover.md, "Selection"). */
void fo_select(const struct fo_record *r, struct fo_sel *sel);

/* The RRset for @sel, or NULL (on failure too: *@err says). Duplicate addresses collapse. */
struct rrt_rrset *fo_build(struct fo_record *r, const struct fo_sel *sel, int *err);

/* Swap the slot when the selection differs from what it serves; a failure retries later. */
void fo_record_publish(struct fo_record *r);

/* The evloop timer callback of r->pub_timer (@arg is the record). */
void fo_publish_timer(void *arg);

/* Something that may change @r's selection happened: publish now or at the window's end. */
void fo_record_changed(struct fo_record *r);

/* @ep went up or down: record the change (log, event) and republish its record. */
void fo_endpoint_flip(struct fo_endpoint *ep, bool up, const char *reason);

/*
 * Build and swap in again what the slot serves now, with fresh signatures
 * (failover_sign.c's renewal). Returns 0 or the build's error.
 * Thread: the control thread.
 */
int fo_record_resign(struct fo_record *r);

/*
 * Make the slot serve what @r's state selects now, without counting or
 * logging a transition: for a record whose state was just carried over from
 * the previous configuration (failover_adopt()), whose clients never saw the
 * initial selection. Returns 0 or the build's error (the slot unchanged).
 * Thread: the control thread.
 */
int fo_record_restate(struct fo_record *r);

#endif /* SWERVE_FAILOVER_PUBLISH_H */
