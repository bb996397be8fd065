/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for DNS over TCP: the framing on its own, then the listener thread on loopback. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/rrt.h"
#include "swerve/tcp.h"
#include "swerve/worker.h"
#include "testutil.h"
#include "sock.h"
#include "skip.h"

/* ---- framing, with a stand-in answer function ---- */

/* How the stand-in answers: a response of @size octets (0: the query's size), or a drop. */
struct fake {
	size_t size;
	bool drop;
	unsigned calls;
};

/* The response echoes the query's first two octets (the ID) and numbers itself. */
static size_t
fake_answer(void *arg, const uint8_t *q, size_t qlen, uint8_t *resp, size_t cap)
{
	struct fake *f = arg;
	size_t n = f->size != 0 ? f->size : qlen;

	f->calls++;
	if (f->drop || qlen < 2)
		return 0;
	assert_true(n <= cap);
	memset(resp, 0xab, n);
	resp[0] = q[0];
	resp[1] = q[1];
	if (n > 2)
		resp[2] = (uint8_t)f->calls;
	return n;
}

/* Frame a "query" of @len octets whose ID is @id. */
static size_t
frame(uint8_t *buf, uint16_t id, size_t len)
{
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memset(buf + 2, 0x11, len);
	buf[2] = (uint8_t)(id >> 8);
	buf[3] = (uint8_t)id;
	return 2 + len;
}

/* Check the framed response at out[*off]: ID @id, length @len; advance *off. */
static void
expect_resp(const struct tcp_conn *c, size_t *off, uint16_t id, size_t len)
{
	const uint8_t *p = c->out + *off;

	assert_true(c->out_len - *off >= 2 + len);
	assert_int_equal((size_t)p[0] << 8 | p[1], len);
	assert_int_equal(p[2], id >> 8);
	assert_int_equal(p[3], id & 0xff);
	*off += 2 + len;
}

static uint8_t scratch[TCP_MSG_MAX];

static void
test_frame_whole_and_pipelined(void **state)
{
	struct fake f = {0};
	struct tcp_conn c;
	uint8_t buf[256];
	size_t n = 0, off = 0;

	(void)state;
	tcp_conn_init(&c, -1);
	n += frame(buf + n, 0x0101, 30);
	n += frame(buf + n, 0x0202, 40);
	n += frame(buf + n, 0x0303, 12);
	assert_int_equal(tcp_conn_feed(&c, buf, n), 0);
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 3);
	/* In the order sent. */
	expect_resp(&c, &off, 0x0101, 30);
	expect_resp(&c, &off, 0x0202, 40);
	expect_resp(&c, &off, 0x0303, 12);
	assert_int_equal(off, c.out_len);
	assert_int_equal(c.in_len, 0);
	assert_int_equal(c.answered, 3);
	tcp_conn_fini(&c);
}

static void
test_frame_partial(void **state)
{
	struct fake f = {0};
	struct tcp_conn c;
	uint8_t buf[256];
	size_t n, off = 0;

	(void)state;
	tcp_conn_init(&c, -1);
	n = frame(buf, 0x4242, 29);
	/* One octet at a time: nothing is answered until the message is whole. */
	for (size_t i = 0; i + 1 < n; i++) {
		assert_int_equal(tcp_conn_feed(&c, buf + i, 1), 0);
		assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 0);
	}
	assert_int_equal(f.calls, 0);
	assert_int_equal(tcp_conn_feed(&c, buf + n - 1, 1), 0);
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 1);
	expect_resp(&c, &off, 0x4242, 29);
	tcp_conn_fini(&c);
}

static void
test_frame_drop(void **state)
{
	struct fake f = {.drop = true};
	struct tcp_conn c;
	uint8_t buf[64];

	(void)state;
	tcp_conn_init(&c, -1);
	assert_int_equal(tcp_conn_feed(&c, buf, frame(buf, 1, 20)), 0);
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), -EPROTO);
	/* A zero-length message is dropped by the engine too: the stand-in drops under 2 octets. */
	f.drop = false;
	tcp_conn_fini(&c);
	tcp_conn_init(&c, -1);
	assert_int_equal(tcp_conn_feed(&c, (const uint8_t *)"\0\0", 2), 0);
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), -EPROTO);
	tcp_conn_fini(&c);
}

