/* SPDX-License-Identifier: BSD-3-Clause */
/* DNSSEC in answers: denial proofs (one function per shape, NSEC and NSEC3), QTYPE RRSIG. */

/*
 * SHA-1 through OpenSSL's low-level interface: its context lives on our
 * stack. The EVP interface allocates a context per digest (and the one-shot
 * SHA1() of OpenSSL 3 goes through EVP), which a worker must never do.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/sha.h>
#include <urcu/compiler.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "dnsq_internal.h"

static inline const struct rrt_zone *
dnsq_zone(const struct dnsq_ctx *c, uint16_t zone)
{
	return &c->t->zones[zone];
}

/* Whether this answer carries proofs from @z: the client asked (DO) and the zone can prove. */
static inline bool
dnsq_proving(const struct dnsq_ctx *c, const struct rrt_zone *z)
{
	return c->dnssec && z->denial != RRT_DENIAL_NONE;
}

/* True when the RRset at arena offset @off went out already; else remembers it. */
static bool
dnsq_proved(struct dnsq_ctx *c, uint32_t off)
{
	for (unsigned i = 0; i < c->nproved; i++)
		if (c->proved[i] == off)
			return true;
	if (c->nproved < sizeof(c->proved) / sizeof(c->proved[0]))
		c->proved[c->nproved++] = off;
	return false;
}

/* ---- NSEC (RFC 4035 3.1.3) ---- */

/*
 * The NSEC owner that covers or matches @name in @z: the last name of the
 * chain that is not after it in canonical order. Every name of a zone sorts
 * after its apex, which owns an NSEC, so there always is one.
 */
