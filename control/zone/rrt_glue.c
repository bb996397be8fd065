/* SPDX-License-Identifier: BSD-3-Clause */
/* Node flags (apex, cut, CNAME, wildcard, below a cut) and each referral's glue, in a build. */

#include <string.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#include "rrt_glue.h"
#include "rrt_index.h"

/* The node one label up from @n, or NULL at the apex. */
static struct rrt_node *
bld_parent(struct bld *b, const struct rrt_node *n)
{
	const uint8_t *name = b->t->arena + n->name_off;
	size_t skip = (size_t)name[0] + 1;
	const struct rrt_node *p;

	if (n->name_len <= b->zones[n->zone]->apex_len)
		return NULL;
	p = rrt_find(b->t, name + skip, n->name_len - skip,
		     dname_hash(name + skip, n->name_len - skip));
	return (struct rrt_node *)p;
}

/* Apex, delegation, CNAME and wildcard flags, then which nodes lie below a delegation. */
void
bld_flags(struct bld *b)
{
	struct rrt *t = b->t;

	for (uint32_t i = 0; i < t->nnodes; i++) {
		struct rrt_node *n = &t->nodes[i];
		const uint8_t *name = t->arena + n->name_off;
		bool apex = n->name_len == b->zones[n->zone]->apex_len;

		n->flags = apex ? RRT_NODE_APEX : 0;
		if (!apex && rrt_node_ref(t, n, TYPE_NS) != NULL)
			n->flags |= RRT_NODE_CUT;
		if (rrt_node_ref(t, n, TYPE_CNAME) != NULL)
			n->flags |= RRT_NODE_CNAME;
		if (name[0] == 1 && name[1] == '*') {
			struct rrt_node *p = bld_parent(b, n);

			n->flags |= RRT_NODE_WILDCARD;
			if (p != NULL)
				p->wildcard = i;
		}
	}
	for (uint32_t i = 0; i < t->nnodes; i++) {
		struct rrt_node *n = &t->nodes[i];
		uint32_t top = RRT_NONE;

		/* The delegation closest to the apex is the one that applies. */
		for (struct rrt_node *p = bld_parent(b, n); p != NULL; p = bld_parent(b, p))
			if (p->flags & RRT_NODE_CUT)
				top = (uint32_t)(p - t->nodes);
		if (top != RRT_NONE) {
			n->flags = (uint16_t)((n->flags & ~RRT_NODE_CUT) | RRT_NODE_BELOW_CUT);
			n->cut = top;
		} else if (n->flags & RRT_NODE_CUT) {
			n->cut = i;
		}
	}
}

/* Drop the reserved glue reference of node @n (no glue, or no longer a delegation point). */
static void
bld_glue_drop(struct bld *b, struct rrt_node *n)
{
	struct rrt_ref *r = (struct rrt_ref *)(void *)(b->t->arena + n->refs_off);

	memmove(r, r + 1, (size_t)(n->nrefs - 1) * sizeof(*r));
	n->nrefs--;
}

/*
 * Collect the address records (A then AAAA) of NS target @target for the
 * referral at @cut: the target must be a name of the same zone, either glue
 * below a delegation or authoritative data. Appends them to @out when it is
 * not NULL; returns the octets they take.
 */
static size_t
bld_glue_target(struct bld *b, const struct rrt_node *cut, const uint8_t *target, uint8_t *out)
{
	static const uint16_t types[] = {TYPE_A, TYPE_AAAA};
	const struct rrt *t = b->t;
	uint8_t lname[DNAME_MAXLEN];
	size_t len = dname_len(target);
	const struct rrt_node *n;
	size_t total = 0;

	for (size_t i = 0; i < len; i++)
		lname[i] = dname_lower_octet(target[i]);
	n = rrt_find(t, lname, len, dname_hash(lname, len));
	if (n == NULL || n->zone != cut->zone)
		return 0;
	for (size_t k = 0; k < 2; k++) {
		const struct rrt_ref *ref = rrt_node_ref(t, n, types[k]);
		const struct rrt_rrset *rs;

		if (ref == NULL || (ref->flags & RRT_REF_SLOT))
			continue;
		rs = rrt_ref_rrset(t, ref);
		for (uint16_t off = 0; off < rs->len; off = rrt_rrset_next(rs, off)) {
			size_t rec = rrt_rrset_next(rs, off) - off - 2u;

			if (out != NULL) {
				memcpy(out + total, lname, len);
				memcpy(out + total + len, rs->wire + off + 2, rec);
			}
			total += len + rec;
		}
	}
	return total;
}

/* True when an NS record before offset @at names the same target as the one at @at. */
static bool
bld_ns_repeated(const struct rrt_rrset *ns, uint16_t at)
{
	const uint8_t *target = ns->wire + at + 12;
	size_t len = dname_len(target);

	for (uint16_t o = 0; o < at; o = rrt_rrset_next(ns, o)) {
		const uint8_t *other = ns->wire + o + 12;
		size_t i;

		if (dname_len(other) != len)
			continue;
		for (i = 0; i < len && dname_lower_octet(other[i]) == dname_lower_octet(target[i]);
		     i++)
			;
		if (i == len)
			return true;
	}
	return false;
}

/* Fill the glue pseudo-RRset of every delegation point, or drop it when there is none. */
int
bld_glue(struct bld *b)
{
	struct rrt *t = b->t;

	for (uint32_t i = 0; i < t->nnodes; i++) {
		struct rrt_node *n = &t->nodes[i];
		const struct rrt_ref *r = rrt_node_refs(t, n);
		const struct rrt_rrset *ns;
		size_t total = 0, count = 0;
		struct rrt_rrset *glue;

		int64_t off;

		if (n->nrefs == 0 || r[0].type != RRT_TYPE_GLUE)
			continue;
		if (!(n->flags & RRT_NODE_CUT)) {
			bld_glue_drop(b, n);
			continue;
		}
		ns = rrt_ref_rrset(t, rrt_node_ref(t, n, TYPE_NS));
		for (uint16_t o = 0; o < ns->len; o = rrt_rrset_next(ns, o)) {
			if (!bld_ns_repeated(ns, o))
				total += bld_glue_target(b, n, ns->wire + o + 12, NULL);
		}
		if (total == 0) {
			bld_glue_drop(b, n);
			continue;
		}
		if (total > UINT16_MAX)
			return sw_diag_set(b->diag, SW_EZONE_TOOBIG, NULL, 0,
					   "glue of a delegation exceeds 65535 octets");
		off = bld_arena_alloc(b, sizeof(*glue) + total);
		if (off < 0)
			return (int)off;
		/* Pointers into the arena are only valid from here on. */
		n = &t->nodes[i];
		ns = rrt_ref_rrset(t, rrt_node_ref(t, n, TYPE_NS));
		glue = (struct rrt_rrset *)(void *)(t->arena + off);
		glue->type = RRT_TYPE_GLUE;
		glue->len = (uint16_t)total;
		total = 0;
		for (uint16_t o = 0; o < ns->len; o = rrt_rrset_next(ns, o))
			if (!bld_ns_repeated(ns, o))
				total += bld_glue_target(b, n, ns->wire + o + 12,
							 glue->wire + total);
		/* Count records by walking the owner names the block starts each record with. */
		for (size_t p = 0; p < total; count++) {
			p += dname_len(glue->wire + p);
			p += RRT_RR_FIXED + (size_t)(glue->wire[p + 8] << 8 | glue->wire[p + 9]);
		}
		glue->count = (uint16_t)count;
		((struct rrt_ref *)(void *)(t->arena + n->refs_off))[0].off = (uint32_t)off;
	}
	return 0;
}
