/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for failover: selection, hysteresis, overrides, persistence, events, publishing. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <urcu-qsbr.h>

#include "../../control/failover/failover_core.h"
#include "../../control/failover/failover_ctl.h"
#include "../../control/failover/failover_state.h"
#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

#define T_A    1
#define T_AAAA 28

/* Per-test state: a config built by hand (config.c is tested on its own), a loop, the engine. */
struct ts {
	struct swerve_config cfg;
	struct evloop *loop;
	struct failover *f;
	char dir[64];
	char state_path[128];
	pid_t http_pid[2];
	uint16_t http_port[2];
	int listen_fd;
};

/*
 * A record from a compact spec: pools separated by ';', each "name:" then
 * endpoints "name=address" separated by ','. Example:
 * "primary:a=198.18.1.1,b=198.18.1.2;backup:c=198.18.2.1".
 */
static void
rec_add(struct ts *t, const char *name, uint16_t type, enum cfg_check_kind kind, const char *spec)
{
	struct cfg_failover *r;
	char *dup = strdup(spec), *save1 = NULL, *pool;

	t->cfg.failovers = realloc(t->cfg.failovers, (t->cfg.nfailovers + 1) * sizeof(*r));
	assert_non_null(t->cfg.failovers);
	r = &t->cfg.failovers[t->cfg.nfailovers++];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->type = type;
	r->ttl = 30;
	r->degraded_ttl = 10;
	r->initial_up = true;
	r->all_down = CFG_ALL_DOWN_FIRST_POOL;
	r->check.kind = kind;
	r->check.interval_ms = 100;
	r->check.timeout_ms = 80;
	r->check.rise = 2;
	r->check.fall = 3;
	r->check.port = kind == CFG_CHECK_TCP ? 9 : 0;
	for (pool = strtok_r(dup, ";", &save1); pool != NULL; pool = strtok_r(NULL, ";", &save1)) {
		struct cfg_pool *p;
		char *colon = strchr(pool, ':'), *save2 = NULL, *e;

		r->pools = realloc(r->pools, (r->npools + 1) * sizeof(*p));
		assert_non_null(r->pools);
		p = &r->pools[r->npools++];
		memset(p, 0, sizeof(*p));
		p->name = strndup(pool, (size_t)(colon - pool));
		for (e = strtok_r(colon + 1, ",", &save2); e != NULL;
		     e = strtok_r(NULL, ",", &save2)) {
			struct cfg_endpoint *ep;
			char *eq = strchr(e, '=');

			p->endpoints = realloc(p->endpoints, (p->nendpoints + 1) * sizeof(*ep));
			assert_non_null(p->endpoints);
			ep = &p->endpoints[p->nendpoints++];
			memset(ep, 0, sizeof(*ep));
			ep->name = strndup(e, (size_t)(eq - e));
			ep->addr.family = type == T_A ? AF_INET : AF_INET6;
			assert_int_equal(inet_pton(ep->addr.family, eq + 1, &ep->addr.v6), 1);
		}
	}
	free(dup);
}

static struct cfg_failover *
rec_cfg(struct ts *t, size_t i)
{
	return &t->cfg.failovers[i];
}

static void
cfg_clear(struct ts *t)
{
	for (size_t i = 0; i < t->cfg.nfailovers; i++) {
		struct cfg_failover *r = &t->cfg.failovers[i];

		for (size_t p = 0; p < r->npools; p++) {
			for (size_t e = 0; e < r->pools[p].nendpoints; e++) {
				free(r->pools[p].endpoints[e].name);
				free(r->pools[p].endpoints[e].check_host);
			}
			free(r->pools[p].endpoints);
			free(r->pools[p].name);
		}
		free(r->pools);
		free(r->name);
		free(r->check.path);
	}
	free(t->cfg.failovers);
	t->cfg.failovers = NULL;
	t->cfg.nfailovers = 0;
}

static int
setup(void **state)
{
	struct ts *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->listen_fd = -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/swerve-fo-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->state_path, sizeof(t->state_path), "%s/state/failover.json", t->dir);
	t->cfg.path = "test.yaml";
	t->cfg.failover_state_file = t->state_path;
	assert_int_equal(evloop_new(&t->loop), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct ts *t = *state;
	char cmd[160];

	failover_free(t->f);
	if (t->listen_fd >= 0) {
		evloop_del(t->loop, t->listen_fd);
		close(t->listen_fd);
	}
	for (int i = 0; i < 2; i++) {
		if (t->http_pid[i] > 0) {
			kill(t->http_pid[i], SIGTERM);
			waitpid(t->http_pid[i], NULL, 0);
		}
	}
	evloop_free(t->loop);
	cfg_clear(t);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static void
fo_open(struct ts *t)
{
	struct sw_diag d = {0};
	int rc = failover_new(&t->cfg, t->loop, &t->f, &d);

	if (rc != 0)
		fail_msg("failover_new: %s", d.msg);
}

static void
fo_reopen(struct ts *t)
{
	failover_free(t->f);
	t->f = NULL;
	fo_open(t);
}

/* "TTL addr addr ..." of what the slot serves, or "SERVFAIL"; checks the wire form on the way. */
static const char *
slot_text(struct failover *f, size_t i)
{
	static char buf[1024];
	struct rrt_slot *const *slots;
	const struct rrt_rrset *rs;
	size_t o;

	assert_true(i < failover_slots(f, &slots));
	rcu_thread_online();
	rs = rrt_slot_get(slots[i]);
	if (rs == NULL) {
		rcu_thread_offline();
		return "SERVFAIL";
	}
	o = (size_t)snprintf(buf, sizeof(buf), "%u", rs->ttl);
	assert_int_equal(rs->type, slots[i]->type);
	for (uint16_t off = 0, k = 0; off < rs->len; off = rrt_rrset_next(rs, off), k++) {
		const uint8_t *w = rs->wire + off;
		uint16_t rdlen = (uint16_t)(w[10] << 8 | w[11]);
		char a[INET6_ADDRSTRLEN];

		assert_true(k < rs->count);
		assert_int_equal(w[0], 0xc0);
		assert_int_equal(w[1], 0x0c);
		assert_int_equal(w[2] << 8 | w[3], rs->type);
		assert_int_equal((uint32_t)w[6] << 24 | w[7] << 16 | w[8] << 8 | w[9], rs->ttl);
		assert_int_equal(rdlen, rs->type == T_A ? 4 : 16);
		inet_ntop(rdlen == 4 ? AF_INET : AF_INET6, w + 12, a, sizeof(a));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, " %s", a);
	}
	rcu_thread_offline();
	return buf;
}

