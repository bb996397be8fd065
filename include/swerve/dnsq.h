/* SPDX-License-Identifier: BSD-3-Clause */
/* The DNS answer engine: a query's octets in, the response's octets out. */

#ifndef SWERVE_DNSQ_H
#define SWERVE_DNSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rrt;

#define DNSQ_COOKIE_SECRET_LEN 16 /* SipHash-2-4 key (RFC 9018 section 4.4). */

/*
 * Server cookie secrets (RFC 7873, interoperable server cookies of RFC 9018).
 * Every node of a fleet is given the same secret, so a client's server
 * cookie is valid on whichever node anycast sends it to. Rollover: deploy
 * the new secret with the old one as @previous everywhere, then drop
 * @previous once every node has the new one (cookies made with @previous
 * are accepted, never issued).
 */
struct dnsq_cookie_conf {
	bool enabled;	   /* Answer COOKIE options with a server cookie; off = ignore them. */
	bool has_previous; /* @previous is set. */
	uint8_t secret[DNSQ_COOKIE_SECRET_LEN];
	uint8_t previous[DNSQ_COOKIE_SECRET_LEN];
};

/* Answer settings, fixed while a snapshot is served. read: workers; write: control, before start. */
struct dnsq_conf {
	uint16_t edns_payload; /* Largest UDP response we send to an EDNS client (default 1232). */
	const char *version;   /* TXT for CH version.bind/version.server, or NULL for REFUSED. */
	const char *identity;  /* TXT for CH id.server/hostname.bind, or NULL for REFUSED. */
	struct dnsq_cookie_conf cookie;
};

/*
 * The client a query came from. Server cookies are bound to its address,
 * and their timestamp comes from @now, so the answer code never reads a
 * clock itself.
 */
struct dnsq_client {
	uint8_t addr[16]; /* IPv4 in the first 4 octets, or IPv6. */
	uint8_t addr_len; /* 4 or 16. */
	uint32_t now;	  /* Wall clock, seconds since the epoch (the worker's coarse clock). */
};

#define DNSQ_EDNS_PAYLOAD_DEFAULT 1232

/* dnsq_answer() flags. */
#define DNSQ_TCP 0x0001 /* The query came over TCP: no size limit but @cap, ANY answers in full. */

/* What happened to a query: a verdict for the caller's counters. */
enum dnsq_verdict {
	DNSQ_ANSWERED = 0,  /* A response was written. */
	DNSQ_DROP_SHORT,    /* Fewer than 12 octets. */
	DNSQ_DROP_RESPONSE, /* QR=1: a response, never answered. */
	DNSQ_DROP_NOSPACE,  /* @cap cannot hold even the header and question. */
	DNSQ_PUNT,	    /* Not answered here (NOTIFY): the caller hands it to the control side. */
	DNSQ_VERDICT_MAX,
};

/* Response classes, the unit of response rate limiting (RFC-style RRL). */
enum dnsq_class {
	DNSQ_CLASS_ANSWER = 0, /* Positive answer (including CNAME chains and wildcards). */
	DNSQ_CLASS_NXDOMAIN,
	DNSQ_CLASS_NODATA,
	DNSQ_CLASS_REFERRAL,
	DNSQ_CLASS_ERROR, /* FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS. */
	DNSQ_CLASS_MAX,
};

/* What the query's COOKIE option (RFC 7873) proved, with cookies enabled. */
enum dnsq_cookie {
	DNSQ_COOKIE_NONE = 0, /* No COOKIE option, or cookies disabled. */
	DNSQ_COOKIE_CLIENT,   /* A client cookie alone, or a server cookie that did not verify. */
	DNSQ_COOKIE_VALID,    /* A server cookie we issued to this address, still fresh. */
};

/* Facts about one answered (or dropped) query. Filled on every call. */
struct dnsq_info {
	uint16_t qtype;  /* The question's type, 0 when there was no parsable question. */
	uint16_t rcode;  /* Full RCODE including the EDNS extended bits (BADVERS = 16). */
	uint8_t verdict; /* enum dnsq_verdict. */
	uint8_t rclass;  /* enum dnsq_class; meaningful when verdict == DNSQ_ANSWERED. */
	uint8_t tc;      /* 1 when the response was truncated. */
	uint8_t edns;    /* 1 when the query carried a valid OPT record. */
	uint8_t cookie;  /* enum dnsq_cookie. */
};

