/* SPDX-License-Identifier: BSD-3-Clause */
/* The record table: an immutable, RCU-published snapshot of every served zone. */

#ifndef SWERVE_RRT_H
#define SWERVE_RRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu/compiler.h>
#include <urcu/pointer.h>

#include "swerve/dname.h"

/*
 * Layout
 * ------
 * A snapshot (struct rrt) is built by the control side (control/zone/rrt_build.c)
 * from parsed zones, published once, and never written again. Everything a
 * worker touches lives in three arrays and one arena:
 *
 *   buckets[]  open-addressing hash index, name -> node index
 *   nodes[]    one per owner name, including empty non-terminals
 *   zones[]    one per served zone
 *   arena      names, RRset references and precompiled RRsets, 32-bit offsets
 *
 * Offsets instead of pointers keep a node at 24 octets; the arena is limited
 * to 4 GiB, which the builder enforces (SW_ETABLE_FULL).
 *
 * Precompiled RRsets
 * ------------------
 * An RRset is stored as the exact octets of its records in a response, each
 * record starting with the two-octet compression pointer 0xC00C (the qname,
 * which always sits at offset 12). A positive answer is therefore one memcpy.
 * When the owner is some other name already in the message (a CNAME target,
 * the zone apex as a suffix of the qname), the writer patches those two octets
 * in every record; see rrt_rrset_next(). Names inside RDATA are stored
 * uncompressed, with the case of the zone file.
 *
 * Signed zones (docs/dnssec.md)
 * -----------------------------
 * The RRSIGs covering an RRset follow its records in wire[], in the same
 * form (sig_len octets), so an answer with DO=1 is still one memcpy and a
 * failover slot swaps an RRset and its signatures in one pointer store.
 * Without DO only the first len octets go out. NSEC RRsets sit at their
 * nodes like any other; NSEC3 RRsets are kept out of the name index (their
 * owners are not names of the zone, RFC 5155 7.2.8) in a per-zone array
 * sorted by hash. Each signed zone also has its NSEC chain (node indices in
 * canonical order, RFC 4034 6.1) for the proofs of names that do not exist.
 *
 * Readers and writers
 * -------------------
 * read:  worker lcores and the control thread's TCP listener, as registered
 *        QSBR readers that are online, through rcu_dereference(root->table);
 *        a reader must not keep any pointer into a snapshot across a
 *        quiescent state.
 * write: only the loader/control side, through rrt_publish() (control/
 *        rrt_publish.c); a replaced snapshot is freed after a grace period.
 */

#define RRT_NONE UINT32_MAX

/* The record-level header of a precompiled record after its owner: type, class, TTL, RDLENGTH. */
#define RRT_RR_FIXED 10

/* An RRset as it goes on the wire. Allocated in the arena, or alone for a failover slot. */
struct rrt_rrset {
	uint16_t type;	  /* RR type, host order. */
	uint16_t count;	  /* Number of data records in wire[]. */
	uint16_t len;	  /* Octets of the data records in wire[]. */
	uint16_t sig_len; /* Octets of the RRSIG records after them; 0 when unsigned. */
	uint32_t ttl;	  /* The TTL written in every record (RRSIGs too), host order. */
	/* count records: C0 0C, type, class, TTL, RDLENGTH, RDATA; then the RRSIGs the same way. */
	uint8_t wire[];
};

/* Walk the records of @rs: pass 0 first; returns the next record's offset or rs->len at the end. */
static inline uint16_t
rrt_rrset_next(const struct rrt_rrset *rs, uint16_t off)
{
	uint16_t rdlen = (uint16_t)(rs->wire[off + 10] << 8 | rs->wire[off + 11]);

	return (uint16_t)(off + 2 + RRT_RR_FIXED + rdlen);
}

/* The number of RRSIG records of @rs (walks them: they are few, and only DO=1 answers ask). */
static inline uint16_t
rrt_rrset_sig_count(const struct rrt_rrset *rs)
{
	uint16_t n = 0;

	for (uint32_t off = rs->len; off < (uint32_t)rs->len + rs->sig_len; n++)
		off += 2u + RRT_RR_FIXED + (uint16_t)(rs->wire[off + 10] << 8 | rs->wire[off + 11]);
	return n;
}

/* Pseudo-type of a node's referral glue: a block of A/AAAA records with full owner names. */
#define RRT_TYPE_GLUE 0

/* A reference from a node to one of its RRsets. */
struct rrt_ref {
	uint16_t type;  /* RR type, or RRT_TYPE_GLUE. */
	uint16_t flags; /* RRT_REF_*. */
	uint32_t off;   /* Arena offset of a struct rrt_rrset, or with RRT_REF_SLOT an index in slots[]. */
};