/* Run the loop for @ms, letting the call_rcu thread finish its grace periods. */
static void
pump(struct ts *t, uint64_t ms)
{
	uint64_t end = evloop_now_ms() + ms;

	for (uint64_t now = evloop_now_ms(); now < end; now = evloop_now_ms())
		evloop_run_once(t->loop, (int)(end - now));
}

/* Run the loop until slot @i serves @want; returns the milliseconds it took, or fails. */
static uint64_t
pump_until_slot(struct ts *t, size_t i, const char *want, uint64_t max_ms)
{
	uint64_t start = evloop_now_ms();

	while (strcmp(slot_text(t->f, i), want) != 0) {
		if (evloop_now_ms() - start > max_ms)
			fail_msg("slot %zu serves \"%s\", want \"%s\" after %llu ms", i,
				 slot_text(t->f, i), want, (unsigned long long)max_ms);
		evloop_run_once(t->loop, 10);
	}
	return evloop_now_ms() - start;
}

/* Call a registered command the way the control server does. */
static json_t *
call(struct ts *t, const char *cmd, const char *args)
{
	const struct ctl_cmd *cmds;
	size_t n = fo_ctl_commands(t->f, &cmds);
	json_t *req_args = json_loads(args != NULL ? args : "{}", 0, NULL);
	json_t *reply = json_object();
	struct ctl_req req = {.cmd = cmd, .uid = 1000, .gid = 1000, .pid = 4242, .client = 1};
	bool found = false;
	int rc = -1;

	assert_non_null(req_args);
	req.args = req_args;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cmds[i].name, cmd) == 0) {
			found = true;
			rc = cmds[i].fn(cmds[i].ctx, &req, reply);
		}
	}
	assert_true(found);
	/* The contract: failure means a negative code and an "error" member. */
	assert_true(rc <= 0);
	assert_true(rc == 0 || json_is_string(json_object_get(reply, "error")));
	json_object_set_new(reply, "ok", json_boolean(rc == 0));
	json_decref(req_args);
	return reply;
}

static void
call_ok(struct ts *t, const char *cmd, const char *args)
{
	json_t *r = call(t, cmd, args);

	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s %s: %s", cmd, args, json_string_value(json_object_get(r, "error")));
	json_decref(r);
}

/* The command fails, and its error message contains @needle. */
static void
call_err(struct ts *t, const char *cmd, const char *args, const char *needle)
{
	json_t *r = call(t, cmd, args);
	const char *e = json_string_value(json_object_get(r, "error"));

	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_non_null(e);
	if (strstr(e, needle) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", cmd, e, needle);
	json_decref(r);
}

static void
set_manual(struct ts *t, const char *record, const char *ep, const char *st)
{
	char args[256];

	snprintf(args, sizeof(args), "{\"record\":\"%s\",\"endpoint\":\"%s\",\"state\":\"%s\"}",
		 record, ep, st);
	call_ok(t, "endpoint-set", args);
}

/* Let the coalescing window pass so the next change publishes at once. */
static void
settle(struct ts *t)
{
	pump(t, FO_COALESCE_MS + 10);
}

static const char pools3[] =
	"primary:a=198.18.1.1,b=198.18.1.2;backup:c=198.18.2.1;last:d=198.18.3.1";

static void
test_initial_selection(void **state)
{
	struct ts *t = *state;
	struct rrt_slot *const *slots;

	rec_add(t, "www.example.com.", T_A, CFG_CHECK_MANUAL, pools3);
	rec_add(t, "WWW.Example.COM", T_AAAA, CFG_CHECK_MANUAL, "p:x=2001:2::1,y=2001:2::2");
	rec_cfg(t, 1)->initial_up = false;
	fo_open(t);
	assert_int_equal(failover_slots(t->f, &slots), 2);
	assert_int_equal(slots[0]->type, T_A);
	assert_int_equal(slots[1]->type, T_AAAA);
	assert_memory_equal(slots[1]->name, "\3www\7example\3com", 17);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	/* Everything down from the start: fail open to pool 0 with the degraded TTL. */
	assert_string_equal(slot_text(t->f, 1), "10 2001:2::1 2001:2::2");
	assert_int_equal(failover_start(t->f), 0);
}

static void
test_pool_order_and_degraded_ttl(void **state)
{
	struct ts *t = *state;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	set_manual(t, "www.example.com", "a", "down");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	settle(t);
	set_manual(t, "www.example.com", "b", "down");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.2.1");
	settle(t);
	set_manual(t, "www.example.com", "c", "down");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.3.1");
	settle(t);
	/* A pool 0 member back: pool 0 again, degraded until it is whole. */
	set_manual(t, "www.example.com", "b", "up");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	settle(t);
	set_manual(t, "www.example.com", "a", "up");
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	/* primary -> backup -> last -> primary; a member coming back within a pool is not one. */
	assert_int_equal(t->f->recs[0].transitions, 3);
	assert_int_equal(t->f->recs[0].publishes, 5);
}

static void
all_down(struct ts *t)
{
	const char *eps[] = {"a", "b", "c", "d"};

	for (size_t i = 0; i < 4; i++) {
		set_manual(t, "www.example.com", eps[i], "down");
		settle(t);
	}
}

static void
test_all_down_policies(void **state)
{
	struct ts *t = *state;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	all_down(t);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1 198.18.1.2");
	assert_true(t->f->recs[0].pub.all_down);
	/* A drained member is not served even when failing open. */
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"a\"}");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");

	rec_cfg(t, 0)->all_down = CFG_ALL_DOWN_SERVE_ALL;
	fo_reopen(t);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2 198.18.2.1 198.18.3.1");
	assert_int_equal(t->f->recs[0].pub.serving, FO_SERVE_ALL);

	rec_cfg(t, 0)->all_down = CFG_ALL_DOWN_SERVFAIL;
	fo_reopen(t);
	assert_string_equal(slot_text(t->f, 0), "SERVFAIL");
	settle(t);
	set_manual(t, "www.example.com", "d", "up");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.3.1");
	settle(t);
	set_manual(t, "www.example.com", "d", "down");
	assert_string_equal(slot_text(t->f, 0), "SERVFAIL");
	assert_int_equal(t->f->recs[0].pub.serving, FO_SERVE_NONE);
}

