/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The owner order of a zone's records (docs/design.md, "Loading a zone"):
 * each owner's records together, by type, then in file order; owners in
 * the order they first appear in the file. Dropping duplicates, the zone
 * checks and the table build all walk the records owner by owner; they
 * share this one order instead of sorting three times, and since zone
 * files keep an owner's records together (and are often sorted), their
 * walks read the records, names and RDATA nearly in the order they lie in
 * memory: at ten million records, any other order is a cache miss for
 * every one.
 *
 * Grouping goes by dname_hash(), which the array being sorted holds, so
 * sorting reads no names. The hash spreads names evenly: one pass scatters
 * the records into buckets by its top bits (about eight records a bucket),
 * and each bucket is then sorted where it lies, in the cache. Two owners
 * with the same 64-bit hash would interleave: their run is put in name order
 * instead. Each owner's group then goes to the place of its first record in
 * the file.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/dname.h"
#include "swerve/zone.h"

struct zo_ent {
	uint64_t hash;	      /* dname_hash() of the owner. */
	uint64_t rest;	      /* type << 32 | index in zone.rrs: by type, then in file order. */
	const uint8_t *owner; /* The record's, so that grouping reads no record. */
	uint8_t owner_len;
};

/* A bucket this small is sorted by insertion; a larger one (a skewed hash) by qsort(). */
#define ZO_INSERTION_MAX 16

/* No group starts at this record (zone_order(), its last step). */
#define ZO_NONE UINT32_MAX

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

static bool
zo_same_owner(const struct zo_ent *a, const struct zo_ent *b)
{
	return zone_owner_same(a->owner, a->owner_len, b->owner, b->owner_len);
}

/* By owner name, then as zo_cmp(): for a run of records whose owners' hashes collide. */
static int
zo_name_cmp(const void *pa, const void *pb)
{
	const struct zo_ent *a = pa;
	const struct zo_ent *b = pb;
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
	size_t n = z->nrrs, w = 0;
	unsigned bits = 0;
	struct zo_ent *e = NULL;
	uint32_t *count = NULL, *head = NULL, *order = NULL;
	const uint8_t *prev = NULL;
	uint64_t h = 0;
	int rc = -ENOMEM;

	*out = NULL;
	if (n >= ZONE_ORDER_OWNER)
		return -EFBIG;
	while (bits < 22 && (size_t)16 << bits <= n)
		bits++;
	e = malloc((n + 1) * sizeof(*e));
	head = malloc((n + 1) * sizeof(*head));
	count = calloc(((size_t)1 << bits) + 1, sizeof(*count));
	order = malloc((n + 1) * sizeof(*order));
	if (e == NULL || head == NULL || count == NULL || order == NULL)
		goto out;
	/*
	 * 1. Count the records of each bucket. The hash is computed again in
	 * the scatter rather than kept: records of one owner mostly follow each
	 * other and share its stored name, so it costs a hash per owner.
	 */
	for (size_t i = 0; i < n; i++) {
		const struct zone_rr *rr = &z->rrs[i];

		if (rr->owner != prev)
			h = dname_hash(rr->owner, rr->owner_len);
		prev = rr->owner;
		count[(bits != 0 ? h >> (64 - bits) : 0) + 1]++;
	}
	for (size_t b = 1; b <= (size_t)1 << bits; b++)
		count[b] += count[b - 1];
	/* 2. Scatter: count[b] is where bucket b starts, and is advanced to where it ends. */
	prev = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct zone_rr *rr = &z->rrs[i];

		if (rr->owner != prev)
			h = dname_hash(rr->owner, rr->owner_len);
		prev = rr->owner;
		e[count[bits != 0 ? h >> (64 - bits) : 0]++] = (struct zo_ent){
			.hash = h,
			.rest = (uint64_t)rr->type << 32 | i,
			.owner = rr->owner,
			.owner_len = rr->owner_len,
		};
	}
	/* 3. Sort each bucket: owners grouped, a group by type, then in file order. */
	for (size_t b = 0, from = 0; b < (size_t)1 << bits; from = count[b++])
		zo_sort(e + from, count[b] - from);
	/*
	 * 4. Mark the first entry of each owner's group, and note in head[]
	 * where the group of each record first in its owner's file order starts.
	 * A run of equal hashes is one owner but for a collision.
	 */
	for (size_t i = 0; i < n; i++)
		head[i] = ZO_NONE;
	for (size_t i = 0, j; i < n; i = j) {
		bool mixed = false;

		for (j = i + 1; j < n && e[j].hash == e[i].hash; j++)
			mixed |= !zo_same_owner(&e[i], &e[j]);
		if (mixed)
			qsort(e + i, j - i, sizeof(*e), zo_name_cmp);
		for (size_t g = i, k; g < j; g = k) {
			uint32_t first = (uint32_t)e[g].rest;

			for (k = g + 1; k < j && (!mixed || zo_same_owner(&e[g], &e[k])); k++)
				if ((uint32_t)e[k].rest < first)
					first = (uint32_t)e[k].rest;
			/* Indices stay under ZONE_ORDER_OWNER (checked above): the bit is free. */
			e[g].rest |= ZONE_ORDER_OWNER;
			head[first] = (uint32_t)g;
		}
	}
	/* 5. The groups in the order of their first records, each up to the next mark. */
	for (size_t i = 0; i < n; i++) {
		size_t g = head[i];

		if (g == ZO_NONE)
			continue;
		do
			order[w++] = (uint32_t)e[g++].rest;
		while (g < n && !((uint32_t)e[g].rest & ZONE_ORDER_OWNER));
	}
	*out = order;
	order = NULL;
	rc = 0;
out:
	free(e);
	free(head);
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
