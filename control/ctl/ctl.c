/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket server: accepts operators' connections and runs their JSON line requests. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/log.h"

#include "ctl_listen.h"
#include "ctl_request.h"

/*
 * Output limits. While more than CTL_OUT_HIGH bytes of replies wait for a
 * client to read them, its further requests are not read (back-pressure
 * instead of buffering). CTL_OUT_MAX bounds what one client can make us hold
 * at all: a single reply (a large zone-list) may exceed the high-water mark,
 * but a client that never reads cannot grow us past this; it is closed.
 */
#define CTL_OUT_HIGH (256 * 1024)
#define CTL_OUT_MAX  (16 * 1024 * 1024)

/* Connections accepted per wake-up, so a connection storm cannot starve the rest of the loop. */
#define CTL_ACCEPT_BATCH 32

/* When accept() runs out of descriptors, the listener rests this long instead of spinning. */
#define CTL_ACCEPT_PAUSE_MS 1000

static const char ctl_idle_msg[] = "{\"ok\":false,\"error\":\"idle timeout\"}\n";

struct ctl;

/* One operator connection. Freed only by ctl_client_finish(), at the end of an entry point. */
struct ctl_client {
	TAILQ_ENTRY(ctl_client) link;
	struct ctl *c;
	int fd;
	uint64_t id;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint32_t events; /* What the loop watches for this fd now. */
	/* Request bytes: [in_off, in_len) not yet processed; CTL_LINE_MAX capacity. */
	char *in;
	size_t in_off;
	size_t in_len;
	/* Reply bytes: [out_off, out_len) not yet sent. Always whole lines. */
	char *out;
	size_t out_off;
	size_t out_len;
	size_t out_cap;
	bool waiting;	  /* A deferred request is in flight: later lines wait. */
	bool dispatching; /* Inside a handler (a deferred reply may arrive synchronously). */
	json_t *early;	  /* A deferred reply delivered before its handler returned. */
	bool early_ok;
	bool rd_eof; /* The peer shut down its side: answer what is complete, then close. */
	bool close_after_flush;
	bool dead; /* Close at the end of the current entry point. */
	struct evloop_timer idle;
};

TAILQ_HEAD(ctl_client_list, ctl_client);

struct ctl {
	struct evloop *loop;
	int lfd;
	char *path;
	dev_t dev; /* The socket file we created: ctl_close() unlinks only that one. */
	ino_t ino;
	unsigned max_clients;
	unsigned idle_ms;
	unsigned nclients;
	uint64_t next_id;
	struct ctl_table table;
	struct ctl_client_list clients;
	struct evloop_timer accept_pause;
};

/* ---- output ---- */

static size_t
ctl_out_pending(const struct ctl_client *cl)
{
	return cl->out_len - cl->out_off;
}

static void
ctl_client_touch(struct ctl_client *cl)
{
	/* A client waiting for a deferred reply is not idle: the server is. */
	if (cl->waiting || cl->dead)
		return;
	if (evloop_timer_arm(cl->c->loop, &cl->idle, cl->c->idle_ms) < 0)
		cl->dead = true;
}

static void
ctl_client_flush(struct ctl_client *cl)
{
	bool progress = false;

	while (ctl_out_pending(cl) > 0) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, ctl_out_pending(cl),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				cl->dead = true;
			break;
		}
		cl->out_off += (size_t)n;
		progress = true;
	}
	if (ctl_out_pending(cl) == 0) {
		cl->out_off = 0;
		cl->out_len = 0;
		/* Give back the memory of an exceptionally large reply. */
		if (cl->out_cap > CTL_OUT_HIGH) {
			free(cl->out);
			cl->out = NULL;
			cl->out_cap = 0;
		}
		if (cl->close_after_flush)
			cl->dead = true;
	}
	if (progress)
		ctl_client_touch(cl);
}

