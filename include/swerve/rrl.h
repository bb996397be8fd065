/* SPDX-License-Identifier: BSD-3-Clause */
/* Response rate limiting: one token bucket per source prefix and response class, per worker. */

#ifndef SWERVE_RRL_H
#define SWERVE_RRL_H

#include <stddef.h>
#include <stdint.h>

#include "swerve/dnsq.h"

/* Settings; control fills them from the config's rrl: section (config_rrl_conf()). */
struct rrl_conf {
	uint32_t rate;	     /* Responses per second per prefix and class; 0 = off. */
	uint32_t errors;     /* Rate of the error class; 0 = @rate. */
	uint32_t burst;	     /* Bucket depth in responses; 0 = one second's rate of the class. */
	uint32_t slip;	     /* Every Nth limited response goes out truncated; 0 = none. */
	uint8_t ipv4_prefix; /* Source prefix length of a key, IPv4 (1..32). */
	uint8_t ipv6_prefix; /* Source prefix length of a key, IPv6 (1..128). */
	uint32_t table_size; /* Buckets; rounded up to a power of two, at least 2. */
	uint64_t seed;	     /* Hash seed, so a spoofer cannot aim at one bucket's neighbours. */
};

/*
 * One key's state, 32 octets (two per cache line, a probe never crosses one).
 * The bucket is a GCRA (virtual scheduling) token bucket: @tat is the TSC
 * time at which it is full again, so one word holds the whole state.
 */
struct rrl_bucket {
	uint64_t key[2];  /* Source prefix, masked. */
	uint64_t tat;	  /* Theoretical arrival time: full again at this TSC. */
	uint32_t tag;	  /* RRL_TAG_USED | family | class; 0 = never used. */
	uint32_t limited; /* Limited responses so far, for the slip count. */
};

/* A worker's limiter. Written only by its worker; nothing shared, nothing locked. */
struct rrl {
	struct rrl_bucket *table; /* rrl_table_bytes() octets, zeroed; owned by the caller. */
	uint32_t mask;		  /* Buckets - 1. */
	uint32_t slip;
	uint64_t seed;
	uint64_t interval[DNSQ_CLASS_MAX];  /* TSC ticks one response costs. */
	uint64_t tolerance[DNSQ_CLASS_MAX]; /* How far ahead of now @tat may run: the burst. */
	uint64_t v4_mask;		    /* Host order, in the low 32 bits. */
	uint64_t v6_mask[2];		    /* Host order words of the big-endian address. */
};

enum rrl_verdict {
	RRL_PASS = 0, /* Within the limit: send the response. */
	RRL_DROP,     /* Over the limit: drop it. */
	RRL_SLIP,     /* Over the limit, but this one goes out truncated (TC=1). */
};

/* Octets the table of @c takes (a power of two buckets of 32 octets). */
size_t rrl_table_bytes(const struct rrl_conf *c);

/*
 * Set @r up from @c with @hz TSC ticks per second over @table, which the
 * caller allocated with rrl_table_bytes() octets, zeroed (the worker uses
 * rte_zmalloc_socket() on its socket) and frees after use.
 * Returns 0, or -EINVAL when @c->rate is 0 or a prefix length is out of range.
 */
int rrl_init(struct rrl *r, const struct rrl_conf *c, uint64_t hz, void *table);

/*
 * New limits for a running @r (a configuration reload): rates, burst,
 * slip and prefix lengths from @c; the table, its size and the seed stay,
 * and so does every bucket's state. -EINVAL for a rate of 0 or a bad
 * prefix (nothing changed). Thread: the owner of @r.
 */
int rrl_retune(struct rrl *r, const struct rrl_conf *c, uint64_t hz);

/*
 * Account one response of class @cls (enum dnsq_class) to the source
 * @addr (@addr_len 4 or 16 octets, network order) at TSC @now.
 * A key that is not in the table takes the place of a stale one (a bucket
 * that has filled up again: forgetting it changes nothing) or else of the
 * fuller of the two in its cache line, as Knot's table does on collisions.
 * Never allocates, locks or makes a syscall.
 */
enum rrl_verdict rrl_check(struct rrl *r, const uint8_t *addr, unsigned addr_len, unsigned cls,
			   uint64_t now);

#endif /* SWERVE_RRL_H */
