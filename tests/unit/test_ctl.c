/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the control socket server (on a loop thread) and the swervectl client. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "swerve/ctl.h"
#include "swerve/evloop.h"
#include "swerve/log.h"
#include "sock.h"

extern char **environ;

/* ---- the server under test: a ctl on an evloop, run by its own thread ---- */

#define MAX_PENDING 16

struct srv {
	char dir[64];
	char path[128];
	struct evloop *loop;
	struct ctl *ctl;
	pthread_t th;
	int stop;
	/* Written by handlers on the loop thread; read by the test after a reply (a sync point). */
	unsigned echoes;
	uint64_t pending[MAX_PENDING];
	char pending_tag[MAX_PENDING][32];
	unsigned npending;
};

static int
h_echo(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct srv *s = ctx;
	const char *v;
	bool flag;
	int rc;

	rc = ctl_arg_str(req, reply, "value", false, &v);
	if (rc == 0)
		rc = ctl_arg_bool(req, reply, "flag", &flag);
	if (rc < 0)
		return rc;
	s->echoes++;
	json_object_set_new(reply, "echo", json_string(v != NULL ? v : ""));
	json_object_set_new(reply, "n", json_integer(s->echoes));
	if (flag)
		json_object_set_new(reply, "flag", json_true());
	return 0;
}

static int
h_fail(void *ctx, const struct ctl_req *req, json_t *reply)
{
	(void)ctx;
	(void)req;
	/* Partial results must not leak into the error reply. */
	json_object_set_new(reply, "junk", json_true());
	return ctl_fail(reply, "failed on purpose");
}

static int
h_need(void *ctx, const struct ctl_req *req, json_t *reply)
{
	const char *zone;
	bool reset;
	int rc;

	(void)ctx;
	rc = ctl_arg_str(req, reply, "zone", true, &zone);
	if (rc == 0)
		rc = ctl_arg_bool(req, reply, "reset", &reset);
	if (rc < 0)
		return rc;
	json_object_set_new(reply, "zone", json_string(zone));
	json_object_set_new(reply, "reset", json_boolean(reset));
	return 0;
}

static int
h_defer(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct srv *s = ctx;
	const char *tag;

	if (ctl_arg_str(req, reply, "tag", false, &tag) < 0)
		return -EINVAL;
	if (s->npending == MAX_PENDING)
		return ctl_fail(reply, "too many pending");
	s->pending[s->npending] = req->client;
	snprintf(s->pending_tag[s->npending], sizeof(s->pending_tag[0]), "%s",
		 tag != NULL ? tag : "");
	s->npending++;
	return CTL_DEFERRED;
}

/* Complete every deferred request (from another client's handler, on the loop thread). */
static int
h_release(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct srv *s = ctx;
	bool fail;
	unsigned i, n = s->npending;

	if (ctl_arg_bool(req, reply, "fail", &fail) < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (fail)
			ctl_reply_deferred(s->ctl, s->pending[i], false,
					   json_pack("{s:s}", "error", "deferred failure"));
		else
			ctl_reply_deferred(s->ctl, s->pending[i], true,
					   json_pack("{s:s}", "released", s->pending_tag[i]));
	}
	s->npending = 0;
	json_object_set_new(reply, "released", json_integer(n));
	return 0;
}

/* Completes before returning CTL_DEFERRED: the reply must still come, once. */
static int
h_sync_defer(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct srv *s = ctx;

	(void)reply;
	ctl_reply_deferred(s->ctl, req->client, true, json_pack("{s:b}", "sync", 1));
	return CTL_DEFERRED;
}

static int
h_table(void *ctx, const struct ctl_req *req, json_t *reply)
{
	(void)ctx;
	(void)req;
	json_object_set_new(reply, "version", json_string("1.2.3"));
	json_object_set_new(reply, "uptime_seconds", json_integer(42));
	json_object_set_new(reply, "zones",
			    json_pack("[{s:s,s:i},{s:s,s:i,s:{s:i}}]", "name", "example.com.",
				      "serial", 2024010101, "name", "b.test.", "serial", 7, "extra",
				      "x", 1));
	json_object_set_new(reply, "config",
			    json_pack("{s:s,s:b}", "path", "/etc/s.yaml", "checked", 1));
	return 0;
}

/* Returns the request it got, so the tests can see what swervectl sent. */
static int
h_args(void *ctx, const struct ctl_req *req, json_t *reply)
{
	(void)ctx;
	json_object_set_new(reply, "got", json_deep_copy(req->args));
	return 0;
}

static const char *const arg_cmds[] = {
	"status",	 "stats",	   "zone-list",	     "zone-reload",
	"lookup",	 "log-level",	   "stop",	     "metrics",
	"failover-list", "failover-show",  "endpoint-drain", "endpoint-undrain",
	"endpoint-set",	 "failover-force", "failover-auto",  "events",
};

#define N_ARG_CMDS (sizeof(arg_cmds) / sizeof(arg_cmds[0]))

static struct ctl_cmd test_cmds[8 + N_ARG_CMDS];

