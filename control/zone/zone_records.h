/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone_records.c: the state of one zone_load() call and the records it
 * collects. Called by zone_load.c and zone_split.c only, on whichever
 * thread calls zone_load() (the loader thread, swerved's start-up, the
 * secondary module's check of a transferred copy) and on the threads that
 * read the chunks of a large file (zone_split.c); one struct zl is never
 * shared between threads: each chunk has its own.
 */

#ifndef SWERVE_ZONE_RECORDS_H
#define SWERVE_ZONE_RECORDS_H

#include <stdatomic.h>
#include <stdbool.h>
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
struct zl_src;

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
	bool wks;		   /* A WKS record was read (zone_split.c reads the file again serially). */
	/* Read the file an $INCLUDE names, at @line of @from, starting at @origin (zone_load.c). */
	int (*include)(struct zl *p, const char *path, const ldns_rdf *origin,
		       const struct zl_src *from, int line);
	/* One chunk of a parallel load: stop once a chunk before it failed. NULL when serial. */
	atomic_size_t *first_fail;
	size_t chunk;
};

/* True when an earlier chunk of the same parallel load failed: this one's work is moot. */
static inline bool
zl_cancelled(const struct zl *p)
{
	return p->first_fail != NULL &&
	       atomic_load_explicit(p->first_fail, memory_order_relaxed) < p->chunk;
}

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
	size_t from;	/* Read the records that start in [from, to): all, or one chunk. */
	size_t to;
	size_t next;	/* Where reading stopped: the first record or directive at or past @to. */
};

/* @n octets from the zone's chunks (freed with the zone), or NULL. */
void *zl_alloc(struct zl_store *st, size_t n);
/* A copy of @s in the zone's chunks, or NULL. */
char *zl_strdup(struct zl_store *st, const char *s);
/* The chunks and @st itself; NULL is fine. zone_free() calls it. */
void zl_store_free(struct zl_store *st);
/* Move @from's chunks to @st (pointers into them stay valid) and free @from. */
void zl_store_adopt(struct zl_store *st, struct zl_store *from);

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
