/* SPDX-License-Identifier: BSD-3-Clause */
/* The memory of a table being built: growable arrays, the arena, the name hash index, precompiled RRsets. */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#include "rrt_index.h"

/* Fill the hash index to at most 3/4 so a miss ends within a few probes. */
#define BUCKET_LOAD_NUM 3
#define BUCKET_LOAD_DEN 4

int
bld_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap != 0 ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/*
 * Large tables are read at random by every worker: on 4 KiB pages most
 * lookups of a cold name also miss the TLB (perf/README.md measured 10 % at
 * random and 30 % on a hot set from huge pages). An array of at least
 * BLD_HUGE_MIN octets moves to 2 MiB-aligned memory the kernel is asked to
 * back with transparent huge pages; the rounding wastes under 2 MiB per
 * array, nothing next to such a table. Best effort: on any failure the
 * array stays where it is. free() releases either kind.
 */
#define BLD_HUGE_PAGE ((size_t)2 << 20)
#define BLD_HUGE_MIN  ((size_t)8 << 20)

void *
bld_huge_alloc(size_t len)
{
	size_t alloc = (len + BLD_HUGE_PAGE - 1) & ~(BLD_HUGE_PAGE - 1);
	void *q;

	if (len < BLD_HUGE_MIN)
		return malloc(len);
	if (posix_memalign(&q, BLD_HUGE_PAGE, alloc) != 0)
		return malloc(len);
	(void)madvise(q, alloc, MADV_HUGEPAGE);
	return q;
}

/* Whether @p (@len octets) is where bld_huge() would have put it. */
static bool
bld_is_huge(const void *p, size_t len)
{
	return len >= BLD_HUGE_MIN && ((uintptr_t)p & (BLD_HUGE_PAGE - 1)) == 0;
}

static void *
bld_huge(void *p, size_t len)
{
	void *q;

	if (len < BLD_HUGE_MIN || bld_is_huge(p, len) || (q = bld_huge_alloc(len)) == NULL)
		return p;
	memcpy(q, p, len);
	free(p);
	return q;
}

/*
 * Give the array *@p (@used of its octets in use) room for @want octets in
 * huge-page memory ahead of its growth, so that it is written where it will
 * stay: no copy at bld_finish(), and each page is cleared once. The room not
 * written is address space only. Best effort: on failure it grows as before.
 */
static void
bld_room(void **p, size_t *cap, size_t elem, size_t used, size_t want)
{
	void *q;

	if (want <= *cap || want * elem < BLD_HUGE_MIN)
		return;
	q = bld_huge_alloc(want * elem);
	if (q == NULL)
		return;
	if (!bld_is_huge(q, want * elem)) { /* Aligned memory was refused: malloc()'s came. */
		free(q);
		return;
	}
	if (used != 0)
		memcpy(q, *p, used * elem);
	free(*p);
	*p = q;
	*cap = want;
}

/* Reserve @len octets in the arena, 4-aligned; returns the offset or a negative code. */
int64_t
bld_arena_alloc(struct bld *b, size_t len)
{
	struct rrt *t = b->t;
	size_t off = (t->arena_len + 3) & ~(size_t)3;

	if (off + len >= UINT32_MAX)
		return SW_ETABLE_FULL;
	if (bld_grow((void **)&t->arena, &b->arena_cap, off + len, 1) < 0)
		return -ENOMEM;
	memset(t->arena + t->arena_len, 0, off + len - t->arena_len);
	t->arena_len = off + len;
	return (int64_t)off;
}

int
bld_rehash(struct bld *b, uint32_t nbuckets)
{
	struct rrt *t = b->t;
	struct rrt_bucket *nb = bld_huge_alloc((size_t)nbuckets * sizeof(*nb));

	if (nb == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < nbuckets; i++)
		nb[i].node = RRT_NONE;
	free(t->buckets);
	t->buckets = nb;
	t->mask = nbuckets - 1;
	for (uint32_t n = 0; n < t->nnodes; n++) {
		const struct rrt_node *node = &t->nodes[n];
		uint64_t h = dname_hash(t->arena + node->name_off, node->name_len);
		uint32_t i = rrt_home(t, h);

		while (nb[i].node != RRT_NONE)
			i = (i + 1) & t->mask;
		nb[i].hash_lo = (uint32_t)h;
		nb[i].node = n;
	}
	return 0;
}