/* Queue @len bytes (whole lines) and send what the socket takes now. */
static void
ctl_client_write(struct ctl_client *cl, const char *s, size_t len)
{
	size_t pending = ctl_out_pending(cl);

	if (cl->dead)
		return;
	if (pending + len > CTL_OUT_MAX) {
		sw_warn("control: closing connection of pid %d: it does not read its replies",
			(int)cl->pid);
		cl->dead = true;
		return;
	}
	if (cl->out_off > 0) {
		memmove(cl->out, cl->out + cl->out_off, pending);
		cl->out_off = 0;
		cl->out_len = pending;
	}
	if (cl->out_len + len > cl->out_cap) {
		size_t cap = cl->out_cap == 0 ? 4096 : cl->out_cap;
		char *p;

		while (cap < cl->out_len + len)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (p == NULL) {
			cl->dead = true;
			return;
		}
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, s, len);
	cl->out_len += len;
	ctl_client_flush(cl);
}

/* Send the reply line (see ctl_reply_encode()). Consumes @reply. */
static void
ctl_client_reply(struct ctl_client *cl, bool ok, int rc, json_t *reply)
{
	static const char fallback[] = "{\"ok\":false,\"error\":\"reply could not be encoded\"}\n";
	char *text = ctl_reply_encode(ok, rc, reply);

	if (text == NULL) {
		ctl_client_write(cl, fallback, sizeof(fallback) - 1);
		return;
	}
	/* json_dumps never emits a raw newline, so one line per reply holds. */
	ctl_client_write(cl, text, strlen(text));
	ctl_client_write(cl, "\n", 1);
	free(text);
}

/* ---- requests ---- */

/* Run one request line (without its newline) and answer it, now or once a deferred reply comes. */
static void
ctl_client_dispatch(struct ctl_client *cl, const char *line, size_t len)
{
	struct ctl_req r = {.uid = cl->uid, .gid = cl->gid, .pid = cl->pid, .client = cl->id};
	json_t *reply;
	int rc;

	reply = json_object();
	if (reply == NULL) {
		cl->dead = true;
		return;
	}
	/* A handler may call ctl_reply_deferred() before it returns: see cl->early. */
	cl->dispatching = true;
	rc = ctl_table_run(&cl->c->table, line, len, &r, reply);
	cl->dispatching = false;
	if (rc == CTL_DEFERRED) {
		json_decref(reply);
		if (cl->early != NULL) {
			/* The handler completed before returning: answer now. */
			reply = cl->early;
			cl->early = NULL;
			ctl_client_reply(cl, cl->early_ok, 0, reply);
			return;
		}
		cl->waiting = true;
		evloop_timer_cancel(cl->c->loop, &cl->idle);
		return;
	}
	if (cl->early != NULL) {
		sw_warn("control: %s answered both at once and deferred; deferred reply dropped",
			r.cmd);
		json_decref(cl->early);
		cl->early = NULL;
	}
	ctl_client_reply(cl, rc >= 0, rc, reply);
}

static bool
ctl_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Answer the complete lines received, as far as the client's state allows. */
static void
ctl_client_pump(struct ctl_client *cl)
{
	while (!cl->dead && !cl->waiting && !cl->close_after_flush &&
	       ctl_out_pending(cl) < CTL_OUT_HIGH) {
		char *start = cl->in + cl->in_off;
		size_t avail = cl->in_len - cl->in_off;
		char *nl = memchr(start, '\n', avail);
		size_t len;

		if (nl == NULL)
			break;
		len = (size_t)(nl - start);
		cl->in_off += len + 1;
		if (len > 0 && start[len - 1] == '\r')
			len--;
		/* Blank lines are not requests (a person typing): no reply. */
		if (ctl_blank(start, len))
			continue;
		ctl_client_dispatch(cl, start, len);
	}
	if (cl->dead || cl->waiting || cl->close_after_flush)
		return;
	/* Complete lines held back by output back-pressure are not an overlong line. */
	if (memchr(cl->in + cl->in_off, '\n', cl->in_len - cl->in_off) != NULL)
		return;
	if (cl->in_len - cl->in_off >= CTL_LINE_MAX) {
		char msg[96];
		int n = snprintf(msg, sizeof(msg),
				 "{\"ok\":false,\"error\":\"request line longer than %d bytes\"}\n",
				 CTL_LINE_MAX);

		sw_warn("control: closing connection of pid %d: request line too long",
			(int)cl->pid);
		ctl_client_write(cl, msg, (size_t)n);
		cl->close_after_flush = true;
	} else if (cl->rd_eof) {
		/* Everything complete is answered; a partial last line is dropped. */
		cl->close_after_flush = true;
	}
	if (cl->close_after_flush && ctl_out_pending(cl) == 0)
		cl->dead = true;
}

