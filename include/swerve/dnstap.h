/* SPDX-License-Identifier: BSD-3-Clause */
/* dnstap capture on the fast path: fixed-size records on per-producer SPSC rings (docs/dnstap.md). */

#ifndef SWERVE_DNSTAP_H
#define SWERVE_DNSTAP_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * What a producer keeps of one message: the first DNSTAP_ROOM octets. A
 * worker copies whole frames (Ethernet, 802.1Q, IPv4 with options or IPv6,
 * UDP: at most 86 octets of headers), so this leaves at least 512 octets of
 * DNS message, the classic UDP size; the rest is cut and its real length
 * kept. The TCP thread copies messages without headers.
 */
#define DNSTAP_MSG_CAP 512
#define DNSTAP_ROOM    608

/* What dnstap_rec.q and .r hold. */
enum dnstap_rec_kind {
	DNSTAP_REC_FRAMES = 1, /* A worker's query frame and response frame (UDP): the
				  addresses, ports and messages are found in them by the
				  writer, so the worker only copies. */
	DNSTAP_REC_TCP,	       /* The TCP thread's messages; addresses and ports filled in. */
};

/*
 * One query and its response. Written by one producer into a slot of its
 * ring, read by the writer thread after the producer committed it. Times are
 * TSC readings; the writer turns them into wall-clock time.
 */
struct dnstap_rec {
	uint64_t qtsc;	   /* When the query was taken (a worker: the start of its burst). */
	uint64_t rtsc;	   /* When the response was ready. */
	uint8_t kind;	   /* enum dnstap_rec_kind */
	uint8_t family;	   /* DNSTAP_REC_TCP: 4 or 6. */
	uint16_t qport;	   /* DNSTAP_REC_TCP: the client's port (host order). */
	uint16_t rport;	   /* DNSTAP_REC_TCP: our port. */
	uint16_t qlen;	   /* Octets held in q[]. */
	uint16_t rlen;	   /* Octets held in r[]. */
	uint16_t pad;
	uint32_t qfull;	   /* The query's real length (frame or message). */
	uint32_t rfull;	   /* The response's real length. */
	uint8_t qaddr[16]; /* DNSTAP_REC_TCP: the client's address (4 or 16 octets used). */
	uint8_t raddr[16]; /* DNSTAP_REC_TCP: our address. */
	uint8_t q[DNSTAP_ROOM];
	uint8_t r[DNSTAP_ROOM];
};

/*
 * A single-producer, single-consumer ring of records, fixed at creation
 * (a power of two of them). The producer (one worker lcore, or the TCP
 * thread) writes head and its own counters; the consumer (the dnstap writer
 * thread) writes tail. Each side keeps a stale copy of the other's index on
 * its own cache line and reloads it only when the ring looks full (or
 * empty), so a push normally touches no line the consumer writes.
 * The control thread reads the counters for metrics (relaxed loads).
 */
struct dnstap_ring {
	/* Producer's line. */
	alignas(64) uint32_t head; /* Next slot to fill; published with release. */
	uint32_t tail_seen;	   /* Producer's last view of tail. */
	uint64_t dropped;	   /* Messages lost because the ring was full. */
	/* Consumer's line. */
	alignas(64) uint32_t tail; /* Next slot to read; published with release. */
	uint32_t head_seen;	   /* Consumer's last view of head. */
	/* Fixed after dnstap_ring_init(). */
	alignas(64) uint32_t mask;
	struct dnstap_rec *recs;
};

/* Bytes a ring of @n records needs (the struct and its slots, one block). */
size_t dnstap_ring_bytes(uint32_t n);

/*
 * Lay a ring of @n records (a power of two, at least 2) out in @mem, which
 * holds dnstap_ring_bytes(@n) octets aligned to 64. Returns the ring, or
 * NULL for a bad @n. Thread: whoever creates it, before either side runs.
 */
struct dnstap_ring *dnstap_ring_init(void *mem, uint32_t n);

/* Producer: the slot to fill next, or NULL while the ring is full. Does not publish it. */
static inline struct dnstap_rec *
dnstap_ring_reserve(struct dnstap_ring *r)
{
	uint32_t h = r->head;

	if (h - r->tail_seen > r->mask) {
		r->tail_seen = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (h - r->tail_seen > r->mask)
			return NULL;
	}
	return &r->recs[h & r->mask];
}

