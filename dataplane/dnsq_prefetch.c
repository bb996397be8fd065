/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Staged prefetch of a burst's lookups (docs/design.md, "Answering a
 * burst"): each round issues the next load of every query before the next
 * round needs any of them, so up to a burst's worth of misses are in flight
 * at once instead of one chain at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu/compiler.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "dnsq_internal.h"

static inline void
dnsq_pf(const void *p)
{
	__builtin_prefetch(p, 0, 3);
}

/* Where a query's chain of lookups stands: what the loads of the last round were for. */
enum dnsq_pf_step {
	DNSQ_PF_BUCKET, /* The bucket of @hash: walk to the node it names. */
	DNSQ_PF_NODE,	/* The node: its name and references next. */
	DNSQ_PF_REFS,	/* Its name and references: the RRsets the answer will read. */
	DNSQ_PF_CNAME,	/* The CNAME RRset: its target is looked up next. */
};

/* Which name the lookup in progress is for. */
enum dnsq_pf_name {
	DNSQ_PF_QNAME,	  /* The QNAME. */
	DNSQ_PF_PARENT,	  /* The QNAME less its first label, when the QNAME is not in the table. */
	DNSQ_PF_TARGET,	  /* The target of the QNAME's CNAME. */
};

/* One query's lookup in progress. */
struct dnsq_pf {
	uint64_t hash;		    /* Of the name being looked up. */
	const struct rrt_node *node; /* Its node, once its bucket was read. */
	uint16_t qtype;
	uint8_t step; /* enum dnsq_pf_step */
	uint8_t name; /* enum dnsq_pf_name */
};

/*
 * The node the bucket chain of @hash names: the first whose hash matches, or
 * NULL at the empty bucket that ends the chain (then the name is not in the
 * table). rrt_find() without the name comparison, which the answer makes: a
 * wrong node here only costs a useless prefetch.
 */
static inline const struct rrt_node *
dnsq_pf_probe(const struct rrt *t, uint64_t hash)
{
	uint32_t lo = (uint32_t)hash;
	uint32_t i = rrt_home(t, hash);

	for (;;) {
		const struct rrt_bucket *b = &t->buckets[i];

		if (b->node == RRT_NONE)
			return NULL;
		if (b->hash_lo == lo)
			return &t->nodes[b->node];
		i = (i + 1) & t->mask;
	}
}

/* Start the lookup of the name whose hash is @hash: prefetch its first bucket. */
static inline void
dnsq_pf_lookup(const struct rrt *t, struct dnsq_pf *s, uint64_t hash, enum dnsq_pf_name what)
{
	s->hash = hash;
	s->name = (uint8_t)what;
	s->step = DNSQ_PF_BUCKET;
	dnsq_pf(&t->buckets[rrt_home(t, hash)]);
}

/* Prefetch the RRset of @type at @n (not a failover slot's: it is read through the slot). */
static inline const struct rrt_ref *
dnsq_pf_rrset(const struct rrt *t, const struct rrt_node *n, uint16_t type)
{
	const struct rrt_ref *r = rrt_node_ref(t, n, type);

	if (r != NULL && !(r->flags & RRT_REF_SLOT))
		dnsq_pf(t->arena + r->off);
	return r;
}

/*
 * The node @s->node has been read with its name and references: prefetch
 * what the answer reads next, or start the lookup that it will make next.
 * Returns whether the query has loads left for another round.
 */
static bool
dnsq_pf_node(const struct rrt *t, struct dnsq_pf *s)
{
	const struct rrt_node *n = s->node;
	const struct rrt_ref *r;

	/* A delegation: its NS RRset and the glue (the DS at the cut is the parent's own). */
	if (caa_unlikely(n->flags & RRT_NODE_CUT) &&
	    (s->name == DNSQ_PF_PARENT || s->qtype != DNSQ_TYPE_DS)) {
		dnsq_pf_rrset(t, n, DNSQ_TYPE_NS);
		dnsq_pf_rrset(t, n, RRT_TYPE_GLUE);
		return false;
	}
	if (caa_unlikely(n->flags & RRT_NODE_CNAME) && s->qtype != DNSQ_TYPE_CNAME) {
		r = dnsq_pf_rrset(t, n, DNSQ_TYPE_CNAME);
		/* One hop: longer chains are rare, and their answer follows them anyway. */
		if (r == NULL || (r->flags & RRT_REF_SLOT) || s->name != DNSQ_PF_QNAME)
			return false;
		s->step = DNSQ_PF_CNAME;
		return true;
	}
	dnsq_pf_rrset(t, n, s->qtype);
	return false;
}

