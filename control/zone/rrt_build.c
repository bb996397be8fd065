/* SPDX-License-Identifier: BSD-3-Clause */
/* Compiles parsed zones and failover slots into one immutable record table snapshot. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#include "rrt_dnssec.h"
#include "rrt_glue.h"
#include "rrt_index.h"

static int
bld_ent_cmp(const void *pa, const void *pb)
{
	const struct bld_ent *a = pa;
	const struct bld_ent *b = pb;
	int c;

	if (a->rr->owner_len != b->rr->owner_len)
		return a->rr->owner_len < b->rr->owner_len ? -1 : 1;
	c = memcmp(a->rr->owner, b->rr->owner, a->rr->owner_len);
	if (c != 0)
		return c;
	if (a->rr->type != b->rr->type)
		return a->rr->type < b->rr->type ? -1 : 1;
	return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

/* True when @owner of zone @zi really belongs to a more specific served zone. */
static bool
bld_occluded(const struct bld *b, size_t zi, const uint8_t *owner, size_t len)
{
	const struct zone *z = b->zones[zi];

	for (size_t i = 0; i < b->nzones; i++) {
		const struct zone *y = b->zones[i];

		if (y->apex_len > z->apex_len &&
		    dname_is_below_or_at(y->apex, y->apex_len, z->apex, z->apex_len) &&
		    dname_is_below_or_at(owner, len, y->apex, y->apex_len))
			return true;
	}
	return false;
}

/* Compile one owner's records ents[0..n) into its node. */
static int
bld_owner(struct bld *b, const struct bld_ent *ents, size_t n)
{
	const struct zone_rr *first = ents[0].rr;
	const struct zone *z = b->zones[ents[0].zone];
	bool apex = first->owner_len == z->apex_len;
	size_t ntypes = 0;
	size_t nrefs, ri;
	int64_t node, refs;
	struct rrt_ref *r;
	bool has_ns = false;
	const struct bld_ent *sigs = NULL;
	size_t nsigs = 0;

	/* RRSIGs are no RRset of their own here: each goes beside the RRset it covers. */
	for (size_t i = 0; i < n; i++) {
		if (ents[i].rr->type == TYPE_RRSIG) {
			if (nsigs++ == 0)
				sigs = ents + i;
			continue;
		}
		if (i == 0 || ents[i].rr->type != ents[i - 1].rr->type) {
			ntypes++;
			has_ns |= ents[i].rr->type == TYPE_NS;
		}
	}
	/* A delegation point keeps a slot for its glue, filled once every node exists. */
	nrefs = ntypes + (has_ns && !apex);
	if (nrefs > UINT8_MAX)
		return sw_diag_set(b->diag, SW_ETABLE_FULL, z->file, first->line,
				   "%zu RRsets at one name, over 255", nrefs);
	node = bld_node_get(b, first->owner, first->owner_len, ents[0].zone);
	if (node < 0)
		return (int)node;
	refs = bld_arena_alloc(b, nrefs * sizeof(struct rrt_ref));
	if (refs < 0)
		return (int)refs;
	b->t->nodes[node].refs_off = (uint32_t)refs;
	b->t->nodes[node].nrefs = (uint8_t)nrefs;
	b->t->nodes[node].zone = ents[0].zone;
	ri = 0;
	if (has_ns && !apex) {
		r = (struct rrt_ref *)(void *)(b->t->arena + refs);
		r[ri].type = RRT_TYPE_GLUE;
		r[ri].off = RRT_NONE;
		ri++;
	}
	for (size_t i = 0, j; i < n; i = j) {
		struct bld_ent covering[BLD_MAX_SIGS];
		size_t ncov;
		int64_t off;

		for (j = i + 1; j < n && ents[j].rr->type == ents[i].rr->type; j++)
			;
		if (ents[i].rr->type == TYPE_RRSIG)
			continue;
		ncov = bld_sigs_covering(sigs, nsigs, ents[i].rr->type, covering);
		if (ncov > BLD_MAX_SIGS)
			return sw_diag_set(b->diag, SW_EZONE_TOOBIG, z->file, ents[i].rr->line,
					   "%zu RRSIGs cover one RRset of type %u, over %u", ncov,
					   ents[i].rr->type, BLD_MAX_SIGS);
		off = bld_rrset(b, ents + i, j - i, covering, ncov, UINT32_MAX);
		if (off < 0)
			return (int)off;
		/* Taken after bld_rrset(): the arena may have moved. */
		r = (struct rrt_ref *)(void *)(b->t->arena + refs);
		r[ri].type = ents[i].rr->type;
		r[ri].off = (uint32_t)off;
		ri++;
	}
	return bld_ancestors(b, first->owner, first->owner_len, ents[0].zone);
}