static void
test_rise_fall(void **state)
{
	struct ts *t = *state;
	struct fo_endpoint *a;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP, pools3);
	fo_open(t);
	a = &t->f->recs[0].eps[0];
	/* fall 3: two failures keep it up, a success resets the count. */
	fo_endpoint_result(a, false, 1000, "connect: refused");
	fo_endpoint_result(a, false, 1000, "connect: refused");
	assert_true(a->up);
	fo_endpoint_result(a, true, 1000, "ok");
	fo_endpoint_result(a, false, 1000, "connect: refused");
	fo_endpoint_result(a, false, 1000, "connect: refused");
	assert_true(a->up);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	fo_endpoint_result(a, false, 1000, "connect: refused");
	assert_false(a->up);
	assert_int_equal(a->fail, 3);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	/* rise 2 */
	fo_endpoint_result(a, true, 1000, "ok");
	assert_false(a->up);
	fo_endpoint_result(a, false, 1000, "http status 503");
	fo_endpoint_result(a, true, 1000, "ok");
	assert_false(a->up);
	fo_endpoint_result(a, true, 1000, "ok");
	assert_true(a->up);
	assert_string_equal(a->last_reason, "ok");
	/* Within the coalescing window: published when it ends. */
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	pump_until_slot(t, 0, "30 198.18.1.1 198.18.1.2", 500);
	assert_int_equal(t->f->recs[0].checks_ok, 4);
	assert_int_equal(t->f->recs[0].checks_fail, 6);
	/* Manual endpoints refuse endpoint-set on a tcp record. */
	call_err(t, "endpoint-set",
		 "{\"record\":\"www.example.com\",\"endpoint\":\"a\",\"state\":\"down\"}",
		 "manual");
	assert_true(a->up);
}

static void
accept_and_close(void *arg, int fd, uint32_t events)
{
	int c = accept(fd, NULL, NULL);

	(void)arg;
	(void)events;
	if (c >= 0)
		close(c);
}

static int
listen_local(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	assert_int_equal(listen(fd, 64), 0);
	return fd;
}

/* A free loopback port: bound then released (the caller binds it again at once). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sin;
	int fd = listen_local(&sin);

	close(fd);
	return ntohs(sin.sin_port);
}

static void
check_via_loopback(struct ts *t, size_t rec, size_t pool, size_t ep, uint16_t port)
{
	struct cfg_endpoint *e = &rec_cfg(t, rec)->pools[pool].endpoints[ep];

	e->has_check_addr = true;
	e->check_addr.family = AF_INET;
	e->check_addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	e->check_port = port;
}

static void
test_tcp_checks_move_the_answer(void **state)
{
	struct ts *t = *state;
	struct sockaddr_in sin;
	uint16_t dead = free_port();
	uint64_t ms;

	t->listen_fd = listen_local(&sin);
	assert_int_equal(evloop_add(t->loop, t->listen_fd, EPOLLIN, accept_and_close, NULL), 0);
	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP,
		"primary:a=198.18.1.1;backup:c=198.18.2.1");
	rec_cfg(t, 0)->initial_up = false;
	rec_cfg(t, 0)->check.fall = 2;
	check_via_loopback(t, 0, 0, 0, ntohs(sin.sin_port));
	check_via_loopback(t, 0, 1, 0, dead);
	fo_open(t);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1");
	assert_int_equal(failover_start(t->f), 0);
	/* rise 2 at 100 ms: the first probe within one interval, so up within ~3 intervals. */
	pump_until_slot(t, 0, "30 198.18.1.1", 1000);
	assert_true(t->f->recs[0].eps[0].up);
	assert_false(t->f->recs[0].eps[1].up);
	assert_true(strstr(t->f->recs[0].eps[0].target_text, "127.0.0.1:") != NULL);

	/* Primary gone: refused twice (fall 2) -> backup, down and fail open to pool 0. */
	evloop_del(t->loop, t->listen_fd);
	close(t->listen_fd);
	t->listen_fd = -1;
	ms = pump_until_slot(t, 0, "10 198.18.1.1", 1000);
	assert_false(t->f->recs[0].eps[0].up);
	/* interval x fall + one interval, plus scheduling slack. */
	assert_true(ms <= 100 * 2 + 100 + 150);
	assert_true(t->f->recs[0].pub.all_down);
	assert_true(t->f->recs[0].checks_fail >= 2);
	/* At most one probe in flight per endpoint, and the history says why. */
	assert_true(fo_events_count(&t->f->events) >= 2);
}

static void
test_drain_undrain(void **state)
{
	struct ts *t = *state;
	json_t *r;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	rec_add(t, "api.example.com", T_A, CFG_CHECK_MANUAL, "p:b=198.18.1.2,z=198.18.9.9");
	fo_open(t);
	/* By address, in every record that has it. */
	r = call(t, "endpoint-drain", "{\"endpoint\":\"198.18.1.2\"}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "changed")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "endpoints")), 2);
	json_decref(r);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1");
	assert_string_equal(slot_text(t->f, 1), "10 198.18.9.9");
	/* Checks keep running on a drained endpoint: its health still changes. */
	settle(t);
	set_manual(t, "www.example.com", "b", "down");
	assert_false(t->f->recs[0].eps[1].up);
	/* Undrain in one record only, by name. */
	call_ok(t, "endpoint-undrain", "{\"endpoint\":\"b\",\"record\":\"api.example.com.\"}");
	assert_string_equal(slot_text(t->f, 1), "30 198.18.1.2 198.18.9.9");
	assert_true(t->f->recs[0].eps[1].drained);
	/* Errors change nothing. */
	call_err(t, "endpoint-drain", "{\"endpoint\":\"nope\"}", "no failover record has");
	call_err(t, "endpoint-drain", "{\"endpoint\":\"a\",\"record\":\"api.example.com\"}",
		 "has no endpoint a");
	call_err(t, "endpoint-drain", "{\"endpoint\":\"a\",\"record\":\"ftp.example.com\"}",
		 "no failover record ftp.example.com");
	call_err(t, "endpoint-drain", "{}", "endpoint");
	assert_false(t->f->recs[0].eps[0].drained);
	/* Draining everything in pool 0 moves to pool 1 while pool 0 is healthy. */
	settle(t);
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"a\",\"record\":\"www.example.com\"}");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.2.1");
}