#define RRT_REF_SLOT 0x0001 /* off indexes rrt.slots: a failover record, resolved per query. */

/* Node flags. */
#define RRT_NODE_APEX      0x0001 /* The apex of its zone. */
#define RRT_NODE_CUT       0x0002 /* A delegation point: NS here and not the apex. */
#define RRT_NODE_BELOW_CUT 0x0004 /* Strictly below a delegation point (glue, occluded data). */
#define RRT_NODE_CNAME     0x0008 /* Has a CNAME RRset (and, by zone checks, nothing else). */
#define RRT_NODE_WILDCARD  0x0010 /* The name's first label is "*". */

/* One owner name. Empty non-terminals are nodes with nrefs == 0. */
struct rrt_node {
	uint32_t name_off; /* Arena offset of the lowercase wire name. */
	uint32_t refs_off; /* Arena offset of nrefs struct rrt_ref, sorted by type. */
	uint32_t cut;      /* With CUT or BELOW_CUT: the delegation node's index; else RRT_NONE. */
	uint32_t wildcard; /* Index of the child "*.<this name>", or RRT_NONE. */
	uint16_t zone;     /* Index in rrt.zones of the zone this node belongs to. */
	uint16_t flags;    /* RRT_NODE_*. */
	uint8_t name_len;  /* Octets in the wire name, root label included. */
	uint8_t nrefs;     /* Number of RRsets (and the glue pseudo-RRset). */
	uint16_t pad;      /* Zero. */
};

/*
 * One hash bucket. A name's home bucket is given by the top bits of its
 * hash (rrt_home()); the low half, kept here, saves a node load on most
 * mismatches.
 */
struct rrt_bucket {
	uint32_t hash_lo; /* (uint32_t)dname_hash() of the node's name. */
	uint32_t node;    /* Node index, or RRT_NONE for an empty bucket. */
};

/* How a zone proves that names and types do not exist. */
#define RRT_DENIAL_NONE	 0 /* Unsigned: no proofs. */
#define RRT_DENIAL_NSEC	 1
#define RRT_DENIAL_NSEC3 2

/* SHA-1, the one NSEC3 hash algorithm (RFC 5155 11). */
#define RRT_NSEC3_HASH_LEN 20

/* One NSEC3 RRset of a zone, found by its owner's hash. */
struct rrt_nsec3 {
	uint8_t hash[RRT_NSEC3_HASH_LEN]; /* The owner's first label, base32hex-decoded. */
	uint32_t rrset; /* Arena offset of the NSEC3 RRset, with its RRSIGs. */
};

/* The NSEC3PARAM of a zone: how names are hashed for its chain. */
struct rrt_nsec3_param {
	uint16_t iterations;
	uint8_t salt_len;
	uint8_t salt[255];
};

/* One served zone. */
struct rrt_zone {
	uint32_t apex;	   /* Node index of the apex. */
	uint32_t soa_neg;  /* Arena offset of the negative-answer SOA RRset, TTL = min(TTL, MINIMUM). */
	uint32_t serial;   /* SOA serial, for status and metrics. */
	uint8_t apex_len;  /* Octets in the apex wire name. */
	uint8_t denial;	   /* RRT_DENIAL_*: what the zone's signed data proves denials with. */
	/*
	 * The served zone the delegation to this one is in, or RRT_ZONE_NONE: a
	 * DS query at this apex is the parent's to answer (RFC 4035 3.1.4.1),
	 * from parent_ds (its DS RRset with RRSIGs) or, when it has none, with
	 * the parent's SOA and proof (parent_nsec: the parent's NSEC at the cut,
	 * for an NSEC parent). Arena offsets, 0 for none.
	 */
	uint16_t parent;
	uint32_t chain;	   /* Arena offset: NSEC, uint32_t node indices in canonical order;
			      NSEC3, struct rrt_nsec3 sorted by hash. */
	uint32_t nchain;   /* Entries in chain. */
	uint32_t nsec3p;   /* Arena offset of the struct rrt_nsec3_param (NSEC3 only). */
	uint32_t sig_expire; /* The earliest RRSIG expiration in the zone (Unix time), 0 unsigned. */
	uint32_t parent_ds;
	uint32_t parent_nsec;
	/* 1: a secondary zone past EXPIRE: only its apex node is left, every name is SERVFAIL. */
	uint8_t expired;
	uint8_t pad2[3]; /* Zero. */
	/*
	 * Most names that do not exist have the apex as closest encloser: the
	 * parts of their proof that depend on the apex alone are found once, at
	 * build time. NSEC3: the chain entries matching the apex and covering
	 * "*.<apex>"; NSEC: the node whose NSEC covers "*.<apex>". RRT_NONE
	 * when unsigned or absent.
	 */
	uint32_t apex_n3;
	uint32_t wild_n3;
	uint32_t wild_nsec;
};

