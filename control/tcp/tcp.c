/* SPDX-License-Identifier: BSD-3-Clause */
/* The DNS over TCP listener: one epoll thread, a QSBR reader only while it answers. */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/dnstap_log.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/svc_addr.h"
#include "swerve/tcp.h"
#include "swerve/worker.h"
#include "tcp_table.h"

#define TCP_PORT 53

/* Pending connections per listening socket; the kernel caps it at somaxconn. */
#define TCP_BACKLOG 128

/* Events taken per epoll_wait(): enough to batch a busy second, small on the stack. */
#define TCP_EVENTS 64

/*
 * How long to stop accepting after the process ran out of descriptors or
 * memory: the listening socket stays readable, so retrying at once would
 * spin. A tenth of a second lets idle connections expire meanwhile.
 */
#define TCP_ACCEPT_PAUSE_MS 100

/*
 * The listener. Everything below is set by tcp_listener_start() before the
 * thread exists and read or changed only by that thread until
 * tcp_listener_stop() has joined it.
 */
static struct {
	bool running;
	pthread_t thread;
	int epfd;
	struct tcp_ep wake; /* An eventfd: written once to stop the thread. */
	struct tcp_ep *lsn; /* One listening socket per service address. */
	size_t nlsn;
	bool accept_paused;
	uint64_t accept_resume_ms;
	struct tcp_table tab; /* The client connections and their limits. */
	uint32_t max_pipelined;
	struct rrt_root *root;
	struct worker_settings_root *settings; /* The engine's settings and our limits. */
	uint64_t settings_gen;		       /* The block the limits were taken from. */
	uint8_t *scratch; /* TCP_MSG_MAX octets for the response being built. */
	/*
	 * NOTIFY goes here when set (the secondary module). Under notify_mu: a
	 * configuration reload replaces the module while this thread runs, and
	 * NOTIFY over TCP is rare enough that a lock costs nothing.
	 */
	pthread_mutex_t notify_mu;
	tcp_notify_fn notify_fn;
	void *notify_arg;

	/* Counters, for the log at stop (the table counts connections). */
	uint64_t dropped, queries;
} tl = {.epfd = -1, .wake = {.kind = TCP_EP_WAKE, .fd = -1}, .notify_mu = PTHREAD_MUTEX_INITIALIZER};

static uint64_t
tcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether @query is a NOTIFY request (opcode 4, QR clear): the engine would only say NOTIMP. */
static bool
tcp_is_notify(const uint8_t *query, size_t qlen)
{
	return qlen >= 12 && (query[2] & 0x80) == 0 && ((query[2] >> 3) & 0xf) == 4;
}

/* Hand a NOTIFY to the hook with the peer's address, which is all it checks the sender by. */
static size_t
tcp_notify(const struct tcp_client *cl, const uint8_t *query, size_t qlen, uint8_t *resp,
	   size_t cap)
{
	struct sockaddr_storage from;
	size_t n;

	memset(&from, 0, sizeof(from));
	if (cl->addr_len == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&from;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, cl->addr, 4);
	} else if (cl->addr_len == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&from;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, cl->addr, 16);
	} else {
		/* An unknown sender cannot be matched to a primary: refuse by closing. */
		return 0;
	}
	n = 0;
	pthread_mutex_lock(&tl.notify_mu);
	if (tl.notify_fn != NULL)
		n = tl.notify_fn(tl.notify_arg, query, qlen, (const struct sockaddr *)&from, resp,
				 cap);
	pthread_mutex_unlock(&tl.notify_mu);
	return n;
}

/*
 * Answer one query. The thread is a QSBR reader online only here: the table
 * pointer is loaded, used and forgotten inside this call.
 */
static size_t
tcp_answer(void *arg, const uint8_t *query, size_t qlen, uint8_t *resp, size_t cap)
{
	const struct tcp_client *cl = arg;
	struct dnsq_client client;
	struct dnsq_info info;
	size_t n;

	if (__atomic_load_n(&tl.notify_fn, __ATOMIC_RELAXED) != NULL && tcp_is_notify(query, qlen)) {
		tl.queries++;
		return tcp_notify(cl, query, qlen, resp, cap);
	}
	memcpy(client.addr, cl->addr, sizeof(client.addr));
	client.addr_len = cl->addr_len;
	client.now = (uint32_t)time(NULL);
	rcu_thread_online();
	n = dnsq_answer(rrt_current(tl.root), &rcu_dereference(tl.settings->cur)->dconf,
			cl->addr_len != 0 ? &client : NULL, query,
			qlen, resp, cap, DNSQ_TCP, &info);
	rcu_thread_offline();
	tl.queries++;
	dnstap_tcp(cl->conn.fd, query, qlen, resp, n); /* Returns at once while off (docs/dnstap.md). */
	return n;
}