static void
test_force_auto(void **state)
{
	struct ts *t = *state;
	json_t *r, *recs;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	set_manual(t, "www.example.com", "c", "down");
	settle(t);
	/* Forced: the pool's non-drained members even when down. By name, then by index. */
	call_ok(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"backup\"}");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.2.1");
	settle(t);
	call_ok(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"2\"}");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.3.1");
	r = call(t, "failover-list", NULL);
	recs = json_object_get(r, "records");
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "mode")),
			    "forced");
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(recs, 0), "forced_pool")), "last");
	json_decref(r);
	/* Health changes do not move a forced record. */
	settle(t);
	set_manual(t, "www.example.com", "d", "down");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.3.1");
	/* Forcing pool 0 with every member up gives the normal TTL. */
	settle(t);
	call_ok(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"primary\"}");
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	call_err(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"9\"}", "no pool 9");
	call_err(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"nope\"}",
		 "no pool");
	call_err(t, "failover-force", "{\"name\":\"www.example.com\"}", "pool");
	call_err(t, "failover-force", "{\"name\":\"x.example.com\",\"pool\":\"0\"}", "no failover");
	assert_int_equal(t->f->recs[0].forced, 0);
	settle(t);
	set_manual(t, "www.example.com", "a", "down");
	settle(t);
	call_ok(t, "failover-auto", "{\"name\":\"www.example.com\"}");
	assert_int_equal(t->f->recs[0].forced, -1);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
}

static void
test_dual_stack_names(void **state)
{
	struct ts *t = *state;
	json_t *r;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, "p:a=198.18.1.1;q:b=198.18.1.2");
	rec_add(t, "www.example.com", T_AAAA, CFG_CHECK_MANUAL, "p:a=2001:2::1;q:b=2001:2::2");
	fo_open(t);
	call_err(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"q\"}", "/AAAA");
	call_ok(t, "failover-force", "{\"name\":\"www.example.com/AAAA\",\"pool\":\"q\"}");
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1");
	assert_string_equal(slot_text(t->f, 1), "10 2001:2::2");
	r = call(t, "failover-show", "{\"name\":\"WWW.example.com.\"}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_array_size(json_object_get(r, "records")), 2);
	json_decref(r);
	/* A name longer than any record name, with a type suffix: refused, nothing written past a buffer. */
	{
		char args[2100];
		int o = snprintf(args, sizeof(args), "{\"name\":\"");

		memset(args + o, 'a', 1500);
		snprintf(args + o + 1500, sizeof(args) - (size_t)o - 1500, "/A\"}");
		call_err(t, "failover-show", args, "too long");
		call_err(t, "failover-auto", args, "too long");
	}
	/* An endpoint name shared by both records: drained in both. */
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"a\",\"record\":\"www.example.com\"}");
	assert_true(t->f->recs[0].eps[0].drained);
	assert_true(t->f->recs[1].eps[0].drained);
	/* By IPv6 address in any spelling. */
	call_ok(t, "endpoint-undrain", "{\"endpoint\":\"2001:2:0::1\"}");
	assert_false(t->f->recs[1].eps[0].drained);
	assert_true(t->f->recs[0].eps[0].drained);
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 65536);

	if (fp == NULL) {
		free(buf);
		return NULL;
	}
	assert_true(fread(buf, 1, 65535, fp) > 0);
	fclose(fp);
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* An HTTP server on 127.0.0.1 (python3's http.server): "/" 200 "hello swerve", "/down" 503. */
static const char http_py[] =
	"import http.server, sys\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    def do_GET(self):\n"
	"        if self.path == '/':\n"
	"            code, body = 200, b'hello swerve\\n'\n"
	"        elif self.path == '/down':\n"
	"            code, body = 503, b'maintenance\\n'\n"
	"        else:\n"
	"            code, body = 404, b'no\\n'\n"
	"        self.send_response(code)\n"
	"        self.send_header('Content-Length', str(len(body)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(body)\n"
	"    def log_message(self, *a):\n"
	"        pass\n"
	"http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n";

static void
http_start(struct ts *t, int i)
{
	char script[160], port[8];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	uint64_t start = evloop_now_ms();
	pid_t pid;

	snprintf(script, sizeof(script), "%s/fo_http_server.py", t->dir);
	if (access(script, F_OK) != 0)
		write_file(script, http_py);
	if (t->http_port[i] == 0)
		t->http_port[i] = free_port();
	snprintf(port, sizeof(port), "%u", t->http_port[i]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("python3", "python3", script, port, (char *)NULL);
		_exit(127);
	}
	t->http_pid[i] = pid;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(t->http_port[i]);
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));

		close(fd);
		if (rc == 0)
			break;
		if (evloop_now_ms() - start > 10000)
			fail_msg("python3 http server on port %s did not start", port);
		usleep(20000);
	}
}

static void
http_stop(struct ts *t, int i)
{
	kill(t->http_pid[i], SIGTERM);
	waitpid(t->http_pid[i], NULL, 0);
	t->http_pid[i] = 0;
}

static void
http_record(struct ts *t, const char *name, const char *path, const char *body, const char *spec)
{
	struct cfg_failover *r;

	rec_add(t, name, T_A, CFG_CHECK_HTTP, spec);
	r = rec_cfg(t, t->cfg.nfailovers - 1);
	r->check.path = strdup(path);
	r->check.body = (char *)body;
	r->check.status[0] = 200;
	r->check.nstatus = 1;
	r->check.fall = 2;
	r->check.rise = 2;
}