static void
ctl_client_read(struct ctl_client *cl)
{
	ssize_t n;

	if (cl->in_off > 0) {
		memmove(cl->in, cl->in + cl->in_off, cl->in_len - cl->in_off);
		cl->in_len -= cl->in_off;
		cl->in_off = 0;
	}
	if (cl->in_len == CTL_LINE_MAX)
		return;
	/* One read per wake-up: level-triggered epoll calls again, and other clients get a turn. */
	n = recv(cl->fd, cl->in + cl->in_len, CTL_LINE_MAX - cl->in_len, MSG_DONTWAIT);
	if (n > 0) {
		cl->in_len += (size_t)n;
		ctl_client_touch(cl);
	} else if (n == 0) {
		cl->rd_eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		cl->dead = true;
	}
}

/* ---- connection lifetime ---- */

static void
ctl_client_update_events(struct ctl_client *cl)
{
	uint32_t ev = 0;

	if (cl->dead)
		return;
	if (!cl->waiting && !cl->rd_eof && !cl->close_after_flush &&
	    ctl_out_pending(cl) < CTL_OUT_HIGH)
		ev |= EPOLLIN;
	if (ctl_out_pending(cl) > 0)
		ev |= EPOLLOUT;
	if (ev == cl->events)
		return;
	if (evloop_mod(cl->c->loop, cl->fd, ev) < 0)
		cl->dead = true;
	else
		cl->events = ev;
}

static void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->c;

	evloop_del(c->loop, cl->fd);
	evloop_timer_cancel(c->loop, &cl->idle);
	close(cl->fd);
	TAILQ_REMOVE(&c->clients, cl, link);
	c->nclients--;
	json_decref(cl->early);
	free(cl->in);
	free(cl->out);
	free(cl);
}

/* End of an entry point: bring the watched events up to date, or free a dead client. */
static void
ctl_client_finish(struct ctl_client *cl)
{
	ctl_client_update_events(cl);
	if (cl->dead)
		ctl_client_free(cl);
}

static void
ctl_client_io(void *arg, int fd, uint32_t events)
{
	struct ctl_client *cl = arg;

	(void)fd;
	if (events & EPOLLOUT)
		ctl_client_flush(cl);
	if (!cl->dead && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && (cl->events & EPOLLIN))
		ctl_client_read(cl);
	ctl_client_pump(cl);
	/*
	 * Hang-up: the peer closed both directions, so no reply can reach it.
	 * A deferred request still in flight is forgotten here and its reply
	 * dropped when it comes.
	 */
	if (events & (EPOLLHUP | EPOLLERR))
		cl->dead = true;
	ctl_client_finish(cl);
}