/*
 * Answer the DNS message @query (@qlen octets) from @client (NULL: unknown,
 * no server cookie is issued or verified) from snapshot @t (may be NULL:
 * nothing is served, every name is REFUSED) and write the response to @resp,
 * which has room for @cap octets. @resp may equal @query: the answer is then
 * built in place (the header and question stay where they are).
 *
 * Returns the response length, or 0 when the query must be dropped (see
 * info->verdict). The response follows docs/conformance.md: header rules, answers
 * 1-13, EDNS 14-20 and bad input 1-13 and 19; work is linear in @qlen.
 *
 * Thread: a QSBR reader that is online (the table is read without locks).
 * Never allocates, locks or makes a syscall.
 */
size_t dnsq_answer(const struct rrt *t, const struct dnsq_conf *conf,
		   const struct dnsq_client *client, const uint8_t *query, size_t qlen, uint8_t *resp,
		   size_t cap, unsigned flags, struct dnsq_info *info);

/*
 * Answering a burst (docs/design.md, "Answering a burst"). A table too big
 * for the caches costs a chain of dependent misses per query (bucket, node,
 * name and references, RRset); taken one query at a time they add up. A
 * worker holding a burst first calls dnsq_prefetch() on all of it, which
 * reads each question and prefetches, round by round over the whole burst,
 * every bucket, then every node, then every node's name and references, then
 * the RRset of each question's type (and for a CNAME the same for its
 * target, for a name that does not exist the same for its parent), so the
 * misses of different queries overlap. It writes nothing but the struct
 * dnsq_burst. The answers are then written one by one with
 * dnsq_answer_hinted(), which is dnsq_answer() with the question's QNAME
 * already read, lowercased and hashed: the same code, the same octets (the
 * golden tests and the fuzz target check that the two agree). A table small
 * enough to stay in the caches has no misses to hide: callers skip the
 * staging for a table rrt_cache_resident() calls small, and answer with
 * dnsq_answer() as before.
 */
#define DNSQ_BURST 32

/*
 * What dnsq_prefetch() learnt of one query's question. Nothing in it depends
 * on the table: the lookups are the answer's to make, with these hashes.
 */
struct dnsq_hint {
	uint64_t hash;	      /* dname_hash() of the lowercase QNAME. */
	uint64_t parent_hash; /* With DNSQ_HINT_PARENT: of the QNAME less its first label. */
	const uint8_t *qname; /* The lowercase QNAME, in its burst's names[]. */
	uint16_t qlen;	      /* Octets of the message it was read from. */
	uint8_t qname_len;    /* Octets of the QNAME; 0: no hint (the question did not read). */
	uint8_t flags;	      /* DNSQ_HINT_*. */
};

/* The QNAME was not in the table: its closest encloser is looked for, parent_hash first. */
#define DNSQ_HINT_PARENT 0x01

/*
 * One burst's hints and the QNAMEs they point to. The names are packed, each
 * rounded up to whole words (the reader copies words), so a burst of short
 * names touches a few cache lines of names[] however large it is. The size
 * is for 32 names of 255 octets: 8 KiB, on the worker's stack.
 */
struct dnsq_burst {
	struct dnsq_hint hint[DNSQ_BURST];
	uint8_t names[DNSQ_BURST * 256];
};

/*
 * Stage the lookups of @n queries (at most DNSQ_BURST): @query[i], @qlen[i]
 * octets, into @burst->hint[i]. A query whose question does not read gets no
 * hint and no prefetch. Reads of the table what the answer will read, and
 * writes nothing but @burst. Thread: a QSBR reader that is online. Never
 * allocates, locks or makes a syscall.
 */
void dnsq_prefetch(const struct rrt *t, const uint8_t *const *query, const uint16_t *qlen,
		   unsigned n, struct dnsq_burst *burst);

/*
 * dnsq_answer() for a query dnsq_prefetch() has seen, with its hint (NULL: as
 * dnsq_answer()). The hint stands for the question as it was read: @query
 * must be the same octets, and @hint's burst must not have been reused.
 */
size_t dnsq_answer_hinted(const struct rrt *t, const struct dnsq_conf *conf,
			  const struct dnsq_client *client, const uint8_t *query, size_t qlen,
			  uint8_t *resp, size_t cap, unsigned flags, struct dnsq_info *info,
			  const struct dnsq_hint *hint);

struct rrt_nsec3_param;

/*
 * The NSEC3 hash of RFC 5155 5 (SHA-1, the parameters' salt and iterations)
 * of the lowercase wire name @name into @out (20 octets). Allocates nothing:
 * the workers' proofs call it, and the table builder (its precomputed apex
 * proofs).
 */
void dnsq_nsec3_hash(const struct rrt_nsec3_param *p, const uint8_t *name, size_t len,
		     uint8_t out[20]);

#endif /* SWERVE_DNSQ_H */