/* "failover record www.example.com. A" for messages: operators name records, not slot numbers. */
static void
bld_slot_where(const struct rrt_slot *slot, char *buf, size_t len)
{
	char name[DNAME_MAXLEN * 4 + 1];
	size_t o = 0;

	for (size_t off = 0; off < slot->name_len && slot->name[off] != 0;) {
		uint8_t l = slot->name[off++];

		for (uint8_t k = 0; k < l && off < slot->name_len; k++, off++) {
			uint8_t c = slot->name[off];

			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f)
				o += (size_t)snprintf(name + o, sizeof(name) - o, "\\%03u", c);
			else
				name[o++] = (char)c;
		}
		name[o++] = '.';
	}
	if (o == 0)
		name[o++] = '.';
	name[o] = '\0';
	if (slot->type == 1 || slot->type == 28)
		snprintf(buf, len, "failover record %s %s", name, slot->type == 1 ? "A" : "AAAA");
	else
		snprintf(buf, len, "failover record %s TYPE%u", name, slot->type);
}
/* RFC 4034 appendix B: the key tag of a DNSKEY's RDATA. */
static uint16_t
bld_key_tag(const uint8_t *rd, uint16_t len)
{
	uint32_t ac = 0;

	for (uint16_t i = 0; i < len; i++)
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)ac;
}

/*
 * A slot in signed zone @zi (its apex owns a DNSKEY RRset): its answers are
 * signed online with keys the zone publishes. Returns 0 or an error.
 */
static int
bld_slot_keys(struct bld *b, const struct rrt_slot *slot, size_t zi, const char *where)
{
	const struct zone *z = b->zones[zi];
	const struct rrt_node *apex = rrt_find(b->t, z->apex, z->apex_len,
					       dname_hash(z->apex, z->apex_len));
	const struct rrt_ref *ref = apex != NULL ? rrt_node_ref(b->t, apex, TYPE_DNSKEY) : NULL;
	const struct rrt_rrset *keys;

	if (ref == NULL) {
		if (slot->nkeys == 0)
			return 0;
		return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
				   "%s: zone %s has dnssec.key-files but is not signed (no DNSKEY at "
				   "its apex)",
				   where, z->name);
	}
	if (slot->nkeys == 0)
		return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
				   "%s: zone %s is signed but has no dnssec.key-files: its failover "
				   "answers could not be signed, and validators would call them "
				   "bogus",
				   where, z->name);
	keys = rrt_ref_rrset(b->t, ref);
	for (unsigned k = 0; k < slot->nkeys; k++) {
		bool found = false;

		for (uint16_t o = 0; o < keys->len && !found; o = rrt_rrset_next(keys, o)) {
			const uint8_t *rd = keys->wire + o + 12;
			uint16_t rdlen = (uint16_t)(keys->wire[o + 10] << 8 | keys->wire[o + 11]);

			found = rdlen > 4 && rd[3] == slot->key_alg[k] &&
				bld_key_tag(rd, rdlen) == slot->key_tag[k];
		}
		if (!found)
			return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
					   "%s: signing key %u (algorithm %u) is not in the DNSKEY "
					   "RRset of zone %s",
					   where, slot->key_tag[k], slot->key_alg[k], z->name);
	}
	return 1;
}