static void
ctl_client_idle(void *arg)
{
	struct ctl_client *cl = arg;

	if (cl->waiting)
		return;
	sw_info("control: closing idle connection of pid %d", (int)cl->pid);
	/* Best effort, and only between replies, never inside one. */
	if (ctl_out_pending(cl) == 0 &&
	    send(cl->fd, ctl_idle_msg, sizeof(ctl_idle_msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		sw_debug("control: idle notice not sent: %s", strerror(errno));
	cl->dead = true;
	ctl_client_finish(cl);
}

static int
ctl_client_new(struct ctl *c, int fd)
{
	struct ctl_client *cl;
	struct ucred cred;
	int rc;

	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -ENOMEM;
	cl->in = malloc(CTL_LINE_MAX);
	if (cl->in == NULL) {
		free(cl);
		return -ENOMEM;
	}
	ctl_listen_peer(fd, &cred);
	cl->c = c;
	cl->fd = fd;
	cl->id = ++c->next_id;
	cl->uid = cred.uid;
	cl->gid = cred.gid;
	cl->pid = cred.pid;
	cl->events = EPOLLIN;
	evloop_timer_init(&cl->idle, ctl_client_idle, cl);
	rc = evloop_add(c->loop, fd, EPOLLIN, ctl_client_io, cl);
	if (rc == 0)
		rc = evloop_timer_arm(c->loop, &cl->idle, c->idle_ms);
	if (rc < 0) {
		evloop_del(c->loop, fd);
		free(cl->in);
		free(cl);
		return rc;
	}
	TAILQ_INSERT_TAIL(&c->clients, cl, link);
	c->nclients++;
	sw_debug("control: connection from uid %u pid %d", (unsigned)cl->uid, (int)cl->pid);
	return 0;
}

static void
ctl_accept_resume(void *arg)
{
	struct ctl *c = arg;

	if (evloop_mod(c->loop, c->lfd, EPOLLIN) < 0)
		sw_err("control: cannot resume accepting connections");
}

static void
ctl_accept(void *arg, int lfd, uint32_t events)
{
	struct ctl *c = arg;
	int i, fd;

	(void)events;
	for (i = 0; i < CTL_ACCEPT_BATCH; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			sw_warn("control: accept: %s; pausing the control socket", strerror(errno));
			/* Level-triggered: without a pause this would spin while fds are short. */
			if (evloop_mod(c->loop, lfd, 0) == 0 &&
			    evloop_timer_arm(c->loop, &c->accept_pause, CTL_ACCEPT_PAUSE_MS) < 0)
				evloop_mod(c->loop, lfd, EPOLLIN);
			return;
		}
		if (c->nclients >= c->max_clients) {
			ctl_listen_refuse(fd, c->nclients);
			continue;
		}
		if (ctl_client_new(c, fd) < 0) {
			sw_warn("control: out of memory for a new connection");
			close(fd);
		}
	}
}

/* ---- the listening socket ---- */

int
ctl_open(struct evloop *loop, const char *path, unsigned mode, unsigned max_clients,
	 unsigned idle_ms, struct ctl **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctl *c = NULL;
	int rc;

	if (path == NULL || path[0] == '\0' || max_clients == 0 || idle_ms == 0 || mode > 07777)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		sw_err("control: socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->lfd = -1;
	c->loop = loop;
	c->max_clients = max_clients;
	c->idle_ms = idle_ms;
	TAILQ_INIT(&c->clients);
	evloop_timer_init(&c->accept_pause, ctl_accept_resume, c);
	c->path = strdup(path);
	if (c->path == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	c->lfd = ctl_listen_open(&sa, mode, &c->dev, &c->ino);
	if (c->lfd < 0) {
		rc = c->lfd;
		goto fail;
	}
	rc = evloop_add(loop, c->lfd, EPOLLIN, ctl_accept, c);
	if (rc < 0) {
		unlink(path);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	free(c->path);
	free(c);
	return rc;
}

void
ctl_close(struct ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	while (!TAILQ_EMPTY(&c->clients))
		ctl_client_free(TAILQ_FIRST(&c->clients));
	evloop_timer_cancel(c->loop, &c->accept_pause);
	evloop_del(c->loop, c->lfd);
	close(c->lfd);
	/* Only our own socket: a newer daemon may have replaced it meanwhile. */
	if (lstat(c->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	ctl_table_free(&c->table);
	free(c->path);
	free(c);
}

int
ctl_register(struct ctl *c, const struct ctl_cmd *cmds, size_t n)
{
	return ctl_table_add(&c->table, cmds, n);
}

void
ctl_unregister(struct ctl *c, const struct ctl_cmd *cmds, size_t n)
{
	ctl_table_remove(&c->table, cmds, n);
}

void
ctl_reply_deferred(struct ctl *c, uint64_t client, bool ok, json_t *reply)
{
	struct ctl_client *cl;

	for (cl = TAILQ_FIRST(&c->clients); cl != NULL; cl = TAILQ_NEXT(cl, link))
		if (cl->id == client)
			break;
	if (cl != NULL && cl->dispatching && cl->early == NULL) {
		/* Called from inside its own handler: answered when the handler returns. */
		cl->early = reply != NULL ? reply : json_object();
		cl->early_ok = ok;
		return;
	}
	if (cl == NULL || cl->dead || !cl->waiting) {
		json_decref(reply);
		return;
	}
	cl->waiting = false;
	ctl_client_reply(cl, ok, 0, reply);
	ctl_client_touch(cl);
	ctl_client_pump(cl);
	ctl_client_finish(cl);
}
