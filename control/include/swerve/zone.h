/* SPDX-License-Identifier: BSD-3-Clause */
/* A parsed zone: the records of one zone file in wire form, the input of the table builder. */

#ifndef SWERVE_ZONE_H
#define SWERVE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
	uint8_t file; /* Index in zone.files of the file the record comes from. */
};

/* Whether two stored owner names are the same (records of one zone mostly share the stored name). */
static inline bool
zone_owner_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return a == b || (alen == blen && memcmp(a, b, alen) == 0);
}

/* Whether @a and @b have the same owner. */
static inline bool
zone_rr_same_owner(const struct zone_rr *a, const struct zone_rr *b)
{
	return zone_owner_same(a->owner, a->owner_len, b->owner, b->owner_len);
}

/* What one source file held when it was read: a table image made from it is valid while this holds. */
struct zone_source {
	uint64_t size;	    /* Octets read. */
	int64_t mtime_ns;   /* Modification time at the read (for messages only: a copy's time moves). */
	uint8_t sha256[32]; /* Of the octets read. */
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
	char **files;        /* files[0] is @file, then every $INCLUDEd file in the order read. */
	unsigned nfiles;     /* Entries in files[]; 0 when the zone has no source file. */
	struct zone_source *sources; /* nfiles entries: what each of files[] held. */
	struct zone_rr *rrs; /* Records in file order. */
	size_t nrrs;
	/*
	 * zone_order() of @rrs, made by zone_load() for its checks and the
	 * first table build, then dropped (zone_drop_order()) while the zone
	 * is only held; NULL: rrt_build() makes its own.
	 */
	uint32_t *order;
	uint32_t serial;     /* From the SOA. */
	/*
	 * Set by the loader for a secondary zone past EXPIRE: the table keeps
	 * its apex alone, and every name in it is answered SERVFAIL (as Knot
	 * and BIND do) until a primary answers again.
	 */
	bool expired;
	void *storage;       /* Private: owner of the names and RDATA. */
};

/*
 * Parse the RFC 1035 zone file @path for the zone @origin (presentation form;
 * the trailing dot optional) with ldns, then run zone_check(). $ORIGIN,
 * $TTL, $INCLUDE, relative names, multi-line records and RFC 3597 unknown
 * types are supported. Exact duplicates of a record (same owner, type and
 * RDATA, names compared without case) are dropped: an RRset is a set (RFC
 * 2181 section 5). A record without a TTL while no $TTL is in force gets
 * 3600. Refused as syntax errors: $GENERATE, and a class written before the
 * TTL ("IN 300 A", which ldns cannot read). On failure returns a negative
 * code, nothing is allocated and @diag names the file, line and reason.
 */
int zone_load(const char *origin, const char *path, struct zone **out, struct sw_diag *diag);

/*
 * Semantic checks: exactly one SOA, at the apex; NS at the apex; no CNAME
 * beside other data (RRSIG and NSEC excepted) or a second CNAME; every owner
 * inside the zone; every RRset small enough for a 65535-octet message. The
 * first problem in file order is reported, with the owner in the message.
 * O(n log n); @z is not modified. (The loader itself refuses classes other
 * than IN.)
 */
int zone_check(const struct zone *z, struct sw_diag *diag);

/*
 * The indices of @z's records, each owner's together, by type, then in file
 * order (owners in no particular order), into *@out (free() it): the one
 * sort that dropping duplicates, zone_check() and rrt_build() share.
 * The first record of each owner carries ZONE_ORDER_OWNER, so the walks
 * after it find where an owner ends without comparing names, each of
 * which would be a cache miss in a large zone. O(n) expected. 0, -ENOMEM,
 * or -EFBIG for 2^31 records or more.
 */
int zone_order(const struct zone *z, uint32_t **out);

/* In an entry of zone_order(): the first record of its owner. */
#define ZONE_ORDER_OWNER 0x80000000u

/* The record index of an entry of zone_order(). */
static inline uint32_t
zone_order_index(uint32_t e)
{
	return e & ~ZONE_ORDER_OWNER;
}

/* Free @z's order (NULL is fine): a zone held between builds needs none. */
void zone_drop_order(struct zone *z);

void zone_free(struct zone *z);

/*
 * The earliest expiration among @z's RRSIG records (Unix time; RFC 4034
 * 3.1.5 serial arithmetic is not needed before 2106), or 0 when it has none.
 */
uint32_t zone_sig_expire(const struct zone *z);

/* The file @rr was read from, for messages (a record may come from an $INCLUDEd file). */
static inline const char *
zone_rr_file(const struct zone *z, const struct zone_rr *rr)
{
	return rr->file < z->nfiles ? z->files[rr->file] : z->file;
}

#endif /* SWERVE_ZONE_H */
