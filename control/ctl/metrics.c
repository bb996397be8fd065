/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition: the HTTP endpoint (libmicrohttpd on the evloop) and its formatter. */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "swerve/evloop.h"
#include "swerve/log.h"
#include "swerve/metrics.h"

/*
 * A scraper (Prometheus, an operator's curl) opens one connection at a time;
 * a few more leave room for a second Prometheus and a human without letting
 * anyone pile up connections on the control thread.
 */
#define METRICS_MAX_CONNECTIONS 8

/*
 * Seconds an idle connection is kept. Prometheus reconnects cheaply and
 * scrapes every 15 s or more, so holding a keep-alive for longer buys
 * nothing; a client that stalls mid-request is gone after this.
 */
#define METRICS_TIMEOUT_S 10

/* Per-connection memory for request headers; a scrape request is a few hundred bytes. */
#define METRICS_CONN_MEMORY (16 * 1024)

/* First allocation of a scrape buffer; a daemon with a few workers renders ~20 KiB. */
#define METRICS_OUT_INITIAL 4096

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_source {
	metrics_source_fn fn;
	void *ctx;
};

struct metrics {
	struct evloop *loop;
	struct MHD_Daemon *mhd;
	int epfd;		   /* libmicrohttpd's epoll set, watched by @loop. */
	uint16_t port;		   /* Bound port. */
	struct evloop_timer timer; /* MHD_get_timeout(): idle connections, pending work. */
	struct metrics_source *src;
	unsigned nsrc;
	unsigned capsrc;
};

struct metrics_out {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;	  /* An allocation failed: the scrape is an error. */
	char family[128]; /* Current family, to catch a sample outside it (debug builds). */
};

/* ---- formatting ---- */