static bool
all_checked(struct ts *t)
{
	for (size_t i = 0; i < t->f->nrecs; i++)
		for (size_t e = 0; e < t->f->recs[i].neps; e++)
			if (t->f->recs[i].eps[e].succ + t->f->recs[i].eps[e].fail < 2)
				return false;
	return true;
}

static void
test_http_checks(void **state)
{
	struct ts *t = *state;
	uint64_t start, ms;

	http_start(t, 0);
	http_start(t, 1);
	http_record(t, "www.example.com", "/", "hello", "p:a=198.18.1.1;b:c=198.18.2.1");
	check_via_loopback(t, 0, 0, 0, t->http_port[0]);
	check_via_loopback(t, 0, 1, 0, t->http_port[1]);
	/* A port that accepts TCP but answers 503: unhealthy for http, healthy for tcp. */
	http_record(t, "maint.example.com", "/down", NULL, "p:a=198.18.4.1");
	check_via_loopback(t, 1, 0, 0, t->http_port[0]);
	rec_add(t, "tcp.example.com", T_A, CFG_CHECK_TCP, "p:a=198.18.4.1");
	check_via_loopback(t, 2, 0, 0, t->http_port[0]);
	/* 200, but the body lacks the expected text. */
	http_record(t, "body.example.com", "/", "not there", "p:a=198.18.4.1");
	check_via_loopback(t, 3, 0, 0, t->http_port[0]);
	fo_open(t);
	assert_int_equal(failover_start(t->f), 0);
	start = evloop_now_ms();
	while (!all_checked(t)) {
		if (evloop_now_ms() - start > 3000)
			fail_msg("endpoints not checked twice within 3 s");
		evloop_run_once(t->loop, 10);
	}
	assert_true(t->f->recs[0].eps[0].up);
	assert_true(t->f->recs[0].eps[0].last_ok);
	assert_false(t->f->recs[1].eps[0].up);
	assert_non_null(strstr(t->f->recs[1].eps[0].last_reason, "503"));
	assert_true(t->f->recs[2].eps[0].up);
	assert_true(t->f->recs[2].eps[0].last_ok);
	assert_false(t->f->recs[3].eps[0].up);
	assert_false(t->f->recs[3].eps[0].last_ok);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1");

	/* Stop the primary's server: the backup within interval x fall + one interval. */
	http_stop(t, 0);
	ms = pump_until_slot(t, 0, "10 198.18.2.1", 2000);
	assert_true(ms <= 100 * 2 + 100 + 150);
	assert_false(t->f->recs[0].eps[0].last_ok);
	/* Start it again: back after rise successes, normal TTL. */
	http_start(t, 0);
	ms = pump_until_slot(t, 0, "30 198.18.1.1", 2000);
	assert_true(ms <= 100 * 2 + 100 + 150);
	assert_true(t->f->recs[0].transitions >= 2);
	assert_true(t->f->recs[0].checks_ok > 0 && t->f->recs[0].checks_fail > 0);
}

static void
test_persistence(void **state)
{
	struct ts *t = *state;
	char tmp[160];
	json_t *root;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	rec_add(t, "api.example.com", T_A, CFG_CHECK_TCP, "p:x=198.18.5.1,y=198.18.5.2");
	fo_open(t);
	/* No file yet: nothing to restore, and nothing written until an override. */
	assert_null(read_file(t->state_path));
	call_ok(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"backup\"}");
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"y\"}");
	set_manual(t, "www.example.com", "d", "down");
	root = json_load_file(t->state_path, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
	assert_int_equal(json_array_size(json_object_get(root, "records")), 2);
	json_decref(root);
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->state_path);
	assert_int_not_equal(access(tmp, F_OK), 0);

	fo_reopen(t);
	assert_int_equal(t->f->recs[0].forced, 1);
	assert_true(t->f->recs[1].eps[1].drained);
	assert_false(t->f->recs[0].eps[3].up);
	assert_true(t->f->recs[0].eps[0].up);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.2.1");
	assert_string_equal(slot_text(t->f, 1), "10 198.18.5.1");
	/* Restored overrides are in the history. */
	assert_int_equal(fo_events_count(&t->f->events), 2);

	/* Back to defaults: the file says so, and a restart serves the defaults. */
	call_ok(t, "failover-auto", "{\"name\":\"www.example.com\"}");
	call_ok(t, "endpoint-undrain", "{\"endpoint\":\"y\"}");
	set_manual(t, "www.example.com", "d", "up");
	fo_reopen(t);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	assert_string_equal(slot_text(t->f, 1), "30 198.18.5.1 198.18.5.2");

	/* A file naming things that no longer exist: those entries are dropped, the rest kept. */
	write_file(t->state_path,
		   "{\"version\":1,\"records\":[{\"name\":\"gone.example.com.\",\"type\":\"A\","
		   "\"mode\":\"auto\"},{\"name\":\"www.example.com.\",\"type\":\"A\",\"mode\":"
		   "\"forced\",\"pool\":\"nope\",\"endpoints\":[{\"name\":\"zz\",\"drained\":true},"
		   "{\"name\":\"b\",\"drained\":true}]}]}");
	fo_reopen(t);
	assert_int_equal(t->f->recs[0].forced, -1);
	assert_true(t->f->recs[0].eps[1].drained);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1");
}

static void
test_bad_state_file_ignored(void **state)
{
	struct ts *t = *state;
	static const char *const bad[] = {
		"{not json",
		"[]",
		"{\"version\":2,\"records\":[]}",
		/* Valid first entry, bad second: nothing at all applies. */
		("{\"version\":1,\"records\":[{\"name\":\"www.example.com.\",\"type\":\"A\","
		 "\"mode\":\"forced\",\"pool\":\"backup\"},{\"name\":\"x\",\"type\":\"A\","
		 "\"mode\":\"sideways\"}]}"),
		("{\"version\":1,\"records\":[{\"name\":\"www.example.com.\",\"type\":\"A\","
		 "\"mode\":\"auto\",\"endpoints\":[{\"name\":\"a\",\"drained\":\"yes\"}]}]}"),
	};
	char dir[160];

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	snprintf(dir, sizeof(dir), "%s/state", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(t->state_path, bad[i]);
		fo_reopen(t);
		assert_int_equal(t->f->recs[0].forced, -1);
		assert_false(t->f->recs[0].eps[0].drained);
		assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	}
}

