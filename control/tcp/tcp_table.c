/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP listener's connections: idle order, message deadlines, per-source limits, eviction. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swerve/tcp.h"
#include "tcp_table.h"

void
tcp_table_reset(struct tcp_table *t, uint32_t max_clients, uint32_t idle_ms, uint32_t io_ms,
		uint32_t max_per_source)
{
	memset(t, 0, sizeof(*t));
	t->max_clients = max_clients;
	t->idle_ms = idle_ms;
	t->io_ms = io_ms;
	t->max_per_source = max_per_source;
}

static void
tcp_idle_unlink(struct tcp_table *t, struct tcp_client *cl)
{
	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		t->oldest = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	else
		t->newest = cl->prev;
	cl->prev = cl->next = NULL;
}

static void
tcp_idle_append(struct tcp_table *t, struct tcp_client *cl)
{
	cl->prev = t->newest;
	cl->next = NULL;
	if (t->newest != NULL)
		t->newest->next = cl;
	else
		t->oldest = cl;
	t->newest = cl;
}

void
tcp_table_touch(struct tcp_table *t, struct tcp_client *cl, uint64_t now)
{
	cl->last_ms = now;
	if (t->newest != cl) {
		tcp_idle_unlink(t, cl);
		tcp_idle_append(t, cl);
	}
}

/* The key a source is counted by: an IPv4 address, or an IPv6 /64 (what one host gets). */
static size_t
tcp_src_key_len(const struct tcp_client *cl)
{
	return cl->addr_len == 16 ? 8 : cl->addr_len;
}

static unsigned
tcp_src_hash(const struct tcp_client *cl)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t n = tcp_src_key_len(cl);

	for (size_t i = 0; i < n; i++)
		h = (h ^ cl->addr[i]) * 16777619u;
	h ^= (uint32_t)n;
	return h & (TCP_SRC_BUCKETS - 1);
}

static bool
tcp_src_same(const struct tcp_client *a, const struct tcp_client *b)
{
	return a->addr_len == b->addr_len && memcmp(a->addr, b->addr, tcp_src_key_len(a)) == 0;
}

/* Connections open from @cl's source (@cl itself not yet counted). */
static uint32_t
tcp_src_count(const struct tcp_table *t, const struct tcp_client *cl)
{
	uint32_t n = 0;

	for (const struct tcp_client *o = t->src[tcp_src_hash(cl)]; o != NULL; o = o->src_next)
		n += tcp_src_same(o, cl);
	return n;
}

static void
tcp_src_unlink(struct tcp_table *t, struct tcp_client *cl)
{
	struct tcp_client **pp = &t->src[tcp_src_hash(cl)];

	while (*pp != NULL && *pp != cl)
		pp = &(*pp)->src_next;
	if (*pp == cl)
		*pp = cl->src_next;
	cl->src_next = NULL;
}

static void
tcp_msg_unlink(struct tcp_table *t, struct tcp_client *cl)
{
	if (cl->msg_ms == 0)
		return;
	if (cl->msg_prev != NULL)
		cl->msg_prev->msg_next = cl->msg_next;
	else
		t->msg_oldest = cl->msg_next;
	if (cl->msg_next != NULL)
		cl->msg_next->msg_prev = cl->msg_prev;
	else
		t->msg_newest = cl->msg_prev;
	cl->msg_prev = cl->msg_next = NULL;
	cl->msg_ms = 0;
}

void
tcp_table_msg_track(struct tcp_table *t, struct tcp_client *cl, uint64_t now, bool new_head)
{
	if (!tcp_conn_partial(&cl->conn)) {
		tcp_msg_unlink(t, cl);
		return;
	}
	if (cl->msg_ms != 0 && !new_head)
		return;
	tcp_msg_unlink(t, cl);
	cl->msg_ms = now != 0 ? now : 1;
	cl->msg_prev = t->msg_newest;
	cl->msg_next = NULL;
	if (t->msg_newest != NULL)
		t->msg_newest->msg_next = cl;
	else
		t->msg_oldest = cl;
	t->msg_newest = cl;
}