static void
test_frame_backpressure(void **state)
{
	struct fake f = {.size = 6000};
	struct tcp_conn c;
	uint8_t buf[20 * 40];
	size_t n = 0;
	int done;

	(void)state;
	tcp_conn_init(&c, -1);
	for (int i = 0; i < 20; i++)
		n += frame(buf + n, (uint16_t)i, 30);
	assert_int_equal(tcp_conn_feed(&c, buf, n), 0);
	/* Answers stop once TCP_OUT_HIGH octets wait: 16384 / 6002 -> 3 answers. */
	done = tcp_conn_process(&c, fake_answer, &f, scratch, 0);
	assert_int_equal(done, 3);
	assert_false(tcp_conn_wants_input(&c));
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 0);
	/* Pretend the socket took everything: the rest follows, in order. */
	c.out_off = c.out_len = 0;
	while (done < 20) {
		size_t off = 0;
		int k = tcp_conn_process(&c, fake_answer, &f, scratch, 0);

		assert_true(k > 0);
		expect_resp(&c, &off, (uint16_t)done, 6000);
		done += k;
		c.out_off = c.out_len = 0;
	}
	assert_int_equal(c.in_len, 0);
	tcp_conn_fini(&c);
}

static void
test_frame_socket(void **state)
{
	struct fake f = {.size = 60000};
	struct tcp_conn c;
	static uint8_t big[2 + 20000], got[2 * (2 + 60000)];
	size_t n, have = 0;
	int sv[2], sz = 4096;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	tcp_conn_init(&c, sv[0]);
	assert_int_equal(tcp_conn_read(&c), -EAGAIN);

	/* A query larger than the first buffer: the buffer grows to hold it. */
	n = frame(big, 0x7777, 20000);
	assert_int_equal(write(sv[1], big, n), (ssize_t)n);
	while (c.in_len < n) {
		int r = tcp_conn_read(&c);

		assert_true(r > 0 || r == -ENOBUFS);
	}
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 1);
	assert_int_equal(write(sv[1], big, n), (ssize_t)n);
	while (c.in_len < n)
		assert_true(tcp_conn_read(&c) > 0);
	/* The first answer is over TCP_OUT_HIGH: the second waits. */
	assert_int_equal(tcp_conn_process(&c, fake_answer, &f, scratch, 0), 0);

	/* Partial writes: drain the peer while flushing until both answers are out. */
	while (have < sizeof(got)) {
		int w = tcp_conn_flush(&c);
		ssize_t r;

		assert_true(w >= 0 || w == -EAGAIN);
		if (!tcp_conn_pending(&c))
			assert_true(tcp_conn_process(&c, fake_answer, &f, scratch, 0) >= 0);
		r = recv(sv[1], got + have, sizeof(got) - have, MSG_DONTWAIT);
		if (r > 0)
			have += (size_t)r;
	}
	assert_int_equal((size_t)got[0] << 8 | got[1], 60000);
	assert_int_equal(got[2], 0x77);
	assert_int_equal(got[4], 1);
	assert_int_equal((size_t)got[60002] << 8 | got[60003], 60000);
	assert_int_equal(got[60006], 2);
	assert_false(tcp_conn_pending(&c));

	/* The client closes: EOF is noted and input is no longer wanted. */
	close(sv[1]);
	assert_int_equal(tcp_conn_read(&c), 0);
	assert_true(c.eof);
	assert_false(tcp_conn_wants_input(&c));
	tcp_conn_fini(&c);
	close(sv[0]);
}

/* ---- the listener, answering from an empty root (every name REFUSED) ---- */

#define LSN_ADDR "127.83.0.53"

static struct rrt_root lsn_root;
static struct worker_settings lsn_ws = {.gen = 1, .dconf = {.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT}};
static struct worker_settings_root lsn_settings = {.cur = &lsn_ws};
static struct svc_addr lsn_addr;
static struct swerve_config lsn_cfg;
/* Extra limits for the next lsn_setup() (0: none); each test that sets them resets them. */
static uint32_t lsn_per_source, lsn_io_ms, lsn_pipelined;

static int
lsn_setup(uint32_t max_clients, uint32_t idle_ms)
{
	memset(&lsn_addr, 0, sizeof(lsn_addr));
	lsn_addr.family = AF_INET;
	inet_pton(AF_INET, LSN_ADDR, &lsn_addr.v4);
	lsn_addr.prefix = 32;
	memset(&lsn_cfg, 0, sizeof(lsn_cfg));
	lsn_cfg.addrs = &lsn_addr;
	lsn_cfg.naddrs = 1;
	lsn_cfg.tcp_max_clients = max_clients;
	lsn_cfg.tcp_idle_ms = idle_ms;
	lsn_cfg.tcp_max_per_source = lsn_per_source;
	lsn_cfg.tcp_io_ms = lsn_io_ms;
	lsn_cfg.tcp_max_pipelined = lsn_pipelined;
	lsn_ws.tcp_max_clients = lsn_cfg.tcp_max_clients;
	lsn_ws.tcp_idle_ms = lsn_cfg.tcp_idle_ms;
	lsn_ws.tcp_io_ms = lsn_cfg.tcp_io_ms;
	lsn_ws.tcp_max_per_source = lsn_cfg.tcp_max_per_source;
	lsn_ws.tcp_max_pipelined = lsn_cfg.tcp_max_pipelined;
	return tcp_listener_start(&lsn_cfg, &lsn_root, &lsn_settings);
}