/* Add a reference to @slot (index @si) at its owner, creating the node when the zones lack it. */
static int
bld_slot(struct bld *b, struct rrt_slot *slot, uint32_t si)
{
	struct rrt *t = b->t;
	int zbest = -1;
	int64_t node, refs;
	const struct rrt_ref *old;
	struct rrt_ref *nr;
	unsigned n, k;
	char where[DNAME_MAXLEN * 4 + 64];
	int signed_zone;
	int rc;

	bld_slot_where(slot, where, sizeof(where));
	for (size_t i = 0; i < b->nzones; i++) {
		const struct zone *z = b->zones[i];

		if (dname_is_below_or_at(slot->name, slot->name_len, z->apex, z->apex_len) &&
		    (zbest < 0 || z->apex_len > b->zones[zbest]->apex_len))
			zbest = (int)i;
	}
	if (zbest < 0)
		return sw_diag_set(b->diag, SW_ESLOT, NULL, 0, "%s: name outside every served zone",
				   where);
	node = bld_node_get(b, slot->name, slot->name_len, (uint16_t)zbest);
	if (node < 0)
		return (int)node;
	rc = bld_ancestors(b, slot->name, slot->name_len, (uint16_t)zbest);
	if (rc < 0)
		return rc;
	signed_zone = bld_slot_keys(b, slot, (size_t)zbest, where);
	if (signed_zone < 0)
		return signed_zone;
	n = t->nodes[node].nrefs;
	old = rrt_node_refs(t, &t->nodes[node]);
	for (k = 0; k < n; k++) {
		if (old[k].type == TYPE_CNAME)
			return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
					   "%s: the zone already has a CNAME at this name", where);
		/*
		 * In a signed zone the slot takes the place of a placeholder RRset of
		 * its type, signed offline, so that the name's NSEC or NSEC3 lists
		 * the type (docs/dnssec.md); in an unsigned zone the two would clash.
		 */
		if (old[k].type == slot->type && !signed_zone)
			return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
					   "%s: the zone already has records of this type", where);
		if (old[k].type == slot->type) {
			struct rrt_ref *mut = (struct rrt_ref *)(void *)(t->arena +
									 t->nodes[node].refs_off);

			mut[k] = (struct rrt_ref){.type = slot->type, .flags = RRT_REF_SLOT, .off = si};
			t->slots[si] = slot;
			return 0;
		}
	}
	if (signed_zone)
		return sw_diag_set(b->diag, SW_ESLOT, NULL, 0,
				   "%s: zone %s is signed: it needs a placeholder RRset of this type "
				   "at the name, signed with the zone, so that the name's NSEC or "
				   "NSEC3 record lists the type",
				   where, b->zones[zbest]->name);
	if (n + 1 > UINT8_MAX)
		return sw_diag_set(b->diag, SW_ETABLE_FULL, NULL, 0, "%s: too many RRsets", where);
	refs = bld_arena_alloc(b, (n + 1) * sizeof(struct rrt_ref));
	if (refs < 0)
		return (int)refs;
	/* Both pointers are taken after the allocation, which may move the arena. */
	old = (const struct rrt_ref *)(const void *)(t->arena + t->nodes[node].refs_off);
	nr = (struct rrt_ref *)(void *)(t->arena + refs);
	for (k = 0; k < n && old[k].type < slot->type; k++)
		nr[k] = old[k];
	nr[k] = (struct rrt_ref){.type = slot->type, .flags = RRT_REF_SLOT, .off = si};
	for (; k < n; k++)
		nr[k + 1] = old[k];
	t->nodes[node].refs_off = (uint32_t)refs;
	t->nodes[node].nrefs = (uint8_t)(n + 1);
	t->slots[si] = slot;
	return 0;
}

/*
 * The apex node of every expired zone (its records were left out): names
 * below it then find it as their closest encloser, and the answer engine
 * answers SERVFAIL for the zone (t->zones[].expired).
 */
