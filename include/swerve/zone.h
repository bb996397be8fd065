/* SPDX-License-Identifier: BSD-3-Clause */
/* A parsed zone: the records of one zone file in wire form, the input of the table builder. */

#ifndef SWERVE_ZONE_H
#define SWERVE_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "swerve/dname.h"

struct sw_diag;

/* One resource record. All pointers point into the owning zone's storage. */
struct zone_rr {
	const uint8_t *owner; /* Lowercase uncompressed wire name. */
	const uint8_t *rdata; /* Wire RDATA; embedded names uncompressed, case as written. */
	uint32_t ttl;
	uint32_t line;  /* Line in the source file, or 0 when unknown. */
	uint16_t type;
	uint16_t rdlen;
	uint8_t owner_len;
};

/*
 * A zone as loaded from a file (or, later, a transfer). Produced by
 * zone_load(), checked by zone_check() (zone_load() calls it), consumed
 * read-only by rrt_build(). Owned by one thread at a time.
 */
struct zone {
	uint8_t apex[DNAME_MAXLEN]; /* Lowercase wire name of the apex. */
	uint8_t apex_len;
	char *name;          /* Apex in presentation form, with the trailing dot. */
	char *file;          /* Source file path, or NULL. */
	struct zone_rr *rrs; /* Records in file order. */
	size_t nrrs;
	uint32_t serial;     /* From the SOA. */
	void *storage;       /* Private: owner of the names and RDATA. */
};

/*
 * Parse the RFC 1035 zone file @path for the zone @origin (presentation form;
 * the trailing dot optional) with ldns, then run zone_check(). $ORIGIN,
 * $TTL, $INCLUDE, relative names, multi-line records and RFC 3597 unknown
 * types are supported. On failure returns a negative code, nothing is
 * allocated and @diag names the file, line and reason.
 */
int zone_load(const char *origin, const char *path, struct zone **out, struct sw_diag *diag);

/*
 * Semantic checks: exactly one SOA, at the apex; NS at the apex; no CNAME
 * beside other data or a second CNAME; every owner inside the zone. (The
 * loader itself refuses classes other than IN.)
 */
int zone_check(const struct zone *z, struct sw_diag *diag);

void zone_free(struct zone *z);

#endif /* SWERVE_ZONE_H */
