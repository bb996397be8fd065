/* SPDX-License-Identifier: BSD-3-Clause */
/* The RCU writer side of the record table: publishing snapshots and swapping failover slots. */

#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "swerve/rrt.h"

#define RRT_CLASS_IN 1

/*
 * A standalone RRset (a failover slot's) with the rcu_head call_rcu() needs
 * to free it after a grace period. Callers only ever see &box->rs.
 */
struct rrt_rrset_box {
	struct rcu_head rcu;
	struct rrt_rrset rs; /* Last: its wire[] runs past the end of the box. */
};

/*
 * Generations are numbered across every root so "newer" means newer even
 * when a test publishes into several roots. Written only by publishers;
 * the atomic keeps two publishing threads (tests do that) from reusing one.
 */
static uint64_t rrt_generation;

struct rrt *
rrt_publish(struct rrt_root *root, struct rrt *next)
{
	if (next != NULL)
		next->generation = __atomic_add_fetch(&rrt_generation, 1, __ATOMIC_RELAXED);
	/* The exchange orders every store that built @next before readers can see it. */
	return rcu_xchg_pointer(&root->table, next);
}

void
rrt_reclaim(struct rrt *old)
{
	if (old == NULL)
		return;
	/*
	 * QSBR's synchronize_rcu() puts an online caller offline for the wait,
	 * so even a registered thread cannot deadlock here; what it must not do
	 * is hold a pointer into @old across this call.
	 */
	synchronize_rcu();
	rrt_free(old);
}

static struct rrt_rrset_box *
rrt_box_of(struct rrt_rrset *rs)
{
	return caa_container_of(rs, struct rrt_rrset_box, rs);
}

static void
rrt_box_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct rrt_rrset_box, rcu));
}

static void
rrt_rrset_free(struct rrt_rrset *rs)
{
	if (rs != NULL)
		free(rrt_box_of(rs));
}

struct rrt_rrset *
rrt_rrset_new_signed(uint16_t type, uint32_t ttl, const uint8_t *const *rdata,
		     const uint16_t *rdlen, unsigned n, const uint8_t *sigs, size_t sig_len)
{
	struct rrt_rrset_box *box;
	size_t len = 0;
	uint8_t *p;

	for (unsigned i = 0; i < n; i++)
		len += 2 + RRT_RR_FIXED + (size_t)rdlen[i];
	/* The same bound the table builder applies: len and count are 16-bit. */
	if (len > UINT16_MAX || n > UINT16_MAX || sig_len > UINT16_MAX || len + sig_len > UINT16_MAX)
		return NULL;
	box = malloc(sizeof(*box) + len + sig_len);
	if (box == NULL)
		return NULL;
	box->rs = (struct rrt_rrset){
		.type = type,
		.count = (uint16_t)n,
		.len = (uint16_t)len,
		.sig_len = (uint16_t)sig_len,
		.ttl = ttl,
	};
	p = box->rs.wire;
	for (unsigned i = 0; i < n; i++) {
		p[0] = 0xc0;
		p[1] = 0x0c;
		p[2] = (uint8_t)(type >> 8);
		p[3] = (uint8_t)type;
		p[4] = 0;
		p[5] = RRT_CLASS_IN;
		p[6] = (uint8_t)(ttl >> 24);
		p[7] = (uint8_t)(ttl >> 16);
		p[8] = (uint8_t)(ttl >> 8);
		p[9] = (uint8_t)ttl;
		p[10] = (uint8_t)(rdlen[i] >> 8);
		p[11] = (uint8_t)rdlen[i];
		memcpy(p + 12, rdata[i], rdlen[i]);
		p += 12 + rdlen[i];
	}
	if (sig_len != 0)
		memcpy(p, sigs, sig_len);
	return &box->rs;
}

struct rrt_rrset *
rrt_rrset_new(uint16_t type, uint32_t ttl, const uint8_t *const *rdata, const uint16_t *rdlen,
	      unsigned n)
{
	return rrt_rrset_new_signed(type, ttl, rdata, rdlen, n, NULL, 0);
}

struct rrt_slot *
rrt_slot_new(const uint8_t *name, size_t name_len, uint16_t type, struct rrt_rrset *initial)
{
	struct rrt_slot *slot;

	if (name_len == 0 || name_len > DNAME_MAXLEN)
		return NULL;
	slot = calloc(1, sizeof(*slot));
	if (slot == NULL)
		return NULL;
	/* Lookups compare lowercase names octet by octet. */
	for (size_t i = 0; i < name_len; i++)
		slot->name[i] = dname_lower_octet(name[i]);
	slot->name_len = (uint8_t)name_len;
	slot->type = type;
	slot->cur = initial;
	return slot;
}

/*
 * liburcu requires call_rcu() callers to be registered; for QSBR the caller
 * must also be online. The control thread is both, as a reader of snapshots.
 */
void
rrt_slot_replace(struct rrt_slot *slot, struct rrt_rrset *next)
{
	struct rrt_rrset *old = rcu_xchg_pointer(&slot->cur, next);

	if (old != NULL)
		call_rcu(&rrt_box_of(old)->rcu, rrt_box_free_rcu);
}

void
rrt_slot_free(struct rrt_slot *slot)
{
	if (slot == NULL)
		return;
	rrt_rrset_free(slot->cur);
	free(slot);
}
