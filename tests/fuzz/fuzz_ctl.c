/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: octets as control-socket request lines -> ctl.c over a real Unix socket and the evloop. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <jansson.h>

#include "swerve/ctl.h"
#include "swerve/evloop.h"
#include "fuzz_util.h"
#include "sock.h"

/*
 * The server runs in this thread: each input opens a connection, sends the
 * octets (in chunks whose size the first octet picks, so partial lines
 * and pipelining are exercised), half-closes, and turns the loop until the
 * server closes the connection. Invariants: the server always closes (no
 * hang), every reply is one valid JSON object line with a boolean "ok" (and
 * a string "error" when false), and the replies are exactly one per
 * non-blank complete request line, in order, with the outcome an
 * independent reading of the request predicts. No ctl.c change was needed.
 *
 * First octet: bits 0-2 pick the chunk size; bit 3 appends an overlong
 * line (more than CTL_LINE_MAX octets without a newline).
 */

#define FZ_MAX_PENDING 64

struct fz_srv {
	struct evloop *loop;
	struct ctl *ctl;
	uint64_t pending[FZ_MAX_PENDING];
	unsigned npending;
	struct evloop_timer release;
};

static struct fz_srv srv;
static char fz_sock[256];

static int
fz_h_echo(void *ctx, const struct ctl_req *req, json_t *reply)
{
	const char *v;
	bool flag;
	int rc;

	(void)ctx;
	rc = ctl_arg_str(req, reply, "value", false, &v);
	if (rc == 0)
		rc = ctl_arg_bool(req, reply, "flag", &flag);
	if (rc < 0)
		return rc;
	json_object_set_new(reply, "echo", json_string(v != NULL ? v : ""));
	if (flag)
		json_object_set_new(reply, "flag", json_true());
	return 0;
}

static int
fz_h_fail(void *ctx, const struct ctl_req *req, json_t *reply)
{
	(void)ctx;
	(void)req;
	json_object_set_new(reply, "junk", json_true());
	return ctl_fail(reply, "failed on purpose: %s", req->cmd);
}

static int
fz_h_need(void *ctx, const struct ctl_req *req, json_t *reply)
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
	return 0;
}

static void
fz_release(void *arg)
{
	struct fz_srv *s = arg;
	unsigned n = s->npending;

	s->npending = 0;
	for (unsigned i = 0; i < n; i++)
		ctl_reply_deferred(s->ctl, s->pending[i], true, json_pack("{s:b}", "released", 1));
}

/* Answered later, from a timer: pipelined requests behind it must wait. */
static int
fz_h_defer(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct fz_srv *s = ctx;

	if (s->npending == FZ_MAX_PENDING)
		return ctl_fail(reply, "too many pending");
	s->pending[s->npending++] = req->client;
	if (evloop_timer_arm(s->loop, &s->release, 0) < 0)
		abort();
	return CTL_DEFERRED;
}

/* Completes before it returns CTL_DEFERRED. */
static int
fz_h_sync(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct fz_srv *s = ctx;

	(void)reply;
	ctl_reply_deferred(s->ctl, req->client, false, json_pack("{s:s}", "error", "sync"));
	return CTL_DEFERRED;
}

static const struct ctl_cmd fz_cmds[] = {
	{"echo", fz_h_echo, &srv, false, "echo [value] [flag]"},
	{"fail", fz_h_fail, &srv, true, "fail"},
	{"need", fz_h_need, &srv, true, "need zone [reset]"},
	{"defer", fz_h_defer, &srv, false, "defer"},
	{"sync", fz_h_sync, &srv, false, "sync"},
};

static void
fz_init(void)
{
	fz_quiet_logs();
	snprintf(fz_sock, sizeof(fz_sock), "%s/ctl.sock", fz_tmpdir());
	FZ_CHECK(evloop_new(&srv.loop) == 0, "evloop_new");
	FZ_CHECK(ctl_open(srv.loop, fz_sock, 0600, 4, 600000, &srv.ctl) == 0, "ctl_open");
	FZ_CHECK(ctl_register(srv.ctl, fz_cmds, sizeof(fz_cmds) / sizeof(fz_cmds[0])) == 0,
		 "ctl_register");
	evloop_timer_init(&srv.release, fz_release, &srv);
}

/* -1: the reply must be ok:false; 1: ok:true. Mirrors the documented protocol, not ctl.c. */
static int
fz_predict(const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	const json_t *cmd, *v;
	const char *name;
	int ok = -1;

	if (req == NULL || !json_is_object(req))
		goto out;
	cmd = json_object_get(req, "cmd");
	if (!json_is_string(cmd))
		goto out;
	name = json_string_value(cmd);
	if (strcmp(name, "help") == 0 || strcmp(name, "defer") == 0) {
		ok = 1;
	} else if (strcmp(name, "echo") == 0) {
		v = json_object_get(req, "value");
		if (v != NULL && !json_is_null(v) && !json_is_string(v))
			goto out;
		v = json_object_get(req, "flag");
		if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
			goto out;
		ok = 1;
	} else if (strcmp(name, "need") == 0) {
		if (!json_is_string(json_object_get(req, "zone")))
			goto out;
		v = json_object_get(req, "reset");
		if (v != NULL && !json_is_null(v) && !json_is_boolean(v))
			goto out;
		ok = 1;
	}
out:
	json_decref(req);
	return ok;
}