void
tcp_table_backlog_add(struct tcp_table *t, struct tcp_client *cl)
{
	if (cl->backlog)
		return;
	cl->backlog = true;
	cl->bl_next = t->backlog;
	t->backlog = cl;
}

struct tcp_client *
tcp_table_backlog_take(struct tcp_table *t)
{
	struct tcp_client *bl = t->backlog;

	t->backlog = NULL;
	return bl;
}

static void
tcp_backlog_unlink(struct tcp_table *t, struct tcp_client *cl)
{
	struct tcp_client **pp = &t->backlog;

	if (!cl->backlog)
		return;
	while (*pp != NULL && *pp != cl)
		pp = &(*pp)->bl_next;
	if (*pp == cl)
		*pp = cl->bl_next;
	cl->bl_next = NULL;
	cl->backlog = false;
}

void
tcp_table_close(struct tcp_table *t, struct tcp_client *cl)
{
	tcp_idle_unlink(t, cl);
	tcp_msg_unlink(t, cl);
	tcp_src_unlink(t, cl);
	tcp_backlog_unlink(t, cl);
	/* Closing the only descriptor also removes it from the epoll set. */
	close(cl->ep.fd);
	tcp_conn_fini(&cl->conn);
	free(cl);
	t->nclients--;
}

void
tcp_table_close_all(struct tcp_table *t)
{
	while (t->oldest != NULL)
		tcp_table_close(t, t->oldest);
}

/*
 * Whom a new connection replaces when the table is full: the least recently
 * active idle one (nothing half received, nothing unsent), among the
 * TCP_EVICT_SCAN least recently active; failing that, the least recently
 * active of all, since a full table of busy clients must not lock everyone
 * else out either.
 */
static struct tcp_client *
tcp_victim(struct tcp_table *t)
{
	struct tcp_client *cl = t->oldest;

	for (unsigned i = 0; cl != NULL && i < TCP_EVICT_SCAN; i++, cl = cl->next)
		if (cl->conn.in_len == 0 && !tcp_conn_pending(&cl->conn))
			return cl;
	return t->oldest;
}

bool
tcp_table_admit(struct tcp_table *t, struct tcp_client *cl)
{
	if (t->max_per_source != 0 && cl->addr_len != 0 &&
	    tcp_src_count(t, cl) >= t->max_per_source) {
		t->refused_source++;
		return false;
	}
	if (t->nclients >= t->max_clients) {
		struct tcp_client *victim = tcp_victim(t);

		if (victim == NULL) {
			t->refused++;
			return false;
		}
		t->evicted++;
		tcp_table_close(t, victim);
	}
	return true;
}

void
tcp_table_insert(struct tcp_table *t, struct tcp_client *cl, uint64_t now)
{
	cl->last_ms = now;
	tcp_idle_append(t, cl);
	if (cl->addr_len != 0) {
		unsigned b = tcp_src_hash(cl);

		cl->src_next = t->src[b];
		t->src[b] = cl;
	}
	t->nclients++;
	t->accepted++;
}

uint64_t
tcp_table_expire(struct tcp_table *t, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	/* An idle timeout of 0 means none. */
	while (t->idle_ms != 0 && t->oldest != NULL && now - t->oldest->last_ms >= t->idle_ms) {
		t->timed_out++;
		tcp_table_close(t, t->oldest);
	}
	/* A message must arrive whole within io_ms of its first octet, however it trickles. */
	while (t->io_ms != 0 && t->msg_oldest != NULL && now - t->msg_oldest->msg_ms >= t->io_ms) {
		t->io_timed_out++;
		tcp_table_close(t, t->msg_oldest);
	}
	if (t->idle_ms != 0 && t->oldest != NULL)
		next = t->oldest->last_ms + t->idle_ms;
	if (t->io_ms != 0 && t->msg_oldest != NULL && t->msg_oldest->msg_ms + t->io_ms < next)
		next = t->msg_oldest->msg_ms + t->io_ms;
	return next;
}
