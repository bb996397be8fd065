/* SPDX-License-Identifier: BSD-3-Clause */
/* The response writer: precompiled RRsets with owners patched, OPT and cookie, the header. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <urcu/compiler.h>

#include "swerve/cookie.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "dnsq_internal.h"

/* Octets left before out->end; 0 once past it. */
static inline uint32_t
dnsq_room(const struct dnsq_out *out)
{
	return out->end > out->pos ? out->end - out->pos : 0;
}

uint32_t
dnsq_write_rrset(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
		 uint16_t owner, bool sigs)
{
	uint32_t start = out->pos;
	uint32_t len = rs->len + (sigs ? rs->sig_len : 0u);

	if (caa_unlikely(out->full))
		return 0;
	if (caa_unlikely(len > dnsq_room(out))) {
		out->full = true;
		return 0;
	}
	memcpy(out->buf + start, rs->wire, len);
	/* The stored owner already is the qname: only other owners need patching. */
	if (owner != 0xc00c) {
		for (uint32_t off = 0; off < len;
		     off += 2u + DNSQ_RR_FIXED + dnsq_get16(out->buf + start + off + 10))
			dnsq_put16(out->buf + start + off, owner);
	}
	out->pos += len;
	out->count[sec] += rs->count;
	if (caa_unlikely(sigs && rs->sig_len != 0))
		out->count[sec] += rrt_rrset_sig_count(rs);
	return start;
}

uint32_t
dnsq_write_sigs(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
		uint16_t owner)
{
	uint32_t start = out->pos;

	if (out->full || rs->sig_len == 0)
		return 0;
	if (rs->sig_len > dnsq_room(out)) {
		out->full = true;
		return 0;
	}
	memcpy(out->buf + start, rs->wire + rs->len, rs->sig_len);
	for (uint32_t off = 0; off < rs->sig_len;
	     off += 2u + DNSQ_RR_FIXED + dnsq_get16(out->buf + start + off + 10))
		dnsq_put16(out->buf + start + off, owner);
	out->pos += rs->sig_len;
	out->count[sec] += rrt_rrset_sig_count(rs);
	return start;
}

uint32_t
dnsq_write_rrset_named(struct dnsq_out *out, enum dnsq_section sec, const struct rrt_rrset *rs,
		       const uint8_t *prefix, unsigned plen, uint16_t suffix)
{
	uint32_t start = out->pos;
	uint32_t total = (uint32_t)rs->len + rs->sig_len;
	uint32_t nrec = rs->count + rrt_rrset_sig_count(rs);
	/* Each record's two-octet placeholder owner becomes the prefix and the pointer. */
	uint32_t len = total + nrec * plen;
	uint8_t *w;

	if (out->full)
		return 0;
	if (len > dnsq_room(out)) {
		out->full = true;
		return 0;
	}
	w = out->buf + start;
	for (uint32_t off = 0; off < total;) {
		uint32_t rec = 2u + DNSQ_RR_FIXED + dnsq_get16(rs->wire + off + 10);

		memcpy(w, prefix, plen);
		dnsq_put16(w + plen, suffix);
		memcpy(w + plen + 2, rs->wire + off + 2, rec - 2);
		w += plen + rec;
		off += rec;
	}
	out->pos += len;
	out->count[sec] += (uint16_t)nrec;
	return start;
}

/* Octets of @name (@len) kept before a pointer to @cut, or @len when it does not end in @cut. */
static unsigned
dnsq_cut_prefix(const uint8_t *name, unsigned len, const uint8_t *cut, unsigned cut_len)
{
	unsigned off = 0;

	while (name[off] != 0 && len - off > cut_len)
		off += name[off] + 1u;
	/* Label lengths are below 'A': lowering a name lowers only its letters. */
	if (len - off != cut_len)
		return len;
	for (unsigned i = 0; i < cut_len; i++)
		if (dname_lower_octet(name[off + i]) != cut[i])
			return len;
	return off;
}

uint32_t
dnsq_write_ns(struct dnsq_out *out, const struct rrt_rrset *rs, const uint8_t *cut,
	      unsigned cut_len, uint16_t cut_ptr, struct dnsq_ns_names *names)
{
	uint32_t start = out->pos;
	uint8_t *w = out->buf + start;
	uint32_t room = dnsq_room(out);
	uint32_t used = 0;

	if (caa_unlikely(out->full))
		return 0;
	for (uint32_t p = 0; p < rs->len; p = rrt_rrset_next(rs, (uint16_t)p)) {
		const uint8_t *rd = rs->wire + p + 2 + DNSQ_RR_FIXED;
		unsigned tlen = dnsq_get16(rs->wire + p + 10);
		unsigned keep = dnsq_cut_prefix(rd, tlen, cut, cut_len);
		unsigned rdlen = keep + (keep < tlen ? 2u : 0u);

		if (2u + DNSQ_RR_FIXED + rdlen > room - used) {
			out->full = true;
			return 0;
		}
		dnsq_put16(w + used, cut_ptr);
		/* A target that is the cut itself is only a pointer: glue points at the cut anyway. */
		if (keep > 0 && names->n < DNSQ_NS_NAMES &&
		    start + used + 2u + DNSQ_RR_FIXED <= DNSQ_PTR_MAX) {
			names->name[names->n] = rd;
			names->off[names->n++] = (uint16_t)(start + used + 2u + DNSQ_RR_FIXED);
		}
		memcpy(w + used + 2, rs->wire + p + 2, DNSQ_RR_FIXED - 2);
		dnsq_put16(w + used + DNSQ_RR_FIXED, (uint16_t)rdlen);
		memcpy(w + used + 2 + DNSQ_RR_FIXED, rd, keep);
		if (keep < tlen)
			dnsq_put16(w + used + 2 + DNSQ_RR_FIXED + keep, cut_ptr);
		used += 2u + DNSQ_RR_FIXED + rdlen;
	}
	out->pos += used;
	out->count[DNSQ_SEC_NS] += rs->count;
	return start;
}

