/* SPDX-License-Identifier: BSD-3-Clause */
/* The answer engine's steps: parse, choose the answer, finish the message (Knot-style pipeline). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <urcu/compiler.h>

#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "dnsq_internal.h"

/* Used when the caller passes no configuration. */
static const struct dnsq_conf dnsq_default_conf = {
	.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT,
};

enum dnsq_step {
	DNSQ_STEP_DONE = 0,
	DNSQ_STEP_FOLLOW, /* A CNAME was written and ctx->name is now its target. */
};

/* Forget every record written so far: errors carry the question only. */
static void
dnsq_reset_sections(struct dnsq_ctx *c)
{
	c->out.pos = c->q->qend;
	c->out.count[DNSQ_SEC_AN] = 0;
	c->out.count[DNSQ_SEC_NS] = 0;
	c->out.count[DNSQ_SEC_AR] = 0;
	c->out.full = false;
	c->aa = false;
	c->referral = false;
	c->answered = false;
}

static void
dnsq_error(struct dnsq_ctx *c, uint16_t rcode)
{
	dnsq_reset_sections(c);
	c->rcode = rcode;
}

/* NXDOMAIN or NODATA: the zone's SOA in authority, owned by the apex (a suffix of the name). */
static void
dnsq_negative(struct dnsq_ctx *c, uint16_t zone)
{
	const struct rrt_zone *z = &c->t->zones[zone];
	const struct rrt_rrset *soa =
		(const struct rrt_rrset *)(const void *)(c->t->arena + z->soa_neg);

	dnsq_write_rrset(&c->out, DNSQ_SEC_NS, soa, dnsq_owner_suffix(c, z->apex_len), c->dnssec);
}

/*
 * A referral to the delegation at @cut (a suffix of the name): NS in
 * authority, glue after. When a CNAME chain led here (@hops > 0) the CNAMEs
 * stay the authoritative answer and the referral goes beside them, as RFC
 * 1034 4.3.2 step 3b does after step 3a restarted with the target (Knot and
 * NSD answer so too).
 */
static void
dnsq_referral(struct dnsq_ctx *c, const struct rrt_node *cut, unsigned hops)
{
	const struct rrt_ref *ref = rrt_node_ref(c->t, cut, DNSQ_TYPE_NS);
	const struct rrt_rrset *rs = ref != NULL ? rrt_ref_rrset(c->t, ref) : NULL;
	struct dnsq_ns_names names;

	if (caa_unlikely(rs == NULL)) {
		dnsq_error(c, DNSQ_RCODE_SERVFAIL);
		return;
	}
	names.n = 0;
	if (hops == 0) {
		c->aa = false;
		c->referral = true;
	}
	/* The NS RRset of a delegation is the child's, never signed in the parent. */
	dnsq_write_ns(&c->out, rs, rrt_node_name(c->t, cut), cut->name_len,
		      dnsq_owner_suffix(c, cut->name_len), &names);
	if (caa_unlikely(c->dnssec))
		dnsq_proof_referral(c, cut);
	ref = rrt_node_ref(c->t, cut, RRT_TYPE_GLUE);
	if (ref != NULL)
		dnsq_write_glue(&c->out, rrt_ref_rrset(c->t, ref), rrt_node_name(c->t, cut),
				cut->name_len, dnsq_owner_suffix(c, cut->name_len), &names);
}

/*
 * DS at the apex of @child, answered from its served parent: the parent's DS
 * RRset, or NODATA with the parent's SOA and, with DO, its proof.
 */
static void
dnsq_answer_parent_ds(struct dnsq_ctx *c, const struct rrt_zone *child)
{
	/* The parent is a secondary zone past EXPIRE: it answers nothing, SERVFAIL. */
	if (caa_unlikely(c->t->zones[child->parent].expired)) {
		dnsq_error(c, DNSQ_RCODE_SERVFAIL);
		return;
	}
	c->aa = true;
	if (child->parent_ds != 0) {
		c->answered = true;
		dnsq_write_rrset(&c->out, DNSQ_SEC_AN,
				 (const struct rrt_rrset *)(const void *)(c->t->arena +
									  child->parent_ds),
				 dnsq_owner_suffix(c, c->name_len), c->dnssec);
		return;
	}
	dnsq_negative(c, child->parent);
	if (c->dnssec)
		dnsq_proof_parent_ds(c, child);
}

