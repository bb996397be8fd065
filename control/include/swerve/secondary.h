/* SPDX-License-Identifier: BSD-3-Clause */
/* Secondary zones: refresh, retry and expiry timers, transfers on a thread of their own, NOTIFY. */

#ifndef SWERVE_SECONDARY_H
#define SWERVE_SECONDARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "swerve/xfr.h"

struct evloop;
struct loader;
struct loader_result;
struct metrics;
struct swerve_config;
struct zone;

/*
 * One state machine per configured zone that has primaries (RFC 1034 4.3.5,
 * RFC 1996), on the control thread's loop:
 *
 *   start      a local copy that loaded is served at once; a refresh is
 *              due at once (the copy may be old).
 *   refresh    SOA query to each primary in turn; a newer serial (RFC 1982)
 *              gets a transfer (IXFR from the records held, AXFR fall-back
 *              in xfr_transfer()); the new zone is written atomically over
 *              the local copy and then reloaded by the loader: served with
 *              the same atomic swap as a zone-reload. The next refresh is
 *              REFRESH seconds later, or RETRY after a failure.
 *   expire     no successful refresh for EXPIRE seconds: the zone is
 *              dropped from the snapshot (its names REFUSED) until a
 *              refresh succeeds again.
 *
 * Timers come from the SOA held unless the config overrides them; until a
 * zone has data, attempts repeat every RETRY (the override, or 30 s).
 * The last successful refresh time is the local copy's modification time
 * (touched when the primary says the zone is current), so expiry survives
 * a restart.
 *
 * A transfer that fails or is cut off, a primary's garbage or an older
 * serial changes nothing served; the error is kept for status. Transfers
 * run on one thread owned by this module, one at a time; the control loop
 * never blocks. Thread: every function here, the control thread.
 */
struct secondary;

/* The network and disk operations, replaceable by tests. NULL members: the xfr_*() functions. */
struct secondary_ops {
	int (*soa_serial)(const struct xfr_primary *p, const char *zone, uint32_t timeout_ms,
			  uint32_t *serial, char *err, size_t errlen);
	int (*transfer)(const struct xfr_primary *p, const char *zone, const ldns_rr_list *current,
			bool ixfr, uint32_t timeout_ms, struct xfr_result *res, char *err,
			size_t errlen);
	int (*zone_write)(const char *path, const char *zone, const ldns_rr_list *rrs, char *err,
			  size_t errlen);
	int (*zone_read)(const char *path, const char *zone, ldns_rr_list **out, char *err,
			 size_t errlen);
	int (*zone_parse)(const char *zone, const ldns_rr_list *rrs, struct zone **out, char *err,
			  size_t errlen);
	uint32_t ms_per_s; /* Length of a timer "second" in ms (tests shrink it); 0: 1000. */
};

/* What status and zone-list show of one secondary zone. */
struct secondary_info {
	bool busy;		 /* A refresh or transfer is running. */
	bool have_data;		 /* A version is (or was, before expiry) served. */
	bool expired;		 /* Past expire without a successful refresh: not served. */
	uint32_t serial;	 /* Of the records held (0 without). */
	double last_refresh;	 /* Wall clock of the last successful refresh, 0: never. */
	double last_transfer;	 /* Wall clock of the last transfer served, 0: none. */
	const char *last_kind;	 /* "axfr", "ixfr" or NULL. */
	double next_refresh;	 /* Wall clock of the next attempt, 0: none planned. */
	double expires;		 /* Wall clock of expiry, 0: no data. */
	const char *last_error;	 /* "" when the last attempt succeeded. */
	char primary[64];	 /* The primary of the last transfer, "ADDR#PORT". */
	uint64_t transfers[2];	 /* Served transfers: [0] AXFR, [1] IXFR. */
	uint64_t failures;	 /* Refreshes or transfers that failed. */
	uint64_t notifies;	 /* NOTIFYs accepted for this zone. */
	uint64_t limit_aborts;	 /* Transfers aborted over xfr.max-size or xfr.max-records. */
	uint64_t write_failures; /* Writes of the local copy that failed. */
	bool copy_stale;	 /* The local copy on disk is older than the zone served. */
	uint32_t copy_serial;	 /* Serial of the local copy on disk (0: none known). */
	const char *copy_error;	 /* "" unless the last write of the local copy failed. */
};

/*
 * Set up a state machine for every zone of @cfg with primaries. Nothing
 * runs before secondary_start(). @ops may be NULL. Returns 0, or a
 * negative code (nothing allocated).
 */
int secondary_new(const struct swerve_config *cfg, struct loader *l, struct evloop *loop,
		  const struct secondary_ops *ops, struct secondary **out);

/* Start the transfer thread and the first refresh of every zone. */
int secondary_start(struct secondary *s);

/*
 * Receive NOTIFY on UDP port @port of each of @cfg's service addresses
 * (IP_FREEBIND: the addresses live on the exception interface, which may
 * come up later), on the loop given to secondary_new(). Without secondary
 * zones nothing is opened.
 */
int secondary_notify_open(struct secondary *s, uint16_t port);

/*
 * Handle one NOTIFY message @msg from @from: answer in @resp (returns the
 * length, 0 for no answer) and have the control thread start a refresh
 * when it is accepted. For the UDP socket handler, and callable from any
 * thread once secondary_new() returned (it reads only what never changes,
 * counts with atomics and wakes the loop): the TCP listener's thread may
 * pass it a NOTIFY that came over TCP, as Knot 3 sends them.
 */
size_t secondary_notify_input(struct secondary *s, const uint8_t *msg, size_t len,
			      const struct sockaddr *from, uint8_t *resp, size_t cap);

/* Loader cookies of this module: even and non-zero (swerved's own are 0 and odd). */
static inline bool
secondary_cookie_is(uint64_t cookie)
{
	return cookie != 0 && (cookie & 1) == 0;
}

/* The daemon's loader callback passes the results carrying secondary_cookie_is() cookies here. */
void secondary_loader_done(struct secondary *s, const struct loader_result *res);

/*
 * Refresh zone @zone (an index in cfg->zones) now: SOA check then IXFR or
 * AXFR, or with @axfr a full AXFR whatever the serials. Returns 0, -EINVAL
 * when the zone is not a secondary one; when a transfer is running the
 * refresh follows it.
 */
int secondary_refresh(struct secondary *s, int zone, bool axfr);

/* The state of zone @zone (index in cfg->zones), or NULL for a primary zone. */
const struct secondary_info *secondary_zone_info(const struct secondary *s, int zone);

/* swerve_xfr_* and swerve_notify_* families. */
int secondary_metrics_register(struct secondary *s, struct metrics *m);

/* Stop the thread (a transfer in flight is waited for, within its timeout) and free. NULL-safe. */
void secondary_free(struct secondary *s);

#endif /* SWERVE_SECONDARY_H */
