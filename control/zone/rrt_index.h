/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rrt_index.c: the builder's state and the memory of the table it builds.
 * Called by rrt_build.c and rrt_glue.c from inside rrt_build(), on
 * whichever thread calls it (the loader thread, or swerved's start-up
 * through loader_new()); a struct bld is never shared between threads.
 * Every allocation may move the arena: take pointers into it afterwards.
 */

#ifndef SWERVE_RRT_INDEX_H
#define SWERVE_RRT_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#define TYPE_A	   1
#define TYPE_NS	   2
#define TYPE_CNAME 5
#define TYPE_SOA   6
#define TYPE_AAAA  28
#define TYPE_DS	   43
#define TYPE_RRSIG 46
#define TYPE_NSEC  47
#define TYPE_DNSKEY 48
#define TYPE_NSEC3 50
#define TYPE_NSEC3PARAM 51
#define CLASS_IN   1

/* One record of some zone, in the order the builder groups them. */
struct bld_ent {
	const struct zone_rr *rr;
	uint16_t zone;
	bool owner;   /* The first record of its owner in the build's order (bld_collect()). */
	uint32_t seq; /* File order, so records keep it inside their RRset. */
};

/* Builder state. Everything is indices and offsets because the arrays move as they grow. */
struct bld {
	struct rrt *t;
	size_t arena_cap;
	size_t nodes_cap;
	const struct zone *const *zones;
	size_t nzones;
	struct sw_diag *diag;
	struct bld_ent *nsec3;	 /* NSEC3 records and their RRSIGs, kept out of the nodes. */
	size_t nnsec3;
	/* A parent's DS, NSEC and their RRSIGs at the apex of a served child zone. */
	struct bld_ent *cut;
	size_t ncut;
};

static inline void
bld_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
bld_put32(uint8_t *p, uint32_t v)
{
	bld_put16(p, (uint16_t)(v >> 16));
	bld_put16(p + 2, (uint16_t)v);
}

/*
 * Precompile @ents[0..n) (one owner, one type) into an arena RRset, the
 * RRSIGs @sigs[0..nsigs) covering it after its records; returns its offset
 * or a negative code (@b->diag set). TTL: the lowest of the records', or
 * @ttl_override unless that is UINT32_MAX; the RRSIGs get the same.
 */
int64_t bld_rrset(struct bld *b, const struct bld_ent *ents, size_t n, const struct bld_ent *sigs,
		  size_t nsigs, uint32_t ttl_override);

/* Reserve @len octets in the arena, 4-aligned and zeroed; returns the offset or a negative code. */
int64_t bld_arena_alloc(struct bld *b, size_t len);
/* Rebuild the hash index with @nbuckets (a power of two) buckets; 0 or -ENOMEM. */
int bld_rehash(struct bld *b, uint32_t nbuckets);

/*
 * Size the index and the node array for @nodes nodes ahead of the first,
 * so a large zone is not rehashed a few dozen times on the way (each time
 * hashing every name again), and give the arena room for @arena octets
 * (an estimate: more is grown as before). 0 or -ENOMEM.
 */
int bld_reserve(struct bld *b, size_t nodes, size_t arena);
/* The index of the node for @name, created (as an empty non-terminal of @zone) when missing. */
int64_t bld_node_get(struct bld *b, const uint8_t *name, size_t len, uint16_t zone);
/* Make sure every ancestor of @name up to its zone's apex exists, so a walk up never skips a level.
 */
int bld_ancestors(struct bld *b, const uint8_t *name, size_t len, uint16_t zone);
/* Make *@p (of *@cap elements of @elem octets) hold @need, doubling from 1024: 0 or -ENOMEM. */
int bld_grow(void **p, size_t *cap, size_t need, size_t elem);
/*
 * @len octets for a table array: 2 MiB-aligned and advised to huge pages
 * when large, like the arrays bld_finish() leaves (a table image is read
 * into the same kind). free() releases it; NULL when out of memory.
 */
void *bld_huge_alloc(size_t len);
/* Last step: give back the arrays' slack, move large ones to huge pages, size the index. */
int bld_finish(struct bld *b);

#endif /* SWERVE_RRT_INDEX_H */