/* QTYPE RRSIG: the RRSIGs at @n (dnsq_dnssec.c), or NODATA when there are none. */
static enum dnsq_step
dnsq_answer_rrsig(struct dnsq_ctx *c, const struct rrt_node *n)
{
	/* Nothing signed here (an unsigned zone, or the end of a CNAME chain): NODATA. */
	if (!dnsq_sigs_answer(c, n) && !c->out.full) {
		dnsq_negative(c, n->zone);
		dnsq_proof_nodata_at(c, n);
	}
	return DNSQ_STEP_DONE;
}

/* RFC 8482: over UDP the first RRset alone keeps ANY cheap; over TCP, everything. */
static enum dnsq_step
dnsq_answer_any(struct dnsq_ctx *c, const struct rrt_node *n)
{
	const struct rrt_ref *refs = rrt_node_refs(c->t, n);
	bool all = (c->flags & DNSQ_TCP) != 0;
	bool written = false;
	bool empty_slot = false;
	uint16_t owner = dnsq_owner_suffix(c, c->name_len);

	for (unsigned i = 0; i < n->nrefs; i++) {
		const struct rrt_rrset *rs;

		if (refs[i].type == RRT_TYPE_GLUE)
			continue;
		/* Not synthesised from a wildcard: an NSEC names its own owner only. */
		if (caa_unlikely(refs[i].type == DNSQ_TYPE_NSEC && c->wild_ce != NULL))
			continue;
		rs = rrt_ref_rrset(c->t, &refs[i]);
		if (rs == NULL) {
			empty_slot = true;
			continue;
		}
		dnsq_write_rrset(&c->out, DNSQ_SEC_AN, rs, owner, c->dnssec);
		written = true;
		c->answered = true;
		if (!all)
			break;
	}
	if (!written) {
		if (empty_slot) {
			dnsq_error(c, DNSQ_RCODE_SERVFAIL);
		} else {
			dnsq_negative(c, n->zone);
			dnsq_proof_nodata_at(c, n);
		}
	} else if (caa_unlikely(c->wild_ce != NULL)) {
		dnsq_proof_wildcard(c, c->wild_ce, n, false);
	}
	return DNSQ_STEP_DONE;
}

/* Write the CNAME at @n and make its target the name to answer next. */
static enum dnsq_step
dnsq_answer_cname(struct dnsq_ctx *c, const struct rrt_node *n)
{
	const struct rrt_ref *ref = rrt_node_ref(c->t, n, DNSQ_TYPE_CNAME);
	const struct rrt_rrset *rs = ref != NULL ? rrt_ref_rrset(c->t, ref) : NULL;
	uint32_t start, tgt;
	unsigned tlen;

	if (caa_unlikely(rs == NULL)) {
		dnsq_error(c, DNSQ_RCODE_SERVFAIL);
		return DNSQ_STEP_DONE;
	}
	c->answered = true;
	start = dnsq_write_rrset(&c->out, DNSQ_SEC_AN, rs, dnsq_owner_suffix(c, c->name_len),
				 c->dnssec);
	if (start == 0) {
		/*
		 * Truncated: nothing further can be sent, but the chain is still
		 * followed (from the table, writing nothing: out.full makes every
		 * write a no-op) so that the answer is the one the whole chain
		 * gives. A SERVFAIL at its end (a failover slot that serves
		 * nothing) then replaces the truncated answer, as it does with
		 * room: TC only when the complete answer does not fit.
		 */
		tlen = dnsq_get16(rs->wire + 2 + DNSQ_RR_FIXED - 2);
		if (caa_unlikely(tlen == 0 || tlen > DNAME_MAXLEN ||
				 2u + DNSQ_RR_FIXED + tlen > rs->len))
			return DNSQ_STEP_DONE;
		for (unsigned i = 0; i < tlen; i++)
			c->target[i] = dname_lower_octet(rs->wire[2 + DNSQ_RR_FIXED + i]);
		c->name = c->target;
		c->name_len = (uint8_t)tlen;
		return DNSQ_STEP_FOLLOW;
	}
	/*
	 * A synthesised CNAME is proved for this name; the proof goes to the
	 * authority section, after the rest of the chain (dnsq_proof_pending()).
	 */
	if (caa_unlikely(c->wild_ce != NULL && c->dnssec && c->npending < DNSQ_MAX_CNAME))
		c->pending[c->npending++] = (struct dnsq_pending_proof){
			.ce = c->wild_ce, .w = n, .name_off = c->name_off, .name_len = c->name_len};

	/*
	 * The target is the first record's RDATA, stored uncompressed, so it
	 * and its suffixes are what the next owners point to. The question
	 * (at most 271 octets) and at most 8 CNAMEs of at most 267 octets
	 * keep it far below 0x4000; the check is a guard, not a code path.
	 */
	tgt = start + 2 + DNSQ_RR_FIXED;
	tlen = dnsq_get16(c->out.buf + tgt - 2);
	if (caa_unlikely(tlen == 0 || tlen > DNAME_MAXLEN || tgt + tlen > DNSQ_PTR_MAX + 1))
		return DNSQ_STEP_DONE;
	/* Label lengths are below 'A', so lowering every octet only touches the letters. */
	for (unsigned i = 0; i < tlen; i++)
		c->target[i] = dname_lower_octet(c->out.buf[tgt + i]);
	c->name = c->target;
	c->name_len = (uint8_t)tlen;
	c->name_off = (uint16_t)tgt;
	return DNSQ_STEP_FOLLOW;
}

