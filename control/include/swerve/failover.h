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
 * One struct failover holds every failover record of the config (docs/failover.md
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
 * select. No check runs before failover_start(). @cfg and @loop must
 * outlive the result. On failure (SW_ECONFIG: a bad name, a type other than
 * A/AAAA, an address of the wrong family, a record or endpoint name given
 * twice, a tcp check without a port; -ENOMEM) @diag says why, *@out is NULL
 * and nothing is allocated. Nothing is written to the state file here: it
 * is written (atomically: temp file, fsync, rename) only by the commands
 * that change an override.
 */
int failover_new(const struct swerve_config *cfg, struct evloop *loop, struct failover **out,
		 struct sw_diag *diag);

/*
 * The slots to bind into every snapshot, in record order (valid until
 * failover_free()). The same pointers for the object's whole life, so a
 * zone reload binds the slots (and their state) again.
 */
size_t failover_slots(const struct failover *f, struct rrt_slot *const **slots);

/*
 * Start the health checks (after the first snapshot is published): each
 * non-manual endpoint's first probe at a random point of the first
 * min(interval, 1 s), then every interval +-5 %. Calling it again does nothing.
 */
int failover_start(struct failover *f);

/*
 * Commands (request members in brackets):
 *   failover-list                      every record: serving pool, served addresses, TTL, mode
 *   failover-show   {name}             one record (both A and AAAA when the name has both;
 *                                      "name/AAAA" picks one): endpoints with health, counters,
 *                                      last check
 *   endpoint-drain  {endpoint, record?} drain (by name or address) in that record, or in
 *                                      every record that has the endpoint
 *   endpoint-undrain {endpoint, record?}
 *   endpoint-set    {record, endpoint, state: "up"|"down"}  manual checks only
 *   failover-force  {name, pool}       pool name or 0-based index
 *   failover-auto   {name}
 *   events          {count?, record?}  the latest events, oldest first (default 50)
 * Mutations persist to the state file first and change nothing if that fails.
 * The command array lives inside @f: call ctl_close() before failover_free().
 */
int failover_ctl_register(struct failover *f, struct ctl *c);

/*
 * Families (labels record, endpoint where it applies, type): swerve_endpoint_up,
 * swerve_endpoint_drained, swerve_failover_transitions_total,
 * swerve_failover_publishes_total, swerve_failover_pool (-1 SERVFAIL, -2
 * all-down serve-all), swerve_health_checks_total{result="ok"|"fail"},
 * swerve_health_check_duration_seconds (histogram). Call metrics_close()
 * before failover_free().
 */
int failover_metrics_register(struct failover *f, struct metrics *m);

/*
 * Stop checks and free everything, slots included. Call only once no
 * published or unreclaimed snapshot refers to the slots, and before
 * evloop_free(). RRsets replaced earlier are freed by call_rcu: a caller
 * that exits afterwards runs rcu_barrier() (offline) to see them go.
 * NULL is a no-op.
 */
void failover_free(struct failover *f);

/*
 * Configuration reload (docs/configuration.md, "Reloading the
 * configuration"). failover_adopt(): @to, just built by failover_new() from
 * the new config and not started, takes over from @from (running) the state
 * of every record with the same name and type, and of every endpoint in it
 * with the same name, pool, address, probe target and check: health and
 * rise/fall progress, drain, the last result, counters, a forced pool (by
 * name), and the event history. Its slots then serve what that state
 * selects, without a transition being logged: clients saw no change.
 * @st counts what was kept and what starts afresh.
 */
struct failover_adopted {
	unsigned records_kept, records_new, records_removed;
	unsigned endpoints_kept, endpoints_new;
};
void failover_adopt(struct failover *to, const struct failover *from,
		    struct failover_adopted *st);

/*
 * Detach @f from its loop: timers, probes in flight and the health-check
 * machinery go; the slots keep serving what they serve. What is left may be
 * freed by failover_free() on any thread, once no snapshot can reach the
 * slots. Thread: the control thread.
 */
void failover_stop(struct failover *f);

/* Remove the commands failover_ctl_register() added (before a replacement registers its own). */
void failover_ctl_unregister(struct failover *f, struct ctl *c);

#endif /* SWERVE_FAILOVER_H */