/* Register the interest @cl has now: input unless held back, output while any is unsent. */
static int
tcp_client_rearm(struct tcp_client *cl)
{
	struct epoll_event ev = {.data.ptr = &cl->ep};

	if (tcp_conn_wants_input(&cl->conn))
		ev.events |= EPOLLIN;
	if (tcp_conn_pending(&cl->conn))
		ev.events |= EPOLLOUT;
	if (ev.events == 0 && !tcp_conn_has_query(&cl->conn))
		return -ECONNRESET; /* Closed by the client and everything answered. */
	if (ev.events == cl->events)
		return 0;
	if (epoll_ctl(tl.epfd, EPOLL_CTL_MOD, cl->ep.fd, &ev) < 0)
		return -errno;
	cl->events = ev.events;
	return 0;
}

/*
 * Serve @cl after epoll reported @events: read what came, answer complete
 * queries in order, write; repeat while writing frees room for answers
 * that were held back. Closes the connection on EOF or any error.
 */
static void
tcp_client_event(struct tcp_client *cl, uint32_t events, uint64_t now)
{
	struct tcp_conn *c = &cl->conn;
	int ret = 0, n, w;
	bool answered = false;

	if (events & EPOLLIN && tcp_conn_wants_input(c)) {
		ret = tcp_conn_read(c);
		if (ret > 0)
			tcp_table_touch(&tl.tab, cl, now);
		else if (ret == -EAGAIN || ret == -ENOBUFS)
			ret = 0;
		if (ret < 0)
			goto close;
	}
	/* One turn: at most max_pipelined answers, then the others are served first. */
	n = tcp_conn_process(c, tcp_answer, cl, tl.scratch, tl.max_pipelined);
	if (n < 0) {
		tl.dropped++;
		goto close;
	}
	answered = n > 0;
	w = tcp_conn_flush(c);
	if (w > 0)
		tcp_table_touch(&tl.tab, cl, now);
	else if (w < 0 && w != -EAGAIN)
		goto close;
	tcp_table_msg_track(&tl.tab, cl, now, answered);
	if (tcp_conn_has_query(c) && !tcp_conn_pending(c))
		tcp_table_backlog_add(&tl.tab, cl);
	if (events & (EPOLLERR | EPOLLHUP) && !tcp_conn_pending(c) && !(events & EPOLLIN))
		goto close;
	if (tcp_client_rearm(cl) == 0)
		return;
close:
	tcp_table_close(&tl.tab, cl);
}

/* Stop or resume epoll interest in every listening socket. */
static void
tcp_accept_pause(bool pause, uint64_t now)
{
	for (size_t i = 0; i < tl.nlsn; i++) {
		struct epoll_event ev = {.events = pause ? 0 : EPOLLIN, .data.ptr = &tl.lsn[i]};

		epoll_ctl(tl.epfd, EPOLL_CTL_MOD, tl.lsn[i].fd, &ev);
	}
	tl.accept_paused = pause;
	tl.accept_resume_ms = now + TCP_ACCEPT_PAUSE_MS;
}

/* The peer's address as server cookies see it: an IPv4-mapped IPv6 address is IPv4. */
static void
tcp_client_addr(struct tcp_client *cl, const struct sockaddr_storage *ss)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (ss->ss_family == AF_INET) {
		memcpy(cl->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		cl->addr_len = 4;
	} else if (ss->ss_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;

		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			memcpy(cl->addr, a + 12, 4);
			cl->addr_len = 4;
		} else {
			memcpy(cl->addr, a, 16);
			cl->addr_len = 16;
		}
	}
}

/*
 * Accept every pending connection on @lsn. Over the per-source limit they
 * are closed at once; a full table makes room by closing an idle one.
 */