/* Answer from the data at @n (the name's node, or the wildcard that matched). */
static enum dnsq_step
dnsq_answer_node(struct dnsq_ctx *c, const struct rrt_node *n)
{
	uint16_t qtype = c->q->qtype;
	const struct rrt_ref *ref;
	const struct rrt_rrset *rs;

	c->aa = true;
	if (caa_unlikely(qtype == DNSQ_TYPE_ANY))
		return dnsq_answer_any(c, n);
	/*
	 * RFC 1034 4.3.2 3a follows a CNAME for any other type, except the NSEC
	 * and RRSIG that live beside it in a signed zone (RFC 4035 2.3, RFC 2181
	 * 10.1.1): those are data of the name itself.
	 */
	if (caa_unlikely(n->flags & RRT_NODE_CNAME) && qtype != DNSQ_TYPE_CNAME &&
	    !(caa_unlikely(qtype == DNSQ_TYPE_NSEC || qtype == DNSQ_TYPE_RRSIG) &&
	      dnsq_beside_cname(c, n, qtype)))
		return dnsq_answer_cname(c, n);
	if (caa_unlikely(qtype == DNSQ_TYPE_RRSIG))
		return dnsq_answer_rrsig(c, n);
	/*
	 * Type 0 names the glue pseudo-RRset in the table; to a client it is an
	 * unknown type. An NSEC states its own owner's place in the chain: it is
	 * never synthesised from a wildcard (RFC 4035 3.1.3.3), NODATA instead.
	 */
	ref = caa_likely(qtype != RRT_TYPE_GLUE) &&
			      (qtype != DNSQ_TYPE_NSEC || c->wild_ce == NULL)
		      ? rrt_node_ref(c->t, n, qtype)
		      : NULL;
	if (ref == NULL) {
		dnsq_negative(c, n->zone); /* NODATA, empty non-terminals included */
		dnsq_proof_nodata_at(c, n);
		return DNSQ_STEP_DONE;
	}
	rs = rrt_ref_rrset(c->t, ref);
	if (caa_unlikely(rs == NULL)) {
		dnsq_error(c, DNSQ_RCODE_SERVFAIL);
		return DNSQ_STEP_DONE;
	}
	c->answered = true;
	dnsq_write_rrset(&c->out, DNSQ_SEC_AN, rs, dnsq_owner_suffix(c, c->name_len), c->dnssec);
	if (caa_unlikely(c->wild_ce != NULL && c->dnssec))
		dnsq_proof_wildcard(c, c->wild_ce, n, false);
	return DNSQ_STEP_DONE;
}

/* The deepest existing ancestor of the name being answered, or NULL outside every zone. */
static const struct rrt_node *
dnsq_closest_encloser(const struct dnsq_ctx *c)
{
	const uint8_t *name = c->name;
	unsigned off = 0;
	/* The parent's hash may be known already (dnsq_prefetch() looked for it). */
	bool hashed = c->hint != NULL && (c->hint->flags & DNSQ_HINT_PARENT);

	while (name[off] != 0) {
		const struct rrt_node *n;
		size_t len;

		off += name[off] + 1u;
		len = c->name_len - off;
		n = rrt_find(c->t, name + off, len,
			     hashed ? c->hint->parent_hash : dname_hash(name + off, len));
		if (n != NULL)
			return n;
		hashed = false;
	}
	return NULL;
}