/* Start the listener or skip the test where port 53 cannot be bound (not root, or taken); a
 * skip fails under CI (skip.h). */
#define LSN_START(max, idle)                                                                       \
	do {                                                                                       \
		int _r = lsn_setup((max), (idle));                                                 \
		if (_r == -EACCES || _r == -EPERM || _r == -EADDRINUSE)                            \
			TU_SKIP(_r == -EADDRINUSE ? "port 53 is taken"                             \
						  : "port 53 needs root");                         \
		assert_int_equal(_r, 0);                                                           \
	} while (0)

static int
lsn_connect(void)
{
	int fd = tu_tcp_connect(LSN_ADDR, 53, 3);

	assert_true(fd >= 0);
	return fd;
}

/* Append a framed query with ID @id to buf at *n. */
static void
lsn_query(uint8_t *buf, size_t *n, uint16_t id)
{
	struct tu_qopt o = {.id = id};
	size_t len = tu_query(buf + *n + 2, 512, "www.example.com", 1, &o);

	buf[*n] = (uint8_t)(len >> 8);
	buf[*n + 1] = (uint8_t)len;
	*n += 2 + len;
}

/* Read exactly @len octets, or fail the test. */
static void
lsn_read_all(int fd, uint8_t *buf, size_t len)
{
	assert_int_equal(tu_read_all(fd, buf, len), 0);
}

/* Read one framed response and check it answers ID @id. */
static void
lsn_expect(int fd, uint16_t id)
{
	uint8_t hdr[2], msg[TCP_MSG_MAX];
	size_t len;

	lsn_read_all(fd, hdr, 2);
	len = (size_t)hdr[0] << 8 | hdr[1];
	assert_true(len >= 12);
	lsn_read_all(fd, msg, len);
	assert_int_equal((unsigned)msg[0] << 8 | msg[1], id);
	assert_true(msg[2] & 0x80); /* QR */
}

/* Whether the server closed @fd within @ms: EOF or a reset, and no data. */
static bool
lsn_closed_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t b;

	if (poll(&p, 1, ms) != 1)
		return false;
	return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

static void
test_listener_pipelined(void **state)
{
	uint8_t buf[2048];
	size_t n = 0;
	int fd;

	(void)state;
	LSN_START(8, 5000);
	fd = lsn_connect();
	for (uint16_t id = 1; id <= 5; id++)
		lsn_query(buf, &n, (uint16_t)(id * 1111));
	/* Five queries in one write, then one split across two writes. */
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	for (uint16_t id = 1; id <= 5; id++)
		lsn_expect(fd, (uint16_t)(id * 1111));
	n = 0;
	lsn_query(buf, &n, 0xbeef);
	assert_int_equal(send(fd, buf, 7, 0), 7);
	usleep(50 * 1000);
	assert_int_equal(send(fd, buf + 7, n - 7, 0), (ssize_t)(n - 7));
	lsn_expect(fd, 0xbeef);

	/* Half-close after a query: the answer still comes, then the server closes. */
	n = 0;
	lsn_query(buf, &n, 0x5151);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	shutdown(fd, SHUT_WR);
	lsn_expect(fd, 0x5151);
	assert_true(lsn_closed_within(fd, 2000));
	close(fd);
	tcp_listener_stop();
}

static void
test_listener_idle_and_drop(void **state)
{
	uint8_t buf[64];
	size_t n = 0;
	int fd;

	(void)state;
	LSN_START(8, 300);
	fd = lsn_connect();
	/* Open, but quiet for longer than the idle timeout. */
	assert_false(lsn_closed_within(fd, 100));
	assert_true(lsn_closed_within(fd, 1500));
	close(fd);

	/* A message the engine drops (shorter than a header) closes the connection. */
	fd = lsn_connect();
	memcpy(buf, "\0\4abcd", 6);
	n = 6;
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	assert_true(lsn_closed_within(fd, 200));
	close(fd);
	tcp_listener_stop();
}

