/* SPDX-License-Identifier: BSD-3-Clause */
/* Response rate limiting on the fast path: a fixed table of GCRA buckets, no allocation. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "swerve/rrl.h"

#define RRL_TAG_USED 0x10000u
#define RRL_TAG_V6   0x100u

static uint32_t
rrl_buckets(const struct rrl_conf *c)
{
	uint32_t n = 2;

	while (n < c->table_size && n < (1u << 30))
		n <<= 1;
	return n;
}

size_t
rrl_table_bytes(const struct rrl_conf *c)
{
	return (size_t)rrl_buckets(c) * sizeof(struct rrl_bucket);
}

/* The top @bits of a 64-bit word set (0 <= bits <= 64). */
static uint64_t
rrl_top_bits(unsigned bits)
{
	return bits == 0 ? 0 : bits >= 64 ? UINT64_MAX : ~(UINT64_MAX >> bits);
}

/* The limits of @c (rates, burst, slip, prefixes) into @r; the table and the seed stay. */
static void
rrl_limits(struct rrl *r, const struct rrl_conf *c, uint64_t hz)
{
	r->slip = c->slip;
	for (unsigned k = 0; k < DNSQ_CLASS_MAX; k++) {
		uint64_t rate = k == DNSQ_CLASS_ERROR && c->errors != 0 ? c->errors : c->rate;
		uint64_t burst = c->burst != 0 ? c->burst : rate;

		r->interval[k] = hz / rate != 0 ? hz / rate : 1;
		/* A full bucket lets @burst responses through back to back. */
		r->tolerance[k] = (burst - 1) * r->interval[k];
	}
	r->v4_mask = rrl_top_bits(c->ipv4_prefix) >> 32;
	r->v6_mask[0] = rrl_top_bits(c->ipv6_prefix);
	r->v6_mask[1] = c->ipv6_prefix > 64 ? rrl_top_bits(c->ipv6_prefix - 64u) : 0;
}

static bool
rrl_conf_ok(const struct rrl_conf *c)
{
	return c->rate != 0 && c->ipv4_prefix >= 1 && c->ipv4_prefix <= 32 && c->ipv6_prefix >= 1 &&
	       c->ipv6_prefix <= 128;
}

int
rrl_init(struct rrl *r, const struct rrl_conf *c, uint64_t hz, void *table)
{
	if (!rrl_conf_ok(c) || table == NULL)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->table = table;
	r->mask = rrl_buckets(c) - 1;
	r->seed = c->seed;
	rrl_limits(r, c, hz);
	return 0;
}

int
rrl_retune(struct rrl *r, const struct rrl_conf *c, uint64_t hz)
{
	if (!rrl_conf_ok(c) || r->table == NULL)
		return -EINVAL;
	rrl_limits(r, c, hz);
	return 0;
}

static inline uint64_t
rrl_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* A multiply-xorshift mix (the finaliser of SplitMix64): cheap, and every input bit counts. */
static inline uint64_t
rrl_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

enum rrl_verdict
rrl_check(struct rrl *r, const uint8_t *addr, unsigned addr_len, unsigned cls, uint64_t now)
{
	struct rrl_bucket *b, *pair;
	uint64_t k0, k1, tat;
	uint32_t tag, idx;

	if (cls >= DNSQ_CLASS_MAX)
		cls = DNSQ_CLASS_ERROR;
	if (addr_len == 4) {
		k0 = ((uint64_t)addr[0] << 24 | (uint64_t)addr[1] << 16 | (uint64_t)addr[2] << 8 |
		      addr[3]) &
		     r->v4_mask;
		k1 = 0;
		tag = RRL_TAG_USED | cls;
	} else {
		k0 = rrl_be64(addr) & r->v6_mask[0];
		k1 = rrl_be64(addr + 8) & r->v6_mask[1];
		tag = RRL_TAG_USED | RRL_TAG_V6 | cls;
	}
	idx = (uint32_t)rrl_mix(k0 ^ rrl_mix(k1 ^ r->seed) ^ ((uint64_t)tag << 40)) & r->mask;
	/* The two buckets of a cache line form a set: look at both, replace within it. */
	pair = &r->table[idx & ~1u];
	if (pair[0].tag == tag && pair[0].key[0] == k0 && pair[0].key[1] == k1) {
		b = &pair[0];
	} else if (pair[1].tag == tag && pair[1].key[0] == k0 && pair[1].key[1] == k1) {
		b = &pair[1];
	} else {
		/* The smaller @tat is the fuller bucket; a stale one (tat <= now) is full. */
		b = pair[0].tat <= pair[1].tat ? &pair[0] : &pair[1];
		b->key[0] = k0;
		b->key[1] = k1;
		b->tag = tag;
		b->limited = 0;
		b->tat = now + r->interval[cls];
		return RRL_PASS;
	}
	tat = b->tat > now ? b->tat : now;
	if (tat - now <= r->tolerance[cls]) {
		b->tat = tat + r->interval[cls];
		return RRL_PASS;
	}
	b->limited++;
	if (r->slip != 0 && b->limited % r->slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}
