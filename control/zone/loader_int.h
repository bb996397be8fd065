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
	/*
	 * Started from the table image (loader_image.c): the zones are not
	 * parsed yet, and @image holds what the served table was compiled
	 * from. The loader thread's first request parses them.
	 */
	bool unparsed;
	struct rrt_image *image;
	/*
	 * The snapshot the last build made, while its table image is still to
	 * be saved (l->zones are its zones until the next build). The loader
	 * thread saves it once the snapshot is handed over for publishing, so
	 * nobody waits for the write: not a start's first answer, not a
	 * reload's. Nothing frees it meanwhile: a replacement is built or
	 * reclaimed on this same thread, and a reconfiguration waits for
	 * loader_pending(), which counts the save (@saving).
	 */
	const struct rrt *save;
	bool saving; /* Atomic: set before the build's result is handed over. */

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
	bool stop; /* Written under mu, with an atomic store: also read without it. */
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

/* Whether zone @i is a secondary zone. */
bool loader_secondary(const struct loader *l, size_t i);

/* Whether the first build serves zone @i: a secondary zone only when it has a local copy. */
bool loader_served_first(const struct loader *l, size_t i);

/*
 * Parse zone @i from its file into *@out: 0, or a negative code with @d
 * set. With @first (the first build, or the parse behind a start from the
 * table image) a secondary zone whose local copy does not load is left out
 * instead (0, *@out NULL), with a warning and the error in its state.
 */
int loader_parse(struct loader *l, size_t i, bool first, struct zone **out, struct sw_diag *d,
		 char *err, size_t errlen);

/*
 * Build a snapshot from the zones of @next (NULL entries left out); its
 * table image is then l->save's, for loader_image_save().
 */
int loader_build_table(struct loader *l, struct zone **next, struct rrt **out, struct sw_diag *d);

/*
 * Save l->save as the table image (docs/table-image.md) when one is
 * configured and the files alone reproduce it, then clear l->save and
 * l->saving. Thread: the loader thread.
 */
void loader_image_save(struct loader *l);

/* Count the names per zone of @t into tinfo; @map: table zone -> configuration index. */
void loader_count_names(struct loader *l, const struct rrt *t, const size_t *map, size_t nmap);

/* The state of zone @i after @z was loaded at wall-clock time @now. */
void loader_info_loaded(struct loader_zone_info *zi, const struct zone *z, double now);

/* Wall-clock time, for load_time; monotonic time, for durations in messages. */
double loader_wall_now(void);
double loader_mono_now(void);

/*
 * loader_image.c. At start (loader_new()): serve the table image when it
 * matches the configuration and the zone files; 1 and *@out when it does,
 * 0 to parse (why is logged). Never fatal.
 */
int loader_image_open(struct loader *l, struct rrt **out);

/*
 * After a start from the image, parse the zones the table was compiled
 * from, as the first build would. *@out: a new snapshot when the files
 * changed meanwhile, NULL when the served one is still theirs (@out NULL:
 * the caller builds one itself, no need to). 0, or a
 * negative code with @err set: the image's table goes on serving.
 */
int loader_image_parse(struct loader *l, struct rrt **out, char *err, size_t errlen);

#endif /* SWERVE_LOADER_INT_H */
