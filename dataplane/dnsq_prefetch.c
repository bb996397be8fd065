/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Staged prefetch of a burst's lookups (docs/design.md, "Answering a
 * burst"): each stage issues the loads of every query before the next stage
 * needs any of them, so up to a burst's worth of misses are in flight at
 * once instead of one chain at a time.
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

void
dnsq_prefetch(const struct rrt *t, const uint8_t *const *query, const uint16_t *qlen,
	      unsigned n, struct dnsq_hint *hints)
{
	const struct rrt_node *node[DNSQ_BURST];
	uint16_t qtype[DNSQ_BURST];
	uint8_t name[DNAME_MAXLEN + 1];

	if (n > DNSQ_BURST)
		n = DNSQ_BURST;
	if (t == NULL) {
		for (unsigned i = 0; i < n; i++)
			hints[i].qname_len = 0;
		return;
	}
	/* 1. Read and hash every question; prefetch its first bucket. */
	for (unsigned i = 0; i < n; i++) {
		size_t p;

		hints[i].qname_len = 0;
		node[i] = NULL;
		if (caa_unlikely(qlen[i] < DNSQ_HDR_LEN + 5))
			continue;
		p = dnsq_parse_qname(query[i], qlen[i], name, &hints[i].qname_len);
		if (caa_unlikely(p == 0 || (size_t)qlen[i] < p + 4)) {
			hints[i].qname_len = 0;
			continue;
		}
		qtype[i] = (uint16_t)(query[i][p] << 8 | query[i][p + 1]);
		hints[i].hash = dname_hash(name, hints[i].qname_len);
		dnsq_pf(&t->buckets[rrt_home(t, hints[i].hash)]);
	}
	/* 2. The node each first bucket names, when its hash matches. */
	for (unsigned i = 0; i < n; i++) {
		const struct rrt_bucket *b;

		if (hints[i].qname_len == 0)
			continue;
		b = &t->buckets[rrt_home(t, hints[i].hash)];
		if (b->node != RRT_NONE && b->hash_lo == (uint32_t)hints[i].hash) {
			node[i] = &t->nodes[b->node];
			dnsq_pf(node[i]);
		}
	}
	/* 3. Its name (compared on lookup) and its RRset references. */
	for (unsigned i = 0; i < n; i++) {
		if (node[i] == NULL)
			continue;
		dnsq_pf(t->arena + node[i]->name_off);
		dnsq_pf(t->arena + node[i]->refs_off);
	}
	/* 4. The RRset of the question's type (a CNAME's, when the node has one). */
	for (unsigned i = 0; i < n; i++) {
		const struct rrt_ref *r;

		if (node[i] == NULL)
			continue;
		r = rrt_node_refs(t, node[i]);
		for (unsigned k = 0; k < node[i]->nrefs; k++) {
			if ((r[k].type == qtype[i] || r[k].type == DNSQ_TYPE_CNAME) &&
			    !(r[k].flags & RRT_REF_SLOT)) {
				dnsq_pf(t->arena + r[k].off);
				break;
			}
		}
	}
}
