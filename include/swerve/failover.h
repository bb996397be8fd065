/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover records: health state per endpoint, pool selection, and the RRset served through a slot. */

#ifndef SWERVE_FAILOVER_H
#define SWERVE_FAILOVER_H

#include <stddef.h>
#include <stdint.h>

struct ctl;
struct evloop;
struct metrics;
struct rrt_slot;
struct sw_diag;
struct swerve_config;

/*
 * One struct failover holds every failover record of the config (DESIGN.md
 * section 5). Each record owns one rrt_slot that the daemon binds into every
 * snapshot it builds (rrt_build(..., slots, nslots, ...)), so a zone reload
 * keeps the record's state. A health decision rebuilds the record's RRset
 * and swaps it into the slot (rrt_slot_replace(): RCU, old freed after a
 * grace period): the workers never wait, and the table is not rebuilt.
 *
 * Thread: every function, the control thread, which is a registered QSBR
 * thread (rcu_register_thread()) and kept offline except inside explicit
 * rcu_thread_online()/rcu_thread_offline() brackets. failover.c brackets its
 * own rrt_slot_replace() calls as call_rcu() requires.
 */
struct failover;

/*
 * Build the records of @cfg (cfg->failovers): one slot each, serving what
 * the initial state and saved overrides (cfg->failover_state_file, when it
 * exists and parses; a bad state file is logged and ignored, never fatal)
 * select. No check runs before failover_start(). @cfg must outlive the
 * result. On failure @diag says why and nothing is allocated.
 */
int failover_new(const struct swerve_config *cfg, struct evloop *loop, struct failover **out,
		 struct sw_diag *diag);

/* The slots to bind into every snapshot, in record order (valid until failover_free()). */
size_t failover_slots(const struct failover *f, struct rrt_slot *const **slots);

/* Start the health checks (after the first snapshot is published). */
int failover_start(struct failover *f);

/*
 * Commands: failover-list, failover-show, endpoint-drain, endpoint-undrain,
 * failover-force, failover-auto, endpoint-set (manual checks), events.
 */
int failover_ctl_register(struct failover *f, struct ctl *c);

/* swerve_endpoint_up, swerve_failover_transitions_total, swerve_failover_pool, check latency. */
int failover_metrics_register(struct failover *f, struct metrics *m);

/*
 * Stop checks and free everything, slots included. Call only once no
 * published or unreclaimed snapshot refers to the slots.
 */
void failover_free(struct failover *f);

#endif /* SWERVE_FAILOVER_H */
