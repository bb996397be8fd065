/* SPDX-License-Identifier: BSD-3-Clause */
/* The secondary zones' data model (zones, jobs, queues) every secondary*.c file reads. */

#ifndef SWERVE_SECONDARY_INT_H
#define SWERVE_SECONDARY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "swerve/evloop.h"
#include "swerve/secondary.h"
#include "swerve/xfr.h"

/*
 * Types and constants only: each file's functions are declared in its own
 * header (secondary_xfr.h, secondary_core.h, secondary_notify.h).
 */

/* Before a zone has any data there is no SOA to take RETRY from. */
#define SEC_BOOT_RETRY_S 30

struct sec_zone;

/* One refresh, handed to the transfer thread and back. */
struct sec_job {
	struct sec_job *next;
	struct sec_zone *z;
	bool axfr;		     /* Forced AXFR (zone-retransfer). */
	bool read_local;	     /* First read the local copy back (after a start). */
	bool write_only;	     /* Only write @current to the local copy (after it is served). */
	bool rewrite;		     /* The local copy is older than @current: write it when nothing
					newer comes (a retry after a failed write). */
	const ldns_rr_list *current; /* Borrowed from the zone: untouched while the job runs. */
	/* Results. */
	int rc;
	bool uptodate;	       /* The primary's serial is not newer than ours. */
	struct xfr_result res; /* Transferred: the new zone (not yet on disk). */
	struct zone *parsed;   /* Transferred: res.rrs as the loader will serve it (loaded from the
				  exact text of the local copy-to-be). */
	bool wrote;	       /* The local copy was written (or tried: write_rc). */
	int write_rc;
	char write_err[256];
	ldns_rr_list *read;    /* read_local: the copy's records (or NULL). */
	double mtime;	       /* read_local: the copy's modification time. */
	int primary;	       /* Index of the primary that answered, or -1. */
	char err[512];
};

struct sec_queue {
	struct sec_job *head, *tail;
};

enum sec_load {
	SEC_LOAD_NONE = 0,
	SEC_LOAD_RELOAD, /* The loader re-reads the local copy. */
	SEC_LOAD_UNLOAD, /* The loader drops the zone (expired). */
};

struct sec_zone {
	struct secondary *s;
	int idx; /* In cfg->zones. */
	const struct cfg_zone *cz;
	char apex[256]; /* Lowercase, final dot. */
	struct xfr_primary *prims;
	struct xfr_tsig *tsigs; /* One per primary; prims[i].tsig points here or is NULL. */
	size_t nprims;

	ldns_rr_list *current; /* The records served (or held while expired), SOA first. */
	ldns_rr_list *pending; /* Transferred and parsed, waiting for the loader. */
	double pending_at;     /* Wall clock of its refresh: last_refresh once it is served. */
	enum xfr_kind pending_kind;
	int pending_primary;
	bool busy;		/* A job or a load is in flight. */
	bool again, again_axfr; /* A refresh was asked for meanwhile. */
	bool notified;		/* Under s->mu: a NOTIFY asked for a refresh (any thread). */
	enum sec_load load;
	bool started;	     /* The local copy has been looked at. */
	bool copy_stale;     /* The local copy is older than what is served (a write failed or
				is under way): written again after each refresh until it works. */
	uint32_t retry_boot; /* Retry before the zone has data. */

	struct evloop_timer refresh_t;
	struct evloop_timer expire_t;
	uint64_t next_ms;   /* Monotonic deadline of refresh_t, 0: not armed. */
	uint64_t expire_ms; /* Monotonic deadline of expiry, 0: no data. */

	struct secondary_info info;
	char last_error[512];
	char copy_error[512];
};

struct secondary {
	const struct swerve_config *cfg;
	struct loader *loader;
	struct evloop *loop;
	struct secondary_ops ops;
	struct sec_zone *zones;
	size_t nzones;
	int *by_cfg; /* cfg zone index -> zones[] index or -1. */

	pthread_t thread;
	bool running;
	int efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sec_queue req, res;
	bool stop;

	int *nfds; /* NOTIFY sockets. */
	size_t nnfds;
	/* Any thread (NOTIFY may come over TCP, on the TCP thread): atomics. */
	uint64_t notify_ok, notify_refused, notify_bad;
};

#endif /* SWERVE_SECONDARY_INT_H */