static void
srv_cmds(struct srv *s, struct ctl_cmd *cmds, size_t *n)
{
	const struct ctl_cmd base[] = {
		{"echo", h_echo, s, false, "echo [value] [flag]"},
		{"fail", h_fail, s, true, "fail"},
		{"need", h_need, s, false, "need zone [reset]"},
		{"defer", h_defer, s, true, "defer [tag]"},
		{"release", h_release, s, true, "release [fail]"},
		{"sync-defer", h_sync_defer, s, false, "sync-defer"},
		{"table", h_table, s, false, "table"},
	};
	size_t i;

	*n = 0;
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		cmds[(*n)++] = base[i];
	for (i = 0; i < N_ARG_CMDS; i++) {
		cmds[*n].name = arg_cmds[i];
		cmds[*n].fn = h_args;
		cmds[*n].ctx = s;
		cmds[*n].mutating = false;
		cmds[*n].usage = arg_cmds[i];
		(*n)++;
	}
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		assert_true(evloop_run_once(s->loop, 1000) >= 0);
	return NULL;
}

static void
srv_start(struct srv *s, unsigned max_clients, unsigned idle_ms)
{
	size_t n;

	memset(s, 0, sizeof(*s));
	strcpy(s->dir, "/tmp/swerve-ctl-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/run/control.sock", s->dir);
	assert_int_equal(evloop_new(&s->loop), 0);
	assert_int_equal(ctl_open(s->loop, s->path, 0660, max_clients, idle_ms, &s->ctl), 0);
	srv_cmds(s, test_cmds, &n);
	assert_int_equal(ctl_register(s->ctl, test_cmds, n), 0);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void
srv_stop(struct srv *s)
{
	char sub[160];

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	evloop_wake(s->loop);
	assert_int_equal(pthread_join(s->th, NULL), 0);
	ctl_close(s->ctl);
	evloop_free(s->loop);
	/* ctl_close() removed the socket; the directory must now be empty. */
	snprintf(sub, sizeof(sub), "%s/run", s->dir);
	assert_int_equal(access(s->path, F_OK), -1);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(s->dir), 0);
}

/* ---- a blocking test client with a line buffer ---- */

struct cli {
	int fd;
	char buf[1 << 17];
	size_t len;
};