static void
test_listener_limit(void **state)
{
	uint8_t buf[600];
	size_t n;
	int fd[3];

	(void)state;
	LSN_START(2, 5000);
	for (int i = 0; i < 2; i++) {
		fd[i] = lsn_connect();
		n = 0;
		lsn_query(buf, &n, (uint16_t)(i + 1));
		assert_int_equal(send(fd[i], buf, n, 0), (ssize_t)n);
		lsn_expect(fd[i], (uint16_t)(i + 1));
	}
	/* The table is full: the third takes the place of the least recently active idle one. */
	fd[2] = lsn_connect();
	n = 0;
	lsn_query(buf, &n, 3);
	assert_int_equal(send(fd[2], buf, n, 0), (ssize_t)n);
	lsn_expect(fd[2], 3);
	assert_true(lsn_closed_within(fd[0], 1000));
	close(fd[0]);
	assert_false(lsn_closed_within(fd[1], 100));
	/* Stop with connections open: they are closed, the call returns. */
	tcp_listener_stop();
	assert_true(lsn_closed_within(fd[1], 1000));
	close(fd[1]);
	close(fd[2]);
	/* Stopping twice, and starting again, both work. */
	tcp_listener_stop();
	LSN_START(2, 5000);
	tcp_listener_stop();
}

/*
 * Issue 15, item 4: a client half-way through a message is not idle, but
 * when every slot holds one, a newcomer still gets in (the least recently
 * active goes); over the per-source limit a connection is closed at once.
 */
static void
test_listener_full_of_slow(void **state)
{
	uint8_t buf[600];
	size_t n = 0;
	int slow[4], fd, extra;

	(void)state;
	LSN_START(4, 5000);
	for (int i = 0; i < 4; i++) {
		slow[i] = lsn_connect();
		/* Two octets of a 300-octet message, then nothing. */
		assert_int_equal(send(slow[i], "\001\054", 2, 0), 2);
		usleep(20 * 1000);
	}
	fd = lsn_connect();
	lsn_query(buf, &n, 0x1234);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	lsn_expect(fd, 0x1234);
	assert_true(lsn_closed_within(slow[0], 1000));
	assert_false(lsn_closed_within(slow[3], 50));
	for (int i = 0; i < 4; i++)
		close(slow[i]);
	close(fd);
	tcp_listener_stop();

	/* Two per source: the third is closed at once, and there is room again when one goes. */
	lsn_per_source = 2;
	LSN_START(8, 5000);
	lsn_per_source = 0;
	slow[0] = lsn_connect();
	slow[1] = lsn_connect();
	extra = lsn_connect();
	assert_true(lsn_closed_within(extra, 1000));
	close(extra);
	assert_false(lsn_closed_within(slow[1], 50));
	close(slow[0]);
	usleep(100 * 1000);
	fd = lsn_connect();
	n = 0;
	lsn_query(buf, &n, 0x1235);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	lsn_expect(fd, 0x1235);
	close(fd);
	close(slow[1]);
	tcp_listener_stop();
}

/* A message must be whole within io-timeout-ms of its first octet, however steadily it trickles. */
static void
test_listener_message_deadline(void **state)
{
	uint8_t buf[600];
	size_t n = 0;
	bool closed = false;
	int fd;

	(void)state;
	lsn_io_ms = 400;
	LSN_START(8, 5000);
	lsn_io_ms = 0;
	fd = lsn_connect();
	lsn_query(buf, &n, 0x7777);
	/* One octet every 100 ms: each resets the idle timer, never the message deadline. */
	for (size_t i = 0; i < n && !closed; i++) {
		if (send(fd, buf + i, 1, MSG_NOSIGNAL) != 1)
			closed = true;
		else
			closed = lsn_closed_within(fd, 100);
	}
	assert_true(closed || lsn_closed_within(fd, 1000));
	close(fd);
	/* A whole message sent at once is unaffected, and so is a quiet but idle connection. */
	fd = lsn_connect();
	n = 0;
	lsn_query(buf, &n, 0x7778);
	usleep(600 * 1000);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	lsn_expect(fd, 0x7778);
	close(fd);
	tcp_listener_stop();
}