static void
test_save_failure_changes_nothing(void **state)
{
	struct ts *t = *state;
	char path[160];

	/* The state directory is created one level deep only: two missing levels fail. */
	snprintf(path, sizeof(path), "%s/missing/deeper/state.json", t->dir);
	t->cfg.failover_state_file = path;
	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	call_err(t, "endpoint-drain", "{\"endpoint\":\"a\"}", "state file");
	call_err(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"1\"}",
		 "state file");
	call_err(t, "endpoint-set",
		 "{\"record\":\"www.example.com\",\"endpoint\":\"a\",\"state\":\"down\"}",
		 "state file");
	assert_false(t->f->recs[0].eps[0].drained);
	assert_true(t->f->recs[0].eps[0].up);
	assert_int_equal(t->f->recs[0].forced, -1);
	assert_int_equal(fo_events_count(&t->f->events), 0);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	/* No state file configured: overrides work, in memory only. */
	t->cfg.failover_state_file = NULL;
	fo_reopen(t);
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"a\"}");
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	t->cfg.failover_state_file = t->state_path;
}

static void
test_events_ring(void **state)
{
	struct ts *t = *state;
	json_t *r, *ev;
	size_t n;

	t->cfg.failover_state_file = NULL;
	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP, pools3);
	fo_open(t);
	/* 1500 down/up flips of "a" (fall 3, rise 2): 3000 endpoint events plus pool changes. */
	for (int i = 0; i < 1500; i++) {
		for (int k = 0; k < 3; k++)
			fo_endpoint_result(&t->f->recs[0].eps[0], false, 10, "connect: refused");
		for (int k = 0; k < 2; k++)
			fo_endpoint_result(&t->f->recs[0].eps[0], true, 10, "ok");
	}
	n = fo_events_count(&t->f->events);
	assert_int_equal(n, FO_EVENTS_MAX);
	assert_true(t->f->events.next_seq > 3000);
	/* Oldest to newest, consecutive sequence numbers ending at the last one. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fo_events_get(&t->f->events, n, i)->seq,
				 t->f->events.next_seq - n + i);
	r = call(t, "events", "{\"count\":\"5\"}");
	ev = json_object_get(r, "events");
	assert_int_equal(json_array_size(ev), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 4), "seq")),
			 t->f->events.next_seq - 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 4), "to")), "up");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 4), "endpoint")),
			    "a");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 3), "reason")),
			    "connect: refused");
	json_decref(r);
	r = call(t, "events", "{\"count\":100000}");
	assert_int_equal(json_array_size(json_object_get(r, "events")), FO_EVENTS_MAX);
	json_decref(r);
	r = call(t, "events", NULL);
	assert_int_equal(json_array_size(json_object_get(r, "events")), 50);
	json_decref(r);
	call_err(t, "events", "{\"count\":\"x\"}", "count");
	call_err(t, "events", "{\"count\":0}", "count");
}

static void
test_coalescing(void **state)
{
	struct ts *t = *state;
	struct fo_record *rec;

	t->cfg.failover_state_file = NULL;
	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	rec = &t->f->recs[0];
	/* 1000 flips in a burst: one swap at once, then one when the window ends. */
	for (int i = 0; i < 1000; i++)
		set_manual(t, "www.example.com", "a", i % 2 == 0 ? "down" : "up");
	assert_int_equal(rec->publishes, 1);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	/* Final state: a up (even i last = 998 down, 999 up). */
	pump_until_slot(t, 0, "30 198.18.1.1 198.18.1.2", 500);
	assert_int_equal(rec->publishes, 2);
	/* Outside a window a change publishes at once; within one, when the window ends. */
	settle(t);
	set_manual(t, "www.example.com", "b", "down");
	assert_int_equal(rec->publishes, 3);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1");
	set_manual(t, "www.example.com", "b", "up");
	assert_int_equal(rec->publishes, 3);
	pump(t, FO_COALESCE_MS * 2);
	assert_int_equal(rec->publishes, 4);
	assert_string_equal(slot_text(t->f, 0), "30 198.18.1.1 198.18.1.2");
	/* Flapping back to what is already served within a window swaps nothing. */
	settle(t);
	set_manual(t, "www.example.com", "a", "down");
	assert_int_equal(rec->publishes, 5);
	set_manual(t, "www.example.com", "b", "down");
	set_manual(t, "www.example.com", "b", "up");
	pump(t, FO_COALESCE_MS * 2);
	assert_int_equal(rec->publishes, 5);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.2");
	set_manual(t, "www.example.com", "a", "up");
	pump_until_slot(t, 0, "30 198.18.1.1 198.18.1.2", 500);
	/* A paced flapper: never more than one swap per window. */
	{
		uint64_t start = evloop_now_ms(), before = rec->publishes, el;

		for (int i = 0; i < 40; i++) {
			set_manual(t, "www.example.com", "a", i % 2 == 0 ? "down" : "up");
			pump(t, 5);
		}
		el = evloop_now_ms() - start;
		assert_true(rec->publishes - before <= el / FO_COALESCE_MS + 1);
	}
}

static void
test_duplicate_addresses(void **state)
{
	struct ts *t = *state;
	json_t *r, *served;

	/* One address in two pools: an RRset never carries the same record twice. */
	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL,
		"p:a=198.18.1.1;q:b=198.18.1.1,c=198.18.1.2");
	rec_cfg(t, 0)->all_down = CFG_ALL_DOWN_SERVE_ALL;
	rec_cfg(t, 0)->initial_up = false;
	fo_open(t);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1 198.18.1.2");
	r = call(t, "failover-list", NULL);
	served = json_object_get(json_array_get(json_object_get(r, "records"), 0), "served");
	assert_int_equal(json_array_size(served), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(r, "records"), 0), "serving")),
			    "serve-all");
	json_decref(r);
	/* By address, the first endpoint with it (names are the unambiguous handle). */
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"198.18.1.1\"}");
	assert_true(t->f->recs[0].eps[0].drained);
	assert_false(t->f->recs[0].eps[1].drained);
	assert_string_equal(slot_text(t->f, 0), "10 198.18.1.1 198.18.1.2");
}