static bool
fz_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* The outcomes the replies must have, in order; returns their number. */
static size_t
fz_expect(const char *in, size_t len, bool overlong, int *want, size_t max)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < len && n < max; i++) {
		size_t l;

		if (in[i] != '\n')
			continue;
		l = i - start;
		if (l > 0 && in[start + l - 1] == '\r')
			l--;
		if (!fz_blank(in + start, l))
			want[n++] = fz_predict(in + start, l);
		start = i + 1;
	}
	/* The tail after the last newline: dropped at EOF, or part of the overlong line. */
	if (overlong && n < max)
		want[n++] = -1;
	return n;
}

static void
fz_check_replies(const char *out, size_t olen, const int *want, size_t nwant)
{
	size_t n = 0, start = 0;

	FZ_CHECK(olen == 0 || out[olen - 1] == '\n', "last reply line not terminated");
	for (size_t i = 0; i < olen; i++) {
		json_error_t jerr;
		json_t *r, *ok, *err;

		if (out[i] != '\n')
			continue;
		r = json_loadb(out + start, i - start, JSON_REJECT_DUPLICATES, &jerr);
		FZ_CHECK(r != NULL && json_is_object(r), "reply %zu is not a JSON object: %.*s", n,
			 (int)(i - start), out + start);
		ok = json_object_get(r, "ok");
		FZ_CHECK(json_is_boolean(ok), "reply %zu without a boolean \"ok\"", n);
		err = json_object_get(r, "error");
		if (json_is_false(ok))
			FZ_CHECK(json_is_string(err), "failed reply %zu without an error string", n);
		else
			FZ_CHECK(err == NULL && json_object_get(r, "junk") == NULL,
				 "successful reply %zu with error or partial results", n);
		FZ_CHECK(n < nwant, "more replies than requests (%zu): %.*s", nwant,
			 (int)(i - start), out + start);
		FZ_CHECK(json_is_true(ok) == (want[n] > 0), "reply %zu: ok %d, expected %d: %.*s", n,
			 json_is_true(ok), want[n], (int)(i - start), out + start);
		json_decref(r);
		n++;
		start = i + 1;
	}
	FZ_CHECK(n == nwant, "%zu replies to %zu requests", n, nwant);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t chunks[8] = {1 << 20, 1, 2, 7, 64, 512, 4096, 13};
	static int want[70000];
	char *in, *out = NULL;
	size_t len, sent = 0, olen = 0, ocap = 0, nwant, chunk;
	bool overlong, shut = false, eof = false;
	int fd, spins = 0;

	if (size < 1)
		return 0;
	if (srv.loop == NULL)
		fz_init();
	chunk = chunks[data[0] & 7];
	overlong = (data[0] & 8) != 0;
	len = size - 1 + (overlong ? CTL_LINE_MAX + 16 : 0);
	in = malloc(len + 1);
	memcpy(in, data + 1, size - 1);
	if (overlong)
		memset(in + size - 1, 'x', CTL_LINE_MAX + 16);
	nwant = fz_expect(in, overlong ? size - 1 : len, overlong, want,
			  sizeof(want) / sizeof(want[0]));

	fd = tu_unix_connect(fz_sock, SOCK_NONBLOCK);
	FZ_CHECK(fd >= 0, "connect: %s", strerror(errno));
	while (!eof) {
		FZ_CHECK(++spins < 200000, "the server never closed the connection (%zu/%zu sent)",
			 sent, len);
		if (sent < len) {
			/* The overlong tail goes in large pieces: its point is its length. */
			size_t step = sent < size - 1 ? chunk : 65536;
			size_t want_n = len - sent < step ? len - sent : step;
			ssize_t w = send(fd, in + sent, want_n, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
				sent = len; /* The server closed on us (overlong line). */
		}
		if (sent == len && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		FZ_CHECK(evloop_run_once(srv.loop, 0) >= 0, "evloop_run_once");
		for (;;) {
			ssize_t r;

			if (ocap - olen < 65536) {
				ocap = ocap == 0 ? 131072 : ocap * 2;
				out = realloc(out, ocap);
			}
			r = recv(fd, out + olen, ocap - olen, MSG_DONTWAIT);
			if (r > 0) {
				olen += (size_t)r;
				continue;
			}
			if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				eof = true;
			break;
		}
	}
	close(fd);
	/* Let the server notice and free the connection before the next input. */
	for (int i = 0; i < 4; i++)
		evloop_run_once(srv.loop, 0);
	FZ_CHECK(srv.npending == 0, "deferred requests left pending");
	fz_check_replies(out, olen, want, nwant);
	free(out);
	free(in);
	return 0;
}