static inline const struct rrt_node *
dnsq_cut_of(const struct rrt *t, const struct rrt_node *n)
{
	return (n->flags & RRT_NODE_CUT) ? n : &t->nodes[n->cut];
}

/*
 * Look the name up and answer it, following CNAMEs inside served zones (the
 * chain itself: dnsq_resolve() below adds what waits for its end). A
 * chain stops where it leaves the served zones (the CNAMEs so far are the
 * answer, NOERROR, and the resolver goes on from there) or enters a
 * delegation (the same, with the referral beside them). A node met twice is
 * a loop and ends the chain like leaving the zones.
 */
static void
dnsq_resolve_chain(struct dnsq_ctx *c)
{
	const struct rrt *t = c->t;
	const struct rrt_node *seen[DNSQ_MAX_CNAME];
	unsigned hops = 0;

	for (;;) {
		const struct rrt_node *n;

		c->wild_ce = NULL;
		/* The qname's hash may be known already (dnsq_prefetch()); a CNAME target's is not. */
		n = rrt_find(t, c->name, c->name_len,
			     c->hint != NULL ? c->hint->hash : dname_hash(c->name, c->name_len));
		if (caa_likely(n != NULL)) {
			/* An expired secondary zone keeps its apex alone: SERVFAIL for all of it. */
			if (caa_unlikely(n->flags & RRT_NODE_APEX) && t->zones[n->zone].expired) {
				dnsq_error(c, DNSQ_RCODE_SERVFAIL);
				return;
			}
			/* DS at a child's apex is its served parent's (RFC 4035 3.1.4.1). */
			if (caa_unlikely(c->q->qtype == DNSQ_TYPE_DS) && (n->flags & RRT_NODE_APEX) &&
			    t->zones[n->zone].parent != RRT_ZONE_NONE) {
				dnsq_answer_parent_ds(c, &t->zones[n->zone]);
				return;
			}
			/* The parent answers for DS at the cut itself (RFC 4035 3.1.4.1). */
			if (caa_unlikely(n->flags & (RRT_NODE_CUT | RRT_NODE_BELOW_CUT)) &&
			    ((n->flags & RRT_NODE_BELOW_CUT) || c->q->qtype != DNSQ_TYPE_DS)) {
				dnsq_referral(c, dnsq_cut_of(t, n), hops);
				return;
			}
		} else {
			const struct rrt_node *ce = dnsq_closest_encloser(c);

			if (ce == NULL) {
				if (hops == 0)
					c->rcode = DNSQ_RCODE_REFUSED;
				return;
			}
			if (caa_unlikely(ce->flags & RRT_NODE_APEX) && t->zones[ce->zone].expired) {
				dnsq_error(c, DNSQ_RCODE_SERVFAIL);
				return;
			}
			if (ce->flags & (RRT_NODE_CUT | RRT_NODE_BELOW_CUT)) {
				dnsq_referral(c, dnsq_cut_of(t, ce), hops);
				return;
			}
			if (ce->wildcard == RRT_NONE) {
				c->aa = true;
				c->rcode = DNSQ_RCODE_NXDOMAIN;
				dnsq_negative(c, ce->zone);
				if (caa_unlikely(c->dnssec))
					dnsq_proof_nxdomain(c, ce);
				return;
			}
			/* RFC 4592: synthesise from "*.<closest encloser>"; the owner stays the
			 * name. */
			n = &t->nodes[ce->wildcard];
			c->wild_ce = ce;
		}
		for (unsigned i = 0; i < hops; i++)
			if (seen[i] == n)
				return;
		if (hops == DNSQ_MAX_CNAME && (n->flags & RRT_NODE_CNAME))
			return;
		if (dnsq_answer_node(c, n) != DNSQ_STEP_FOLLOW)
			return;
		seen[hops++] = n;
		c->hint = NULL;
	}
}

static void
dnsq_resolve(struct dnsq_ctx *c)
{
	dnsq_resolve_chain(c);
	if (caa_unlikely(c->npending != 0))
		dnsq_proof_pending(c);
}

/* CH TXT names that describe the server (the BIND and RFC 4892 conventions). */
static const struct {
	const uint8_t *wire;
	uint8_t len;
	bool identity; /* conf->identity rather than conf->version. */
} dnsq_chaos_names[] = {
	{(const uint8_t *)"\007version\004bind", 14, false},
	{(const uint8_t *)"\007version\006server", 16, false},
	{(const uint8_t *)"\002id\006server", 11, true},
	{(const uint8_t *)"\010hostname\004bind", 15, true},
};

