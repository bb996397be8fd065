/* SPDX-License-Identifier: BSD-3-Clause */
/* The zone loader: parses zone files and builds snapshots on a thread of its own, off the control loop. */

#ifndef SWERVE_LOADER_H
#define SWERVE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swerve/error.h"

struct evloop;
struct metrics;
struct rrt;
struct rrt_root;
struct rrt_slot;
struct swerve_config;

/*
 * The loader owns the parsed form of every configured zone, so reloading
 * one zone re-parses only its file and rebuilds the snapshot from the
 * zones it already holds plus the failover slots (docs/design.md ("The record table")). A
 * reload is atomic: a parse or build failure changes nothing, the zones
 * held and the snapshot served stay as they were, and the result says
 * which file and line failed and why.
 *
 * Threads: loader_new() and loader_free() run on the control thread with
 * the loader thread not running or stopping; everything else is the
 * control thread except the parsing and building, which happen on the
 * loader thread. Requests cross to it through a queue; results come back
 * through an eventfd watched by the control thread's evloop, whose
 * callback publishes the new snapshot (rrt_publish()) and hands the
 * replaced one back to the loader thread, which waits for the grace period
 * (rrt_reclaim()) there: the control thread never waits for readers.
 */
struct loader;

/* What is known about one configured zone, as the control thread sees it. */
struct loader_zone_info {
	const char *name;	/* As configured (cfg->zones[i].name). */
	const char *file;	/* The zone file, resolved. */
	char apex[256];		/* Presentation form with the trailing dot, lowercase; "" before a load. */
	uint32_t serial;	/* SOA serial of the zone served. */
	uint32_t sig_expire;	/* The earliest RRSIG expiration (Unix time); 0 unsigned. */
	uint32_t names;		/* Owner names (empty non-terminals included) in the served table. */
	uint64_t records;	/* Records parsed from the file(s). */
	double load_time;	/* Wall clock (seconds since the epoch) of the last successful load. */
	uint64_t loads;		/* Successful loads, the first included. */
	uint64_t failures;	/* Refused reloads. */
	char last_error[800];	/* "file:line: reason" of the last refused reload; "" when none since. */
	bool served;		/* In the served snapshot. Always, for a primary zone; a secondary
				   zone is not before its first copy nor once expired (REFUSED). */
};

/* The outcome of one reload request, handed to the done callback on the control thread. */
struct loader_result {
	uint64_t cookie; /* The caller's, from loader_reload(). */
	int zone;	 /* The zone index reloaded, or -1 for every zone. */
	int rc;		 /* 0: published; negative: refused, nothing changed. */
	char error[800]; /* With rc < 0: "file:line: reason". */
	uint64_t generation; /* With rc == 0: the generation of the snapshot published. */
	/*
	 * The parse of the zones after a start from the table image (cookie 0,
	 * zone -1). rc == 0 with generation 0: the image's table was theirs and
	 * still serves; rc < 0: it serves on, and every request waits for the
	 * files to load.
	 */
	bool image;
};

typedef void (*loader_done_fn)(void *arg, const struct loader_result *res);

/*
 * Parse every zone of @cfg and build the first snapshot (a secondary zone
 * whose local copy is missing or does not load is left out, not an error), binding @nslots
 * failover slots (which must outlive the loader), in the calling thread.
 * On success *@table is the snapshot to publish (owned by the caller) and
 * the loader holds the parsed zones; on failure nothing is allocated and
 * @diag says which file and line failed. With no zones configured the
 * snapshot is NULL. @cfg must outlive the loader.
 *
 * With LOADER_FROM_IMAGE, the table image (cfg->table_image) is served
 * instead when it matches the zone files and failover records; the zones
 * are then parsed by the loader thread before anything else it does
 * (docs/table-image.md). Only a start uses it: a reload re-reads the files.
 */
#define LOADER_FROM_IMAGE 0x1
int loader_new(const struct swerve_config *cfg, struct rrt_slot *const *slots, size_t nslots,
	       unsigned flags, struct loader **out, struct rrt **table, struct sw_diag *diag);

/*
 * Start the loader thread. Reload results are published into @root and then
 * reported to @done on @loop's thread. The first snapshot (from loader_new())
 * must already be published into @root by the caller.
 */
int loader_start(struct loader *l, struct evloop *loop, struct rrt_root *root,
		 loader_done_fn done, void *arg);

/*
 * Queue a reload of zone @zone (an index in cfg->zones) or of every zone
 * (-1). @done runs once for it, with @cookie. Returns 0 or a negative code
 * (nothing queued): -ENOMEM, -ERANGE for a bad index, -ESHUTDOWN when the
 * thread is not running.
 */
int loader_reload(struct loader *l, int zone, uint64_t cookie);

/*
 * Queue the serving of @z, zone @zone already parsed (a secondary zone's
 * transfer, parsed by xfr_zone_parse()), in place of what the zone holds:
 * the same build and atomic swap as loader_reload(), without reading the
 * file. The loader takes @z over in every case (freed on failure). Returns
 * as loader_reload().
 */
struct zone;
int loader_install(struct loader *l, int zone, struct zone *z, uint64_t cookie);

/*
 * Queue the removal of zone @zone from the snapshot (a secondary zone that
 * expired): its names are answered REFUSED until a loader_reload() of
 * that zone serves it again; a reload of every zone leaves it out. @done
 * runs once, as for a reload. Returns as loader_reload().
 */
int loader_unload(struct loader *l, int zone, uint64_t cookie);

/* The index of the zone named @name (trailing dot and case ignored), or -1. */
int loader_zone_index(const struct loader *l, const char *name);

/* Per-zone state as of the last published result; @n receives the count. */
const struct loader_zone_info *loader_zones(const struct loader *l, size_t *n);

/*
 * Reloads queued or running and not yet reported, plus one while the
 * loader thread saves a table image after a build (docs/table-image.md).
 */
unsigned loader_pending(const struct loader *l);

/*
 * Have the loader thread wait for a grace period and free @old (may be
 * NULL). Without a running thread it is done in the caller, which must be
 * an offline or unregistered QSBR thread.
 */
void loader_reclaim(struct loader *l, struct rrt *old);

/*
 * Replaced snapshots not yet freed (queued for the loader thread or waiting
 * there for a grace period: a stuck worker makes this grow) and the bytes
 * they hold. Thread: any (relaxed atomic loads).
 */
void loader_reclaim_held(const struct loader *l, uint64_t *snapshots, uint64_t *bytes);

/* swerve_zone_serial{zone}, swerve_zone_load_timestamp_seconds{zone} and reload counters. */
int loader_metrics_register(struct loader *l, struct metrics *m);

/*
 * Stop the thread: queued reclaims are completed, queued reloads dropped
 * (their callbacks never run), unpublished results freed. Then free the
 * parsed zones. Safe on NULL.
 */
void loader_free(struct loader *l);

/*
 * Take @l off its loop, once it has nothing pending (loader_pending() == 0)
 * and another loader has taken over the root (a configuration reload): its
 * thread goes on reclaiming what it was handed, and loader_free() may then
 * run on any thread. Thread: the control thread.
 */
void loader_detach(struct loader *l);

/*
 * Take zone @zone's parsed form out of @l (NULL when it holds none), for
 * another loader to serve (loader_install()): a configuration reload keeps
 * the copy a secondary zone got from its primaries when its local copy is
 * older or missing. Only while nothing is pending (the loader thread then
 * never touches the zones). Thread: the control thread.
 */
struct zone *loader_take_zone(struct loader *l, int zone);

#endif /* SWERVE_LOADER_H */