#define RRT_ZONE_NONE UINT16_MAX

/* Keys that may sign one failover record: a ZSK pair during a rollover, with room to spare. */
#define RRT_SLOT_MAX_KEYS 4

/*
 * A failover slot: the currently served RRset of one failover record (owner
 * name + type). Slots live outside snapshots and survive reloads; a snapshot
 * refers to the slots bound into it through rrt.slots[].
 *
 * cur   read:  QSBR readers, online, through rrt_slot_get();
 *       write: the control thread only, through rrt_slot_replace(), which
 *              frees the previous RRset after a grace period (call_rcu).
 *       NULL means the record has nothing to serve (all-down "servfail"
 *       policy): the answer is SERVFAIL.
 * The remaining members are immutable after rrt_slot_new().
 */
struct rrt_slot {
	struct rrt_rrset *cur;
	uint16_t type;		    /* A or AAAA (any type works). */
	uint8_t name_len;	    /* Octets in name[]. */
	uint8_t name[DNAME_MAXLEN]; /* Lowercase wire owner name. */
	/*
	 * The keys the RRsets served here are signed with, online (docs/
	 * dnssec.md): none for an unsigned zone. Set before the slot is first
	 * bound into a snapshot; the builder checks them against the zone's
	 * DNSKEY RRset and requires a placeholder RRset in a signed zone.
	 */
	uint8_t nkeys;
	uint8_t key_alg[RRT_SLOT_MAX_KEYS];
	uint16_t key_tag[RRT_SLOT_MAX_KEYS];
};

/* An immutable snapshot. All members are set by the builder and never change. */
struct rrt {
	struct rrt_bucket *buckets;
	uint32_t mask; /* Number of buckets - 1 (a power of two minus one). */
	uint32_t nnodes;
	struct rrt_node *nodes;
	struct rrt_zone *zones;
	uint16_t nzones;
	uint32_t nslots;
	struct rrt_slot **slots; /* Slots bound into this snapshot; not owned by it. */
	uint8_t *arena;
	size_t arena_len;
	uint64_t generation; /* Increases with every published snapshot. */
	bool resident;	     /* Small enough to stay in a core's caches: rrt_cache_resident(). */
};

/* The published snapshot. read: QSBR readers; write: rrt_publish() only. */
struct rrt_root {
	struct rrt *table;
};

/* Reader API. Callers are QSBR readers that are online; none of these allocate or block. */

/* The current snapshot, or NULL before the first publish. */
static inline const struct rrt *
rrt_current(const struct rrt_root *root)
{
	return rcu_dereference(root->table);
}

static inline const uint8_t *
rrt_node_name(const struct rrt *t, const struct rrt_node *n)
{
	return t->arena + n->name_off;
}

static inline const struct rrt_ref *
rrt_node_refs(const struct rrt *t, const struct rrt_node *n)
{
	return (const struct rrt_ref *)(const void *)(t->arena + n->refs_off);
}

/*
 * The home bucket of @hash: its top bits (the index has a power of two of
 * buckets, at most 2^31), so that names taken in hash order fill the index
 * front to back. The builder takes them so (docs/design.md, "Loading a
 * zone"): at ten million names, a bucket chosen by the low bits would be a
 * cache miss for every name inserted.
 */
static inline uint32_t
rrt_home(const struct rrt *t, uint64_t hash)
{
	return (uint32_t)(((hash >> 32) * ((uint64_t)t->mask + 1)) >> 32);
}

/* The node named by lowercase wire name @name (@len octets, @hash = dname_hash()), or NULL. */
static inline const struct rrt_node *
rrt_find(const struct rrt *t, const uint8_t *name, size_t len, uint64_t hash)
{
	uint32_t lo = (uint32_t)hash;
	uint32_t i = rrt_home(t, hash);

	for (;;) {
		const struct rrt_bucket *b = &t->buckets[i];
		const struct rrt_node *n;

		if (b->node == RRT_NONE)
			return NULL;
		if (b->hash_lo == lo) {
			n = &t->nodes[b->node];
			if (n->name_len == len && memcmp(t->arena + n->name_off, name, len) == 0)
				return n;
		}
		i = (i + 1) & t->mask;
	}
}