int
bld_reserve(struct bld *b, size_t nodes, size_t arena)
{
	struct rrt *t = b->t;
	uint64_t nb = (uint64_t)t->mask + 1;

	while (nb <= UINT32_MAX / 2 && (uint64_t)nodes * BUCKET_LOAD_DEN > nb * BUCKET_LOAD_NUM)
		nb *= 2;
	if (nb != (uint64_t)t->mask + 1 && bld_rehash(b, (uint32_t)nb) < 0)
		return -ENOMEM;
	bld_room((void **)&t->nodes, &b->nodes_cap, sizeof(*t->nodes), t->nnodes, nodes);
	bld_room((void **)&t->arena, &b->arena_cap, 1, t->arena_len, arena);
	return bld_grow((void **)&t->nodes, &b->nodes_cap, nodes, sizeof(*t->nodes));
}

/* The node for @name, created (as an empty non-terminal of @zone) when missing. */
int64_t
bld_node_get(struct bld *b, const uint8_t *name, size_t len, uint16_t zone)
{
	struct rrt *t = b->t;
	uint64_t h = dname_hash(name, len);
	const struct rrt_node *found = rrt_find(t, name, len, h);
	struct rrt_node *n;
	int64_t off;
	int rc;

	if (found != NULL)
		return found - t->nodes;
	if (t->nnodes >= UINT32_MAX - 1)
		return SW_ETABLE_FULL;
	if ((uint64_t)(t->nnodes + 1) * BUCKET_LOAD_DEN >
	    (uint64_t)(t->mask + 1) * BUCKET_LOAD_NUM) {
		if (t->mask >= UINT32_MAX / 2)
			return SW_ETABLE_FULL;
		rc = bld_rehash(b, (t->mask + 1) * 2);
		if (rc < 0)
			return rc;
	}
	if (bld_grow((void **)&t->nodes, &b->nodes_cap, t->nnodes + 1, sizeof(*t->nodes)) < 0)
		return -ENOMEM;
	off = bld_arena_alloc(b, len);
	if (off < 0)
		return off;
	memcpy(t->arena + off, name, len);
	n = &t->nodes[t->nnodes];
	*n = (struct rrt_node){
		.name_off = (uint32_t)off,
		.refs_off = 0,
		.cut = RRT_NONE,
		.wildcard = RRT_NONE,
		.zone = zone,
		.name_len = (uint8_t)len,
	};
	for (uint32_t i = rrt_home(t, h);; i = (i + 1) & t->mask) {
		if (t->buckets[i].node == RRT_NONE) {
			t->buckets[i].hash_lo = (uint32_t)h;
			t->buckets[i].node = t->nnodes;
			break;
		}
	}
	return t->nnodes++;
}

/* Make sure every ancestor of @name up to its zone's apex exists, so a walk up never skips a level.
 */
