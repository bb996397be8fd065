/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checks a table read from an image passes before it is served: every
 * index and arena offset that rrt_find(), the answer engine and the DNSSEC
 * proofs follow must land inside its array (docs/table-image.md). A table
 * from rrt_build() passes them by construction; tests/fuzz/fuzz_image.c
 * feeds them whatever else it can make.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#include "rrt_dnssec.h"
#include "rrt_image_int.h"
#include "rrt_index.h"

/* Octets of the wire name at @p, which must end within @room, or 0 when it is not one. */
static size_t
chk_name_len(const uint8_t *p, size_t room)
{
	size_t off = 0;

	while (off < room && off < DNAME_MAXLEN) {
		uint8_t l = p[off];

		if (l == 0)
			return off + 1;
		if (l > 63)
			return 0;
		off += 1u + l;
	}
	return 0;
}

bool
rrt_image_name_ok(const uint8_t *name, size_t len)
{
	return len > 0 && chk_name_len(name, len) == len;
}

struct chk {
	const struct rrt *t;
	const struct rrt_image_slot *slots; /* t->nslots: what each slot index stands for. */
	char *err;
	size_t errlen;
};

static int
chk_fail(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
chk_fail(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err != NULL && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* Whether [@off, @off + @n) lies in the arena and @off is a multiple of @align. */
static bool
chk_span(const struct chk *c, uint64_t off, uint64_t n, unsigned align)
{
	return off % align == 0 && off <= c->t->arena_len && n <= c->t->arena_len - off;
}

static uint16_t
chk_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The records of the RRset at arena offset @off, of @type: data records
 * then RRSIGs must add up to len and sig_len; glue records start with their
 * owner name; CNAME and NS RDATA is exactly one name (the engine follows it).
 */
static int
chk_rrset(struct chk *c, uint32_t off, uint16_t type)
{
	const struct rrt_rrset *rs;
	uint32_t p, end, n = 0;

	if (off == 0 || !chk_span(c, off, sizeof(*rs), 4))
		return chk_fail(c, "RRset at %u outside the arena", off);
	rs = (const struct rrt_rrset *)(const void *)(c->t->arena + off);
	if (rs->type != type || !chk_span(c, off + sizeof(*rs), (uint64_t)rs->len + rs->sig_len, 1))
		return chk_fail(c, "RRset at %u: type %u, expected %u, or longer than the arena",
				off, rs->type, type);
	for (p = 0; p < rs->len; n++) {
		const uint8_t *rec = rs->wire + p;
		size_t owner = type == RRT_TYPE_GLUE ? chk_name_len(rec, rs->len - p) : 2;
		uint32_t rdlen;

		if (owner == 0 || p + owner + RRT_RR_FIXED > rs->len)
			return chk_fail(c, "RRset at %u: record %u cut short", off, n);
		rdlen = chk_get16(rec + owner + RRT_RR_FIXED - 2);
		if (p + owner + RRT_RR_FIXED + rdlen > rs->len)
			return chk_fail(c, "RRset at %u: record %u longer than the RRset", off, n);
		if ((type == TYPE_CNAME || type == TYPE_NS) &&
		    !rrt_image_name_ok(rec + owner + RRT_RR_FIXED, rdlen))
			return chk_fail(c, "RRset at %u: record %u holds no name", off, n);
		p += (uint32_t)owner + RRT_RR_FIXED + rdlen;
	}
	/* An RRset has records: a CNAME without one would send the engine past the answer. */
	if (n != rs->count || n == 0)
		return chk_fail(c, "RRset at %u: %u records, it says %u", off, n, rs->count);
	for (end = (uint32_t)rs->len + rs->sig_len; p < end;) {
		if (p + 2 + RRT_RR_FIXED > end)
			return chk_fail(c, "RRset at %u: signature cut short", off);
		p += 2u + RRT_RR_FIXED + chk_get16(rs->wire + p + 10);
	}
	if (p != end)
		return chk_fail(c, "RRset at %u: signatures longer than the RRset", off);
	return 0;
}

/* Whether node @i's name is a valid wire name inside the arena. */
static bool
chk_name(const struct chk *c, uint32_t i)
{
	const struct rrt_node *n = &c->t->nodes[i];

	return chk_span(c, n->name_off, n->name_len, 1) &&
	       rrt_image_name_ok(c->t->arena + n->name_off, n->name_len);
}

/* Whether node @a's name is node @b's or below it (names checked already). */
static bool
chk_below(const struct chk *c, uint32_t a, uint32_t b)
{
	const struct rrt_node *na = &c->t->nodes[a], *nb = &c->t->nodes[b];

	return dname_is_below_or_at(rrt_node_name(c->t, na), na->name_len, rrt_node_name(c->t, nb),
				    nb->name_len);
}

/*
 * What the engine computes from a node's relations: the owner's labels
 * above its apex, a cut's and a wildcard's names as suffixes of the query's.
 * Each must hold, or a length goes negative as an unsigned number.
 */
static int
chk_relations(struct chk *c, uint32_t i)
{
	const struct rrt *t = c->t;
	const struct rrt_node *n = &t->nodes[i];
	const struct rrt_zone *z = &t->zones[n->zone];

	if (!chk_below(c, i, z->apex))
		return chk_fail(c, "node %u: not in its zone", i);
	/* An expired zone is its apex alone (rrt_build()'s bld_expired()). */
	if (z->expired && i != z->apex)
		return chk_fail(c, "node %u: in an expired zone", i);
	if (n->cut != RRT_NONE &&
	    (t->nodes[n->cut].zone != n->zone || !chk_below(c, i, n->cut)))
		return chk_fail(c, "node %u: its cut is not above it", i);
	if (n->wildcard != RRT_NONE) {
		const struct rrt_node *w = &t->nodes[n->wildcard];
		const uint8_t *wn = rrt_node_name(t, w);

		if (w->name_len != n->name_len + 2 || wn[0] != 1 || wn[1] != '*' ||
		    memcmp(wn + 2, rrt_node_name(t, n), n->name_len) != 0)
			return chk_fail(c, "node %u: its wildcard is not *.<it>", i);
	}
	return 0;
}

/*
 * A failover slot's reference: an A or AAAA RRset of the record the image
 * names for that slot, at that record's owner (the caller binds the slot
 * with that type, so the engine never takes its addresses for a name).
 */
static int
chk_slot_ref(struct chk *c, uint32_t i, const struct rrt_ref *r)
{
	const struct rrt_node *n = &c->t->nodes[i];
	const struct rrt_image_slot *s;

	if (r->off >= c->t->nslots)
		return chk_fail(c, "node %u: failover record %u of %u", i, r->off, c->t->nslots);
	s = &c->slots[r->off];
	if ((r->type != TYPE_A && r->type != TYPE_AAAA) || r->type != s->type ||
	    s->name_len != n->name_len ||
	    memcmp(s->name, rrt_node_name(c->t, n), n->name_len) != 0)
		return chk_fail(c, "node %u: failover record %u is not its own A or AAAA", i,
				r->off);
	return 0;
}

static int
chk_node(struct chk *c, uint32_t i)
{
	const struct rrt *t = c->t;
	const struct rrt_node *n = &t->nodes[i];
	const struct rrt_ref *r;
	int rc;

	/* A node at or below a cut names its delegation: the answer engine goes there. */
	if (n->zone >= t->nzones || (n->cut != RRT_NONE && n->cut >= t->nnodes) ||
	    (n->cut == RRT_NONE && (n->flags & (RRT_NODE_CUT | RRT_NODE_BELOW_CUT))) ||
	    (n->wildcard != RRT_NONE && n->wildcard >= t->nnodes))
		return chk_fail(c, "node %u: zone, cut or wildcard out of range", i);
	rc = chk_relations(c, i);
	if (rc < 0)
		return rc;
	if (n->nrefs == 0)
		return 0;
	if (!chk_span(c, n->refs_off, (uint64_t)n->nrefs * sizeof(*r), 4))
		return chk_fail(c, "node %u: references outside the arena", i);
	r = rrt_node_refs(t, n);
	for (unsigned k = 0; k < n->nrefs; k++) {
		rc = r[k].flags & RRT_REF_SLOT ? chk_slot_ref(c, i, &r[k])
					       : chk_rrset(c, r[k].off, r[k].type);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* An optional RRset: 0 for none. */
static int
chk_opt_rrset(struct chk *c, uint32_t off, uint16_t type)
{
	return off == 0 ? 0 : chk_rrset(c, off, type);
}

static int
chk_chain(struct chk *c, const struct rrt_zone *z, uint16_t zi)
{
	const struct rrt *t = c->t;
	int rc;

	/* A proof searches the chain and may take its last entry: an empty one has none. */
	if (z->denial != RRT_DENIAL_NONE && z->nchain == 0)
		return chk_fail(c, "zone %u: signed with an empty chain", zi);
	if (z->denial == RRT_DENIAL_NSEC) {
		const uint32_t *e = (const uint32_t *)(const void *)(t->arena + z->chain);

		if (!chk_span(c, z->chain, (uint64_t)z->nchain * sizeof(*e), 4) ||
		    (z->wild_nsec != RRT_NONE && z->wild_nsec >= t->nnodes))
			return chk_fail(c, "zone %u: NSEC chain outside the arena", zi);
		/* The proofs write an entry's owner relative to this zone's apex. */
		if (z->wild_nsec != RRT_NONE && t->nodes[z->wild_nsec].zone != zi)
			return chk_fail(c, "zone %u: NSEC of the wildcard in another zone", zi);
		for (uint32_t k = 0; k < z->nchain; k++)
			if (e[k] >= t->nnodes || t->nodes[e[k]].zone != zi)
				return chk_fail(c, "zone %u: NSEC chain entry %u out of range", zi, k);
	} else if (z->denial == RRT_DENIAL_NSEC3) {
		const struct rrt_nsec3 *e = (const struct rrt_nsec3 *)(const void *)(t->arena +
										     z->chain);

		if (!chk_span(c, z->chain, (uint64_t)z->nchain * sizeof(*e), 4) ||
		    !chk_span(c, z->nsec3p, sizeof(struct rrt_nsec3_param), 2) ||
		    (z->apex_n3 != RRT_NONE && z->apex_n3 >= z->nchain) ||
		    (z->wild_n3 != RRT_NONE && z->wild_n3 >= z->nchain))
			return chk_fail(c, "zone %u: NSEC3 chain outside the arena", zi);
		/* Every hash of a denial costs iterations + 1 SHA-1s: the builder's limit holds. */
		if (((const struct rrt_nsec3_param *)(const void *)(t->arena + z->nsec3p))
			    ->iterations > BLD_NSEC3_MAX_ITERATIONS)
			return chk_fail(c, "zone %u: NSEC3 iterations over %u", zi,
					BLD_NSEC3_MAX_ITERATIONS);
		for (uint32_t k = 0; k < z->nchain; k++) {
			rc = chk_rrset(c, e[k].rrset, TYPE_NSEC3);
			if (rc < 0)
				return rc;
		}
	} else if (z->denial != RRT_DENIAL_NONE) {
		return chk_fail(c, "zone %u: denial %u", zi, z->denial);
	}
	return 0;
}

static int
chk_zone(struct chk *c, uint16_t zi)
{
	const struct rrt *t = c->t;
	const struct rrt_zone *z = &t->zones[zi];
	int rc;

	/* The engine answers a zone's state (expired: SERVFAIL) at a node flagged as its apex. */
	if (z->apex >= t->nnodes || t->nodes[z->apex].name_len != z->apex_len ||
	    t->nodes[z->apex].zone != zi || !(t->nodes[z->apex].flags & RRT_NODE_APEX) ||
	    (z->parent != RRT_ZONE_NONE && (z->parent >= t->nzones || z->parent == zi)))
		return chk_fail(c, "zone %u: apex or parent out of range", zi);
	if (z->expired) {
		/* Nothing but the apex: no answer, no proof, no parent-side data. */
		if (z->denial != RRT_DENIAL_NONE || z->nchain != 0 || z->soa_neg != 0 ||
		    z->parent_ds != 0 || z->parent_nsec != 0 || t->nodes[z->apex].nrefs != 0)
			return chk_fail(c, "zone %u: expired, but with data", zi);
		return 0;
	}
	rc = chk_rrset(c, z->soa_neg, TYPE_SOA);
	if (rc == 0)
		rc = chk_opt_rrset(c, z->parent_ds, TYPE_DS);
	if (rc == 0)
		rc = chk_opt_rrset(c, z->parent_nsec, TYPE_NSEC);
	return rc < 0 ? rc : chk_chain(c, z, zi);
}

int
rrt_image_check(const struct rrt *t, const struct rrt_image_slot *slots, char *err, size_t errlen)
{
	struct chk c = {.t = t, .slots = slots, .err = err, .errlen = errlen};
	bool empty = false;
	int rc;

	for (uint32_t i = 0; i <= t->mask; i++) {
		if (t->buckets[i].node == RRT_NONE)
			empty = true;
		else if (t->buckets[i].node >= t->nnodes)
			return chk_fail(&c, "bucket %u: node %u of %u", i, t->buckets[i].node,
					t->nnodes);
	}
	/* A probe ends at an empty bucket: without one, a miss would never end. */
	if (!empty)
		return chk_fail(&c, "the index has no empty bucket");
	/* Names first, then zones (their apexes), then what relates nodes to both. */
	for (uint32_t i = 0; i < t->nnodes; i++)
		if (!chk_name(&c, i))
			return chk_fail(&c, "node %u: bad name", i);
	for (uint16_t i = 0; i < t->nzones; i++) {
		rc = chk_zone(&c, i);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < t->nnodes; i++) {
		rc = chk_node(&c, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}
