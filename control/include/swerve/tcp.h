/* SPDX-License-Identifier: BSD-3-Clause */
/* DNS over TCP (RFC 7766) on the service addresses, answered from the RCU table by one thread. */

#ifndef SWERVE_TCP_H
#define SWERVE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dnsq_conf;
struct sockaddr;
struct rrt_root;
struct swerve_config;

/*
 * Listen on TCP port 53 of every service address (cfg->addrs) and answer
 * from @root with the engine settings of @settings, in a thread of its own. The sockets bind with
 * IP_FREEBIND, so the exception interface need not carry the addresses yet.
 * The thread registers as a QSBR reader and is online only while it answers
 * a query; it never keeps a table pointer across epoll_wait(). Limits:
 * cfg->tcp_max_clients connections: when they are all taken, a new one
 * closes the least recently active idle one (no message half received, no
 * answer unsent; failing that, the least recently active of all);
 * cfg->tcp_max_per_source connections from one IPv4 address or IPv6 /64
 * (more are accepted and closed at once; 0: no limit);
 * cfg->tcp_idle_ms without progress closes a connection (0: never);
 * cfg->tcp_io_ms from the first octet of a message to its last closes it
 * too, however steadily the octets trickle in (0: no limit);
 * cfg->tcp_max_pipelined answers per connection before the others get
 * their turn (0: no bound).
 * The limits and the engine's settings come from @settings (struct
 * worker_settings: tcp_* and dconf), taken again whenever a reload
 * publishes a new block. @cfg is read here only (the addresses).
 * @root and @settings must outlive tcp_listener_stop().
 * Returns 0, or a negative code (nothing is left running).
 * Thread: the main lcore (control thread), once.
 */
struct worker_settings_root;
int tcp_listener_start(const struct swerve_config *cfg, struct rrt_root *root,
		       struct worker_settings_root *settings);

/*
 * A NOTIFY (opcode 4, QR=0) that came over TCP, as Knot 3 sends them: the
 * answer engine cannot act on it, so the listener hands it here, on its own
 * thread, with the client's address (port 0: the connection's port says
 * nothing about the sender). Returns the reply's length in @resp (room for
 * @cap), or 0 for no reply, which closes the connection like any query that
 * cannot be answered.
 */
typedef size_t (*tcp_notify_fn)(void *arg, const uint8_t *msg, size_t len,
				const struct sockaddr *from, uint8_t *resp, size_t cap);

/*
 * Hand NOTIFY over TCP to @fn (NULL: answer it with the engine, NOTIMP).
 * May be called while the thread runs (a configuration reload replaces the
 * secondary module): once it returns, no call to the previous @fn is in
 * progress or will start, so its @arg may go.
 */
void tcp_listener_set_notify(tcp_notify_fn fn, void *arg);

/* Stop the thread, join it and close every socket. Safe when never started. */
void tcp_listener_stop(void);

/*
 * Connection framing (control/tcp/tcp_conn.c), used by the listener and exposed
 * for the unit test. A connection carries two-octet length-prefixed DNS
 * messages each way; queries are answered one after the other, in order, so
 * pipelined queries get their answers in the order they were sent.
 */

/* Largest DNS message: the length prefix is 16 bits. */
#define TCP_MSG_MAX 65535

/*
 * Stop answering while this much output is still unsent: a client that
 * pipelines queries but does not read cannot make us buffer without bound.
 */
#define TCP_OUT_HIGH 16384

/* Answer @qlen octets of @query into @resp (room for @cap); 0 means drop the connection. */
typedef size_t (*tcp_answer_fn)(void *arg, const uint8_t *query, size_t qlen, uint8_t *resp,
				size_t cap);

/* The framing state of one client connection. Owned by the listener thread. */
struct tcp_conn {
	int fd;		/* The socket, non-blocking. */
	bool eof;	/* The client closed its side: answer what is complete, flush, close. */
	uint8_t *in;	/* Received octets not yet answered: length prefix + message, repeated. */
	size_t in_len;	/* Octets in in[]. */
	size_t in_cap;	/* Size of in[]; grows to hold the largest message seen. */
	uint8_t *out;	/* Framed responses waiting for the socket. */
	size_t out_off; /* First unsent octet of out[]. */
	size_t out_len; /* End of the data in out[]. */
	size_t out_cap; /* Size of out[]. */
	uint64_t answered; /* Queries answered on this connection. */
};

/* Start framing on socket @fd (buffers are allocated on first use). */
void tcp_conn_init(struct tcp_conn *c, int fd);

/* Free @c's buffers; does not close the socket. */
void tcp_conn_fini(struct tcp_conn *c);

/*
 * Read what the socket has, into room for at least the next message.
 * Returns the number of octets read (0 when the client closed, setting
 * c->eof), -EAGAIN when nothing was there, -ENOBUFS when complete queries
 * fill the buffer (answer them first), or another negative code for a
 * broken connection.
 */
int tcp_conn_read(struct tcp_conn *c);

/* Append @len octets as if received (for tests and callers that read elsewhere). 0 or -ENOMEM. */
int tcp_conn_feed(struct tcp_conn *c, const uint8_t *data, size_t len);

/*
 * Answer the complete queries in c->in, in order, with @answer, while the
 * unsent output stays under TCP_OUT_HIGH, and at most @max of them (0: no
 * bound) so that one pipelining client cannot keep the others waiting.
 * @scratch (TCP_MSG_MAX octets) is where @answer writes; only the
 * response's length is kept per connection.
 * Returns the number answered, or a negative code: -EPROTO when @answer
 * dropped a query (the connection must close), -ENOMEM.
 */
int tcp_conn_process(struct tcp_conn *c, tcp_answer_fn answer, void *arg, uint8_t *scratch,
		     unsigned max);

/* Write unsent output: returns octets written, -EAGAIN when the socket took none, or an error. */
int tcp_conn_flush(struct tcp_conn *c);

/* Whether @c has output the socket has not taken yet. */
static inline bool
tcp_conn_pending(const struct tcp_conn *c)
{
	return c->out_len > c->out_off;
}

/* Octets the message at the head of c->in needs, its prefix included (2 while that is partial). */
static inline size_t
tcp_conn_head_need(const struct tcp_conn *c)
{
	if (c->in_len < 2)
		return 2;
	return 2 + ((size_t)c->in[0] << 8 | c->in[1]);
}

/* Whether a complete query waits in c->in. */
static inline bool
tcp_conn_has_query(const struct tcp_conn *c)
{
	return c->in_len >= 2 && c->in_len >= tcp_conn_head_need(c);
}

/* Whether a message has begun to arrive but is not complete yet. */
static inline bool
tcp_conn_partial(const struct tcp_conn *c)
{
	return c->in_len > 0 && !tcp_conn_has_query(c);
}

/* Whether reading more from @c is useful now (not closed, and not held back by unsent output). */
static inline bool
tcp_conn_wants_input(const struct tcp_conn *c)
{
	return !c->eof && c->out_len - c->out_off < TCP_OUT_HIGH;
}

#endif /* SWERVE_TCP_H */