static int
bld_expired(struct bld *b)
{
	for (size_t i = 0; i < b->nzones; i++) {
		const struct zone *z = b->zones[i];
		int64_t node;

		if (!z->expired)
			continue;
		node = bld_node_get(b, z->apex, z->apex_len, (uint16_t)i);
		if (node < 0)
			return (int)node;
		b->t->nodes[node].zone = (uint16_t)i;
	}
	return 0;
}

/* Zone entries: apex node, serial and the prebuilt negative-answer SOA (RFC 2308 section 5). */
static int
bld_zones(struct bld *b)
{
	struct rrt *t = b->t;

	for (size_t i = 0; i < b->nzones; i++) {
		const struct zone *z = b->zones[i];
		const struct rrt_node *apex =
			rrt_find(t, z->apex, z->apex_len, dname_hash(z->apex, z->apex_len));
		const struct rrt_ref *ref = apex != NULL ? rrt_node_ref(t, apex, TYPE_SOA) : NULL;
		const struct rrt_rrset *soa;
		struct rrt_rrset *neg;
		uint32_t minimum, ttl;
		int64_t off;

		if (z->expired && apex != NULL) {
			t->zones[i] = (struct rrt_zone){
				.apex = (uint32_t)(apex - t->nodes),
				.serial = z->serial,
				.apex_len = z->apex_len,
				.expired = 1,
			};
			continue;
		}
		if (ref == NULL)
			return sw_diag_set(b->diag, SW_EZONE_NOSOA, z->file, 0,
					   "%s: no SOA at the apex", z->name);
		soa = rrt_ref_rrset(t, ref);
		off = bld_arena_alloc(b, sizeof(*soa) + soa->len + soa->sig_len);
		if (off < 0)
			return (int)off;
		soa = rrt_ref_rrset(t, rrt_node_ref(t, apex, TYPE_SOA));
		neg = (struct rrt_rrset *)(void *)(t->arena + off);
		memcpy(neg, soa, sizeof(*soa) + soa->len + soa->sig_len);
		/* MINIMUM is the SOA RDATA's last field. */
		minimum = (uint32_t)neg->wire[neg->len - 4] << 24 |
			  (uint32_t)neg->wire[neg->len - 3] << 16 |
			  (uint32_t)neg->wire[neg->len - 2] << 8 | neg->wire[neg->len - 1];
		ttl = neg->ttl < minimum ? neg->ttl : minimum;
		neg->ttl = ttl;
		/* The SOA and its RRSIGs (RFC 4035 3.1.3: the SOA's RRSIG goes with it). */
		for (uint32_t o = 0; o < (uint32_t)neg->len + neg->sig_len;
		     o += 12u + (uint32_t)(neg->wire[o + 10] << 8 | neg->wire[o + 11]))
			bld_put32(neg->wire + o + 6, ttl);
		t->zones[i] = (struct rrt_zone){
			.apex = (uint32_t)(apex - t->nodes),
			.soa_neg = (uint32_t)off,
			.serial = z->serial,
			.apex_len = z->apex_len,
		};
	}
	return 0;
}

static int
bld_zone_cmp(const void *pa, const void *pb)
{
	const struct zone *a = *(const struct zone *const *)pa;
	const struct zone *b = *(const struct zone *const *)pb;

	if (a->apex_len != b->apex_len)
		return a->apex_len < b->apex_len ? -1 : 1;
	return memcmp(a->apex, b->apex, a->apex_len);
}

static int
bld_check_zones(const struct zone *const *zones, size_t nzones, struct sw_diag *diag)
{
	const struct zone **sorted;
	int rc = 0;

	if (nzones >= UINT16_MAX)
		return sw_diag_set(diag, SW_ETABLE_FULL, NULL, 0, "%zu zones, over 65534", nzones);
	if (nzones < 2)
		return 0;
	sorted = malloc(nzones * sizeof(*sorted));
	if (sorted == NULL)
		return -ENOMEM;
	memcpy(sorted, zones, nzones * sizeof(*sorted));
	qsort(sorted, nzones, sizeof(*sorted), bld_zone_cmp);
	for (size_t i = 1; i < nzones && rc == 0; i++)
		if (bld_zone_cmp(&sorted[i - 1], &sorted[i]) == 0)
			rc = sw_diag_set(diag, SW_EZONE_DUP, sorted[i]->file, 0,
					 "zone %s is configured more than once", sorted[i]->name);
	free(sorted);
	return rc;
}