/* The compression pointer to NS target @name (@len octets) in the message, or 0. */
static uint16_t
dnsq_ns_name_at(const struct dnsq_ns_names *names, const uint8_t *name, unsigned len)
{
	for (unsigned i = 0; i < names->n; i++) {
		const uint8_t *t = names->name[i];
		unsigned k = 0;

		/* Label lengths are below 'A': lowering both names compares them. */
		while (k < len && dname_lower_octet(t[k]) == dname_lower_octet(name[k]))
			k++;
		if (k == len)
			return (uint16_t)(0xC000u | names->off[i]);
	}
	return 0;
}

uint32_t
dnsq_write_glue(struct dnsq_out *out, const struct rrt_rrset *rs, const uint8_t *cut,
		unsigned cut_len, uint16_t cut_ptr, const struct dnsq_ns_names *names)
{
	uint32_t start = out->pos;
	uint8_t *w = out->buf + start;
	uint32_t room = dnsq_room(out);
	uint32_t used = 0;

	if (caa_unlikely(out->full))
		return 0;
	for (uint32_t p = 0; p < rs->len;) {
		const uint8_t *owner = rs->wire + p;
		unsigned olen = (unsigned)dname_len(owner);
		unsigned keep; /* Octets of the owner written as they are. */
		uint32_t rest = DNSQ_RR_FIXED + dnsq_get16(owner + olen + 8);

		uint16_t ptr = dnsq_ns_name_at(names, owner, olen);

		/*
		 * A pointer to the target in the NS RDATA, or the labels above the
		 * cut and a pointer to the cut: in the question already.
		 */
		if (ptr != 0)
			keep = 0;
		else
			keep = dnsq_cut_prefix(owner, olen, cut, cut_len), ptr = cut_ptr;
		if (keep + (keep < olen ? 2u : 0u) + rest > room - used) {
			out->full = true;
			return 0;
		}
		memcpy(w + used, owner, keep);
		used += keep;
		if (keep < olen) {
			dnsq_put16(w + used, ptr);
			used += 2;
		}
		memcpy(w + used, owner + olen, rest);
		used += rest;
		p += olen + rest;
	}
	out->pos += used;
	out->count[DNSQ_SEC_AR] += rs->count;
	return start;
}

void
dnsq_write_chaos_txt(struct dnsq_out *out, const char *text)
{
	size_t len = strlen(text);
	/* One character-string per 255 octets, and one (empty) for an empty text. */
	size_t nstr = len == 0 ? 1 : (len + 254) / 255;
	size_t rdlen = len + nstr;
	uint8_t *w;

	if (out->full)
		return;
	if (rdlen > UINT16_MAX || 2 + DNSQ_RR_FIXED + rdlen > dnsq_room(out)) {
		out->full = true;
		return;
	}
	w = out->buf + out->pos;
	dnsq_put16(w, 0xc00c);
	dnsq_put16(w + 2, DNSQ_TYPE_TXT);
	dnsq_put16(w + 4, DNSQ_CLASS_CH);
	memset(w + 6, 0, 4); /* TTL 0: the answer describes this server right now. */
	dnsq_put16(w + 10, (uint16_t)rdlen);
	w += 2 + DNSQ_RR_FIXED;
	do {
		size_t chunk = len < 255 ? len : 255;

		*w++ = (uint8_t)chunk;
		memcpy(w, text, chunk);
		w += chunk;
		text += chunk;
		len -= chunk;
	} while (len > 0);
	out->pos += (uint32_t)(2 + DNSQ_RR_FIXED + rdlen);
	out->count[DNSQ_SEC_AN]++;
}

