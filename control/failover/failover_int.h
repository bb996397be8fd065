/* SPDX-License-Identifier: BSD-3-Clause */
/* The failover data model (records, endpoints, selections, events) all failover files read. */

#ifndef SWERVE_FAILOVER_INT_H
#define SWERVE_FAILOVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "swerve/config.h"
#include "swerve/ctl.h"
#include "swerve/dname.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/health.h"

/*
 * Types and constants only: each file's functions are declared in its own
 * header (failover_lookup.h, failover_state.h, failover_publish.h,
 * failover_core.h, failover_ops.h, failover_ctl.h), lowest first.
 */

/* The record types a failover record can have. */
#define FO_TYPE_A    1
#define FO_TYPE_AAAA 28

/*
 * Bounded event history. 1024 transitions cover hours of a flapping
 * record and days of normal operation while costing ~400 KiB.
 */
#define FO_EVENTS_MAX 1024

/*
 * At most one slot publish per record per window. 50 ms is far below any
 * TTL and below a health interval (>= 100 ms), so a decision is never
 * noticeably late, while a manual check flipped 1000 times a second reaches
 * the workers as at most 20 swaps (each one a call_rcu and a cache miss
 * for every worker).
 */
#define FO_COALESCE_MS 50

/* rrt_slot "serving" values besides a pool index. */
#define FO_SERVE_NONE -1 /* Slot NULL: SERVFAIL. */
#define FO_SERVE_ALL  -2 /* All-down "serve-all": every non-drained endpoint. */

/* Latency buckets (seconds) of swerve_health_check_duration_seconds. */
#define FO_LAT_BUCKETS 10

/* Control commands (failover_ctl.c). */
#define FO_NCMDS 8

#define FO_NAME_TEXT 256
#define FO_REASON    160

struct failover;
struct fo_record;

/* One endpoint of one record: what it serves, how it is probed, what it is. */
struct fo_endpoint {
	struct fo_record *rec;
	const struct cfg_endpoint *cfg;
	unsigned pool;	/* Index of its pool in rec->cfg->pools. */
	unsigned index; /* Index in rec->eps (config order, pools in order). */
	char name[64];	/* cfg->name, or the address text when the config gave none. */
	char addr_text[INET6_ADDRSTRLEN];
	uint8_t rdata[16]; /* A or AAAA RDATA. */
	uint16_t rdlen;
	struct health_spec spec; /* Probe target; strings borrowed from the config. */
	char target_text[INET6_ADDRSTRLEN + 8]; /* "addr:port" probed, for failover-show. */

	/* Health (rise/fall) and operator state. */
	bool up;
	bool drained;
	uint32_t succ; /* Consecutive successes. */
	uint32_t fail; /* Consecutive failures. */
	bool checked;  /* At least one result (or endpoint-set) since start. */
	bool last_ok;
	char last_reason[FO_REASON];
	uint32_t last_latency_us;
	uint64_t last_check_ms;	 /* CLOCK_REALTIME ms of the last result; 0 = never. */
	uint64_t last_change_ms; /* CLOCK_REALTIME ms of the last up/down change; 0 = never. */

	/* Scheduling: one timer, at most one probe in flight. */
	struct evloop_timer timer;
	struct health_probe *probe;
	uint64_t skipped; /* Ticks skipped because a probe was still in flight. */
};

/* The selection a record serves: which endpoints and with which TTL. */
struct fo_sel {
	int serving;   /* Pool index, FO_SERVE_ALL or FO_SERVE_NONE. */
	bool all_down; /* Chosen by the all-down policy (nothing up and not drained). */
	uint32_t ttl;
	bool degraded;
	uint8_t *served; /* Per endpoint: 1 = in the RRset. Owned by the record. */
};

struct fo_record {
	struct failover *f;
	const struct cfg_failover *cfg;
	unsigned index;
	char name[FO_NAME_TEXT]; /* Lowercase presentation form with the final dot. */
	uint8_t wire[DNAME_MAXLEN];
	size_t wire_len;
	struct rrt_slot *slot;
	struct fo_endpoint *eps;
	size_t neps;
	int forced; /* Forced pool index, or -1 for auto (health-driven). */

	/* What the slot serves now (published), and its buffer. */
	struct fo_sel pub;
	struct fo_sel next;	       /* Scratch for fo_select(). */
	struct evloop_timer pub_timer; /* Armed while a publish waits for its window. */
	uint64_t last_pub_ms;	       /* Monotonic time of the last slot swap, 0 = none yet. */

	/*
	 * Online signing (failover_sign.c): the zone's signer, NULL in an
	 * unsigned zone; when what the slot serves stops being valid (Unix
	 * time); what the last fo_build() made would (moved to sig_expire when
	 * that RRset is published).
	 */
	struct zone_signer *signer;
	uint32_t sig_expire;
	uint32_t built_expire;

	/* Counters for metrics and tests. */
	uint64_t publishes;   /* Slot swaps after the initial RRset. */
	uint64_t transitions; /* Changes of the served pool (or policy), see readme. */
	uint64_t checks_ok;
	uint64_t checks_fail;
	uint64_t lat_bucket[FO_LAT_BUCKETS + 1]; /* Cumulative at render time; +Inf last. */
	double lat_sum_s;
};

/* One entry of the event history. */
struct fo_event {
	uint64_t seq;
	uint64_t time_ms;   /* CLOCK_REALTIME. */
	const char *record; /* fo_record.name: lives as long as struct failover. */
	uint16_t type;
	char endpoint[64]; /* "" for record-level events (serving pool, force/auto). */
	char from[32];
	char to[32];
	char reason[FO_REASON];
};

struct fo_events {
	struct fo_event *ring; /* FO_EVENTS_MAX entries. */
	uint64_t next_seq;     /* Sequence number of the next event; starts at 1. */
};

struct zone_signer;

struct failover {
	const struct swerve_config *cfg;
	struct evloop *loop;
	struct health *health;
	struct fo_record *recs;
	size_t nrecs;
	struct rrt_slot **slots;
	struct fo_events events;
	bool started;
	/* A check timer that could not be armed is retried from this one, kept armed from start. */
	struct evloop_timer rearm_timer;
	bool rearm_pending;
	uint64_t rng;
	struct ctl_cmd cmds[FO_NCMDS]; /* Registered with the control socket; must outlive it. */
	/* One per configured zone (NULL: no keys, or no failover record in it). */
	struct zone_signer **signers;
	struct evloop_timer resign_timer; /* Renews signatures before they expire. */
	uint64_t resigns;		  /* Slot swaps made only to renew signatures. */
};

#endif /* SWERVE_FAILOVER_INT_H */