/*
 * Every record of every zone, minus those a more specific served zone owns,
 * each owner's records together by type, then in file order: each zone's
 * zone_order() one after the other (no owner is in two zones once the
 * nested ones are left out).
 */
static int
bld_collect(struct bld *b, struct bld_ent **out, size_t *nout)
{
	size_t total = 0, n = 0;
	struct bld_ent *ents;
	int rc = 0;

	for (size_t i = 0; i < b->nzones; i++)
		total += b->zones[i]->nrrs;
	ents = malloc((total != 0 ? total : 1) * sizeof(*ents));
	b->nsec3 = malloc((total != 0 ? total : 1) * sizeof(*b->nsec3));
	b->cut = malloc((total != 0 ? total : 1) * sizeof(*b->cut));
	if (ents == NULL || b->nsec3 == NULL || b->cut == NULL) {
		free(ents);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b->nzones && rc == 0; i++) {
		const struct zone *z = b->zones[i];
		const uint32_t *ord = z->order;
		uint32_t *own = NULL;
		bool nested = false, first = false;

		if (z->expired) /* Its apex alone (bld_expired()). */
			continue;
		if (ord == NULL) {
			rc = zone_order(z, &own);
			ord = own;
		}
		for (size_t k = 0; k < b->nzones && !nested; k++)
			nested = b->zones[k]->apex_len > z->apex_len &&
				 dname_is_below_or_at(b->zones[k]->apex, b->zones[k]->apex_len,
						      z->apex, z->apex_len);
		for (size_t k = 0; k < z->nrrs && rc == 0; k++) {
			uint32_t r = zone_order_index(ord[k]);
			const struct zone_rr *rr = &z->rrs[r];
			struct bld_ent e = {.rr = rr, .zone = (uint16_t)i, .seq = r};

			/* The mark goes to the first record kept: NSEC3 records may go before. */
			first |= (ord[k] & ZONE_ORDER_OWNER) != 0;

			if (nested && bld_occluded(b, i, rr->owner, rr->owner_len)) {
				/* The parent's side of a cut to a served child is still the parent's. */
				if (bld_is_parent_side(b, rr))
					b->cut[b->ncut++] = e;
				continue;
			}
			/* Hashed owners are no names of the zone (RFC 5155 7.2.8): a chain of their own. */
			if (bld_is_nsec3(rr)) {
				b->nsec3[b->nnsec3++] = e;
				continue;
			}
			e.owner = first;
			first = false;
			ents[n++] = e;
		}
		free(own);
	}
	if (rc < 0) {
		free(ents);
		return rc == -EFBIG ? SW_ETABLE_FULL : rc;
	}
	qsort(b->nsec3, b->nnsec3, sizeof(*b->nsec3), bld_ent_cmp);
	qsort(b->cut, b->ncut, sizeof(*b->cut), bld_ent_cmp);
	*out = ents;
	*nout = n;
	return 0;
}

/* Owners whose home buckets the build loads ahead of inserting them. */
#define BLD_AHEAD 16

/*
 * Room for the owners of @ents (and the apexes) before the first node, and
 * for the arena: bld_reserve(). The arena's estimate is generous on purpose
 * (a name per record, a header and its RDATA twice, for glue and
 * signatures); room never written is address space only.
 */
static int
bld_presize(struct bld *b, const struct bld_ent *ents, size_t n)
{
	size_t owners = b->nzones, arena = (size_t)1 << 20;

	for (size_t i = 0; i < n; i++) {
		owners += ents[i].owner;
		arena += ents[i].rr->owner_len + 2 * (16 + (size_t)ents[i].rr->rdlen);
	}
	for (size_t i = 0; i < b->nnsec3; i++)
		arena += b->nsec3[i].rr->owner_len + 2 * (16 + (size_t)b->nsec3[i].rr->rdlen);
	return bld_reserve(b, owners, arena);
}

