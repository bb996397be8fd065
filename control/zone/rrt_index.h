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
#define CLASS_IN   1

/* Builder state. Everything is indices and offsets because the arrays move as they grow. */
struct bld {
	struct rrt *t;
	size_t arena_cap;
	size_t nodes_cap;
	const struct zone *const *zones;
	size_t nzones;
	struct sw_diag *diag;
};

/* Reserve @len octets in the arena, 4-aligned and zeroed; returns the offset or a negative code. */
int64_t bld_arena_alloc(struct bld *b, size_t len);
/* Rebuild the hash index with @nbuckets (a power of two) buckets; 0 or -ENOMEM. */
int bld_rehash(struct bld *b, uint32_t nbuckets);
/* The index of the node for @name, created (as an empty non-terminal of @zone) when missing. */
int64_t bld_node_get(struct bld *b, const uint8_t *name, size_t len, uint16_t zone);
/* Make sure every ancestor of @name up to its zone's apex exists, so a walk up never skips a level.
 */
int bld_ancestors(struct bld *b, const uint8_t *name, size_t len, uint16_t zone);
/* Last step: give back the arrays' slack, move large ones to huge pages, size the index. */
int bld_finish(struct bld *b);

#endif /* SWERVE_RRT_INDEX_H */