static const struct rrt_node *
dnsq_nsec_find(const struct dnsq_ctx *c, const struct rrt_zone *z, const uint8_t *name,
	       size_t len)
{
	const struct rrt *t = c->t;
	const uint32_t *chain = (const uint32_t *)(const void *)(t->arena + z->chain);
	uint32_t lo = 0, hi = z->nchain;
	uint8_t offs[DNAME_MAXLABELS];
	unsigned nlabels = dname_label_offsets(name, offs);

	(void)len;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct rrt_node *n = &t->nodes[chain[mid]];

		if (dname_canon_cmp_offs(rrt_node_name(t, n), name, offs, nlabels) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return &t->nodes[chain[lo]];
}

/* The NSEC RRset of @n with its RRSIGs, owner @n's name (below the apex of @z). */
static void
dnsq_nsec_write(struct dnsq_ctx *c, const struct rrt_zone *z, const struct rrt_node *n)
{
	const struct rrt_ref *ref = rrt_node_ref(c->t, n, DNSQ_TYPE_NSEC);

	if (ref == NULL || dnsq_proved(c, ref->off))
		return;
	dnsq_write_rrset_named(&c->out, DNSQ_SEC_NS, rrt_ref_rrset(c->t, ref),
			       rrt_node_name(c->t, n), n->name_len - z->apex_len,
			       dnsq_owner_suffix(c, z->apex_len));
}

/* "*.<ce>" in @buf; returns its length, 0 when it would be too long. */
static size_t
dnsq_wildcard_of(const uint8_t *ce, size_t ce_len, uint8_t buf[DNAME_MAXLEN])
{
	if (ce_len + 2 > DNAME_MAXLEN)
		return 0;
	buf[0] = 1;
	buf[1] = '*';
	memcpy(buf + 2, ce, ce_len);
	return ce_len + 2;
}

/* ---- NSEC3 (RFC 5155 7.2) ---- */

/* RFC 5155 5: IH(0) = H(name | salt), IH(k) = H(IH(k-1) | salt), for @p's iterations. */
void
dnsq_nsec3_hash(const struct rrt_nsec3_param *p, const uint8_t *name, size_t len,
		uint8_t out[RRT_NSEC3_HASH_LEN])
{
	SHA_CTX sha;

	SHA1_Init(&sha);
	SHA1_Update(&sha, name, len);
	SHA1_Update(&sha, p->salt, p->salt_len);
	SHA1_Final(out, &sha);
	for (unsigned i = 0; i < p->iterations; i++) {
		SHA1_Init(&sha);
		SHA1_Update(&sha, out, RRT_NSEC3_HASH_LEN);
		SHA1_Update(&sha, p->salt, p->salt_len);
		SHA1_Final(out, &sha);
	}
}

/* Octets @off to @off + 7 of an NSEC3 hash as a number that sorts as the octets do. */
static inline uint64_t
dnsq_hash_key(const uint8_t *h, unsigned off)
{
	uint64_t k;

	memcpy(&k, h + off, sizeof(k));
	return be64toh(k);
}

/* The last 4 octets of an NSEC3 hash, the same way. */
static inline uint32_t
dnsq_hash_tail(const uint8_t *h)
{
	uint32_t k;

	memcpy(&k, h + 16, sizeof(k));
	return be32toh(k);
}

/* -1, 0 or 1 as hash @a sorts before, equal to or after @h (@hk its first key). */
static inline int
dnsq_hash_cmp(const uint8_t *a, const uint8_t *h, uint64_t hk)
{
	uint64_t x = dnsq_hash_key(a, 0), y = hk;
	uint32_t xt, yt;

	if (x == y) {
		x = dnsq_hash_key(a, 8);
		y = dnsq_hash_key(h, 8);
		if (x == y) {
			xt = dnsq_hash_tail(a);
			yt = dnsq_hash_tail(h);
			return (xt > yt) - (xt < yt);
		}
	}
	return (x > y) - (x < y);
}

/*
 * The NSEC3 of @z that matches (*@match) or covers the hash @h: the last
 * one not after it, or the last of the chain when @h sorts before all
 * (the chain wraps around). Hashes are compared as big-endian numbers, the
 * first 8 octets first and the rest only when those are equal (a match, in
 * practice): a binary search of 10,000 hashes is about 14 steps, and a call
 * to memcmp in each was a third of an NSEC3 NODATA answer.
 */
static const struct rrt_nsec3 *
dnsq_nsec3_find(const struct dnsq_ctx *c, const struct rrt_zone *z,
		const uint8_t h[RRT_NSEC3_HASH_LEN], bool *match)
{
	const struct rrt_nsec3 *chain = (const struct rrt_nsec3 *)(const void *)(c->t->arena + z->chain);
	uint64_t hk = dnsq_hash_key(h, 0);
	uint32_t lo = 0, n = z->nchain;
	int cmp;

	/* The last entry whose first 8 octets are not above h's (chain[lo] <= h holds for them). */
	if (dnsq_hash_key(chain[0].hash, 0) <= hk) {
		while (n > 1) {
			uint32_t half = n / 2;

			lo = dnsq_hash_key(chain[lo + half].hash, 0) <= hk ? lo + half : lo;
			n -= half;
		}
	}
	/* Entries that share those 8 octets with h (a match, in practice) decide on the rest. */
	while ((cmp = dnsq_hash_cmp(chain[lo].hash, h, hk)) > 0) {
		if (lo == 0) {
			/* h sorts before the whole chain: the last NSEC3 covers it. */
			*match = false;
			return &chain[z->nchain - 1];
		}
		lo--;
	}
	*match = cmp == 0;
	return &chain[lo];
}

/* The NSEC3 RRset @e with its RRSIGs, owner "<base32hex hash>.<apex>". */
static void
dnsq_nsec3_write(struct dnsq_ctx *c, const struct rrt_zone *z, const struct rrt_nsec3 *e)
{
	static const char b32[] = "0123456789abcdefghijklmnopqrstuv";
	uint8_t label[1 + 32];
	uint32_t acc = 0;
	unsigned bits = 0, o = 1;

	if (dnsq_proved(c, e->rrset))
		return;
	label[0] = 32;
	for (unsigned i = 0; i < RRT_NSEC3_HASH_LEN; i++) {
		acc = acc << 8 | e->hash[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			label[o++] = (uint8_t)b32[(acc >> bits) & 31];
		}
	}
	dnsq_write_rrset_named(&c->out, DNSQ_SEC_NS,
			       (const struct rrt_rrset *)(const void *)(c->t->arena + e->rrset), label,
			       sizeof(label), dnsq_owner_suffix(c, z->apex_len));
}

/* Hash @name and write the NSEC3 that matches or covers it; returns whether it matched. */
static bool
dnsq_nsec3_prove(struct dnsq_ctx *c, const struct rrt_zone *z, const uint8_t *name, size_t len,
		 bool want_match)
{
	const struct rrt_nsec3_param *p =
		(const struct rrt_nsec3_param *)(const void *)(c->t->arena + z->nsec3p);
	uint8_t h[RRT_NSEC3_HASH_LEN];
	const struct rrt_nsec3 *e;
	bool match;

	dnsq_nsec3_hash(p, name, len, h);
	e = dnsq_nsec3_find(c, z, h, &match);
	if (match == want_match)
		dnsq_nsec3_write(c, z, e);
	return match;
}

/* The offset in c->name of the name one label longer than its suffix of @ce_len octets. */
static unsigned
dnsq_next_closer(const struct dnsq_ctx *c, size_t ce_len)
{
	unsigned off = 0, prev = 0;

	while (off < c->name_len - ce_len) {
		prev = off;
		off += c->name[off] + 1u;
	}
	return prev;
}

/*
 * The closest (provable) encloser proof (RFC 5155 7.2.1): the NSEC3 that
 * matches the encloser, the suffix of c->name of @ce_len octets, and the one
 * that covers the next closer name; with @wildcard also the one that covers
 * "*.<encloser>".
 */
static void
dnsq_nsec3_ce_proof(struct dnsq_ctx *c, const struct rrt_zone *z, size_t ce_len, bool wildcard)
{
	const uint8_t *ce = c->name + c->name_len - ce_len;
	const struct rrt_nsec3 *chain =
		(const struct rrt_nsec3 *)(const void *)(c->t->arena + z->chain);
	bool apex = ce_len == z->apex_len;
	unsigned nc = dnsq_next_closer(c, ce_len);
	uint8_t wc[DNAME_MAXLEN];
	size_t wlen;

	/* At the apex, the encloser's and the wildcard's entries were found at build time. */
	if (apex && z->apex_n3 != RRT_NONE)
		dnsq_nsec3_write(c, z, &chain[z->apex_n3]);
	else
		dnsq_nsec3_prove(c, z, ce, ce_len, true);
	dnsq_nsec3_prove(c, z, c->name + nc, c->name_len - nc, false);
	if (!wildcard)
		return;
	if (apex && z->wild_n3 != RRT_NONE)
		dnsq_nsec3_write(c, z, &chain[z->wild_n3]);
	else if ((wlen = dnsq_wildcard_of(ce, ce_len, wc)) != 0)
		dnsq_nsec3_prove(c, z, wc, wlen, false);
}

/*
 * No NSEC3 matches c->name (an opt-out delegation, RFC 5155 7.2.4): prove
 * the closest ancestor that has one, and cover the next closer name, whose
 * NSEC3 has the opt-out flag.
 */
static void
dnsq_nsec3_optout(struct dnsq_ctx *c, const struct rrt_zone *z)
{
	const struct rrt_nsec3_param *p =
		(const struct rrt_nsec3_param *)(const void *)(c->t->arena + z->nsec3p);
	unsigned off = c->name[0] + 1u;

	if (c->name_len <= z->apex_len)
		return;
	/* The apex always has one, so the walk ends there at the latest. */
	while (off < (unsigned)(c->name_len - z->apex_len)) {
		uint8_t h[RRT_NSEC3_HASH_LEN];
		bool match;

		dnsq_nsec3_hash(p, c->name + off, c->name_len - off, h);
		dnsq_nsec3_find(c, z, h, &match);
		if (match)
			break;
		off += c->name[off] + 1u;
	}
	dnsq_nsec3_ce_proof(c, z, c->name_len - off, false);
}

/* NODATA for c->name with NSEC3: the matching NSEC3, or without one the opt-out proof. */
static void
dnsq_nsec3_nodata(struct dnsq_ctx *c, const struct rrt_zone *z)
{
	if (!dnsq_nsec3_prove(c, z, c->name, c->name_len, true))
		dnsq_nsec3_optout(c, z);
}

/* ---- the proof shapes ---- */

void
dnsq_proof_nxdomain(struct dnsq_ctx *c, const struct rrt_node *ce)
{
	const struct rrt_zone *z = dnsq_zone(c, ce->zone);
	uint8_t wc[DNAME_MAXLEN];
	size_t wlen;

	if (!dnsq_proving(c, z))
		return;
	if (z->denial == RRT_DENIAL_NSEC3) {
		dnsq_nsec3_ce_proof(c, z, ce->name_len, true);
		return;
	}
	/*
	 * The NSEC that covers the name, and the one that covers the wildcard
	 * that would match (at the apex, found at build time).
	 */
	dnsq_nsec_write(c, z, dnsq_nsec_find(c, z, c->name, c->name_len));
	if (ce->name_len == z->apex_len && z->wild_nsec != RRT_NONE)
		dnsq_nsec_write(c, z, &c->t->nodes[z->wild_nsec]);
	else if ((wlen = dnsq_wildcard_of(rrt_node_name(c->t, ce), ce->name_len, wc)) != 0)
		dnsq_nsec_write(c, z, dnsq_nsec_find(c, z, wc, wlen));
}

void
dnsq_proof_nodata(struct dnsq_ctx *c, const struct rrt_node *n)
{
	const struct rrt_zone *z = dnsq_zone(c, n->zone);

	if (!dnsq_proving(c, z))
		return;
	if (z->denial == RRT_DENIAL_NSEC3) {
		dnsq_nsec3_nodata(c, z);
		return;
	}
	/* An empty non-terminal owns no NSEC: the one before it proves it has no data. */
	if (rrt_node_ref(c->t, n, DNSQ_TYPE_NSEC) != NULL)
		dnsq_nsec_write(c, z, n);
	else
		dnsq_nsec_write(c, z, dnsq_nsec_find(c, z, c->name, c->name_len));
}

void
dnsq_proof_wildcard(struct dnsq_ctx *c, const struct rrt_node *ce, const struct rrt_node *w,
		    bool nodata)
{
	const struct rrt_zone *z = dnsq_zone(c, ce->zone);

	if (!dnsq_proving(c, z))
		return;
	if (z->denial == RRT_DENIAL_NSEC3) {
		/* RFC 5155 7.2.6, and 7.2.5 for NODATA: also the encloser and the wildcard. */
		unsigned nc = dnsq_next_closer(c, ce->name_len);

		if (nodata)
			dnsq_nsec3_prove(c, z, rrt_node_name(c->t, ce), ce->name_len, true);
		dnsq_nsec3_prove(c, z, c->name + nc, c->name_len - nc, false);
		if (nodata)
			dnsq_nsec3_prove(c, z, rrt_node_name(c->t, w), w->name_len, true);
		return;
	}
	/* RFC 4035 3.1.3.3 and 3.1.3.4. */
	if (nodata)
		dnsq_nsec_write(c, z, w);
	dnsq_nsec_write(c, z, dnsq_nsec_find(c, z, c->name, c->name_len));
}

void
dnsq_proof_referral(struct dnsq_ctx *c, const struct rrt_node *cut)
{
	const struct rrt_zone *z = dnsq_zone(c, cut->zone);
	const struct rrt_ref *ds;

	/* An unsigned parent proves nothing: its DS (if any) would be no use unsigned. */
	if (!dnsq_proving(c, z))
		return;
	/* RFC 4035 3.1.4: the DS RRset and its RRSIGs, or the proof that there is none. */
	ds = rrt_node_ref(c->t, cut, DNSQ_TYPE_DS);
	if (ds != NULL) {
		dnsq_write_rrset(&c->out, DNSQ_SEC_NS, rrt_ref_rrset(c->t, ds),
				 dnsq_owner_suffix(c, cut->name_len), true);
		return;
	}
	if (z->denial == RRT_DENIAL_NSEC3) {
		const uint8_t *name = c->name + c->name_len - cut->name_len;

		if (!dnsq_nsec3_prove(c, z, name, cut->name_len, true)) {
			/* Opt-out: prove the delegation's closest provable encloser instead. */
			const uint8_t *saved = c->name;
			uint16_t saved_off = c->name_off;
			uint8_t saved_len = c->name_len;

			c->name_off = (uint16_t)(c->name_off + (c->name_len - cut->name_len));
			c->name = name;
			c->name_len = cut->name_len;
			dnsq_nsec3_optout(c, z);
			c->name = saved;
			c->name_off = saved_off;
			c->name_len = saved_len;
		}
		return;
	}
	dnsq_nsec_write(c, z, cut);
}

void
dnsq_proof_pending(struct dnsq_ctx *c)
{
	for (unsigned i = 0; i < c->npending; i++) {
		const struct dnsq_pending_proof *pp = &c->pending[i];

		/*
		 * The name as the response holds it (the qname, or a CNAME's
		 * target as stored), lowered into target[]: the chain is over,
		 * so the copy of its last name is no longer needed.
		 */
		for (unsigned k = 0; k < pp->name_len; k++)
			c->target[k] = dname_lower_octet(c->out.buf[pp->name_off + k]);
		c->name = c->target;
		c->name_off = pp->name_off;
		c->name_len = pp->name_len;
		dnsq_proof_wildcard(c, pp->ce, pp->w, false);
	}
}

/* ---- DNSSEC records named by the query ---- */

bool
dnsq_beside_cname(const struct dnsq_ctx *c, const struct rrt_node *n, uint16_t qtype)
{
	const struct rrt_ref *ref;

	if (qtype == DNSQ_TYPE_NSEC)
		return rrt_node_ref(c->t, n, DNSQ_TYPE_NSEC) != NULL;
	if (qtype != DNSQ_TYPE_RRSIG)
		return false;
	ref = rrt_node_ref(c->t, n, DNSQ_TYPE_CNAME);
	return ref != NULL && rrt_ref_rrset(c->t, ref) != NULL &&
	       rrt_ref_rrset(c->t, ref)->sig_len != 0;
}

bool
dnsq_sigs_answer(struct dnsq_ctx *c, const struct rrt_node *n)
{
	const struct rrt_ref *refs = rrt_node_refs(c->t, n);
	uint16_t owner = dnsq_owner_suffix(c, c->name_len);
	bool any = false;

	for (unsigned i = 0; i < n->nrefs; i++) {
		const struct rrt_rrset *rs;

		if (refs[i].type == RRT_TYPE_GLUE)
			continue;
		rs = rrt_ref_rrset(c->t, &refs[i]);
		if (rs != NULL && rs->sig_len != 0 &&
		    dnsq_write_sigs(&c->out, DNSQ_SEC_AN, rs, owner))
			any = true;
	}
	c->answered |= any;
	return any;
}

void
dnsq_proof_parent_ds(struct dnsq_ctx *c, const struct rrt_zone *child)
{
	const struct rrt_zone *z = dnsq_zone(c, child->parent);

	if (!dnsq_proving(c, z))
		return;
	if (z->denial == RRT_DENIAL_NSEC3) {
		dnsq_nsec3_nodata(c, z);
		return;
	}
	if (child->parent_nsec != 0 && !dnsq_proved(c, child->parent_nsec))
		dnsq_write_rrset(&c->out, DNSQ_SEC_NS,
				 (const struct rrt_rrset *)(const void *)(c->t->arena +
									  child->parent_nsec),
				 dnsq_owner_suffix(c, c->name_len), true);
}