static struct cli *
cli_open(const char *path)
{
	struct timeval tv = {.tv_sec = 5};
	struct cli *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fd = tu_unix_connect(path, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return c;
}

static void
cli_close(struct cli *c)
{
	close(c->fd);
	free(c);
}

static void
cli_send(struct cli *c, const char *s)
{
	size_t len = strlen(s);

	assert_int_equal(send(c->fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* The next reply line as a string (static buffer), or NULL on EOF / error / timeout. */
static const char *
cli_line(struct cli *c)
{
	static char line[1 << 17];

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - c->buf);

			memcpy(line, c->buf, l);
			line[l] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		if (c->len == sizeof(c->buf))
			return NULL;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

static json_t *
cli_reply(struct cli *c)
{
	const char *line = cli_line(c);
	json_t *j;

	assert_non_null(line);
	j = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_true(json_is_object(j));
	assert_true(json_is_boolean(json_object_get(j, "ok")));
	return j;
}

static json_t *
cli_call(struct cli *c, const char *req)
{
	cli_send(c, req);
	return cli_reply(c);
}

/* True when the server closes the connection (EOF or reset) without sending more. */
static bool
cli_eof(struct cli *c)
{
	char b[256];
	ssize_t n = recv(c->fd, b, sizeof(b), 0);

	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* Nothing arrives within @ms. */
static bool
cli_quiet(struct cli *c, int ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};

	return c->len == 0 && poll(&p, 1, ms) == 0;
}

static bool
reply_ok(const json_t *r)
{
	return json_is_true(json_object_get(r, "ok"));
}

static const char *
reply_str(const json_t *r, const char *key)
{
	const char *s = json_string_value(json_object_get(r, key));

	return s != NULL ? s : "";
}

/* An error reply whose message contains @needle. */
static void
expect_error(struct cli *c, const char *req, const char *needle)
{
	json_t *r = cli_call(c, req);

	assert_false(reply_ok(r));
	if (strstr(reply_str(r, "error"), needle) == NULL)
		fail_msg("request %s: error \"%s\" lacks \"%s\"", req, reply_str(r, "error"),
			 needle);
	/* An error carries only "ok" and "error". */
	assert_int_equal(json_object_size(r), 2);
	json_decref(r);
}

/* ---- tests ---- */

static void
test_happy_path(void **state)
{
	struct srv s;
	struct cli *c;
	const char *line;
	json_t *r, *cmds;
	size_t i;
	bool seen_echo = false, seen_help = false;

	(void)state;
	srv_start(&s, 4, 5000);
	c = cli_open(s.path);

	cli_send(c, "{\"cmd\":\"echo\",\"value\":\"hi\"}\n");
	line = cli_line(c);
	assert_non_null(line);
	/* "ok" comes first, the line is compact JSON. */
	assert_string_equal(line, "{\"ok\":true,\"echo\":\"hi\",\"n\":1}");

	r = cli_call(c, "{\"cmd\":\"echo\",\"flag\":true}\n");
	assert_true(reply_ok(r));
	assert_true(json_is_true(json_object_get(r, "flag")));
	json_decref(r);

	expect_error(c, "{\"cmd\":\"fail\"}\n", "failed on purpose");

	r = cli_call(c, "{\"cmd\":\"help\"}\n");
	assert_true(reply_ok(r));
	cmds = json_object_get(r, "commands");
	assert_true(json_is_array(cmds));
	for (i = 0; i < json_array_size(cmds); i++) {
		const json_t *e = json_array_get(cmds, i);

		if (strcmp(reply_str(e, "name"), "echo") == 0) {
			seen_echo = true;
			assert_string_equal(reply_str(e, "usage"), "echo [value] [flag]");
			assert_true(json_is_false(json_object_get(e, "mutating")));
		}
		if (strcmp(reply_str(e, "name"), "help") == 0)
			seen_help = true;
	}
	assert_true(seen_echo);
	assert_true(seen_help);
	json_decref(r);

	/* A handler that completes its deferred request before returning. */
	r = cli_call(c, "{\"cmd\":\"sync-defer\"}\n");
	assert_true(reply_ok(r));
	assert_true(json_is_true(json_object_get(r, "sync")));
	json_decref(r);
	r = cli_call(c, "{\"cmd\":\"echo\"}\n");
	assert_true(reply_ok(r));
	json_decref(r);

	/* Half-close after a request: the reply still comes, then EOF. */
	cli_send(c, "{\"cmd\":\"echo\",\"value\":\"last\"}\n");
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	r = cli_reply(c);
	assert_string_equal(reply_str(r, "echo"), "last");
	json_decref(r);
	assert_true(cli_eof(c));
	cli_close(c);
	srv_stop(&s);
}

static void
test_register_rules(void **state)
{
	struct srv s;
	const struct ctl_cmd dup[] = {
		{"x", h_echo, NULL, false, "x"},
		{"x", h_echo, NULL, false, "x"},
	};
	const struct ctl_cmd clash[] = {{"echo", h_echo, NULL, false, "echo"}};
	const struct ctl_cmd help[] = {{"help", h_echo, NULL, false, "help"}};
	const struct ctl_cmd nofn[] = {{"nofn", NULL, NULL, false, "nofn"}};

	(void)state;
	srv_start(&s, 4, 5000);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	evloop_wake(s.loop);
	assert_int_equal(pthread_join(s.th, NULL), 0);
	assert_int_equal(ctl_register(s.ctl, dup, 2), -EEXIST);
	assert_int_equal(ctl_register(s.ctl, clash, 1), -EEXIST);
	assert_int_equal(ctl_register(s.ctl, help, 1), -EEXIST);
	assert_int_equal(ctl_register(s.ctl, nofn, 1), -EINVAL);
	/* Restart the thread so srv_stop() can join it. */
	s.stop = 0;
	assert_int_equal(pthread_create(&s.th, NULL, srv_main, &s), 0);
	srv_stop(&s);
}

static void
test_pipelined_and_deferred(void **state)
{
	struct srv s;
	struct cli *a, *b;
	json_t *r;
	int i;

	(void)state;
	srv_start(&s, 4, 5000);
	a = cli_open(s.path);
	b = cli_open(s.path);

	/* Everything in one write: answered in order. */
	cli_send(a, "{\"cmd\":\"echo\",\"value\":\"1\"}\n{\"cmd\":\"fail\"}\n"
		    "{\"cmd\":\"echo\",\"value\":\"2\"}\n{\"cmd\":\"defer\",\"tag\":\"D\"}\n"
		    "{\"cmd\":\"echo\",\"value\":\"3\"}\n{\"cmd\":\"nope\"}\n"
		    "{\"cmd\":\"echo\",\"value\":\"4\"}\n");
	r = cli_reply(a);
	assert_string_equal(reply_str(r, "echo"), "1");
	json_decref(r);
	r = cli_reply(a);
	assert_false(reply_ok(r));
	json_decref(r);
	r = cli_reply(a);
	assert_string_equal(reply_str(r, "echo"), "2");
	json_decref(r);

	/* Behind the deferred request nothing runs, and nothing is answered. */
	assert_true(cli_quiet(a, 200));
	r = cli_call(b, "{\"cmd\":\"echo\"}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "n")), 3);
	json_decref(r);

	r = cli_call(b, "{\"cmd\":\"release\"}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "released")), 1);
	json_decref(r);

	r = cli_reply(a);
	assert_true(reply_ok(r));
	assert_string_equal(reply_str(r, "released"), "D");
	json_decref(r);
	r = cli_reply(a);
	assert_string_equal(reply_str(r, "echo"), "3");
	assert_int_equal(json_integer_value(json_object_get(r, "n")), 4);
	json_decref(r);
	r = cli_reply(a);
	assert_false(reply_ok(r));
	json_decref(r);
	r = cli_reply(a);
	assert_string_equal(reply_str(r, "echo"), "4");
	json_decref(r);

	/* A deferred failure carries only the error. */
	cli_send(a, "{\"cmd\":\"defer\"}\n");
	assert_true(cli_quiet(a, 50));
	json_decref(cli_call(b, "{\"cmd\":\"release\",\"fail\":true}\n"));
	expect_error(a, "", "deferred failure");

	/* Many pipelined requests across several reads, all answered, in order. */
	for (i = 0; i < 2000; i++)
		cli_send(a, "{\"cmd\":\"echo\",\"value\":\"p\"}\n");
	for (i = 0; i < 2000; i++) {
		r = cli_reply(a);
		assert_int_equal(json_integer_value(json_object_get(r, "n")), 6 + i);
		json_decref(r);
	}
	cli_close(a);
	cli_close(b);
	srv_stop(&s);
}

static void
test_bad_requests(void **state)
{
	struct srv s;
	struct cli *c;
	json_t *r;
	char req[128];

	(void)state;
	srv_start(&s, 4, 5000);
	c = cli_open(s.path);
	expect_error(c, "{\"cmd\":\"echo\"\n", "invalid JSON");
	expect_error(c, "not json at all\n", "invalid JSON");
	expect_error(c, "{\"cmd\":\"echo\"} trailing\n", "invalid JSON");
	expect_error(c, "{\"cmd\":\"echo\",\"cmd\":\"fail\"}\n", "invalid JSON");
	expect_error(c, "[1,2]\n", "must be a JSON object");
	expect_error(c, "\"echo\"\n", "must be a JSON object");
	expect_error(c, "42\n", "must be a JSON object");
	expect_error(c, "{}\n", "missing \"cmd\"");
	expect_error(c, "{\"cmd\":7}\n", "\"cmd\" must be a string");
	expect_error(c, "{\"cmd\":null}\n", "\"cmd\" must be a string");
	expect_error(c, "{\"cmd\":\"frobnicate\"}\n", "unknown command \"frobnicate\"");
	expect_error(c, "{\"cmd\":\"need\"}\n", "missing argument \"zone\"");
	expect_error(c, "{\"cmd\":\"need\",\"zone\":5}\n", "argument \"zone\" must be a string");
	expect_error(c, "{\"cmd\":\"need\",\"zone\":\"z\",\"reset\":\"yes\"}\n",
		     "argument \"reset\" must be true or false");
	/* A NUL byte inside the line, invalid UTF-8. */
	assert_int_equal(send(c->fd, "{\"cmd\":\"e\0\"}\n", 13, MSG_NOSIGNAL), 13);
	r = cli_reply(c);
	assert_false(reply_ok(r));
	json_decref(r);
	snprintf(req, sizeof(req), "{\"cmd\":\"\xff\xfe\"}\n");
	expect_error(c, req, "invalid JSON");

	/* Blank lines get no reply; CRLF is accepted; the connection still works. */
	cli_send(c, "\n  \n\r\n");
	assert_true(cli_quiet(c, 50));
	r = cli_call(c, "{\"cmd\":\"need\",\"zone\":\"example.com\",\"reset\":true}\r\n");
	assert_true(reply_ok(r));
	assert_string_equal(reply_str(r, "zone"), "example.com");
	assert_true(json_is_true(json_object_get(r, "reset")));
	json_decref(r);
	cli_close(c);
	srv_stop(&s);
}

struct big_writer {
	int fd;
	size_t len;
};

static void *
big_writer_main(void *arg)
{
	struct big_writer *w = arg;
	char *buf = malloc(w->len);
	size_t off = 0;

	if (buf == NULL)
		return NULL;
	memset(buf, 'a', w->len);
	buf[w->len - 1] = '\n';
	while (off < w->len) {
		ssize_t n = send(w->fd, buf + off, w->len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* The server closed: expected. */
		off += (size_t)n;
	}
	free(buf);
	return NULL;
}

/* A request line of exactly @total bytes (newline included): {"cmd":"echo","value":"aaa..."}. */
static char *
line_of(size_t total)
{
	static char s[CTL_LINE_MAX + 2];
	static const char head[] = "{\"cmd\":\"echo\",\"value\":\"";
	size_t h = sizeof(head) - 1;

	assert_true(total <= CTL_LINE_MAX + 1);
	memcpy(s, head, h);
	memset(s + h, 'a', total - h - 3);
	memcpy(s + total - 3, "\"}\n", 4);
	return s;
}

static void
test_long_lines(void **state)
{
	struct big_writer w;
	struct srv s;
	struct cli *c;
	pthread_t th;
	const char *line;
	char *req;
	json_t *r;

	(void)state;
	srv_start(&s, 4, 5000);

	/* The longest line allowed is answered. */
	c = cli_open(s.path);
	req = line_of(CTL_LINE_MAX);
	cli_send(c, req);
	r = cli_reply(c);
	assert_true(reply_ok(r));
	assert_int_equal(strlen(reply_str(r, "echo")), CTL_LINE_MAX - 26);
	json_decref(r);
	/* One more byte is not: an error, then the connection is closed. */
	req = line_of(CTL_LINE_MAX + 1);
	send(c->fd, req, CTL_LINE_MAX + 1, MSG_NOSIGNAL);
	line = cli_line(c);
	assert_non_null(line);
	if (strstr(line, "longer than") == NULL)
		fail_msg("overlong line answered with %.200s", line);
	assert_true(cli_eof(c));
	cli_close(c);

	/* 1 MiB on one line from a writer that keeps pushing. */
	c = cli_open(s.path);
	w.fd = c->fd;
	w.len = 1 << 20;
	assert_int_equal(pthread_create(&th, NULL, big_writer_main, &w), 0);
	line = cli_line(c);
	if (line != NULL)
		assert_non_null(strstr(line, "longer than"));
	assert_true(cli_eof(c));
	assert_int_equal(pthread_join(th, NULL), 0);
	cli_close(c);

	/* The server is fine. */
	c = cli_open(s.path);
	r = cli_call(c, "{\"cmd\":\"echo\"}\n");
	assert_true(reply_ok(r));
	json_decref(r);
	cli_close(c);
	srv_stop(&s);
}

static void
test_idle_timeout(void **state)
{
	struct srv s;
	struct cli *quiet, *busy, *waiter, *partial;
	uint64_t t0;
	const char *line;
	json_t *r;
	int i;

	(void)state;
	srv_start(&s, 8, 300);
	t0 = evloop_now_ms();
	quiet = cli_open(s.path);
	partial = cli_open(s.path);
	busy = cli_open(s.path);
	waiter = cli_open(s.path);
	cli_send(partial, "{\"cmd\":");
	cli_send(waiter, "{\"cmd\":\"defer\",\"tag\":\"w\"}\n");

	/* The busy client keeps talking for 3 idle periods and stays connected. */
	for (i = 0; i < 9; i++) {
		r = cli_call(busy, "{\"cmd\":\"echo\"}\n");
		assert_true(reply_ok(r));
		json_decref(r);
		usleep(100 * 1000);
	}
	/* The silent ones got an error and were closed, not before their time. */
	line = cli_line(quiet);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":false,\"error\":\"idle timeout\"}");
	assert_true(cli_eof(quiet));
	assert_true(evloop_now_ms() - t0 >= 290);
	line = cli_line(partial);
	assert_non_null(line);
	assert_non_null(strstr(line, "idle timeout"));
	assert_true(cli_eof(partial));

	/* A client waiting for a deferred reply is not idle: it still gets it. */
	json_decref(cli_call(busy, "{\"cmd\":\"release\"}\n"));
	r = cli_reply(waiter);
	assert_string_equal(reply_str(r, "released"), "w");
	json_decref(r);
	/* And then, silent again, it is timed out as usual. */
	line = cli_line(waiter);
	assert_non_null(line);
	assert_non_null(strstr(line, "idle timeout"));
	cli_close(quiet);
	cli_close(partial);
	cli_close(busy);
	cli_close(waiter);
	srv_stop(&s);
}

static void
test_disconnects(void **state)
{
	struct srv s;
	struct cli *a, *b, *c, *d;
	const char *line;
	json_t *r;
	int i;

	(void)state;
	/* Two slots: a disconnected client must give its slot back, or the last connect is refused.
	 */
	srv_start(&s, 2, 5000);

	a = cli_open(s.path);
	cli_send(a, "{\"cmd\":\"ec");
	cli_close(a);
	usleep(50 * 1000); /* Let the server see it go before the next one connects. */

	a = cli_open(s.path);
	for (i = 0; i < 100; i++)
		cli_send(a, "{\"cmd\":\"echo\"}\n");
	cli_close(a); /* Without reading the replies. */
	usleep(50 * 1000);

	a = cli_open(s.path);
	cli_send(a, "{\"cmd\":\"defer\",\"tag\":\"gone\"}\n{\"cmd\":\"echo\"}\n");
	usleep(50 * 1000);
	cli_close(a); /* Mid-deferred. */
	usleep(50 * 1000);

	b = cli_open(s.path);
	c = cli_open(s.path);
	r = cli_call(b, "{\"cmd\":\"release\"}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "released")), 1);
	json_decref(r);
	r = cli_call(c, "{\"cmd\":\"echo\"}\n");
	assert_true(reply_ok(r));
	json_decref(r);

	/* A third connection is refused: the limit really holds. */
	d = cli_open(s.path);
	line = cli_line(d);
	assert_non_null(line);
	assert_string_equal(line, "{\"ok\":false,\"error\":\"too many control connections\"}");
	assert_true(cli_eof(d));
	cli_close(d);
	cli_close(b);
	cli_close(c);
	srv_stop(&s);
}

struct pipe_writer {
	int fd;
	unsigned n;
};

static void *
pipe_writer_main(void *arg)
{
	static const char req[] = "{\"cmd\":\"table\"}\n";
	struct pipe_writer *w = arg;
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (send(w->fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1)
			break;
	return NULL;
}

/* Replies back up while requests keep coming: every request still answered once the client reads.
 */
static void
test_backpressure(void **state)
{
	struct pipe_writer w;
	struct srv s;
	struct cli *c;
	pthread_t th;
	unsigned i;
	json_t *r;

	(void)state;
	srv_start(&s, 4, 10000);
	c = cli_open(s.path);
	w.fd = c->fd;
	w.n = 20000; /* About 4.6 MB of replies: far past every buffer on the way. */
	assert_int_equal(pthread_create(&th, NULL, pipe_writer_main, &w), 0);
	usleep(300 * 1000); /* Let both directions fill up before reading anything. */
	for (i = 0; i < w.n; i++) {
		r = cli_reply(c);
		if (!reply_ok(r))
			fail_msg("reply %u: %s", i, reply_str(r, "error"));
		assert_string_equal(reply_str(r, "version"), "1.2.3");
		json_decref(r);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(cli_quiet(c, 50));
	cli_close(c);
	srv_stop(&s);
}

/* A client that pipelines requests and never reads: bounded, then timed out; others unaffected. */
static void
test_slow_reader(void **state)
{
	static const char req[] = "{\"cmd\":\"table\"}\n";
	struct cli *a, *b, *c;
	struct srv s;
	json_t *r;
	int i;

	(void)state;
	srv_start(&s, 2, 500);
	a = cli_open(s.path);
	assert_int_equal(fcntl(a->fd, F_SETFL, O_NONBLOCK), 0);
	/*
	 * The server stops reading once replies back up, so our sends must
	 * stall for good long before 200000 requests (a server without
	 * back-pressure would read them all and buffer their replies).
	 */
	for (i = 0; i < 200000; i++) {
		struct pollfd p = {.fd = a->fd, .events = POLLOUT};
		ssize_t n = send(a->fd, req, sizeof(req) - 1, MSG_NOSIGNAL);

		if (n == (ssize_t)sizeof(req) - 1)
			continue;
		assert_true(n < 0 && errno == EAGAIN);
		if (poll(&p, 1, 300) == 0)
			break;
		i--;
	}
	assert_true(i < 200000);

	b = cli_open(s.path);
	r = cli_call(b, "{\"cmd\":\"echo\"}\n");
	assert_true(reply_ok(r));
	json_decref(r);

	/* After the idle timeout the non-reader is gone and its slot is free (b stays busy). */
	for (i = 0; i < 12; i++) {
		usleep(100 * 1000);
		r = cli_call(b, "{\"cmd\":\"echo\"}\n");
		assert_true(reply_ok(r));
		json_decref(r);
	}
	c = cli_open(s.path);
	r = cli_call(c, "{\"cmd\":\"echo\"}\n");
	assert_true(reply_ok(r));
	json_decref(r);
	cli_close(a);
	cli_close(b);
	cli_close(c);
	srv_stop(&s);
}

#define NCONN 100
#define NMAX  8

static void
test_many_connections(void **state)
{
	struct cli *cs[NCONN];
	struct srv s;
	unsigned refused = 0, served = 0;
	json_t *r;
	int i;

	(void)state;
	srv_start(&s, NMAX, 10000);
	for (i = 0; i < NCONN; i++)
		cs[i] = cli_open(s.path);
	for (i = 0; i < NCONN; i++) {
		struct pollfd p = {.fd = cs[i]->fd, .events = POLLIN};

		/* The refused ones get their line promptly; give the first ones a moment. */
		if (poll(&p, 1, i < NMAX + 4 ? 500 : 100) == 1) {
			const char *line = cli_line(cs[i]);

			assert_non_null(line);
			assert_non_null(strstr(line, "too many control connections"));
			assert_true(cli_eof(cs[i]));
			refused++;
		} else {
			r = cli_call(cs[i], "{\"cmd\":\"echo\"}\n");
			assert_true(reply_ok(r));
			json_decref(r);
			served++;
		}
	}
	assert_int_equal(served, NMAX);
	assert_int_equal(refused, NCONN - NMAX);
	for (i = 0; i < NCONN; i++)
		cli_close(cs[i]);
	usleep(100 * 1000);
	/* Slots are free again. */
	for (i = 0; i < NMAX; i++) {
		cs[i] = cli_open(s.path);
		r = cli_call(cs[i], "{\"cmd\":\"echo\"}\n");
		assert_true(reply_ok(r));
		json_decref(r);
	}
	for (i = 0; i < NMAX; i++)
		cli_close(cs[i]);
	srv_stop(&s);
}

/* Bind a socket at @path and close it without unlinking: what a crashed daemon leaves. */
static void
make_stale_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

static void
test_socket_file(void **state)
{
	char dir[64], sub[96], path[128], file[128], buf[16];
	struct evloop *loop;
	struct ctl *c, *c2;
	struct stat st;
	int fd;

	(void)state;
	strcpy(dir, "/tmp/swerve-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/ctl.sock", sub);
	assert_int_equal(evloop_new(&loop), 0);

	/* Parent created 0750, socket mode as asked. */
	assert_int_equal(ctl_open(loop, path, 0660, 4, 1000, &c), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);

	/* A live socket is not stolen. */
	assert_int_equal(ctl_open(loop, path, 0660, 4, 1000, &c2), -EADDRINUSE);
	assert_int_equal(lstat(path, &st), 0);
	ctl_close(c);
	assert_int_equal(access(path, F_OK), -1);

	/* A stale socket is replaced; another mode is honoured. */
	make_stale_socket(path);
	assert_int_equal(ctl_open(loop, path, 0600, 4, 1000, &c), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ctl_close(c);

	/* A regular file is never replaced. */
	snprintf(file, sizeof(file), "%s/ctl.sock", sub);
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(ctl_open(loop, path, 0660, 4, 1000, &c), -EEXIST);
	fd = open(file, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_memory_equal(buf, "keep", 4);
	unlink(file);

	/* Bad arguments. */
	assert_int_equal(ctl_open(loop, "", 0660, 4, 1000, &c), -EINVAL);
	assert_int_equal(ctl_open(loop, path, 0660, 0, 1000, &c), -EINVAL);
	memset(file, 'x', sizeof(file) - 1);
	file[0] = '/';
	file[sizeof(file) - 1] = '\0';
	assert_int_equal(ctl_open(loop, file, 0660, 4, 1000, &c), -ENAMETOOLONG);

	evloop_free(loop);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- swervectl as a subprocess against the test server ---- */

struct run {
	int status;
	char out[8192];
	char err[4096];
	uint64_t ms;
};

static void
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/* Run swervectl with @args (NULL-terminated); stdout and stderr captured through files in @dir. */
static void
run_ctl(const char *dir, struct run *r, const char *const *args)
{
	const char *bdir = getenv("SWERVE_BUILDDIR");
	char bin[512], out[128], err[128];
	char *argv[24];
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	pid_t pid;
	int i, st;

	if (bdir == NULL)
		fail_msg("SWERVE_BUILDDIR is not set (run through meson test)");
	snprintf(bin, sizeof(bin), "%s/control/swervectl", bdir);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	snprintf(err, sizeof(err), "%s/err.txt", dir);
	argv[0] = bin;
	for (i = 0; args[i] != NULL && i < 22; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		0);
	assert_int_equal(
		posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600),
		0);
	t0 = evloop_now_ms();
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r->ms = evloop_now_ms() - t0;
	assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

#define RUN(s, r, ...)                                                                             \
	do {                                                                                       \
		const char *const a_[] = {__VA_ARGS__, NULL};                                      \
		run_ctl((s)->dir, (r), a_);                                                        \
	} while (0)

static void
expect_status(const struct run *r, int status)
{
	if (r->status != status)
		fail_msg("exit %d, expected %d; stdout <%s> stderr <%s>", r->status, status, r->out,
			 r->err);
}

/* The request the server received, from --json output of an h_args command. */
static json_t *
sent_request(const struct run *r)
{
	json_t *j, *got;

	expect_status(r, 0);
	j = json_loads(r->out, 0, NULL);
	assert_non_null(j);
	got = json_incref(json_object_get(j, "got"));
	assert_non_null(got);
	json_decref(j);
	return got;
}

static void
expect_sent(struct srv *s, const char *expected, const char *const *args)
{
	json_t *want = json_loads(expected, 0, NULL);
	struct run r;
	json_t *got;
	char *g;

	assert_non_null(want);
	run_ctl(s->dir, &r, args);
	got = sent_request(&r);
	if (!json_equal(got, want)) {
		g = json_dumps(got, JSON_COMPACT);
		fail_msg("sent %s, expected %s", g, expected);
	}
	json_decref(got);
	json_decref(want);
}

#define SENT(s, expected, ...)                                                                     \
	do {                                                                                       \
		const char *const a_[] = {"-s", (s)->path, "--json", __VA_ARGS__, NULL};           \
		expect_sent((s), (expected), a_);                                                  \
	} while (0)

static void
test_cli_output(void **state)
{
	struct srv s;
	struct run r;

	(void)state;
	srv_start(&s, 8, 5000);

	/* Readable rendering: aligned scalars, a table with the union of columns, a section. */
	RUN(&s, &r, "-s", s.path, "table");
	expect_status(&r, 0);
	assert_string_equal(r.out, "version:        1.2.3\n"
				   "uptime_seconds: 42\n"
				   "zones:\n"
				   "  NAME          SERIAL      EXTRA\n"
				   "  example.com.  2024010101  -\n"
				   "  b.test.       7           {\"x\":1}\n"
				   "config:\n"
				   "  path:    /etc/s.yaml\n"
				   "  checked: true\n");
	assert_string_equal(r.err, "");

	/* --json: the reply line exactly as the server sent it. */
	RUN(&s, &r, "-s", s.path, "--json", "table");
	expect_status(&r, 0);
	assert_string_equal(
		r.out, "{\"ok\":true,\"version\":\"1.2.3\",\"uptime_seconds\":42,\"zones\":"
		       "[{\"name\":\"example.com.\",\"serial\":2024010101},{\"name\":\"b.test.\","
		       "\"serial\":7,\"extra\":{\"x\":1}}],\"config\":{\"path\":\"/etc/s.yaml\","
		       "\"checked\":true}}\n");

	/* An unknown command with KEY=VALUE arguments, typed. */
	RUN(&s, &r, "-s", s.path, "echo", "value=hi there", "flag=true");
	expect_status(&r, 0);
	assert_string_equal(r.out, "echo: hi there\nn:    1\nflag: true\n");

	/* The server's help, as a table. */
	RUN(&s, &r, "-s", s.path, "help");
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "commands:\n  NAME "));
	assert_non_null(strstr(r.out, "MUTATING"));
	assert_non_null(strstr(r.out, "echo [value] [flag]"));

	/* The socket from the environment. */
	setenv("SWERVE_CONTROL_SOCKET", s.path, 1);
	RUN(&s, &r, "echo");
	unsetenv("SWERVE_CONTROL_SOCKET");
	expect_status(&r, 0);
	srv_stop(&s);
}

static void
test_cli_arguments(void **state)
{
	struct srv s;

	(void)state;
	srv_start(&s, 8, 5000);
	SENT(&s, "{\"cmd\":\"status\"}", "status");
	SENT(&s, "{\"cmd\":\"stats\",\"reset\":true}", "stats", "--reset");
	SENT(&s, "{\"cmd\":\"zone-reload\"}", "zone-reload");
	SENT(&s, "{\"cmd\":\"zone-reload\",\"zone\":\"example.com\"}", "zone-reload",
	     "example.com");
	SENT(&s, "{\"cmd\":\"lookup\",\"name\":\"www.example.com\",\"type\":\"AAAA\"}", "lookup",
	     "www.example.com", "AAAA");
	SENT(&s, "{\"cmd\":\"log-level\",\"level\":\"debug\"}", "log-level", "debug");
	SENT(&s, "{\"cmd\":\"failover-show\",\"name\":\"www.example.com\"}", "failover-show",
	     "www.example.com");
	SENT(&s, "{\"cmd\":\"endpoint-drain\",\"endpoint\":\"web1\"}", "endpoint-drain", "web1");
	SENT(&s, "{\"cmd\":\"endpoint-undrain\",\"endpoint\":\"web1\",\"record\":\"www\"}",
	     "endpoint-undrain", "web1", "www");
	SENT(&s,
	     "{\"cmd\":\"endpoint-set\",\"record\":\"www\",\"endpoint\":\"web1\",\"state\":"
	     "\"down\"}",
	     "endpoint-set", "www", "web1", "down");
	SENT(&s, "{\"cmd\":\"failover-force\",\"name\":\"www\",\"pool\":\"backup\"}",
	     "failover-force", "www", "backup");
	SENT(&s, "{\"cmd\":\"failover-auto\",\"name\":\"www\"}", "failover-auto", "www");
	SENT(&s, "{\"cmd\":\"events\",\"count\":5}", "events", "5");
	SENT(&s, "{\"cmd\":\"events\"}", "events");
	SENT(&s, "{\"cmd\":\"status\",\"verbose\":true,\"n\":-3,\"x\":\"a=b\"}", "status",
	     "verbose=true", "n=-3", "x=a=b");
	srv_stop(&s);
}

/* A server that answers every connection with a line that is not a reply. */
static void *
garbage_main(void *arg)
{
	int lfd = *(int *)arg;
	char b[256];
	int fd = accept(lfd, NULL, NULL);

	if (fd >= 0) {
		(void)!recv(fd, b, sizeof(b), 0);
		(void)!send(fd, "[\"not a reply\"]\n", 16, MSG_NOSIGNAL);
		close(fd);
	}
	return NULL;
}

static void
test_cli_exit_codes(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char gpath[160];
	struct srv s;
	struct run r;
	pthread_t th;
	int lfd;

	(void)state;
	srv_start(&s, 8, 5000);

	/* 1: the command failed; the message on stderr, nothing on stdout. */
	RUN(&s, &r, "-s", s.path, "fail");
	expect_status(&r, 1);
	assert_string_equal(r.err, "error: failed on purpose\n");
	assert_string_equal(r.out, "");
	RUN(&s, &r, "-s", s.path, "no-such-command");
	expect_status(&r, 1);
	assert_non_null(strstr(r.err, "unknown command \"no-such-command\""));
	RUN(&s, &r, "-s", s.path, "--json", "fail");
	expect_status(&r, 1);
	assert_string_equal(r.out, "{\"ok\":false,\"error\":\"failed on purpose\"}\n");

	/* 2: usage errors, before any connection is made. */
	RUN(&s, &r, "-s", s.path);
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "no command"));
	RUN(&s, &r, "-s", s.path, "lookup");
	expect_status(&r, 2);
	assert_non_null(strstr(r.err, "missing NAME"));
	RUN(&s, &r, "-s", s.path, "status", "extra");
	expect_status(&r, 2);
	RUN(&s, &r, "-s", s.path, "endpoint-set", "www", "web1", "sideways");
	expect_status(&r, 2);
	RUN(&s, &r, "-s", s.path, "events", "many");
	expect_status(&r, 2);
	RUN(&s, &r, "-s", s.path, "stats", "--bogus");
	expect_status(&r, 2);
	RUN(&s, &r, "-s", s.path, "status", "a=1", "a=2");
	expect_status(&r, 2);
	RUN(&s, &r, "-t", "soon", "-s", s.path, "status");
	expect_status(&r, 2);
	RUN(&s, &r, "--frobnicate", "status");
	expect_status(&r, 2);
	RUN(&s, &r, "-h");
	expect_status(&r, 0);
	assert_non_null(strstr(r.out, "Usage:"));
	assert_non_null(strstr(r.out, "endpoint-set RECORD ENDPOINT up|down"));

	/* 3: no daemon, a timeout, a malformed reply. */
	RUN(&s, &r, "-s", "/nonexistent/swerve.sock", "status");
	expect_status(&r, 3);
	assert_non_null(strstr(r.err, "cannot connect"));
	RUN(&s, &r, "-s", s.path, "-t", "0.3", "defer");
	expect_status(&r, 3);
	assert_non_null(strstr(r.err, "timed out"));
	assert_true(r.ms >= 250 && r.ms < 5000);

	snprintf(gpath, sizeof(gpath), "%s/garbage.sock", s.dir);
	strcpy(sa.sun_path, gpath);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(pthread_create(&th, NULL, garbage_main, &lfd), 0);
	RUN(&s, &r, "-s", gpath, "status");
	assert_int_equal(pthread_join(th, NULL), 0);
	close(lfd);
	unlink(gpath);
	expect_status(&r, 3);
	assert_non_null(strstr(r.err, "malformed reply"));

	/* The server shrugged all of that off. */
	RUN(&s, &r, "-s", s.path, "echo");
	expect_status(&r, 0);
	srv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_pipelined_and_deferred),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_disconnects),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_slow_reader),
		cmocka_unit_test(test_many_connections),
		cmocka_unit_test(test_socket_file),
		cmocka_unit_test(test_cli_output),
		cmocka_unit_test(test_cli_arguments),
		cmocka_unit_test(test_cli_exit_codes),
	};

	/* Keep the expected warnings (refusals, overlong lines) out of the test output. */
	sw_log_init("stderr", LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