static void
dnsq_chaos(struct dnsq_ctx *c)
{
	const struct dnsq_query *q = c->q;
	const char *text = NULL;

	for (unsigned i = 0; i < sizeof(dnsq_chaos_names) / sizeof(dnsq_chaos_names[0]); i++) {
		if (q->qname_len == dnsq_chaos_names[i].len &&
		    memcmp(q->qname, dnsq_chaos_names[i].wire, q->qname_len) == 0) {
			text = dnsq_chaos_names[i].identity ? c->conf->identity : c->conf->version;
			break;
		}
	}
	if (text == NULL) {
		c->rcode = DNSQ_RCODE_REFUSED;
		return;
	}
	c->aa = true;
	/* Other types at these names: NOERROR and empty, there is no zone to give an SOA from. */
	if (q->qtype == DNSQ_TYPE_TXT || q->qtype == DNSQ_TYPE_ANY) {
		c->answered = true;
		dnsq_write_chaos_txt(&c->out, text);
	}
}

/* Choose the answer of a well-formed query. */
static void
dnsq_process(struct dnsq_ctx *c)
{
	const struct dnsq_query *q = c->q;

	if (caa_unlikely(q->edns && q->edns_version != 0)) {
		c->rcode = DNSQ_RCODE_BADVERS;
		return;
	}
	if (caa_unlikely(q->qtype >= DNSQ_TYPE_IXFR && q->qtype <= DNSQ_TYPE_MAILA)) {
		/* Transfers are for the hidden primary; MAILA/MAILB are obsolete (RFC 2505 spirit).
		 */
		c->rcode = q->qtype <= DNSQ_TYPE_AXFR ? DNSQ_RCODE_REFUSED : DNSQ_RCODE_NOTIMP;
		return;
	}
	if (caa_likely(q->qclass == DNSQ_CLASS_IN || q->qclass == DNSQ_CLASS_ANY)) {
		if (caa_unlikely(c->t == NULL))
			c->rcode = DNSQ_RCODE_REFUSED;
		else
			dnsq_resolve(c);
		/* "Responses to QCLASS=* queries can never be authoritative" (RFC 1034 3.7.1). */
		if (caa_unlikely(q->qclass == DNSQ_CLASS_ANY))
			c->aa = false;
	} else if (q->qclass == DNSQ_CLASS_CH) {
		dnsq_chaos(c);
	} else {
		c->rcode = DNSQ_RCODE_REFUSED;
	}
}

/* UDP: 512 without EDNS, else the smaller of the client's and our payload size, never below 512. */
static uint32_t
dnsq_limit(const struct dnsq_query *q, const struct dnsq_conf *conf, size_t cap, unsigned flags)
{
	size_t lim;

	if (flags & DNSQ_TCP) {
		lim = DNSQ_TCP_MAX;
	} else if (q->edns) {
		lim = q->edns_payload < conf->edns_payload ? q->edns_payload : conf->edns_payload;
		if (lim < DNSQ_UDP_MIN)
			lim = DNSQ_UDP_MIN;
	} else {
		lim = DNSQ_UDP_MIN;
	}
	return (uint32_t)(lim < cap ? lim : cap);
}

static uint8_t
dnsq_classify(const struct dnsq_ctx *c)
{
	switch (c->rcode) {
	case DNSQ_RCODE_NOERROR:
		if (c->referral)
			return DNSQ_CLASS_REFERRAL;
		return c->answered ? DNSQ_CLASS_ANSWER : DNSQ_CLASS_NODATA;
	case DNSQ_RCODE_NXDOMAIN:
		return DNSQ_CLASS_NXDOMAIN;
	default:
		return DNSQ_CLASS_ERROR;
	}
}

size_t
dnsq_answer(const struct rrt *t, const struct dnsq_conf *conf, const struct dnsq_client *client,
	    const uint8_t *query, size_t qlen, uint8_t *resp, size_t cap, unsigned flags,
	    struct dnsq_info *info)
{
	return dnsq_answer_hinted(t, conf, client, query, qlen, resp, cap, flags, info, NULL);
}