void
dnsq_write_tsig(struct dnsq_out *out, const struct dnsq_query *q, uint16_t id)
{
	uint8_t *w = out->buf + out->pos;
	uint16_t rdlen = (uint16_t)(q->tsig_alg_len + DNSQ_TSIG_TIME_LEN + 2 + 2 + 2 + 2);

	memcpy(w, q->tsig_key, q->tsig_key_len);
	w += q->tsig_key_len;
	dnsq_put16(w, DNSQ_TYPE_TSIG);
	dnsq_put16(w + 2, DNSQ_CLASS_ANY);
	memset(w + 4, 0, 4); /* TTL 0 */
	dnsq_put16(w + 8, rdlen);
	w += DNSQ_RR_FIXED;
	memcpy(w, q->tsig_alg, q->tsig_alg_len);
	w += q->tsig_alg_len;
	/* The client's time and fudge: an unsigned error carries no time of ours. */
	memcpy(w, q->tsig_time, DNSQ_TSIG_TIME_LEN);
	w += DNSQ_TSIG_TIME_LEN;
	dnsq_put16(w, 0); /* MAC size: unsigned (RFC 8945 5.3.2) */
	dnsq_put16(w + 2, id);
	dnsq_put16(w + 4, DNSQ_TSIG_BADKEY);
	dnsq_put16(w + 6, 0); /* no other data */
	out->pos += dnsq_tsig_room(q);
	out->count[DNSQ_SEC_AR]++;
}

void
dnsq_write_opt(struct dnsq_out *out, uint16_t payload, uint8_t ercode, bool do_bit)
{
	uint8_t *w = out->buf + out->pos;

	w[0] = 0; /* root owner */
	dnsq_put16(w + 1, DNSQ_TYPE_OPT);
	dnsq_put16(w + 3, payload);
	w[5] = ercode;
	w[6] = 0;		  /* version 0 */
	w[7] = do_bit ? 0x80 : 0; /* DO is the only flag we know */
	w[8] = 0;
	dnsq_put16(w + 9, 0); /* no options */
	out->pos += DNSQ_OPT_LEN;
	out->count[DNSQ_SEC_AR]++;
}

/*
 * What a server cookie that does not verify gets: Knot's default
 * (mod-cookies, badcookie-slip 1), which is BADCOOKIE with a fresh cookie
 * over UDP, so the client retries with a cookie it can use (RFC 7873 5.2.3
 * allows it). Over TCP the connection already proved the address: a normal
 * answer with a fresh cookie. A client cookie alone is the normal first
 * contact and gets a normal answer with a fresh cookie (docs/conformance.md, EDNS 19).
 */
uint8_t
dnsq_cookie(struct dnsq_query *q, const struct dnsq_conf *conf, const struct dnsq_client *client,
	    unsigned flags)
{
	const struct dnsq_cookie_conf *cc = &conf->cookie;
	enum cookie_check ck = COOKIE_BAD;

	if (!cc->enabled || client == NULL)
		return DNSQ_COOKIE_NONE;
	if (q->cookie_len > COOKIE_CLIENT_LEN)
		ck = cookie_verify(q->cookie + COOKIE_CLIENT_LEN, q->cookie_len - COOKIE_CLIENT_LEN,
				   cc->secret, cc->has_previous ? cc->previous : NULL, q->cookie,
				   client->now, client->addr, client->addr_len);
	/* A fresh cookie of ours is echoed as it came: no hashing for most queries. */
	if (ck != COOKIE_FRESH)
		cookie_make(q->cookie + COOKIE_CLIENT_LEN, cc->secret, q->cookie, client->now,
			    client->addr, client->addr_len);
	q->cookie_out = COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN;
	if (ck != COOKIE_BAD)
		return DNSQ_COOKIE_VALID;
	if (q->cookie_len > COOKIE_CLIENT_LEN && !(flags & DNSQ_TCP))
		return DNSQ_COOKIE_CLIENT | DNSQ_COOKIE_BAD;
	return DNSQ_COOKIE_CLIENT;
}

void
dnsq_write_cookie_opt(struct dnsq_out *out, const struct dnsq_query *q)
{
	uint8_t *opt = out->buf + out->pos - DNSQ_OPT_LEN;
	uint8_t *w = out->buf + out->pos;

	/* Room was kept before the OPT (dnsq_cookie_room()): nothing to check here. */
	dnsq_put16(w, DNSQ_EDNS_COOKIE);
	dnsq_put16(w + 2, q->cookie_out);
	memcpy(w + 4, q->cookie, q->cookie_out);
	dnsq_put16(opt + 9, (uint16_t)(4 + q->cookie_out));
	out->pos += 4u + q->cookie_out;
}

void
dnsq_write_header(uint8_t *buf, uint16_t id, uint16_t qflags, bool aa, bool tc, uint8_t rcode,
		  uint16_t qdcount, const uint16_t count[DNSQ_SEC_MAX])
{
	dnsq_put16(buf, id);
	/* QR, opcode and RD copied, AA and TC ours. */
	buf[2] = (uint8_t)(0x80 | ((qflags >> 8) & 0x79) | (aa ? 0x04 : 0) | (tc ? 0x02 : 0));
	/*
	 * RA, Z, AD and CD clear. CD is for resolvers: "a security-aware name
	 * server SHOULD clear the CD bit when composing an authoritative
	 * response" (RFC 4035 3.1.6); Knot and NSD clear it too.
	 */
	buf[3] = (uint8_t)(rcode & 0x0f);
	dnsq_put16(buf + 4, qdcount);
	dnsq_put16(buf + 6, count[DNSQ_SEC_AN]);
	dnsq_put16(buf + 8, count[DNSQ_SEC_NS]);
	dnsq_put16(buf + 10, count[DNSQ_SEC_AR]);
}
