/* SPDX-License-Identifier: BSD-3-Clause */
/* The DNSSEC parts of a table being built: signatures beside RRsets, NSEC and NSEC3 chains. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#include "rrt_dnssec.h"
#include "rrt_index.h"

/* The type an RRSIG covers: the first field of its RDATA (RFC 4034 3.1). */
static uint16_t
bld_sig_covers(const struct zone_rr *rr)
{
	return rr->rdlen >= 2 ? (uint16_t)(rr->rdata[0] << 8 | rr->rdata[1]) : 0;
}

bool
bld_is_nsec3(const struct zone_rr *rr)
{
	return rr->type == TYPE_NSEC3 || (rr->type == TYPE_RRSIG && bld_sig_covers(rr) == TYPE_NSEC3);
}

size_t
bld_sigs_covering(const struct bld_ent *sigs, size_t nsigs, uint16_t type, struct bld_ent *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nsigs; i++) {
		if (bld_sig_covers(sigs[i].rr) != type)
			continue;
		if (n < BLD_MAX_SIGS)
			out[n] = sigs[i];
		n++;
	}
	return n;
}

/* base32hex (RFC 4648 7), either case: the first label of an NSEC3 owner to its hash. */
static bool
bld_base32hex(const uint8_t *label, unsigned len, uint8_t out[RRT_NSEC3_HASH_LEN])
{
	uint64_t acc = 0;
	unsigned bits = 0, o = 0;

	/* 20 octets are exactly 32 characters, no padding. */
	if (len != 32)
		return false;
	for (unsigned i = 0; i < len; i++) {
		unsigned c = label[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else
			return false;
		acc = acc << 5 | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == RRT_NSEC3_HASH_LEN;
}

static int
bld_nsec3_cmp(const void *pa, const void *pb)
{
	return memcmp(((const struct rrt_nsec3 *)pa)->hash, ((const struct rrt_nsec3 *)pb)->hash,
		      RRT_NSEC3_HASH_LEN);
}

/* Zone @zi's NSEC3 RRsets from b->nsec3, sorted by hash, into the arena. */
static int
bld_nsec3_chain(struct bld *b, uint16_t zi)
{
	const struct zone *z = b->zones[zi];
	struct rrt_nsec3 *chain;
	size_t n = 0, owners = 0;
	int64_t off;
	int rc = 0;

	/* One entry per owner at most; its records are a bound. */
	for (size_t i = 0; i < b->nnsec3; i++)
		if (b->nsec3[i].zone == zi && b->nsec3[i].rr->type == TYPE_NSEC3)
			owners++;
	if (owners == 0)
		return 0;
	chain = calloc(owners, sizeof(*chain));
	if (chain == NULL)
		return -ENOMEM;
	for (size_t i = 0, j; i < b->nnsec3; i = j) {
		const struct zone_rr *rr = b->nsec3[i].rr;
		size_t k, nrec;

		for (j = i + 1; j < b->nnsec3 && b->nsec3[j].zone == b->nsec3[i].zone &&
				b->nsec3[j].rr->owner_len == rr->owner_len &&
				memcmp(b->nsec3[j].rr->owner, rr->owner, rr->owner_len) == 0;
		     j++)
			;
		if (b->nsec3[i].zone != zi)
			continue;
		/* Sorted by type: the RRSIGs (46) come first, the NSEC3 records (50) after. */
		for (k = i; k < j && b->nsec3[k].rr->type != TYPE_NSEC3; k++)
			;
		nrec = j - k;
		if (nrec == 0)
			continue; /* RRSIGs without the NSEC3 they cover: nothing to serve. */
		if (rr->owner_len != 1 + rr->owner[0] + z->apex_len ||
		    !bld_base32hex(rr->owner + 1, rr->owner[0], chain[n].hash)) {
			rc = sw_diag_set(b->diag, SW_EZONE_DNSSEC, z->file, rr->line,
					 "NSEC3 owner is not a hash label directly below %s",
					 z->name);
			goto out;
		}
		if (k - i > BLD_MAX_SIGS) {
			rc = sw_diag_set(b->diag, SW_EZONE_TOOBIG, z->file, rr->line,
					 "%zu RRSIGs cover one NSEC3 RRset, over %u", k - i,
					 BLD_MAX_SIGS);
			goto out;
		}
		off = bld_rrset(b, b->nsec3 + k, nrec, b->nsec3 + i, k - i, UINT32_MAX);
		if (off < 0) {
			rc = (int)off;
			goto out;
		}
		chain[n++].rrset = (uint32_t)off;
	}
	qsort(chain, n, sizeof(*chain), bld_nsec3_cmp);
	off = bld_arena_alloc(b, n * sizeof(*chain));
	if (off < 0) {
		rc = (int)off;
		goto out;
	}
	memcpy(b->t->arena + off, chain, n * sizeof(*chain));
	b->t->zones[zi].chain = (uint32_t)off;
	b->t->zones[zi].nchain = (uint32_t)n;
out:
	free(chain);
	return rc;
}

/* The NSEC3PARAM at the apex of zone @zi into the arena; 1 when there is one, 0, or an error. */
static int
bld_nsec3_param(struct bld *b, uint16_t zi)
{
	const struct zone *z = b->zones[zi];
	struct rrt *t = b->t;
	const struct rrt_node *apex = &t->nodes[t->zones[zi].apex];
	const struct rrt_ref *ref = rrt_node_ref(t, apex, TYPE_NSEC3PARAM);
	const struct rrt_rrset *rs;
	struct rrt_nsec3_param *p;
	const uint8_t *rd;
	uint16_t rdlen, iterations;
	int64_t off;

	if (ref == NULL)
		return 0;
	rs = rrt_ref_rrset(t, ref);
	rd = rs->wire + 2 + RRT_RR_FIXED;
	rdlen = (uint16_t)(rs->wire[10] << 8 | rs->wire[11]);
	/* Algorithm, flags, iterations, salt length, salt (RFC 5155 4.2). */
	if (rdlen < 5 || rdlen != 5u + rd[4] || rd[0] != 1)
		return sw_diag_set(b->diag, SW_EZONE_DNSSEC, z->file, 0,
				   "%s: NSEC3PARAM with hash algorithm %u or a bad length; only "
				   "SHA-1 (1) is defined",
				   z->name, rdlen >= 1 ? rd[0] : 0);
	iterations = (uint16_t)(rd[2] << 8 | rd[3]);
	if (iterations > BLD_NSEC3_MAX_ITERATIONS)
		return sw_diag_set(b->diag, SW_EZONE_DNSSEC, z->file, 0,
				   "%s: NSEC3 with %u iterations, over %u: validators treat such "
				   "zones as insecure (RFC 9276 3.1) and every proof would cost a "
				   "worker %u hashes; re-sign with 0 iterations",
				   z->name, iterations, BLD_NSEC3_MAX_ITERATIONS, iterations + 1);
	if (iterations > 0)
		sw_warn("zone %s: NSEC3 with %u iterations; RFC 9276 3.1 asks for 0", z->name,
			iterations);
	off = bld_arena_alloc(b, sizeof(*p));
	if (off < 0)
		return (int)off;
	/* Taken after the allocation: the arena may have moved. */
	rs = rrt_ref_rrset(t, rrt_node_ref(t, &t->nodes[t->zones[zi].apex], TYPE_NSEC3PARAM));
	rd = rs->wire + 2 + RRT_RR_FIXED;
	p = (struct rrt_nsec3_param *)(void *)(t->arena + off);
	p->iterations = iterations;
	p->salt_len = rd[4];
	memcpy(p->salt, rd + 5, rd[4]);
	t->zones[zi].nsec3p = (uint32_t)off;
	return 1;
}

/* The arena a qsort_r() comparison of node indices reads names from. */
static int
bld_canon_cmp(const void *pa, const void *pb, void *arg)
{
	const struct rrt *t = arg;
	const struct rrt_node *a = &t->nodes[*(const uint32_t *)pa];
	const struct rrt_node *b = &t->nodes[*(const uint32_t *)pb];

	return dname_canon_cmp(rrt_node_name(t, a), a->name_len, rrt_node_name(t, b), b->name_len);
}

/* Zone @zi's NSEC chain: the nodes that own an NSEC, in canonical order. */
static int
bld_nsec_chain(struct bld *b, uint16_t zi)
{
	struct rrt *t = b->t;
	uint32_t *idx;
	size_t n = 0;
	int64_t off;

	for (uint32_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].zone == zi && rrt_node_ref(t, &t->nodes[i], TYPE_NSEC) != NULL)
			n++;
	off = bld_arena_alloc(b, (n != 0 ? n : 1) * sizeof(*idx));
	if (off < 0)
		return (int)off;
	idx = (uint32_t *)(void *)(t->arena + off);
	n = 0;
	for (uint32_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].zone == zi && rrt_node_ref(t, &t->nodes[i], TYPE_NSEC) != NULL)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), bld_canon_cmp, t);
	t->zones[zi].chain = (uint32_t)off;
	t->zones[zi].nchain = (uint32_t)n;
	return 0;
}

