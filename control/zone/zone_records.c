/* SPDX-License-Identifier: BSD-3-Clause */
/* The records of a zone being loaded: storage, the checks on the way in, duplicates dropped. */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/zone.h"

#include "zone_records.h"

/*
 * Names and RDATA go to chunks of this size: one malloc per ~20000 records
 * instead of two per record, and zone_free() is a walk of a short list.
 */
#define ZL_CHUNK (1u << 20)

/* How much of a bad line an error message quotes. */
#define ZL_QUOTE 64

struct zl_chunk {
	struct zl_chunk *next;
	size_t used;
	size_t cap;
	uint8_t data[];
};

void *
zl_alloc(struct zl_store *st, size_t n)
{
	struct zl_chunk *c = st->chunks;
	void *p;

	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > ZL_CHUNK ? n : ZL_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = st->chunks;
		st->chunks = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

char *
zl_strdup(struct zl_store *st, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = zl_alloc(st, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

void
zl_store_free(struct zl_store *st)
{
	struct zl_chunk *c, *next;

	if (st == NULL)
		return;
	for (c = st->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(st);
}

void
zl_store_adopt(struct zl_store *st, struct zl_store *from)
{
	struct zl_chunk **tail = &from->chunks;

	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = st->chunks;
	st->chunks = from->chunks;
	free(from);
}

/* The first line of @text (at most ZL_QUOTE characters), for an error message. */
static const char *
zl_quote(const char *text, size_t len, char out[ZL_QUOTE + 4])
{
	size_t n = 0;

	while (n < len && n < ZL_QUOTE && text[n] != '\n' && text[n] != '\r')
		n++;
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	memcpy(out, text, n);
	if (n == ZL_QUOTE && n < len && text[n] != '\n') {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

int
zl_fail(struct zl *p, const struct zl_src *src, int code, int line, const char *text, size_t len,
	const char *fmt, ...)
{
	char quote[ZL_QUOTE + 4];
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return sw_diag_set(p->diag, code, src->path, (unsigned)line, "%s: %s", reason,
			   zl_quote(text, len, quote));
}

static int
zl_grow(struct zl *p)
{
	size_t cap = p->cap != 0 ? p->cap * 2 : 1024;
	struct zone_rr *rrs;
	uint64_t *keys;

	rrs = realloc(p->z->rrs, cap * sizeof(*rrs));
	if (rrs == NULL)
		return -ENOMEM;
	p->z->rrs = rrs;
	keys = realloc(p->keys, cap * sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	p->keys = keys;
	p->cap = cap;
	return 0;
}

/* FNV-1a: load-time only, over RDATA of any shape. */
static uint64_t
zl_fnv(uint64_t h, const uint8_t *d, size_t n, bool lower)
{
	for (size_t i = 0; i < n; i++) {
		h ^= lower ? dname_lower_octet(d[i]) : d[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Types that never belong in a zone: 0, OPT and the query/meta range (RFC 6895 section 3.1). */
static bool
zl_meta_type(uint16_t type)
{
	return type == 0 || type == LDNS_RR_TYPE_OPT || (type >= 128 && type <= 255);
}

/* Append @rr, read from @src at @line, to the zone. */
int
zl_add(struct zl *p, const struct zl_src *src, const ldns_rr *rr, int line, const char *text,
       size_t text_len)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	const ldns_rr_descriptor *desc;
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	size_t nrdf = ldns_rr_rd_count(rr);
	size_t olen = ldns_rdf_size(owner);
	uint32_t ttl = ldns_rr_ttl(rr);
	struct zone_rr *zr;
	size_t rdlen = 0;
	uint64_t canon = 0xcbf29ce484222325ull;
	uint8_t *o, *d;
	int rc;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		const ldns_lookup_table *c =
			ldns_lookup_by_id(ldns_rr_classes, (int)ldns_rr_get_class(rr));
		char cls[16];

		if (c != NULL)
			snprintf(cls, sizeof(cls), "%s", c->name);
		else
			snprintf(cls, sizeof(cls), "CLASS%u", ldns_rr_get_class(rr));
		return zl_fail(p, src, SW_EZONE_CLASS, line, text, text_len,
			       "class %s, only IN is served", cls);
	}
	if (zl_meta_type(type))
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "type %u cannot appear in a zone", type);
	desc = ldns_rr_descript(type);
	/* ldns fills a known type from "\#" data field by field and stops when data runs out. */
	if (desc != NULL && nrdf < ldns_rr_descriptor_minimum(desc))
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "RDATA too short for its type");
	if (ttl == ZL_TTL_UNSET)
		ttl = src->ttl;
	else if (ttl > ZL_TTL_MAX)
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "TTL over 2147483647 (RFC 2181 section 8)");
	if (olen > DNAME_MAXLEN)
		return zl_fail(p, src, SW_EZONE_TOOBIG, line, text, text_len,
			       "owner name longer than 255 octets");
	for (size_t i = 0; i < nrdf; i++)
		rdlen += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (rdlen > UINT16_MAX)
		return zl_fail(p, src, SW_EZONE_TOOBIG, line, text, text_len,
			       "RDATA of %zu octets, over 65535", rdlen);
	if (p->z->nrrs == p->cap) {
		rc = zl_grow(p);
		if (rc < 0)
			return rc;
	}

	/* Reuse the stored owner when this record repeats the previous record's name. */
	o = (uint8_t *)p->last_owner;
	if (o != NULL && dname_len(o) == olen) {
		const uint8_t *w = ldns_rdf_data(owner);
		size_t i;

		for (i = 0; i < olen && o[i] == dname_lower_octet(w[i]); i++)
			;
		if (i != olen)
			o = NULL;
	} else {
		o = NULL;
	}
	if (o == NULL) {
		const uint8_t *w = ldns_rdf_data(owner);

		o = zl_alloc(p->st, olen);
		if (o == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < olen; i++)
			o[i] = dname_lower_octet(w[i]);
		p->last_owner = o;
	}

	d = zl_alloc(p->st, rdlen != 0 ? rdlen : 1);
	if (d == NULL)
		return -ENOMEM;
	rdlen = 0;
	for (size_t i = 0; i < nrdf; i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t n = ldns_rdf_size(f);

		/* ldns keeps every field in wire form and names uncompressed, case as written. */
		memcpy(d + rdlen, ldns_rdf_data(f), n);
		canon = zl_fnv(canon, d + rdlen, n, ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME);
		rdlen += n;
	}

	zr = &p->z->rrs[p->z->nrrs];
	*zr = (struct zone_rr){
		.owner = o,
		.rdata = d,
		.ttl = ttl,
		.line = (uint32_t)line,
		.type = type,
		.rdlen = (uint16_t)rdlen,
		.owner_len = (uint8_t)olen,
		.file = src->file,
	};
	canon ^= dname_hash(o, olen);
	canon = (canon ^ type) * 0x9e3779b97f4a7c15ull;
	p->keys[p->z->nrrs++] = canon ^ (canon >> 29);
	return 0;
}

struct zl_key {
	uint64_t key;
	size_t idx;
};

static int
zl_key_cmp(const void *pa, const void *pb)
{
	const struct zl_key *a = pa;
	const struct zl_key *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Same owner, type and RDATA; names in RDATA compare without case (the key already did exactly). */
static bool
zl_same(const struct zone_rr *a, const struct zone_rr *b)
{
	if (a->type != b->type || a->owner_len != b->owner_len || a->rdlen != b->rdlen ||
	    memcmp(a->owner, b->owner, a->owner_len) != 0)
		return false;
	for (size_t i = 0; i < a->rdlen; i++)
		if (dname_lower_octet(a->rdata[i]) != dname_lower_octet(b->rdata[i]))
			return false;
	return true;
}

/* Runs of records of one owner and type up to this long are searched pairwise. */
#define ZL_PAIRWISE_MAX 16

/*
 * Mark in @drop the duplicates among the records @run[0..n) (one owner and
 * type, in file order), keeping the first of each. A long run is sorted by
 * the per-record key into @k (n entries) first: equal keys are duplicates
 * but for a 64-bit collision, which zl_same() settles.
 */
static void
zl_dedupe_run(const struct zl *p, const uint32_t *run, size_t n, uint8_t *drop, struct zl_key *k)
{
	const struct zone_rr *rrs = p->z->rrs;

	if (n <= ZL_PAIRWISE_MAX) {
		for (size_t m = 1; m < n; m++) {
			uint32_t rm = zone_order_index(run[m]);

			for (size_t l = 0; l < m; l++) {
				uint32_t rl = zone_order_index(run[l]);

				if (!drop[rl] && p->keys[rl] == p->keys[rm] &&
				    zl_same(&rrs[rl], &rrs[rm])) {
					drop[rm] = 1;
					break;
				}
			}
		}
		return;
	}
	for (size_t i = 0; i < n; i++)
		k[i] = (struct zl_key){.key = p->keys[zone_order_index(run[i])],
				       .idx = zone_order_index(run[i])};
	qsort(k, n, sizeof(*k), zl_key_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && k[j].key == k[i].key; j++)
			;
		for (size_t m = i + 1; m < j; m++)
			for (size_t l = i; l < m; l++)
				if (!drop[k[l].idx] && zl_same(&rrs[k[l].idx], &rrs[k[m].idx])) {
					drop[k[m].idx] = 1;
					break;
				}
	}
}

/*
 * Drop exact duplicates, keeping the first in file order. They share an
 * owner and a type, so they lie together in z->order (zone_order()): no sort
 * of its own. The records left are then moved up and z->order renumbered.
 */
int
zl_dedupe(struct zl *p)
{
	struct zone *z = p->z;
	uint32_t *ord = z->order;
	struct zl_key *k = NULL;
	uint32_t *renum = NULL;
	uint8_t *drop;
	size_t n = z->nrrs, w = 0, ndrop = 0, longest = 0;
	int rc = -ENOMEM;

	if (n < 2)
		return 0;
	drop = calloc(n, 1);
	if (drop == NULL)
		return -ENOMEM;
	for (size_t i = 0, j; i < n; i = j) {
		uint16_t type = z->rrs[zone_order_index(ord[i])].type;

		for (j = i + 1; j < n && !(ord[j] & ZONE_ORDER_OWNER) &&
				z->rrs[zone_order_index(ord[j])].type == type;
		     j++)
			;
		if (j - i < 2)
			continue;
		if (j - i > ZL_PAIRWISE_MAX && j - i > longest) {
			free(k);
			longest = j - i;
			k = malloc(longest * sizeof(*k));
			if (k == NULL)
				goto out;
		}
		zl_dedupe_run(p, ord + i, j - i, drop, k);
	}
	for (size_t i = 0; i < n; i++)
		ndrop += drop[i];
	rc = 0;
	if (ndrop == 0)
		goto out;
	renum = malloc(n * sizeof(*renum));
	if (renum == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		renum[i] = (uint32_t)w;
		if (!drop[i])
			z->rrs[w++] = z->rrs[i];
	}
	/* The first record of an owner is never a duplicate: the marks stay right. */
	w = 0;
	for (size_t i = 0; i < n; i++)
		if (!drop[zone_order_index(ord[i])])
			ord[w++] = renum[zone_order_index(ord[i])] | (ord[i] & ZONE_ORDER_OWNER);
	z->nrrs = w;
out:
	free(k);
	free(renum);
	free(drop);
	return rc;
}

/* SERIAL of the first SOA at the apex: after MNAME and RNAME. zone_check() judges the rest. */
uint32_t
zl_serial(const struct zone *z)
{
	for (size_t i = 0; i < z->nrrs; i++) {
		const struct zone_rr *rr = &z->rrs[i];
		size_t off;

		if (rr->type != LDNS_RR_TYPE_SOA || rr->owner_len != z->apex_len ||
		    memcmp(rr->owner, z->apex, z->apex_len) != 0)
			continue;
		off = dname_len(rr->rdata);
		off += dname_len(rr->rdata + off);
		if (off + 20 > rr->rdlen)
			return 0;
		return (uint32_t)rr->rdata[off] << 24 | (uint32_t)rr->rdata[off + 1] << 16 |
		       (uint32_t)rr->rdata[off + 2] << 8 | rr->rdata[off + 3];
	}
	return 0;
}