/* Read the CNAME RRset at @s->node, prefetched last round, and start the lookup of its target. */
static bool
dnsq_pf_target(const struct rrt *t, struct dnsq_pf *s)
{
	const struct rrt_ref *r = rrt_node_ref(t, s->node, DNSQ_TYPE_CNAME);
	const struct rrt_rrset *rs = (const struct rrt_rrset *)(const void *)(t->arena + r->off);
	uint8_t target[DNAME_MAXLEN];
	unsigned tlen;

	/* The first record's RDATA, as dnsq_answer_cname() reads it. */
	tlen = dnsq_get16(rs->wire + 2 + DNSQ_RR_FIXED - 2);
	if (caa_unlikely(tlen == 0 || tlen > DNAME_MAXLEN || 2u + DNSQ_RR_FIXED + tlen > rs->len))
		return false;
	for (unsigned i = 0; i < tlen; i++)
		target[i] = dname_lower_octet(rs->wire[2 + DNSQ_RR_FIXED + i]);
	dnsq_pf_lookup(t, s, dname_hash(target, tlen), DNSQ_PF_TARGET);
	return true;
}

/* One round for one query: use what the last round fetched, issue the next loads. */
static bool
dnsq_pf_round(const struct rrt *t, struct dnsq_pf *s, struct dnsq_hint *h)
{
	switch (s->step) {
	case DNSQ_PF_BUCKET:
		s->node = dnsq_pf_probe(t, s->hash);
		if (s->node != NULL) {
			dnsq_pf(s->node);
			s->step = DNSQ_PF_NODE;
			return true;
		}
		/*
		 * Not in the table: the answer looks for the closest encloser,
		 * which is most often the parent. Its hash goes to the answer too.
		 */
		if (s->name != DNSQ_PF_QNAME || h->qname[0] == 0)
			return false;
		h->parent_hash = dname_hash(h->qname + h->qname[0] + 1,
					    h->qname_len - h->qname[0] - 1u);
		h->flags |= DNSQ_HINT_PARENT;
		dnsq_pf_lookup(t, s, h->parent_hash, DNSQ_PF_PARENT);
		return true;
	case DNSQ_PF_NODE:
		dnsq_pf(t->arena + s->node->name_off);
		/*
		 * Of the parent, the answer reads the name alone unless it is a
		 * delegation. Its wildcard child, which answers for a name below
		 * it, is not staged: one per zone or so, it stays in the caches.
		 */
		if (s->name == DNSQ_PF_PARENT && !(s->node->flags & RRT_NODE_CUT))
			return false;
		dnsq_pf(t->arena + s->node->refs_off);
		/*
		 * The builder puts a node's RRsets right after its references,
		 * in type order: the first (an A RRset, most often) is fetched
		 * now, a round before the references tell which one is wanted.
		 * A wrong guess costs one prefetch.
		 */
		dnsq_pf(t->arena + s->node->refs_off + s->node->nrefs * sizeof(struct rrt_ref));
		s->step = DNSQ_PF_REFS;
		return true;
	case DNSQ_PF_REFS:
		return dnsq_pf_node(t, s);
	default:
		return dnsq_pf_target(t, s);
	}
}

void
dnsq_prefetch(const struct rrt *t, const uint8_t *const *query, const uint16_t *qlen,
	      unsigned n, struct dnsq_burst *burst)
{
	struct dnsq_hint *hints = burst->hint;
	struct dnsq_pf s[DNSQ_BURST];
	uint8_t live[DNSQ_BURST];
	unsigned nlive = 0;
	size_t used = 0;

	if (n > DNSQ_BURST)
		n = DNSQ_BURST;
	/*
	 * Read every question, keeping its lowercase QNAME for the answer;
	 * hash it and prefetch its first bucket. Each name takes whole words
	 * of names[] (dnsq_parse_qname() may write up to the next one), at most
	 * 256 octets, so the burst's names always fit.
	 */
	for (unsigned i = 0; i < n; i++) {
		struct dnsq_hint *h = &hints[i];
		uint8_t *name = burst->names + used;
		size_t p;

		h->qname_len = 0;
		h->qname = NULL;
		h->flags = 0;
		if (caa_unlikely(qlen[i] < DNSQ_HDR_LEN + 5))
			continue;
		p = dnsq_parse_qname(query[i], qlen[i], name, &h->qname_len);
		if (caa_unlikely(p == 0 || (size_t)qlen[i] < p + 4)) {
			h->qname_len = 0;
			continue;
		}
		h->qname = name;
		h->qlen = qlen[i];
		used += (h->qname_len + 7u) & ~7u;
		h->hash = dname_hash(name, h->qname_len);
		if (t == NULL)
			continue;
		s[i].qtype = dnsq_get16(query[i] + p);
		dnsq_pf_lookup(t, &s[i], h->hash, DNSQ_PF_QNAME);
		live[nlive++] = (uint8_t)i;
	}
	/*
	 * Then round after round, each query one step further along its chain
	 * (bucket, node, name and references, RRset; for a name not in the
	 * table the same for its parent, then the parent's wildcard child or
	 * the delegation's NS and glue; for a CNAME the same for its target),
	 * until every chain is staged. A round issues the loads of every query
	 * before the next reads any, so they overlap.
	 */
	while (nlive != 0) {
		unsigned k = 0;

		for (unsigned j = 0; j < nlive; j++)
			if (dnsq_pf_round(t, &s[live[j]], &hints[live[j]]))
				live[k++] = live[j];
		nlive = k;
	}
}