static void
tcp_accept(struct tcp_ep *lsn, uint64_t now)
{
	struct tcp_client *cl;
	struct epoll_event ev;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(lsn->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				sw_warn("tcp: cannot accept: %s; pausing", strerror(errno));
				tcp_accept_pause(true, now);
			}
			return;
		}
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL) {
			close(fd);
			continue;
		}
		tcp_client_addr(cl, &ss);
		if (!tcp_table_admit(&tl.tab, cl)) {
			close(fd);
			free(cl);
			continue;
		}
		/* Each answer leaves in one write; Nagle would hold a pipelined one for an ACK. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		cl->ep.kind = TCP_EP_CLIENT;
		cl->ep.fd = fd;
		cl->events = EPOLLIN;
		tcp_conn_init(&cl->conn, fd);
		ev.events = EPOLLIN;
		ev.data.ptr = &cl->ep;
		if (epoll_ctl(tl.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(cl);
			continue;
		}
		tcp_table_insert(&tl.tab, cl, now);
	}
}

/*
 * Close connections past their idle or message deadline and resume a paused
 * accept when its time has come; returns the epoll timeout until the next deadline.
 */
static int
tcp_expire(uint64_t now)
{
	uint64_t next = tcp_table_expire(&tl.tab, now);

	if (tl.accept_paused) {
		if (now >= tl.accept_resume_ms)
			tcp_accept_pause(false, now);
		else if (tl.accept_resume_ms < next)
			next = tl.accept_resume_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

/*
 * The limits of the settings block a reload published, taken between two
 * waits: connections open stay, and the new limits apply from the next
 * accept and the next turn. Briefly online to read the block.
 */
static void
tcp_settings_sync(void)
{
	const struct worker_settings *ws;

	rcu_thread_online();
	ws = rcu_dereference(tl.settings->cur);
	if (ws->gen != tl.settings_gen) {
		tl.tab.max_clients = ws->tcp_max_clients;
		tl.tab.idle_ms = ws->tcp_idle_ms;
		tl.tab.io_ms = ws->tcp_io_ms;
		tl.tab.max_per_source = ws->tcp_max_per_source;
		tl.max_pipelined = ws->tcp_max_pipelined;
		tl.settings_gen = ws->gen;
	}
	rcu_thread_offline();
}

static void *
tcp_thread(void *arg)
{
	struct epoll_event evs[TCP_EVENTS];
	bool stop = false;
	int timeout = -1;

	(void)arg;
	rcu_register_thread();
	/* Offline while waiting: a writer's grace period must not wait for epoll. */
	rcu_thread_offline();
	while (!stop) {
		int n = epoll_wait(tl.epfd, evs, TCP_EVENTS, timeout);
		uint64_t now = tcp_now_ms();

		if (n < 0 && errno != EINTR) {
			sw_err("tcp: epoll_wait: %s", strerror(errno));
			break;
		}
		tcp_settings_sync();
		for (int i = 0; i < n; i++) {
			struct tcp_ep *ep = evs[i].data.ptr;

			switch (ep->kind) {
			case TCP_EP_WAKE:
				stop = true;
				break;
			case TCP_EP_LISTEN:
				tcp_accept(ep, now);
				break;
			case TCP_EP_CLIENT:
				tcp_client_event((struct tcp_client *)ep, evs[i].events, now);
				break;
			}
		}
		/* Connections with queries left from their last turn get another one. */
		if (!stop && tl.tab.backlog != NULL) {
			struct tcp_client *bl = tcp_table_backlog_take(&tl.tab);

			while (bl != NULL) {
				struct tcp_client *next = bl->bl_next;

				bl->bl_next = NULL;
				bl->backlog = false;
				tcp_client_event(bl, 0, now);
				bl = next;
			}
		}
		timeout = tcp_expire(now);
		if (tl.tab.backlog != NULL)
			timeout = 0;
	}
	tcp_table_close_all(&tl.tab);
	rcu_unregister_thread();
	return NULL;
}

/* A non-blocking socket listening on TCP/53 of @a, bound even before the address exists. */
static int
tcp_listen_one(const struct svc_addr *a)
{
	char text[INET6_ADDRSTRLEN];
	int fd, ret;

	fd = svc_addr_bind(a, SOCK_STREAM, TCP_PORT);
	if (fd >= 0 && listen(fd, TCP_BACKLOG) == 0)
		return fd;
	ret = fd < 0 ? fd : -errno;
	if (fd >= 0)
		close(fd);
	inet_ntop(a->family, a->family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6,
		  text, sizeof(text));
	sw_err("tcp: cannot listen on %s port %d: %s", text, TCP_PORT, strerror(-ret));
	return ret;
}

/* Close what tcp_listener_start() opened. The thread is not running. */
static void
tcp_release(void)
{
	for (size_t i = 0; i < tl.nlsn; i++)
		if (tl.lsn[i].fd >= 0)
			close(tl.lsn[i].fd);
	free(tl.lsn);
	tl.lsn = NULL;
	tl.nlsn = 0;
	if (tl.wake.fd >= 0)
		close(tl.wake.fd);
	tl.wake.fd = -1;
	if (tl.epfd >= 0)
		close(tl.epfd);
	tl.epfd = -1;
	free(tl.scratch);
	tl.scratch = NULL;
}

void
tcp_listener_set_notify(tcp_notify_fn fn, void *arg)
{
	pthread_mutex_lock(&tl.notify_mu);
	__atomic_store_n(&tl.notify_fn, fn, __ATOMIC_RELAXED);
	tl.notify_arg = arg;
	pthread_mutex_unlock(&tl.notify_mu);
}

int
tcp_listener_start(const struct swerve_config *cfg, struct rrt_root *root,
		   struct worker_settings_root *settings)
{
	struct epoll_event ev;
	sigset_t all, old;
	int ret;

	if (tl.running)
		return -EALREADY;
	if (cfg == NULL || root == NULL || settings == NULL || settings->cur == NULL ||
	    cfg->naddrs == 0)
		return -EINVAL;
	tl.root = root;
	tl.settings = settings;
	/* The first block's limits; the thread takes those of later ones (tcp_settings_sync()). */
	tcp_table_reset(&tl.tab, settings->cur->tcp_max_clients, settings->cur->tcp_idle_ms,
			settings->cur->tcp_io_ms, settings->cur->tcp_max_per_source);
	tl.max_pipelined = settings->cur->tcp_max_pipelined;
	tl.settings_gen = settings->cur->gen;
	tl.accept_paused = false;
	tl.dropped = tl.queries = 0;

	tl.scratch = malloc(TCP_MSG_MAX);
	tl.lsn = calloc(cfg->naddrs, sizeof(*tl.lsn));
	if (tl.scratch == NULL || tl.lsn == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	tl.epfd = epoll_create1(EPOLL_CLOEXEC);
	tl.wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tl.epfd < 0 || tl.wake.fd < 0) {
		ret = -errno;
		goto fail;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &tl.wake;
	if (epoll_ctl(tl.epfd, EPOLL_CTL_ADD, tl.wake.fd, &ev) < 0) {
		ret = -errno;
		goto fail;
	}
	for (size_t i = 0; i < cfg->naddrs; i++) {
		tl.lsn[i].kind = TCP_EP_LISTEN;
		tl.lsn[i].fd = tcp_listen_one(&cfg->addrs[i]);
		tl.nlsn = i + 1;
		if (tl.lsn[i].fd < 0) {
			ret = tl.lsn[i].fd;
			goto fail;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &tl.lsn[i];
		if (epoll_ctl(tl.epfd, EPOLL_CTL_ADD, tl.lsn[i].fd, &ev) < 0) {
			ret = -errno;
			goto fail;
		}
	}

	/* The thread inherits a mask blocking every signal: they are the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&tl.thread, NULL, tcp_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret < 0)
		goto fail;
	pthread_setname_np(tl.thread, "swerve-tcp");
	tl.running = true;
	sw_info("tcp: listening on %zu address(es), port %d, up to %u clients (%u per source), "
		"idle %u ms, a message within %u ms, %u pipelined per turn",
		tl.nlsn, TCP_PORT, tl.tab.max_clients, tl.tab.max_per_source, tl.tab.idle_ms,
		tl.tab.io_ms, tl.max_pipelined);
	return 0;

fail:
	tcp_release();
	return ret;
}

void
tcp_listener_stop(void)
{
	uint64_t one = 1;

	if (!tl.running)
		return;
	if (write(tl.wake.fd, &one, sizeof(one)) != sizeof(one))
		sw_err("tcp: cannot wake the listener: %s", strerror(errno));
	pthread_join(tl.thread, NULL);
	tl.running = false;
	tcp_release();
	sw_info("tcp: stopped; %" PRIu64 " connections, %" PRIu64 " refused over the limit, %" PRIu64
		" over the per-source limit, %" PRIu64 " closed to make room, %" PRIu64
		" timed out idle, %" PRIu64 " past the message deadline, %" PRIu64
		" queries, %" PRIu64 " dropped",
		tl.tab.accepted, tl.tab.refused, tl.tab.refused_source, tl.tab.evicted,
		tl.tab.timed_out, tl.tab.io_timed_out, tl.queries, tl.dropped);
}
