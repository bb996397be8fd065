/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP listener's connections: idle order, message deadlines, per-source limits, eviction. */

#ifndef SWERVE_TCP_TABLE_H
#define SWERVE_TCP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "swerve/tcp.h"

/* Buckets of the per-source connection count (a chain per bucket; a power of two). */
#define TCP_SRC_BUCKETS 1024

/* When the table is full, this many of the least recently active are looked at for an idle one. */
#define TCP_EVICT_SCAN 64

/* What an epoll registration stands for; the first member of what data.ptr points to. */
enum tcp_ep_kind {
	TCP_EP_WAKE,
	TCP_EP_LISTEN,
	TCP_EP_CLIENT,
};

struct tcp_ep {
	enum tcp_ep_kind kind;
	int fd;
};

/* A client connection: its framing and its place in the idle order. */
struct tcp_client {
	struct tcp_ep ep; /* First: epoll's data.ptr points here. */
	uint32_t events;  /* The epoll interest now registered. */
	uint64_t last_ms; /* Monotonic time of the last progress either way. */
	uint8_t addr[16]; /* The peer's address (server cookies are bound to it). */
	uint8_t addr_len; /* 4 or 16; 0 when unknown. */
	bool backlog;	  /* On the backlog list: complete queries wait for their turn. */
	struct tcp_client *prev, *next;	      /* Idle order. */
	struct tcp_client *msg_prev, *msg_next; /* Message-deadline order, while one arrives. */
	uint64_t msg_ms;		      /* When the message arriving now began, 0: none. */
	struct tcp_client *src_next;	      /* Same per-source bucket. */
	struct tcp_client *bl_next;	      /* Backlog list. */
	struct tcp_conn conn;
};

/*
 * Every open client connection, in the orders the limits need. Owned by
 * the listener (control/tcp/tcp.c): set up by tcp_table_reset() on the
 * control thread before the listener thread exists, then read and changed
 * only by that thread until it has been joined.
 */
struct tcp_table {
	struct tcp_client *oldest, *newest; /* Clients, least recently active first. */
	struct tcp_client *msg_oldest, *msg_newest; /* Clients mid-message, oldest message first. */
	struct tcp_client *src[TCP_SRC_BUCKETS];   /* Clients by source (IPv4 address, IPv6 /64). */
	struct tcp_client *backlog;		   /* Clients with queries waiting for their turn. */
	uint32_t nclients;
	uint32_t max_clients;	 /* Open connections at most. */
	uint32_t idle_ms;	 /* Without progress for this long closes (0: never). */
	uint32_t io_ms;		 /* A message must arrive whole within this (0: no limit). */
	uint32_t max_per_source; /* Connections from one source at most (0: no limit). */

	/* Counters, for the listener's log at stop. */
	uint64_t accepted, refused, refused_source, evicted, timed_out, io_timed_out;
};

/*
 * The functions below are called by the listener (control/tcp/tcp.c) only:
 * tcp_table_reset() on the control thread in tcp_listener_start(), before
 * the listener thread exists; every other one on the listener thread.
 */

/* Empty @t (which holds no client) and set its limits; the counters start at 0. */
void tcp_table_reset(struct tcp_table *t, uint32_t max_clients, uint32_t idle_ms, uint32_t io_ms,
		     uint32_t max_per_source);

/*
 * Whether a new connection @cl (its address set, not yet in @t) may be
 * added. Over the per-source limit it may not; a full table makes room by
 * closing the least recently active idle client (nothing half received,
 * nothing unsent) among the TCP_EVICT_SCAN least recently active, failing
 * that the least recently active of all. Returns true, or false with the
 * refusal counted (the caller closes and frees @cl).
 */
bool tcp_table_admit(struct tcp_table *t, struct tcp_client *cl);

/* Add @cl, accepted at @now and registered with epoll, to every order it belongs in. */
void tcp_table_insert(struct tcp_table *t, struct tcp_client *cl, uint64_t now);

/* @cl made progress at @now: it moves to the end of the idle order. */
void tcp_table_touch(struct tcp_table *t, struct tcp_client *cl, uint64_t now);

/*
 * After input or answers: a message half received has a deadline from its
 * first octet (@now, unless it already had one and is the same message,
 * i.e. @new_head is false); with none arriving, @cl leaves the deadline order.
 */
void tcp_table_msg_track(struct tcp_table *t, struct tcp_client *cl, uint64_t now, bool new_head);

/* Put @cl on the backlog (complete queries wait for another turn) unless it is on it already. */
void tcp_table_backlog_add(struct tcp_table *t, struct tcp_client *cl);

/*
 * Take the whole backlog: the list (linked by bl_next) is returned and the
 * table's emptied; each client on it still has ->backlog set for the
 * caller to clear as it serves it.
 */
struct tcp_client *tcp_table_backlog_take(struct tcp_table *t);

/* Remove @cl from every order, close its socket (which leaves the epoll set) and free it. */
void tcp_table_close(struct tcp_table *t, struct tcp_client *cl);

/*
 * Close the clients idle for idle_ms and those whose message has taken
 * io_ms so far. Returns the monotonic time of the next such deadline, or
 * UINT64_MAX when there is none.
 */
uint64_t tcp_table_expire(struct tcp_table *t, uint64_t now);

/* Close every client (the listener thread is stopping). */
void tcp_table_close_all(struct tcp_table *t);

#endif /* SWERVE_TCP_TABLE_H */