int
bld_ancestors(struct bld *b, const uint8_t *name, size_t len, uint16_t zone)
{
	size_t apex_len = b->zones[zone]->apex_len;

	while (len > apex_len) {
		int64_t r;

		len -= (size_t)name[0] + 1;
		name += name[0] + 1;
		r = bld_node_get(b, name, len, zone);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* Give back the slack of the growable arrays (memory per name is a goal); large ones go to huge
 * pages. */
int
bld_finish(struct bld *b)
{
	struct rrt *t = b->t;
	uint32_t nb = 16;
	void *p;

	while ((uint64_t)t->nnodes * BUCKET_LOAD_DEN > (uint64_t)nb * BUCKET_LOAD_NUM)
		nb *= 2;
	if (nb != t->mask + 1 && bld_rehash(b, nb) < 0)
		return -ENOMEM;
	/* Arrays already in huge-page memory (bld_room()) stay: their slack was never written. */
	if (t->arena_len > 0 && !bld_is_huge(t->arena, t->arena_len) &&
	    (p = realloc(t->arena, t->arena_len)) != NULL)
		t->arena = p;
	if (t->nnodes > 0 && !bld_is_huge(t->nodes, t->nnodes * sizeof(*t->nodes)) &&
	    (p = realloc(t->nodes, t->nnodes * sizeof(*t->nodes))) != NULL)
		t->nodes = p;
	t->arena = bld_huge(t->arena, t->arena_len);
	t->nodes = bld_huge(t->nodes, (size_t)t->nnodes * sizeof(*t->nodes));
	t->buckets = bld_huge(t->buckets, ((size_t)t->mask + 1) * sizeof(*t->buckets));
	t->resident = rrt_bytes(t) <= RRT_CACHE_RESIDENT_BYTES;
	return 0;
}

/* Octets the records of @ents[0..n) take precompiled. */
static size_t
bld_wire_len(const struct bld_ent *ents, size_t n)
{
	size_t wire = 0;

	for (size_t i = 0; i < n; i++)
		wire += 2 + RRT_RR_FIXED + ents[i].rr->rdlen;
	return wire;
}

/* Precompile @ents[0..n) at @p, owner C0 0C, class IN, TTL @ttl; returns the end. */
static uint8_t *
bld_wire(uint8_t *p, const struct bld_ent *ents, size_t n, uint32_t ttl)
{
	for (size_t i = 0; i < n; i++) {
		const struct zone_rr *rr = ents[i].rr;

		p[0] = 0xc0;
		p[1] = 0x0c;
		bld_put16(p + 2, rr->type);
		bld_put16(p + 4, CLASS_IN);
		bld_put32(p + 6, ttl);
		bld_put16(p + 10, rr->rdlen);
		memcpy(p + 12, rr->rdata, rr->rdlen);
		p += 12 + rr->rdlen;
	}
	return p;
}

int64_t
bld_rrset(struct bld *b, const struct bld_ent *ents, size_t n, const struct bld_ent *sigs,
	  size_t nsigs, uint32_t ttl_override)
{
	size_t wire = bld_wire_len(ents, n);
	size_t sig = bld_wire_len(sigs, nsigs);
	uint32_t ttl = UINT32_MAX;
	struct rrt_rrset *rs;
	int64_t off;

	/* RFC 2181 5.2: differing TTLs in one RRset are treated as the lowest. */
	for (size_t i = 0; i < n; i++)
		if (ents[i].rr->ttl < ttl)
			ttl = ents[i].rr->ttl;
	if (ttl_override != UINT32_MAX)
		ttl = ttl_override;
	if (wire > UINT16_MAX || n > UINT16_MAX)
		return sw_diag_set(b->diag, SW_EZONE_TOOBIG, b->zones[ents[0].zone]->file,
				   ents[0].rr->line, "RRset of type %u is %zu octets, over 65535",
				   ents[0].rr->type, wire);
	/* The whole of it, signatures included, must still fit one message. */
	if (wire + sig > UINT16_MAX)
		return sw_diag_set(b->diag, SW_EZONE_TOOBIG, b->zones[ents[0].zone]->file,
				   ents[0].rr->line,
				   "RRset of type %u with its RRSIGs is %zu octets, over 65535",
				   ents[0].rr->type, wire + sig);
	off = bld_arena_alloc(b, sizeof(*rs) + wire + sig);
	if (off < 0)
		return off;
	rs = (struct rrt_rrset *)(void *)(b->t->arena + off);
	rs->type = ents[0].rr->type;
	rs->count = (uint16_t)n;
	rs->len = (uint16_t)wire;
	rs->sig_len = (uint16_t)sig;
	rs->ttl = ttl;
	/* RRSIGs go out with the TTL of the RRset they cover (RFC 4034 3). */
	bld_wire(bld_wire(rs->wire, ents, n, ttl), sigs, nsigs, ttl);
	return off;
}