/* Producer: publish the slot dnstap_ring_reserve() gave (its writes become visible first). */
static inline void
dnstap_ring_commit(struct dnstap_ring *r)
{
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

/* Producer: count @n messages lost. Only the producer writes; readers load relaxed. */
static inline void
dnstap_ring_drop(struct dnstap_ring *r, uint32_t n)
{
	__atomic_store_n(&r->dropped, r->dropped + n, __ATOMIC_RELAXED);
}

/* Consumer: the oldest committed record, or NULL when none is waiting. */
static inline const struct dnstap_rec *
dnstap_ring_front(struct dnstap_ring *r)
{
	uint32_t t = r->tail;

	if (t == r->head_seen) {
		r->head_seen = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (t == r->head_seen)
			return NULL;
	}
	return &r->recs[t & r->mask];
}

/* Consumer: give the slot dnstap_ring_front() returned back to the producer. */
static inline void
dnstap_ring_pop(struct dnstap_ring *r)
{
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

/* Any thread: messages counted lost so far. */
static inline uint64_t
dnstap_ring_dropped(const struct dnstap_ring *r)
{
	return __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}

/*
 * The sampler of one producer: every @every-th frame (or message) that gets
 * an answer is copied into the ring. Owned and written by the producer only;
 * set up before it runs. With every == 0 (the state worker_init() leaves)
 * nothing is captured and the hot path pays one predictable branch.
 */
struct dnstap_tap {
	uint32_t every;		 /* 1 in N; 0: off. */
	uint32_t left;		 /* Frames until the sample; 1: the frame in hand. */
	uint32_t per_rec;	 /* Messages one record makes (log-queries + log-responses). */
	struct dnstap_ring *ring;
};

/* Arm @t on @ring: 1 in @every (0: off), each record worth @per_rec messages. */
static inline void
dnstap_tap_init(struct dnstap_tap *t, struct dnstap_ring *ring, uint32_t every, uint32_t per_rec)
{
	t->ring = ring;
	t->every = ring != NULL ? every : 0;
	t->left = every;
	t->per_rec = per_rec;
}

/*
 * Before the answer engine overwrites a query in place: when this is the
 * frame to sample, reserve a slot and copy the frame into it (at most
 * DNSTAP_ROOM octets). Returns the slot, to be finished by
 * dnstap_tap_response() if the frame is answered; if it is not (not DNS,
 * dropped), the slot is simply reused by the next frame, which becomes the
 * sample instead. A full ring drops the sample and counts it.
 * Call only when t->every != 0. Never blocks, never allocates.
 */
static inline struct dnstap_rec *
dnstap_tap_query(struct dnstap_tap *t, const uint8_t *q, uint32_t len, uint64_t tsc)
{
	struct dnstap_rec *rec;

	if (t->left > 1) {
		t->left--;
		return NULL;
	}
	rec = dnstap_ring_reserve(t->ring);
	if (rec == NULL) {
		dnstap_ring_drop(t->ring, t->per_rec);
		t->left = t->every;
		return NULL;
	}
	rec->kind = DNSTAP_REC_FRAMES;
	rec->qtsc = tsc;
	rec->qfull = len;
	rec->qlen = (uint16_t)(len < DNSTAP_ROOM ? len : DNSTAP_ROOM);
	memcpy(rec->q, q, rec->qlen);
	return rec;
}

/* The query copied into @rec was answered with @r (@len octets): copy it and publish both. */
static inline void
dnstap_tap_response(struct dnstap_tap *t, struct dnstap_rec *rec, const uint8_t *r, uint32_t len,
		    uint64_t tsc)
{
	rec->rtsc = tsc;
	rec->rfull = len;
	rec->rlen = (uint16_t)(len < DNSTAP_ROOM ? len : DNSTAP_ROOM);
	memcpy(rec->r, r, rec->rlen);
	dnstap_ring_commit(t->ring);
	t->left = t->every;
}

#endif /* SWERVE_DNSTAP_H */