/*
 * Tables up to this size are taken to stay in a core's caches while it
 * answers (a server core's L2 holds 1 to 2 MiB): staging their lookups a
 * burst ahead costs more than the misses it would hide. Measured with
 * perf/bench_answer -B on a 1 MiB-L2 core: staging cost 16 ns per query on a
 * 1.1 MB table and saved 11 ns on a 3.6 MB one (docs/design.md, "Answering
 * a burst").
 */
#ifndef RRT_CACHE_RESIDENT_BYTES
#define RRT_CACHE_RESIDENT_BYTES (2u << 20)
#endif

/* Octets of the arrays a lookup reads: buckets, nodes and arena. */
static inline uint64_t
rrt_bytes(const struct rrt *t)
{
	return (uint64_t)t->arena_len + (uint64_t)t->nnodes * sizeof(struct rrt_node) +
	       ((uint64_t)t->mask + 1) * sizeof(struct rrt_bucket);
}

/*
 * Whether @t is small enough that the worker does not stage its lookups
 * (rrt_bytes() at most RRT_CACHE_RESIDENT_BYTES): decided once, by the
 * builder, as the table never changes.
 */
static inline bool
rrt_cache_resident(const struct rrt *t)
{
	return t->resident;
}

static inline const struct rrt_rrset *
rrt_slot_get(const struct rrt_slot *slot)
{
	return rcu_dereference(slot->cur);
}

/* The reference for @type at @n, or NULL. */
static inline const struct rrt_ref *
rrt_node_ref(const struct rrt *t, const struct rrt_node *n, uint16_t type)
{
	const struct rrt_ref *r = rrt_node_refs(t, n);

	for (unsigned i = 0; i < n->nrefs; i++)
		if (r[i].type == type)
			return &r[i];
	return NULL;
}

/*
 * The RRset a reference stands for. For a failover slot this is the RRset
 * served right now, or NULL when the slot serves nothing (SERVFAIL).
 */
static inline const struct rrt_rrset *
rrt_ref_rrset(const struct rrt *t, const struct rrt_ref *r)
{
	if (caa_unlikely(r->flags & RRT_REF_SLOT))
		return rrt_slot_get(t->slots[r->off]);
	return (const struct rrt_rrset *)(const void *)(t->arena + r->off);
}

/* Writer API (control/). None of it may be called by a worker. */

struct zone;
struct sw_diag;

/*
 * Build a snapshot from @nzones parsed and checked zones and bind @nslots
 * failover slots into it. Each slot's owner must lie inside one of the zones
 * and must not collide with a zone RRset of the same type (SW_ESLOT).
 * Nested zones are allowed: a name belongs to the closest enclosing zone.
 * On failure nothing is allocated and @diag says why.
 * Thread: any thread; touches nothing shared.
 */
int rrt_build(const struct zone *const *zones, size_t nzones, struct rrt_slot *const *slots,
	      size_t nslots, struct rrt **out, struct sw_diag *diag);

/* Free an unpublished snapshot, or one whose grace period is over. Slots are not freed. */
void rrt_free(struct rrt *t);

/*
 * Publish @next (may be NULL) and return the snapshot it replaces, which the
 * caller frees once a grace period has passed (rrt_reclaim()).
 * Thread: the one thread that owns publishing (the loader/control side).
 */
struct rrt *rrt_publish(struct rrt_root *root, struct rrt *next);

/* Wait for a grace period, then free @old (may be NULL). Must not be called by a QSBR reader that is online. */
void rrt_reclaim(struct rrt *old);

/* A new slot for (@name, @type) serving @initial (ownership passes, may be NULL). */
struct rrt_slot *rrt_slot_new(const uint8_t *name, size_t name_len, uint16_t type,
			      struct rrt_rrset *initial);

/*
 * Build a standalone RRset of @type and @ttl from @n RDATAs, suitable for
 * rrt_slot_replace(). Returns NULL when out of memory or too large.
 */
struct rrt_rrset *rrt_rrset_new(uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
				const uint16_t *rdlen, unsigned n);

/*
 * The same, with @sig_len octets of RRSIG records in precompiled form
 * (zone_signer_sign()) after the records, served with DO=1.
 */
struct rrt_rrset *rrt_rrset_new_signed(uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
				       const uint16_t *rdlen, unsigned n, const uint8_t *sigs,
				       size_t sig_len);

/*
 * Serve @next (ownership passes, may be NULL) from @slot; the previous RRset
 * is freed by call_rcu after a grace period. Never blocks.
 * Thread: the control thread only (one writer per slot).
 */
void rrt_slot_replace(struct rrt_slot *slot, struct rrt_rrset *next);

/* Free @slot and its RRset. Only once no published or unreclaimed snapshot refers to it. */
void rrt_slot_free(struct rrt_slot *slot);

#endif /* SWERVE_RRT_H */
