/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner order of a zone's records (docs/design.md, "Loading a zone"):
 * each owner's records together, by type, then in file order. Dropping
 * duplicates, the zone checks and the table build all walk the records
 * owner by owner; they share this one order instead of sorting three times.
 *
 * Owners go by dname_hash(), not by name: any order that keeps an owner's
 * records together will do, and keys held in the array sort without
 * touching the names, which at ten million records are cache misses. The
 * hash spreads names evenly, so one pass scatters the records into buckets
 * by its top bits (about eight records a bucket), and each bucket is then
 * sorted where it lies, in the cache. Two owners with the same 64-bit hash
 * would interleave: their run is put in name order instead.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dname.h"
#include "swerve/zone.h"

struct zo_ent {
	uint64_t hash; /* dname_hash() of the owner. */
	uint64_t rest; /* type << 32 | index in zone.rrs: by type, then in file order. */
};

/* A bucket this small is sorted by insertion; a larger one (a skewed hash) by qsort(). */
#define ZO_INSERTION_MAX 16

static inline bool
zo_less(const struct zo_ent *a, const struct zo_ent *b)
{
	return a->hash < b->hash || (a->hash == b->hash && a->rest < b->rest);
}

static int
zo_cmp(const void *pa, const void *pb)
{
	const struct zo_ent *a = pa;
	const struct zo_ent *b = pb;

	return zo_less(a, b) ? -1 : zo_less(b, a);
}

/* By owner name, then as zo_cmp(): for a run of records whose owners' hashes collide. */
static int
zo_name_cmp(const void *pa, const void *pb, void *arg)
{
	const struct zone *z = arg;
	const struct zone_rr *a = &z->rrs[(uint32_t)((const struct zo_ent *)pa)->rest];
	const struct zone_rr *b = &z->rrs[(uint32_t)((const struct zo_ent *)pb)->rest];
	int c;

	if (a->owner_len != b->owner_len)
		return a->owner_len < b->owner_len ? -1 : 1;
	c = memcmp(a->owner, b->owner, a->owner_len);
	return c != 0 ? c : zo_cmp(pa, pb);
}

static void
zo_sort(struct zo_ent *e, size_t n)
{
	if (n > ZO_INSERTION_MAX) {
		qsort(e, n, sizeof(*e), zo_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		struct zo_ent x = e[i];
		size_t j = i;

		for (; j > 0 && zo_less(&x, &e[j - 1]); j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

int
zone_order(const struct zone *z, uint32_t **out)
{
	size_t n = z->nrrs;
	unsigned bits = 0;
	struct zo_ent *e = NULL;
	uint64_t *hs = NULL;
	uint32_t *count = NULL, *order = NULL;
	const uint8_t *prev = NULL;
	uint64_t h = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (n >= UINT32_MAX)
		return -EFBIG;
	while (bits < 22 && (size_t)16 << bits <= n)
		bits++;
	hs = malloc((n + 1) * sizeof(*hs));
	e = malloc((n + 1) * sizeof(*e));
	count = calloc(((size_t)1 << bits) + 1, sizeof(*count));
	order = malloc((n + 1) * sizeof(*order));
	if (hs == NULL || e == NULL || count == NULL || order == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct zone_rr *rr = &z->rrs[i];

		/* Records of one owner mostly follow each other and share its stored name. */
		if (rr->owner != prev)
			h = dname_hash(rr->owner, rr->owner_len);
		prev = rr->owner;
		hs[i] = h;
		count[(bits != 0 ? h >> (64 - bits) : 0) + 1]++;
	}
	for (size_t b = 1; b <= (size_t)1 << bits; b++)
		count[b] += count[b - 1];
	/* count[b] is now where bucket b starts; the scatter advances it to where b ends. */
	for (size_t i = 0; i < n; i++)
		e[count[bits != 0 ? hs[i] >> (64 - bits) : 0]++] =
			(struct zo_ent){.hash = hs[i], .rest = (uint64_t)z->rrs[i].type << 32 | i};
	for (size_t b = 0, from = 0; b < (size_t)1 << bits; from = count[b++])
		zo_sort(e + from, count[b] - from);
	for (size_t i = 0, j; i < n; i = j) {
		bool mixed = false;

		for (j = i + 1; j < n && e[j].hash == e[i].hash; j++)
			mixed |= !zone_rr_same_owner(&z->rrs[(uint32_t)e[i].rest],
						&z->rrs[(uint32_t)e[j].rest]);
		if (mixed)
			qsort_r(e + i, j - i, sizeof(*e), zo_name_cmp, (void *)z);
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)e[i].rest;
	*out = order;
	order = NULL;
	rc = 0;
out:
	free(hs);
	free(e);
	free(count);
	free(order);
	return rc;
}

void
zone_drop_order(struct zone *z)
{
	if (z == NULL)
		return;
	free(z->order);
	z->order = NULL;
}