/* The chain entry of @z matching (*@match) or covering the hash of @name, as the workers find it. */
static uint32_t
bld_nsec3_find(const struct rrt *t, const struct rrt_zone *z, const uint8_t *name, size_t len,
	       bool *match)
{
	const struct rrt_nsec3 *chain = (const struct rrt_nsec3 *)(const void *)(t->arena + z->chain);
	const struct rrt_nsec3_param *p =
		(const struct rrt_nsec3_param *)(const void *)(t->arena + z->nsec3p);
	uint8_t h[RRT_NSEC3_HASH_LEN];
	uint32_t best = z->nchain - 1; /* Before the first hash: the chain wraps around. */

	dnsq_nsec3_hash(p, name, len, h);
	for (uint32_t i = 0; i < z->nchain; i++)
		if (memcmp(chain[i].hash, h, RRT_NSEC3_HASH_LEN) <= 0)
			best = i;
	*match = memcmp(chain[best].hash, h, RRT_NSEC3_HASH_LEN) == 0;
	return best;
}

/*
 * The parts of an NXDOMAIN proof that depend on the apex alone, when the
 * apex is the closest encloser (rrt_zone.apex_n3, wild_n3, wild_nsec).
 */
static void
bld_apex_proofs(struct bld *b, uint16_t zi)
{
	struct rrt *t = b->t;
	struct rrt_zone *z = &t->zones[zi];
	const struct zone *src = b->zones[zi];
	uint8_t wc[DNAME_MAXLEN];
	bool match;

	z->apex_n3 = z->wild_n3 = z->wild_nsec = RRT_NONE;
	if (src->apex_len + 2 > DNAME_MAXLEN || z->nchain == 0)
		return;
	wc[0] = 1;
	wc[1] = '*';
	memcpy(wc + 2, src->apex, src->apex_len);
	if (z->denial == RRT_DENIAL_NSEC3) {
		uint32_t a = bld_nsec3_find(t, z, src->apex, src->apex_len, &match);

		if (match)
			z->apex_n3 = a;
		z->wild_n3 = bld_nsec3_find(t, z, wc, src->apex_len + 2u, &match);
		if (match)
			z->wild_n3 = RRT_NONE; /* A wildcard at the apex: no cover to prove. */
	} else if (z->denial == RRT_DENIAL_NSEC) {
		const uint32_t *chain = (const uint32_t *)(const void *)(t->arena + z->chain);
		uint32_t best = 0;

		for (uint32_t i = 0; i < z->nchain; i++) {
			const struct rrt_node *n = &t->nodes[chain[i]];

			if (dname_canon_cmp(rrt_node_name(t, n), n->name_len, wc,
					    src->apex_len + 2u) <= 0)
				best = i;
		}
		z->wild_nsec = chain[best];
	}
}