int
rrt_build(const struct zone *const *zones, size_t nzones, struct rrt_slot *const *slots,
	  size_t nslots, struct rrt **out, struct sw_diag *diag)
{
	struct bld b = {.zones = zones, .nzones = nzones, .diag = diag};
	struct bld_ent *ents = NULL;
	size_t nents = 0;
	struct rrt *t;
	int rc;

	*out = NULL;
	rc = bld_check_zones(zones, nzones, diag);
	if (rc < 0)
		return rc;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	b.t = t;
	rc = -ENOMEM;
	t->nzones = (uint16_t)nzones;
	t->zones = calloc(nzones != 0 ? nzones : 1, sizeof(*t->zones));
	t->nslots = (uint32_t)nslots;
	t->slots = calloc(nslots != 0 ? nslots : 1, sizeof(*t->slots));
	if (t->zones == NULL || t->slots == NULL || bld_rehash(&b, 16) < 0)
		goto fail;
	/* Offset 0 is never a valid RRset: keeps a zeroed reference recognisably empty. */
	if (bld_arena_alloc(&b, 4) < 0)
		goto fail;
	rc = bld_collect(&b, &ents, &nents);
	if (rc < 0)
		goto fail;
	rc = bld_presize(&b, ents, nents);
	if (rc < 0)
		goto fail;
	for (size_t i = 0, j, ahead = 0, lead = 0; i < nents; i = j) {
		/*
		 * The home bucket of the owner BLD_AHEAD owners on is loaded now:
		 * records come in file order, names in the index do not, and at
		 * ten million names every insert would otherwise wait for memory.
		 */
		for (; ahead < nents && lead < BLD_AHEAD; ahead++) {
			const struct zone_rr *rr = ents[ahead].rr;

			if (!ents[ahead].owner)
				continue;
			__builtin_prefetch(&t->buckets[rrt_home(t, dname_hash(rr->owner, rr->owner_len))],
					   1);
			lead++;
		}
		lead -= lead > 0;
		for (j = i + 1; j < nents && !ents[j].owner; j++)
			;
		rc = bld_owner(&b, ents + i, j - i);
		if (rc < 0)
			goto fail;
	}
	rc = bld_expired(&b);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < nslots; i++) {
		rc = bld_slot(&b, slots[i], (uint32_t)i);
		if (rc < 0)
			goto fail;
	}
	bld_flags(&b);
	for (size_t i = 0; i < nslots; i++) {
		const struct rrt_node *n = rrt_find(t, slots[i]->name, slots[i]->name_len,
						    dname_hash(slots[i]->name, slots[i]->name_len));

		if (n->flags & (RRT_NODE_CUT | RRT_NODE_BELOW_CUT)) {
			char where[DNAME_MAXLEN * 4 + 64];

			bld_slot_where(slots[i], where, sizeof(where));
			rc = sw_diag_set(diag, SW_ESLOT, NULL, 0,
					 "%s: name at or below a delegation", where);
			goto fail;
		}
	}
	rc = bld_glue(&b);
	if (rc < 0)
		goto fail;
	rc = bld_zones(&b);
	if (rc < 0)
		goto fail;
	rc = bld_dnssec(&b);
	if (rc < 0)
		goto fail;
	rc = bld_parent_side(&b);
	if (rc < 0)
		goto fail;
	rc = bld_finish(&b);
	if (rc < 0)
		goto fail;
	free(ents);
	free(b.nsec3);
	free(b.cut);
	*out = t;
	return 0;
fail:
	if (rc == -ENOMEM)
		sw_diag_set(diag, rc, NULL, 0, "out of memory building the record table");
	free(ents);
	free(b.nsec3);
	free(b.cut);
	rrt_free(t);
	return rc;
}

void
rrt_free(struct rrt *t)
{
	if (t == NULL)
		return;
	free(t->buckets);
	free(t->nodes);
	free(t->zones);
	free(t->slots);
	free(t->arena);
	free(t);
}