static void
test_slot_in_table(void **state)
{
	struct ts *t = *state;
	static const char zone[] = "$ORIGIN example.com.\n$TTL 3600\n"
				   "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
				   "@ IN NS ns1\nns1 IN A 198.18.0.1\nwww IN TXT \"x\"\n";
	struct zone *z = tu_zone("example.com", zone);
	const struct zone *zones[1] = {z};
	struct rrt_slot *const *slots;
	struct sw_diag d = {0};
	const struct rrt_node *n;
	const struct rrt_ref *ref;
	struct rrt *tab;
	uint8_t name[DNAME_MAXLEN];
	size_t len, ns;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	fo_open(t);
	ns = failover_slots(t->f, &slots);
	assert_int_equal(rrt_build(zones, 1, slots, ns, &tab, &d), 0);
	len = tu_name("www.example.com", name);
	rcu_thread_online();
	n = rrt_find(tab, name, len, dname_hash(name, len));
	assert_non_null(n);
	ref = rrt_node_ref(tab, n, T_A);
	assert_non_null(ref);
	assert_int_equal(rrt_ref_rrset(tab, ref)->count, 2);
	rcu_thread_offline();
	set_manual(t, "www.example.com", "a", "down");
	rcu_thread_online();
	assert_int_equal(rrt_ref_rrset(tab, ref)->count, 1);
	assert_int_equal(rrt_ref_rrset(tab, ref)->ttl, 10);
	rcu_thread_offline();
	rrt_free(tab);
	zone_free(z);
}

static void
test_bad_config(void **state)
{
	struct ts *t = *state;
	struct sw_diag d = {0};
	struct failover *f = (struct failover *)1;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	rec_add(t, "www.example.com.", T_A, CFG_CHECK_MANUAL, "p:q=198.18.7.7");
	assert_int_equal(failover_new(&t->cfg, t->loop, &f, &d), SW_ECONFIG);
	assert_null(f);
	assert_non_null(strstr(d.msg, "already records[0]"));
	cfg_clear(t);
	rec_add(t, "www.example.com", T_AAAA, CFG_CHECK_MANUAL, "p:q=2001:2::1");
	rec_cfg(t, 0)->pools[0].endpoints[0].addr.family = AF_INET;
	assert_int_equal(failover_new(&t->cfg, t->loop, &f, &d), SW_ECONFIG);
	assert_non_null(strstr(d.msg, "not an AAAA address"));
	cfg_clear(t);
	rec_add(t, "bad..name", T_A, CFG_CHECK_MANUAL, "p:q=198.18.7.7");
	assert_int_equal(failover_new(&t->cfg, t->loop, &f, &d), SW_ECONFIG);
	assert_non_null(strstr(d.msg, "records[0].name"));
	cfg_clear(t);
	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, "p:q=198.18.7.7,q=198.18.7.8");
	assert_int_equal(failover_new(&t->cfg, t->loop, &f, &d), SW_ECONFIG);
	assert_non_null(strstr(d.msg, "used twice"));
	/* No records at all is fine. */
	cfg_clear(t);
	assert_int_equal(failover_new(&t->cfg, t->loop, &t->f, &d), 0);
	assert_int_equal(failover_slots(t->f, &(struct rrt_slot *const *){NULL}), 0);
	assert_int_equal(failover_start(t->f), 0);
}

static void
test_list_and_show(void **state)
{
	struct ts *t = *state;
	json_t *r, *rec, *eps, *ep;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP, pools3);
	fo_open(t);
	for (int k = 0; k < 3; k++)
		fo_endpoint_result(&t->f->recs[0].eps[0], false, 2500, "connect: refused");
	settle(t);
	r = call(t, "failover-list", NULL);
	rec = json_array_get(json_object_get(r, "records"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "name")), "www.example.com.");
	assert_string_equal(json_string_value(json_object_get(rec, "type")), "A");
	assert_string_equal(json_string_value(json_object_get(rec, "serving")), "primary");
	assert_int_equal(json_integer_value(json_object_get(rec, "ttl")), 10);
	assert_int_equal(json_integer_value(json_object_get(rec, "up")), 3);
	assert_int_equal(json_integer_value(json_object_get(rec, "total")), 4);
	assert_string_equal(json_string_value(json_object_get(rec, "mode")), "auto");
	assert_int_equal(json_array_size(json_object_get(rec, "served")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec, "served"), 0)),
			    "198.18.1.2");
	json_decref(r);

	r = call(t, "failover-show", "{\"name\":\"www.example.com\"}");
	rec = json_array_get(json_object_get(r, "records"), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rec, "check"), "kind")), "tcp");
	eps = json_object_get(rec, "endpoints");
	assert_int_equal(json_array_size(eps), 4);
	ep = json_array_get(eps, 0);
	assert_string_equal(json_string_value(json_object_get(ep, "health")), "down");
	assert_int_equal(json_integer_value(json_object_get(ep, "failures")), 3);
	assert_false(json_is_true(json_object_get(ep, "served")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(ep, "last_check"), "reason")),
		"connect: refused");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ep, "last_check"),
							    "latency_us")),
			 2500);
	assert_true(json_is_string(json_object_get(ep, "last_change")));
	assert_string_equal(json_string_value(json_object_get(ep, "check_target")), "198.18.1.1:9");
	assert_true(json_is_null(json_object_get(json_array_get(eps, 2), "last_check")));
	json_decref(r);
	call_err(t, "failover-show", "{\"name\":\"nope.example.com\"}", "no failover record");
	call_err(t, "failover-show", "{}", "name");
}