/* Pipelining is bounded per turn, not refused: every query is answered, in order. */
static void
test_listener_pipeline_bound(void **state)
{
	uint8_t buf[64 * 40];
	size_t n = 0;
	int fd, fd2;

	(void)state;
	lsn_pipelined = 3;
	LSN_START(8, 5000);
	lsn_pipelined = 0;
	fd = lsn_connect();
	fd2 = lsn_connect();
	for (uint16_t id = 1; id <= 40; id++)
		lsn_query(buf, &n, id);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	n = 0;
	lsn_query(buf, &n, 0x4242);
	assert_int_equal(send(fd2, buf, n, 0), (ssize_t)n);
	lsn_expect(fd2, 0x4242);
	for (uint16_t id = 1; id <= 40; id++)
		lsn_expect(fd, id);
	/* Pipelined, then half-closed: everything is still answered before the close. */
	n = 0;
	for (uint16_t id = 100; id < 110; id++)
		lsn_query(buf, &n, id);
	assert_int_equal(send(fd2, buf, n, 0), (ssize_t)n);
	shutdown(fd2, SHUT_WR);
	for (uint16_t id = 100; id < 110; id++)
		lsn_expect(fd2, id);
	assert_true(lsn_closed_within(fd2, 2000));
	close(fd);
	close(fd2);
	tcp_listener_stop();
}

/* What the NOTIFY hook saw, and whether it answers. */
struct hook {
	unsigned calls;
	bool silent;
	int family;
	uint8_t addr0;
};

/* A stand-in for the secondary module: a header-only NOERROR reply with QR set. */
static size_t
hook_notify(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
	    uint8_t *resp, size_t cap)
{
	struct hook *h = arg;

	h->calls++;
	h->family = from->sa_family;
	if (from->sa_family == AF_INET)
		h->addr0 = (uint8_t)(ntohl(((const struct sockaddr_in *)from)->sin_addr.s_addr) >> 24);
	if (h->silent || len < 12 || cap < 12)
		return 0;
	memcpy(resp, msg, 12);
	resp[2] |= 0x80;
	resp[3] = 0;
	memset(resp + 4, 0, 8);
	return 12;
}

/* Send a NOTIFY (a query with opcode 4) with ID @id; return the response's flags. */
static uint16_t
lsn_notify(int fd, uint16_t id)
{
	uint8_t buf[600], hdr[2], msg[TCP_MSG_MAX];
	size_t n = 0, len;

	lsn_query(buf, &n, id);
	buf[4] = (uint8_t)((buf[4] & 0x87) | 4 << 3);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	lsn_read_all(fd, hdr, 2);
	len = (size_t)hdr[0] << 8 | hdr[1];
	assert_true(len >= 12);
	lsn_read_all(fd, msg, len);
	assert_int_equal((unsigned)msg[0] << 8 | msg[1], id);
	return (uint16_t)(msg[2] << 8 | msg[3]);
}

static void
test_listener_notify(void **state)
{
	struct hook h = {0};
	uint8_t buf[600];
	size_t n = 0;
	uint16_t fl;
	int fd;

	(void)state;
	/* Without a hook the engine answers NOTIFY over TCP: NOTIMP. */
	tcp_listener_set_notify(NULL, NULL);
	LSN_START(8, 5000);
	fd = lsn_connect();
	fl = lsn_notify(fd, 0x4e01);
	assert_int_equal(fl & 0xf, 4);
	close(fd);
	tcp_listener_stop();

	/* With one, the hook answers it and gets the peer's address; other queries still reach the engine. */
	tcp_listener_set_notify(hook_notify, &h);
	LSN_START(8, 5000);
	fd = lsn_connect();
	fl = lsn_notify(fd, 0x4e02);
	assert_int_equal(h.calls, 1);
	assert_true(fl & 0x8000);
	assert_int_equal((fl >> 11) & 0xf, 4);
	assert_int_equal(fl & 0xf, 0);
	assert_int_equal(h.family, AF_INET);
	assert_int_equal(h.addr0, 127);
	lsn_query(buf, &n, 0x0a0a);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	lsn_expect(fd, 0x0a0a);
	assert_int_equal(h.calls, 1);

	/* A hook with nothing to say closes the connection, like a dropped query. */
	h.silent = true;
	n = 0;
	lsn_query(buf, &n, 0x4e03);
	buf[4] = (uint8_t)((buf[4] & 0x87) | 4 << 3);
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
	assert_true(lsn_closed_within(fd, 1000));
	assert_int_equal(h.calls, 2);
	close(fd);
	tcp_listener_stop();
	tcp_listener_set_notify(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_whole_and_pipelined),
		cmocka_unit_test(test_frame_partial),
		cmocka_unit_test(test_frame_drop),
		cmocka_unit_test(test_frame_backpressure),
		cmocka_unit_test(test_frame_socket),
		cmocka_unit_test(test_listener_pipelined),
		cmocka_unit_test(test_listener_idle_and_drop),
		cmocka_unit_test(test_listener_limit),
		cmocka_unit_test(test_listener_full_of_slow),
		cmocka_unit_test(test_listener_message_deadline),
		cmocka_unit_test(test_listener_pipeline_bound),
		cmocka_unit_test(test_listener_notify),
	};

	return tu_skip_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
