/* SPDX-License-Identifier: BSD-3-Clause */
/* Applies IXFR increments (RFC 1995) to a copy of the zone held. */

/*
 * Records are matched by owner, type, class and RDATA in canonical form
 * (names without case, RFC 4034 6.2), never by TTL: a deletion names the
 * record as the primary had it, and an addition of a record we hold is a
 * TTL change. Each increment sorts the zone once and looks every deleted
 * record up by binary search, so a zone of n records and k increments of
 * d changes costs O(k n log n + d log n), not a scan per deletion.
 *
 * An increment that deletes a record we do not hold means our copy and
 * the primary's journal disagree; that is -ESRCH, and the caller asks for
 * the whole zone instead of guessing.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "xfr_ixfr.h"
#include "xfr_serial.h"

struct xfr_ent {
	ldns_rr *rr;  /* Owned; NULL once deleted. */
	uint8_t *key; /* Canonical wire form, TTL zeroed. */
	size_t klen;
	size_t seq; /* Order of arrival, for ties. */
};

struct xfr_set {
	struct xfr_ent *e;
	size_t n, cap;
	size_t seq;
};

static int
xfr_key(const ldns_rr *rr, uint8_t **key, size_t *klen)
{
	ldns_buffer *b = ldns_buffer_new(256);
	size_t olen = ldns_rdf_size(ldns_rr_owner(rr));
	int ret = 0;

	*key = NULL;
	if (b == NULL)
		return -ENOMEM;
	if (ldns_rr2buffer_wire_canonical(b, rr, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK ||
	    ldns_buffer_position(b) < olen + 10) {
		ret = -ENOMEM;
		goto out;
	}
	*klen = ldns_buffer_position(b);
	*key = malloc(*klen);
	if (*key == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(*key, ldns_buffer_begin(b), *klen);
	memset(*key + olen + 4, 0, 4); /* The TTL. */
out:
	ldns_buffer_free(b);
	return ret;
}

static int
xfr_ent_cmp(const void *a, const void *b)
{
	const struct xfr_ent *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static int
xfr_ent_cmp_seq(const void *a, const void *b)
{
	const struct xfr_ent *x = a, *y = b;
	int c = xfr_ent_cmp(a, b);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append a copy of @rr. */
static int
xfr_set_add(struct xfr_set *s, const ldns_rr *rr)
{
	struct xfr_ent *e;

	if (s->n == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;
		struct xfr_ent *ne = realloc(s->e, cap * sizeof(*ne));

		if (ne == NULL)
			return -ENOMEM;
		s->e = ne;
		s->cap = cap;
	}
	e = &s->e[s->n];
	e->rr = ldns_rr_clone(rr);
	if (e->rr == NULL)
		return -ENOMEM;
	if (xfr_key(rr, &e->key, &e->klen) < 0) {
		ldns_rr_free(e->rr);
		return -ENOMEM;
	}
	e->seq = s->seq++;
	s->n++;
	return 0;
}

/* Drop deleted entries, sort, and keep the last of equal records (the newest TTL). */
static void
xfr_set_settle(struct xfr_set *s)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->e[i].rr == NULL) {
			free(s->e[i].key);
			continue;
		}
		s->e[w++] = s->e[i];
	}
	s->n = w;
	/* qsort is not stable: the sequence number keeps "added last" last. */
	qsort(s->e, s->n, sizeof(*s->e), xfr_ent_cmp_seq);
	w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (w > 0 && xfr_ent_cmp(&s->e[w - 1], &s->e[i]) == 0) {
			ldns_rr_free(s->e[w - 1].rr);
			free(s->e[w - 1].key);
			s->e[w - 1] = s->e[i];
			continue;
		}
		s->e[w++] = s->e[i];
	}
	s->n = w;
}

static void
xfr_set_free(struct xfr_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		ldns_rr_free(s->e[i].rr);
		free(s->e[i].key);
	}
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* Delete @rr from the settled set @s (entries [0, @sorted)). */
static int
xfr_set_del(struct xfr_set *s, size_t sorted, const ldns_rr *rr)
{
	struct xfr_ent k = {0}, *hit;
	int ret;

	ret = xfr_key(rr, &k.key, &k.klen);
	if (ret < 0)
		return ret;
	hit = bsearch(&k, s->e, sorted, sizeof(*s->e), xfr_ent_cmp);
	free(k.key);
	if (hit == NULL || hit->rr == NULL)
		return -ESRCH;
	ldns_rr_free(hit->rr);
	hit->rr = NULL;
	return 0;
}