size_t
dnsq_answer_hinted(const struct rrt *t, const struct dnsq_conf *conf,
		   const struct dnsq_client *client, const uint8_t *query, size_t qlen,
		   uint8_t *resp, size_t cap, unsigned flags, struct dnsq_info *info,
		   const struct dnsq_hint *hint)
{
	struct dnsq_query q;
	struct dnsq_ctx c;
	enum dnsq_parse_rc rc;
	uint32_t limit, opt;
	uint16_t id, qflags;
	bool tc = false;
	bool badcookie = false;

	if (conf == NULL)
		conf = &dnsq_default_conf;
	info->qtype = 0;
	info->rcode = 0;
	info->verdict = DNSQ_ANSWERED;
	info->rclass = DNSQ_CLASS_ERROR;
	info->tc = 0;
	info->edns = 0;
	info->cookie = DNSQ_COOKIE_NONE;

	rc = dnsq_parse(query, qlen, &q, hint);
	info->edns = q.edns;
	if (caa_unlikely(rc != DNSQ_PARSE_OK)) {
		/* NOTIFY over UDP is the control side's (the frame goes there unchanged). */
		if (rc == DNSQ_PARSE_NOTIFY) {
			if (!(flags & DNSQ_TCP)) {
				info->verdict = DNSQ_PUNT;
				return 0;
			}
			rc = DNSQ_PARSE_NOTIMP;
		}
		return dnsq_answer_bad(rc, &q, conf, query, resp, cap, info);
	}
	info->qtype = q.qtype;

	limit = dnsq_limit(&q, conf, cap, flags);
	opt = q.edns ? DNSQ_OPT_LEN : 0;
	/* A COOKIE option comes inside an OPT record (q.edns), so its room adds to the OPT's. */
	if (caa_unlikely(q.cookie_len != 0)) {
		uint8_t ck = dnsq_cookie(&q, conf, client, flags);

		info->cookie = ck & ~DNSQ_COOKIE_BAD;
		badcookie = (ck & DNSQ_COOKIE_BAD) != 0;
		opt += dnsq_cookie_room(&q);
	}
	/* The BADKEY TSIG goes last, after the OPT: its room is kept the same way. */
	opt += dnsq_tsig_room(&q);
	if (caa_unlikely(limit < q.qend + opt)) {
		info->verdict = DNSQ_DROP_NOSPACE;
		return 0;
	}
	/* Everything needed from the query is in q now: from here on it may be overwritten. */
	id = dnsq_get16(query);
	qflags = dnsq_get16(query + 2);
	if (resp != query)
		memmove(resp, query, q.qend);

	c.t = t;
	c.conf = conf;
	c.q = &q;
	c.out.buf = resp;
	c.out.pos = q.qend;
	c.out.end = limit - opt;
	c.out.count[DNSQ_SEC_AN] = 0;
	c.out.count[DNSQ_SEC_NS] = 0;
	c.out.count[DNSQ_SEC_AR] = 0;
	c.out.full = false;
	c.flags = flags;
	c.rcode = DNSQ_RCODE_NOERROR;
	c.aa = false;
	c.referral = false;
	c.answered = false;
	c.name = q.qname;
	c.name_off = DNSQ_HDR_LEN;
	c.name_len = q.qname_len;
	/* The hint was read from these very octets by the same code (dnsq_parse_qname()). */
	c.hint = hint != NULL && q.qname == hint->qname ? hint : NULL;
	c.dnssec = q.edns && q.edns_do;
	c.nproved = 0;
	c.wild_ce = NULL;
	c.npending = 0;

	if (caa_unlikely(badcookie))
		c.rcode = DNSQ_RCODE_BADCOOKIE;
	else if (caa_unlikely(q.tsig))
		c.rcode = DNSQ_RCODE_NOTAUTH; /* A key we do not have: RFC 8945 5.2.1, BADKEY. */
	else
		dnsq_process(&c);

	info->rclass = dnsq_classify(&c);
	if (caa_unlikely(c.out.full)) {
		/* All or nothing: a partial RRset set would look complete to a cache. */
		bool aa = c.aa;

		dnsq_reset_sections(&c);
		c.aa = aa;
		tc = true;
	}
	if (q.edns) {
		dnsq_write_opt(&c.out, conf->edns_payload, (uint8_t)(c.rcode >> 4), q.edns_do);
		dnsq_write_cookie(&c.out, &q);
	}
	if (caa_unlikely(q.tsig))
		dnsq_write_tsig(&c.out, &q, id);
	dnsq_write_header(resp, id, qflags, c.aa, tc, (uint8_t)(c.rcode & 0x0f), 1, c.out.count);
	info->rcode = c.rcode;
	info->tc = tc;
	return c.out.pos;
}