static bool
metrics_out_reserve(struct metrics_out *o, size_t n)
{
	size_t cap;
	char *b;

	if (o->failed)
		return false;
	if (o->len + n + 1 <= o->cap)
		return true;
	cap = o->cap == 0 ? METRICS_OUT_INITIAL : o->cap;
	while (cap < o->len + n + 1)
		cap *= 2;
	b = realloc(o->buf, cap);
	if (b == NULL) {
		o->failed = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

static void
metrics_put(struct metrics_out *o, const char *s, size_t n)
{
	if (!metrics_out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
metrics_puts(struct metrics_out *o, const char *s)
{
	metrics_put(o, s, strlen(s));
}

/* @s with backslash and newline escaped, and the double quote too when @quote (label values). */
static void
metrics_put_escaped(struct metrics_out *o, const char *s, bool quote)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		else
			continue;
		metrics_put(o, run, (size_t)(s - run));
		metrics_put(o, esc, 2);
		run = s + 1;
	}
	metrics_put(o, run, (size_t)(s - run));
}

void
metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
	snprintf(o->family, sizeof(o->family), "%s", name);
	if (help != NULL) {
		metrics_puts(o, "# HELP ");
		metrics_puts(o, name);
		metrics_puts(o, " ");
		metrics_put_escaped(o, help, false);
		metrics_puts(o, "\n");
	}
	metrics_puts(o, "# TYPE ");
	metrics_puts(o, name);
	metrics_puts(o, " ");
	metrics_puts(o, type);
	metrics_puts(o, "\n");
}

/* name{k="v",...} up to the space before the value. */
static void
metrics_sample_head(struct metrics_out *o, const char *name, va_list ap)
{
	const char *k;
	bool first = true;

	/* A sample belongs to the family opened last (name_bucket, name_sum... for histograms). */
	assert(strncmp(name, o->family, strlen(o->family)) == 0);
	metrics_puts(o, name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		metrics_puts(o, first ? "{" : ",");
		metrics_puts(o, k);
		metrics_puts(o, "=\"");
		metrics_put_escaped(o, v != NULL ? v : "", true);
		metrics_puts(o, "\"");
		first = false;
	}
	metrics_puts(o, first ? " " : "} ");
}

void
metrics_sample_u64(struct metrics_out *o, const char *name, uint64_t value, ...)
{
	char num[24];
	va_list ap;

	va_start(ap, value);
	metrics_sample_head(o, name, ap);
	va_end(ap);
	snprintf(num, sizeof(num), "%" PRIu64 "\n", value);
	metrics_puts(o, num);
}

/* Shortest of %.15g..%.17g that reads back as @v: 0.1 prints as 0.1, not 0.10000000000000001. */
static void
metrics_format_double(char *buf, size_t n, double v)
{
	if (isnan(v)) {
		snprintf(buf, n, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void
metrics_sample_double(struct metrics_out *o, const char *name, double value, ...)
{
	char num[40];
	va_list ap;

	va_start(ap, value);
	metrics_sample_head(o, name, ap);
	va_end(ap);
	metrics_format_double(num, sizeof(num), value);
	metrics_puts(o, num);
	metrics_puts(o, "\n");
}

char *
metrics_render(struct metrics *m, size_t *len)
{
	struct metrics_out o;

	memset(&o, 0, sizeof(o));
	/* Never NULL on success, even with no sources: the HTTP body and callers want a string. */
	if (metrics_out_reserve(&o, 0))
		o.buf[0] = '\0';
	for (unsigned i = 0; i < m->nsrc; i++)
		m->src[i].fn(m->src[i].ctx, &o);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	if (len != NULL)
		*len = o.len;
	return o.buf;
}

int
metrics_add_source(struct metrics *m, metrics_source_fn fn, void *ctx)
{
	if (fn == NULL)
		return -EINVAL;
	if (m->nsrc == m->capsrc) {
		unsigned cap = m->capsrc == 0 ? 8 : m->capsrc * 2;
		struct metrics_source *s = realloc(m->src, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		m->src = s;
		m->capsrc = cap;
	}
	m->src[m->nsrc].fn = fn;
	m->src[m->nsrc].ctx = ctx;
	m->nsrc++;
	return 0;
}

void
metrics_remove_source(struct metrics *m, const void *ctx)
{
	unsigned k = 0;

	for (unsigned i = 0; i < m->nsrc; i++)
		if (m->src[i].ctx != ctx)
			m->src[k++] = m->src[i];
	m->nsrc = k;
}

/* ---- HTTP ---- */

static enum MHD_Result
metrics_reply(struct MHD_Connection *conn, unsigned status, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
					    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * The whole request is decided from its first line: /metrics takes no body,
 * so answering at the first call is correct (a body that was sent anyway is
 * discarded by libmicrohttpd, which then closes the connection).
 */
static enum MHD_Result
metrics_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		   const char *version, const char *upload_data, size_t *upload_data_size,
		   void **req_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *text;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(url, "/metrics") != 0)
		return metrics_reply(conn, MHD_HTTP_NOT_FOUND, "not found; try /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");

	text = metrics_render(m, &len);
	if (text == NULL)
		return metrics_reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * libmicrohttpd's own deadlines (idle connections) and "work pending without
 * a socket event" (timeout 0) are honoured by a timer of the loop; without
 * it a stalled client would hold a connection slot forever.
 */
static void
metrics_rearm(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG t;
	int rc = 0;

	if (MHD_get_timeout(m->mhd, &t) == MHD_YES)
		rc = evloop_timer_arm(m->loop, &m->timer, (uint64_t)t);
	else
		evloop_timer_cancel(m->loop, &m->timer);
	if (rc < 0)
		sw_warn("metrics: cannot arm timer: %s", strerror(-rc));
}

/*
 * Two passes: when a pass closes a connection at the connection limit,
 * libmicrohttpd only puts its listen socket back into its epoll set at the
 * start of the next pass, and MHD_get_timeout() does not ask for one; a
 * client waiting in the backlog would sit there until some other event. The
 * second pass costs one epoll_wait(0) and makes the listen socket (and any
 * backlog) visible to our loop right away.
 */
static void
metrics_step(struct metrics *m)
{
	MHD_run(m->mhd);
	MHD_run(m->mhd);
	metrics_rearm(m);
}

static void
metrics_on_io(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	metrics_step(arg);
}

static void
metrics_on_timer(void *arg)
{
	metrics_step(arg);
}

/* libmicrohttpd's messages (bind failures, ...) go to our log, not to its stderr default. */
static void __attribute__((format(printf, 2, 0)))
metrics_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	sw_warn("metrics http: %s", msg);
}

/* Numeric "a.b.c.d:port" or "[v6]:port" into @ss. */
static int
metrics_parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs = listen;
	size_t hlen;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (close == NULL || close[1] != ':')
			return -EINVAL;
		hs = listen + 1;
		hlen = (size_t)(close - hs);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL)
			return -EINVAL;
		hlen = (size_t)(colon - listen);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hs, hlen);
	host[hlen] = '\0';
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port > 65535)
		return -EINVAL;

	if (listen[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

static uint16_t
metrics_sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Start libmicrohttpd on @listen for @m, watched by m->loop. */
static int
metrics_listen_start(struct metrics *m, const char *listen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int epfd, rc;

	rc = metrics_parse_listen(listen, &ss);
	if (rc < 0)
		return rc;
	/* A v6 address listens on v6 only: "[::]:9153" is not also 0.0.0.0 (say which you mean). */
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	/*
	 * MHD_OPTION_SOCK_ADDR decides where to listen; the port argument only
	 * appears in libmicrohttpd's messages. errno tells why a start failed.
	 */
	errno = 0;
	/* One option per line, with its value. */
	/* clang-format off */
	m->mhd = MHD_start_daemon(flags, metrics_sockaddr_port(&ss), NULL, NULL,
				  metrics_on_request, m,
				  /* First, or messages about the options go to stderr. */
				  MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, NULL,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
				  MHD_OPTION_END);
	/* clang-format on */
	if (m->mhd == NULL)
		return errno != 0 ? -errno : -EIO;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL)
		return -EIO;
	epfd = info->epoll_fd;
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL)
		return -EIO;
	m->port = info->port;
	rc = evloop_add(m->loop, epfd, EPOLLIN, metrics_on_io, m);
	if (rc < 0)
		return rc;
	m->epfd = epfd;
	metrics_rearm(m);
	return 0;
}

/* Stop listening (connections in progress are closed); the sources stay. */
static void
metrics_listen_stop(struct metrics *m)
{
	evloop_timer_cancel(m->loop, &m->timer);
	if (m->epfd >= 0)
		evloop_del(m->loop, m->epfd);
	m->epfd = -1;
	if (m->mhd != NULL)
		MHD_stop_daemon(m->mhd);
	m->mhd = NULL;
	m->port = 0;
}

int
metrics_open(struct evloop *loop, const char *listen, struct metrics **out)
{
	struct metrics *m;
	int rc;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->loop = loop;
	m->epfd = -1;
	evloop_timer_init(&m->timer, metrics_on_timer, m);
	rc = metrics_listen_start(m, listen);
	if (rc < 0) {
		metrics_close(m);
		return rc;
	}
	*out = m;
	return 0;
}

int
metrics_rebind(struct metrics *m, const char *listen, const char *previous)
{
	int rc;

	metrics_listen_stop(m);
	rc = metrics_listen_start(m, listen);
	if (rc < 0) {
		metrics_listen_stop(m);
		if (previous != NULL && metrics_listen_start(m, previous) < 0)
			metrics_listen_stop(m);
	}
	return rc;
}

uint16_t
metrics_port(const struct metrics *m)
{
	return m->port;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	metrics_listen_stop(m);
	free(m->src);
	free(m);
}