void
bld_sig_warn(const char *zone, uint32_t exp, time_t now)
{
	if (exp != 0 && (int64_t)exp < (int64_t)now)
		sw_warn("zone %s: a signature expired %lld s ago: validators will "
			"call its answers bogus; re-sign the zone",
			zone, (long long)((int64_t)now - exp));
	else if (exp != 0 && (int64_t)exp - (int64_t)now < BLD_SIG_WARN_S)
		sw_warn("zone %s: a signature expires in %lld s; re-sign the zone", zone,
			(long long)((int64_t)exp - (int64_t)now));
}

int
bld_dnssec(struct bld *b)
{
	struct rrt *t = b->t;
	time_t now = time(NULL);
	int rc;

	for (uint16_t zi = 0; zi < t->nzones; zi++) {
		const struct zone *z = b->zones[zi];
		const struct rrt_node *apex = &t->nodes[t->zones[zi].apex];
		uint32_t exp;

		t->zones[zi].apex_n3 = t->zones[zi].wild_n3 = t->zones[zi].wild_nsec = RRT_NONE;
		if (z->expired)
			continue;
		exp = zone_sig_expire(z);
		t->zones[zi].sig_expire = exp;
		bld_sig_warn(z->name, exp, now);
		rc = bld_nsec3_param(b, zi);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			rc = bld_nsec3_chain(b, zi);
			if (rc < 0)
				return rc;
			if (t->zones[zi].nchain != 0)
				t->zones[zi].denial = RRT_DENIAL_NSEC3;
		} else if (rrt_node_ref(t, apex, TYPE_NSEC) != NULL) {
			rc = bld_nsec_chain(b, zi);
			if (rc < 0)
				return rc;
			t->zones[zi].denial = RRT_DENIAL_NSEC;
		}
		bld_apex_proofs(b, zi);
	}
	return 0;
}

