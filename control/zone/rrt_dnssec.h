/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rrt_dnssec.c: the DNSSEC parts of a table being built (docs/dnssec.md).
 * Called by rrt_build.c from inside rrt_build(), on the building thread.
 */

#ifndef SWERVE_RRT_DNSSEC_H
#define SWERVE_RRT_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rrt_index.h"

/* RRSIGs covering one RRset: KSK and ZSK, doubled during a rollover, leave room to spare. */
#define BLD_MAX_SIGS 16

/*
 * RFC 9276 3.1: validators treat NSEC3 with more iterations as insecure,
 * and each one costs a worker a SHA-1 per proof. Above 0 a zone loads with a
 * warning; above this it is refused.
 */
#define BLD_NSEC3_MAX_ITERATIONS 150

/* Warn when a signature of the zone expires within this many seconds (7 days). */
#define BLD_SIG_WARN_S (7 * 86400)

/* True for an NSEC3 record and for an RRSIG that covers NSEC3: they live outside the nodes. */
bool bld_is_nsec3(const struct zone_rr *rr);

/*
 * The RRSIGs among @sigs[0..nsigs) (one owner's) that cover @type, copied to
 * @out (room for BLD_MAX_SIGS); returns how many there are, which may be
 * more than were copied.
 */
size_t bld_sigs_covering(const struct bld_ent *sigs, size_t nsigs, uint16_t type,
			 struct bld_ent *out);

/*
 * After the zones' entries exist: each zone's denial (NSEC when its apex has
 * an NSEC, NSEC3 when it has an NSEC3PARAM and NSEC3 records), the NSEC
 * chain in canonical order, the NSEC3 RRsets sorted by hash with their
 * parameters, and the earliest signature expiry (warned about when it is
 * past or within BLD_SIG_WARN_S). Refuses a zone whose NSEC3 iterations are
 * over BLD_NSEC3_MAX_ITERATIONS or whose NSEC3 owners are not hashes.
 */
int bld_dnssec(struct bld *b);

/*
 * True for a record of a parent zone at the apex of a served child zone that
 * the parent still answers for: DS, the parent's NSEC there, and the RRSIGs
 * covering them (RFC 4035 3.1.4.1). Only called for occluded records.
 */
bool bld_is_parent_side(const struct bld *b, const struct zone_rr *rr);

/*
 * After the zones' entries exist: each zone's served parent, and the
 * parent's DS RRset and NSEC at its apex (from b->cut), with their RRSIGs.
 */
int bld_parent_side(struct bld *b);

/*
 * Warn about a zone whose earliest signature (@exp, Unix time; 0: unsigned)
 * has expired or expires within BLD_SIG_WARN_S of @now. The builder calls
 * it for every zone it compiles; a start from the table image, which
 * compiles nothing, for every zone of the image.
 */
void bld_sig_warn(const char *zone, uint32_t exp, time_t now);

#endif /* SWERVE_RRT_DNSSEC_H */