static void
test_metrics(void **state)
{
	struct ts *t = *state;
	struct metrics *m;
	char *text;
	FILE *p;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP, pools3);
	rec_add(t, "www.example.com", T_AAAA, CFG_CHECK_MANUAL, "p:x=2001:2::1");
	fo_open(t);
	assert_int_equal(metrics_open(t->loop, "127.0.0.1:0", &m), 0);
	assert_int_equal(failover_metrics_register(t->f, m), 0);
	for (int k = 0; k < 3; k++)
		fo_endpoint_result(&t->f->recs[0].eps[0], false, 3000, "connect: refused");
	fo_endpoint_result(&t->f->recs[0].eps[1], true, 20000, "ok");
	settle(t);
	call_ok(t, "endpoint-drain", "{\"endpoint\":\"b\"}");
	set_manual(t, "www.example.com/AAAA", "x", "down");
	text = metrics_render(m, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text,
			       "swerve_endpoint_up{record=\"www.example.com.\",endpoint=\"a\","
			       "type=\"A\"} 0\n"));
	assert_non_null(strstr(text,
			       "swerve_endpoint_up{record=\"www.example.com.\",endpoint=\"b\","
			       "type=\"A\"} 1\n"));
	assert_non_null(strstr(text,
			       "swerve_endpoint_up{record=\"www.example.com.\",endpoint=\"x\","
			       "type=\"AAAA\"} 0\n"));
	assert_non_null(strstr(text, "swerve_endpoint_drained{record=\"www.example.com.\","
				     "endpoint=\"b\",type=\"A\"} 1\n"));
	/* a down and b drained: pool 1 (backup). AAAA all down, fail open to pool 0. */
	assert_non_null(
		strstr(text, "swerve_failover_pool{record=\"www.example.com.\",type=\"A\"} 1\n"));
	assert_non_null(strstr(
		text, "swerve_failover_pool{record=\"www.example.com.\",type=\"AAAA\"} 0\n"));
	assert_non_null(strstr(text,
			       "swerve_failover_transitions_total{record=\"www.example.com.\","
			       "type=\"A\"} 1\n"));
	assert_non_null(strstr(text, "swerve_health_checks_total{record=\"www.example.com.\","
				     "type=\"A\",result=\"fail\"} 3\n"));
	assert_non_null(strstr(text, "swerve_health_checks_total{record=\"www.example.com.\","
				     "type=\"A\",result=\"ok\"} 1\n"));
	/* 3 ms falls in le=0.005 (3 probes), 20 ms in le=0.025 (4 cumulative). */
	assert_non_null(strstr(text, "swerve_health_check_duration_seconds_bucket{record=\"www."
				     "example.com.\",type=\"A\",le=\"0.0025\"} 0\n"));
	assert_non_null(strstr(text, "swerve_health_check_duration_seconds_bucket{record=\"www."
				     "example.com.\",type=\"A\",le=\"0.005\"} 3\n"));
	assert_non_null(strstr(text, "swerve_health_check_duration_seconds_bucket{record=\"www."
				     "example.com.\",type=\"A\",le=\"0.025\"} 4\n"));
	assert_non_null(strstr(text, "swerve_health_check_duration_seconds_bucket{record=\"www."
				     "example.com.\",type=\"A\",le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(text, "swerve_health_check_duration_seconds_count{record=\"www."
				     "example.com.\",type=\"A\"} 4\n"));
	/* The exposition as a whole passes Prometheus' own checker. */
	p = popen("promtool check metrics >/dev/null", "w");
	assert_non_null(p);
	fputs(text, p);
	assert_int_equal(pclose(p), 0);
	free(text);
	metrics_close(m);
}

/*
 * Issue 15, item 6: the state file is never reached through a symlink. Its
 * temporary copy has a name of its own (a link planted at the old fixed
 * name is not followed), and a link in the file's place is not loaded.
 */
static void
test_state_file_no_symlinks(void **state)
{
	struct ts *t = *state;
	char tmp[160], victim[160];
	char *text;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_MANUAL, pools3);
	snprintf(tmp, sizeof(tmp), "%s.tmp", t->state_path);
	snprintf(victim, sizeof(victim), "%s", t->state_path);
	*strrchr(victim, '/') = '\0';
	mkdir(victim, 0750);
	snprintf(victim, sizeof(victim), "%s.victim", t->state_path);
	write_file(victim, "precious");
	assert_int_equal(symlink(victim, tmp), 0);
	fo_open(t);
	call_ok(t, "failover-force", "{\"name\":\"www.example.com\",\"pool\":\"backup\"}");
	text = read_file(victim);
	assert_string_equal(text, "precious");
	free(text);
	text = read_file(t->state_path);
	assert_non_null(strstr(text, "forced"));
	free(text);
	unlink(tmp);

	/* The state file itself replaced by a link to a valid file: ignored, defaults served. */
	rename(t->state_path, victim);
	assert_int_equal(symlink(victim, t->state_path), 0);
	fo_reopen(t);
	assert_int_equal(t->f->recs[0].forced, -1);
	unlink(t->state_path);
	unlink(victim);
}

/*
 * Issue 15, item 6: a check timer that failed to arm (the loop's timer heap
 * could not grow) is armed again by the re-arm timer, not forgotten. The
 * failure itself cannot be provoked from here; its aftermath is set up by
 * hand: the timer disarmed and the retry asked for, as fo_probe_arm() does.
 */
static void
test_check_timer_rearmed(void **state)
{
	struct ts *t = *state;
	struct fo_endpoint *ep;

	rec_add(t, "www.example.com", T_A, CFG_CHECK_TCP, "primary:a=198.18.1.1");
	rec_cfg(t, 0)->check.interval_ms = 100;
	check_via_loopback(t, 0, 0, 0, 9);
	fo_open(t);
	assert_int_equal(failover_start(t->f), 0);
	ep = &t->f->recs[0].eps[0];
	assert_true(evloop_timer_armed(&ep->timer));
	assert_true(evloop_timer_armed(&t->f->rearm_timer));
	evloop_timer_cancel(t->loop, &ep->timer);
	t->f->rearm_pending = true;
	pump(t, 300);
	/* Disarmed and not yet retried: nothing checks it meanwhile. */
	pump(t, 1000);
	assert_true(evloop_timer_armed(&ep->timer) || ep->probe != NULL);
	assert_false(t->f->rearm_pending);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_order_and_degraded_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_down_policies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rise_fall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_checks_move_the_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_undrain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dual_stack_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_state_file_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_file_no_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_timer_rearmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_failure_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_in_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};
	int rc;

	/* Transitions log at notice; keep the output to what goes wrong. */
	sw_log_init("stderr", LOG_WARNING);
	rcu_register_thread();
	rcu_thread_offline();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_barrier();
	rcu_unregister_thread();
	return rc;
}