bool
bld_is_parent_side(const struct bld *b, const struct zone_rr *rr)
{
	uint16_t type = rr->type == TYPE_RRSIG ? bld_sig_covers(rr) : rr->type;

	if (type != TYPE_DS && type != TYPE_NSEC)
		return false;
	for (size_t i = 0; i < b->nzones; i++)
		if (b->zones[i]->apex_len == rr->owner_len &&
		    memcmp(b->zones[i]->apex, rr->owner, rr->owner_len) == 0)
			return true;
	return false;
}

/* The RRset of @type at the apex of zone @ci in b->cut (the parent @pi's records), with RRSIGs. */
static int64_t
bld_cut_rrset(struct bld *b, uint16_t pi, uint16_t ci, uint16_t type)
{
	const struct zone *c = b->zones[ci];
	struct bld_ent sigs[BLD_MAX_SIGS];
	struct bld_ent *recs;
	size_t n = 0, nsigs = 0;
	int64_t off;

	/* Picked out one by one: other zones' records may sit at the same owner. */
	recs = malloc((b->ncut != 0 ? b->ncut : 1) * sizeof(*recs));
	if (recs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < b->ncut; i++) {
		const struct bld_ent *e = &b->cut[i];

		if (e->zone != pi || e->rr->owner_len != c->apex_len ||
		    memcmp(e->rr->owner, c->apex, c->apex_len) != 0)
			continue;
		if (e->rr->type == type)
			recs[n++] = *e;
		else if (e->rr->type == TYPE_RRSIG && bld_sig_covers(e->rr) == type &&
			 nsigs < BLD_MAX_SIGS)
			sigs[nsigs++] = *e;
	}
	off = n == 0 ? 0 : bld_rrset(b, recs, n, sigs, nsigs, UINT32_MAX);
	free(recs);
	return off;
}

int
bld_parent_side(struct bld *b)
{
	struct rrt *t = b->t;

	for (uint16_t ci = 0; ci < t->nzones; ci++) {
		const struct zone *c = b->zones[ci];
		uint16_t pi = RRT_ZONE_NONE;
		int64_t off;

		/* The closest enclosing served zone. */
		for (uint16_t i = 0; i < t->nzones; i++) {
			const struct zone *z = b->zones[i];

			if (z->apex_len < c->apex_len &&
			    dname_is_below_or_at(c->apex, c->apex_len, z->apex, z->apex_len) &&
			    (pi == RRT_ZONE_NONE || z->apex_len > b->zones[pi]->apex_len))
				pi = i;
		}
		t->zones[ci].parent = pi;
		if (pi == RRT_ZONE_NONE)
			continue;
		off = bld_cut_rrset(b, pi, ci, TYPE_DS);
		if (off < 0)
			return (int)off;
		t->zones[ci].parent_ds = (uint32_t)off;
		off = bld_cut_rrset(b, pi, ci, TYPE_NSEC);
		if (off < 0)
			return (int)off;
		t->zones[ci].parent_nsec = (uint32_t)off;
	}
	return 0;
}
