/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone_records.c: the state of one zone_load() call and the records it
 * collects. Called by zone_load.c only, on whichever thread calls
 * zone_load() (the loader thread, swerved's start-up, the secondary module's
 * check of a transferred copy); one struct zl is never shared between
 * threads.
 */

#ifndef SWERVE_ZONE_RECORDS_H
#define SWERVE_ZONE_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/zone.h"

/*
 * What we hand ldns as "the default TTL" so a record without one can be told
 * apart afterwards. The price: an explicit TTL of 4294967295, which
 * ZL_TTL_MAX would refuse, is taken as no TTL.
 */
#define ZL_TTL_UNSET UINT32_MAX

/* RFC 2181 section 8: a TTL is an unsigned 31-bit number. */
#define ZL_TTL_MAX 0x7fffffffu

/* zone_rr.file is one octet. */
#define ZL_MAX_FILES 256

struct zl_chunk;

/* What zone.storage points to. */
struct zl_store {
	struct zl_chunk *chunks;
	char *files[ZL_MAX_FILES];
	struct zone_source sources[ZL_MAX_FILES];
};

/* The loader: one per zone_load() call. */
struct zl {
	struct zone *z;
	struct zl_store *st;
	size_t cap;	/* Entries allocated in z->rrs and keys[]. */
	uint64_t *keys; /* Per record: hash of owner, type and canonical RDATA (dedupe). */
	struct sw_diag *diag;
	const uint8_t *last_owner; /* Consecutive records mostly share an owner: store it once. */
};

/* One file being read: the main zone file or an $INCLUDEd one. */
struct zl_src {
	const char *path;
	uint8_t file;	/* Index in zone.files. */
	unsigned depth; /* 0 for the zone file itself. */
	char *buf;
	size_t len;
	FILE *fp;
	ldns_rdf *origin;
	ldns_rdf *prev; /* Owner of the previous record, for lines that omit it. */
	uint32_t ttl;	/* $TTL in force, or ZL_DEFAULT_TTL. */
	int line;	/* Newlines before the read position: counted here, not by ldns. */
};

/* @n octets from the zone's chunks (freed with the zone), or NULL. */
void *zl_alloc(struct zl_store *st, size_t n);
/* A copy of @s in the zone's chunks, or NULL. */
char *zl_strdup(struct zl_store *st, const char *s);
/* The chunks and @st itself; NULL is fine. zone_free() calls it. */
void zl_store_free(struct zl_store *st);

/* Fail with @code at @line of @src: "<reason>: <the line as written>". Returns @code. */
int zl_fail(struct zl *p, const struct zl_src *src, int code, int line, const char *text,
	    size_t len, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * Append @rr, read from @src at @line (@text: the record as written, for
 * errors), to the zone, after the checks ldns leaves out: class IN, no meta
 * type, RDATA as long as its type needs, the TTL (ZL_TTL_UNSET: $TTL), the
 * sizes. 0, or a negative code with p->diag set.
 */
int zl_add(struct zl *p, const struct zl_src *src, const ldns_rr *rr, int line, const char *text,
	   size_t text_len);

/* Drop exact duplicates, keeping the first in file order. 0 or -ENOMEM. */
int zl_dedupe(struct zl *p);

/* SERIAL of the first SOA at the apex, or 0. */
uint32_t zl_serial(const struct zone *z);

#endif /* SWERVE_ZONE_RECORDS_H */