static void
xfr_rr_text(const ldns_rr *rr, char *buf, size_t len)
{
	char *t = ldns_rr2str(rr);
	size_t n;

	snprintf(buf, len, "%s", t != NULL ? t : "?");
	free(t);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

static bool
xfr_is_soa(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;
}

int
xfr_ixfr_apply(const ldns_rr_list *current, const ldns_rr_list *ixfr, ldns_rr_list **out, char *why,
	       size_t whylen)
{
	size_t n = ldns_rr_list_rr_count(ixfr);
	struct xfr_set s = {0};
	uint32_t target, serial;
	size_t i = 1, nsoa = 0, soa_at = 0;
	char txt[200];
	int ret = 0;

	*out = NULL;
	if (n < 2 || !xfr_is_soa(ldns_rr_list_rr(ixfr, 0))) {
		snprintf(why, whylen, "no increments");
		return -ESRCH;
	}
	target = xfr_soa_rr_serial(ldns_rr_list_rr(ixfr, 0));
	serial = xfr_soa_rr_serial(ldns_rr_list_rr(current, 0));
	for (size_t k = 0; k < ldns_rr_list_rr_count(current); k++) {
		ret = xfr_set_add(&s, ldns_rr_list_rr(current, k));
		if (ret < 0)
			goto fail;
	}
	xfr_set_settle(&s);
	while (i < n) {
		const ldns_rr *from = ldns_rr_list_rr(ixfr, i);
		size_t sorted = s.n;

		if (!xfr_is_soa(from)) {
			ret = -EBADMSG;
			snprintf(why, whylen, "increment does not start with an SOA");
			goto fail;
		}
		if (i == n - 1 && xfr_soa_rr_serial(from) == target)
			break;
		if (xfr_soa_rr_serial(from) != serial) {
			ret = -ESRCH;
			snprintf(why, whylen, "increment from serial %u, we hold %u",
				 xfr_soa_rr_serial(from), serial);
			goto fail;
		}
		/* The old SOA, then the deleted records up to the new SOA. */
		for (; i < n; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(ixfr, i);

			if (xfr_is_soa(rr) && rr != from)
				break;
			ret = xfr_set_del(&s, sorted, rr);
			if (ret < 0) {
				xfr_rr_text(rr, txt, sizeof(txt));
				snprintf(why, whylen,
					 "increment from %u deletes a record we do not hold: %s",
					 serial, txt);
				goto fail;
			}
		}
		if (i == n) {
			ret = -EBADMSG;
			snprintf(why, whylen, "increment from %u has no new SOA", serial);
			goto fail;
		}
		/* The new SOA, then the added records up to the next SOA. */
		serial = xfr_soa_rr_serial(ldns_rr_list_rr(ixfr, i));
		for (bool first = true; i < n; i++, first = false) {
			const ldns_rr *rr = ldns_rr_list_rr(ixfr, i);

			if (xfr_is_soa(rr) && !first)
				break;
			ret = xfr_set_add(&s, rr);
			if (ret < 0)
				goto fail;
		}
		xfr_set_settle(&s);
	}
	if (serial != target) {
		ret = -EBADMSG;
		snprintf(why, whylen, "increments end at serial %u, primary has %u", serial,
			 target);
		goto fail;
	}
	for (size_t k = 0; k < s.n; k++) {
		if (xfr_is_soa(s.e[k].rr)) {
			nsoa++;
			soa_at = k;
		}
	}
	if (nsoa != 1) {
		ret = -EBADMSG;
		snprintf(why, whylen, "zone has %zu SOA records after the increments", nsoa);
		goto fail;
	}
	*out = ldns_rr_list_new();
	if (*out == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	/* The list takes the records; the set keeps only keys. */
	if (!ldns_rr_list_push_rr(*out, s.e[soa_at].rr)) {
		ret = -ENOMEM;
		goto fail;
	}
	s.e[soa_at].rr = NULL;
	for (size_t k = 0; k < s.n; k++) {
		if (s.e[k].rr != NULL && !ldns_rr_list_push_rr(*out, s.e[k].rr)) {
			ret = -ENOMEM;
			goto fail;
		}
		s.e[k].rr = NULL;
	}
	xfr_set_free(&s);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	if (*out != NULL)
		ldns_rr_list_deep_free(*out);
	*out = NULL;
	xfr_set_free(&s);
	/* A malformed sequence is the primary's fault as much as a missing record:
	 * either way the whole zone is the way out. */
	return ret == -ENOMEM ? ret : -ESRCH;
}
