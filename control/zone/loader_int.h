/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct loader, shared by loader.c (the thread, its queues, the public
 * calls) and loader_zones.c (which zones are held, what a build parses, the
 * per-zone state and metrics); and the one function loader_zones.c gives
 * loader.c. Which thread owns which member is written beside it.
 */

#ifndef SWERVE_LOADER_INT_H
#define SWERVE_LOADER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swerve/config.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

/* A request or a result; defined in loader.c, which alone reads it. */
struct loader_msg;

struct loader_queue {
	struct loader_msg *head, *tail;
};

struct loader {
	const struct swerve_config *cfg;
	struct rrt_slot *const *slots;
	size_t nslots;
	size_t nzones;

	/* Loader thread (or the caller of loader_new() before it starts). */
	struct zone **zones; /* The parsed zones the served snapshot was built from;
				NULL for a secondary zone not served (no copy yet, expired). */
	bool *dropped;	     /* Unloaded (expired): a reload of every zone leaves it out. */
	struct loader_zone_info *tinfo; /* State as the loader thread knows it. */
	/* Scratch for one build: the zones served, their config index, the slots inside them. */
	const struct zone **bz;
	size_t *bmap;
	struct rrt_slot **bslots;

	/* Control thread. */
	struct loader_zone_info *cinfo; /* State of what is published. */
	struct evloop *loop;
	struct rrt_root *root;
	loader_done_fn done;
	void *done_arg;
	unsigned pending;
	uint64_t published; /* Reloads published, for metrics. */
	uint64_t refused;   /* Reloads refused. */
	int efd;	    /* eventfd: the loader thread has results. */
	/*
	 * Replaced snapshots handed over for reclamation and not yet freed, and
	 * the bytes they hold. write: both threads (relaxed atomics); read: any
	 * (the watchdog reports them; a stuck worker makes them grow).
	 */
	uint64_t held_n;
	uint64_t held_bytes;
	bool running;
	pthread_t thread;

	/* Shared between the two threads, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct loader_queue req;
	struct loader_queue res;
	bool stop;
};

/*
 * Parse zone @zone (or every zone, -1) and build a snapshot from them and
 * the zones already held. On success the loader holds the new zones and
 * *@out is the snapshot; on failure nothing the loader holds has changed
 * and @err (@errlen octets) says why, as "file:line: reason".
 * @unload: drop zone @zone instead; @initial: the first build, where a bad
 * local copy of a secondary zone is left out rather than fatal; @given: zone
 * @zone as already parsed (a transfer), served instead of its file; taken
 * over (freed on failure). A reload of every zone (SIGHUP) re-reads primary
 * zones only: a secondary zone keeps what it holds, which came from its
 * primaries (and may be newer than its local copy).
 * Called by loader.c. Thread: the loader thread, or the caller of
 * loader_new() before the thread starts.
 */
int loader_build(struct loader *l, int zone, bool unload, bool initial, struct zone *given,
		 struct rrt **out, char *err, size_t errlen);

#endif /* SWERVE_LOADER_INT_H */
