/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the metrics endpoint: formatting, HTTP on the evloop, counters, promtool. */

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "swerve/evloop.h"
#include "swerve/metrics.h"
#include "swerve/metrics_stats.h"
#include "swerve/stats.h"
#include "sock.h"

#define PROMTOOL "/usr/bin/promtool"

/* ---- fixtures ---- */

struct fx {
	struct evloop *loop;
	struct metrics *m;
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || evloop_new(&f->loop) != 0)
		return -1;
	if (metrics_open(f->loop, "127.0.0.1:0", &f->m) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	metrics_close(f->m);
	evloop_free(f->loop);
	free(f);
	return 0;
}

static char *
render(struct fx *f)
{
	size_t len = 0;
	char *s = metrics_render(f->m, &len);

	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

/* Fails the test unless @needle is a whole line of @text. */
static void
assert_line(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
	}
	fail_msg("line not found: %s\n--- in ---\n%s", needle, text);
}

static void
assert_no_line_prefix(const char *text, const char *prefix)
{
	for (const char *p = text; (p = strstr(p, prefix)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			fail_msg("unexpected line starting with %s", prefix);
}

/* promtool's verdict on @text: 0 valid, else its exit code; -1 when promtool is missing. */
static int
promtool_check(const char *text)
{
	char path[] = "/tmp/test_metrics_XXXXXX";
	char cmd[256];
	int fd, rc;
	FILE *fp;

	if (access(PROMTOOL, X_OK) != 0)
		return -1;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < %s", path);
	rc = system(cmd);
	unlink(path);
	assert_true(WIFEXITED(rc));
	return WEXITSTATUS(rc);
}

static void
assert_promtool_ok(const char *text)
{
	int rc = promtool_check(text);

	if (rc == -1) {
		print_message("SKIPPED promtool check: " PROMTOOL " is missing\n");
		return;
	}
	if (rc != 0)
		fail_msg("promtool check metrics failed (%d) on:\n%s", rc, text);
}

/* ---- formatting ---- */

static void
src_escape(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	metrics_family(o, "t_escape", "gauge", "Help with \\ and\nnewline.");
	metrics_sample_u64(o, "t_escape", 1, "v", "a\"b\\c\nd", NULL);
	metrics_sample_u64(o, "t_escape", 2, "v", NULL, "w", "x", NULL);
	metrics_family(o, "t_big_total", "counter", "Large.");
	metrics_sample_u64(o, "t_big_total", UINT64_MAX, NULL);
}

static void
src_nohelp(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	metrics_family(o, "t_plain", "untyped", NULL);
	metrics_sample_u64(o, "t_plain", 7, NULL);
}

static void
test_escaping(void **state)
{
	struct fx *f = *state;
	char *s;

	assert_int_equal(metrics_add_source(f->m, src_escape, NULL), 0);
	s = render(f);
	assert_line(s, "# HELP t_escape Help with \\\\ and\\nnewline.");
	assert_line(s, "# TYPE t_escape gauge");
	assert_line(s, "t_escape{v=\"a\\\"b\\\\c\\nd\"} 1");
	assert_line(s, "t_escape{v=\"\",w=\"x\"} 2");
	/* Integers exact, even past 2^53. */
	assert_line(s, "t_big_total 18446744073709551615");
	assert_promtool_ok(s);
	free(s);
}

static void
test_no_help(void **state)
{
	struct fx *f = *state;
	char *s;

	assert_int_equal(metrics_add_source(f->m, src_nohelp, NULL), 0);
	s = render(f);
	assert_string_equal(s, "# TYPE t_plain untyped\nt_plain 7\n");
	free(s);
}

static void
src_doubles(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	metrics_family(o, "t_double", "gauge", "Doubles.");
	metrics_sample_double(o, "t_double", 0.1, "k", "a", NULL);
	metrics_sample_double(o, "t_double", 1700000000.5, "k", "b", NULL);
	metrics_sample_double(o, "t_double", -2.5e-300, "k", "c", NULL);
	metrics_sample_double(o, "t_double", NAN, "k", "d", NULL);
	metrics_sample_double(o, "t_double", INFINITY, "k", "e", NULL);
	metrics_sample_double(o, "t_double", -INFINITY, "k", "f", NULL);
	metrics_sample_double(o, "t_double", 1.0 / 3.0, "k", "g", NULL);
	metrics_sample_double(o, "t_double", 0, "k", "h", NULL);
}

static void
test_doubles(void **state)
{
	struct fx *f = *state;
	const char *third;
	char *s;

	assert_int_equal(metrics_add_source(f->m, src_doubles, NULL), 0);
	s = render(f);
	assert_line(s, "t_double{k=\"a\"} 0.1");
	assert_line(s, "t_double{k=\"b\"} 1700000000.5");
	assert_line(s, "t_double{k=\"c\"} -2.5e-300");
	assert_line(s, "t_double{k=\"d\"} NaN");
	assert_line(s, "t_double{k=\"e\"} +Inf");
	assert_line(s, "t_double{k=\"f\"} -Inf");
	assert_line(s, "t_double{k=\"h\"} 0");
	/* A value that needs 17 digits must read back exactly. */
	third = strstr(s, "t_double{k=\"g\"} ");
	assert_non_null(third);
	assert_true(strtod(third + strlen("t_double{k=\"g\"} "), NULL) == 1.0 / 3.0);
	assert_promtool_ok(s);
	free(s);
}

static void
src_first(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	metrics_family(o, "t_first", "counter", "First source.");
	metrics_sample_u64(o, "t_first", 1, NULL);
}

static void
src_second(void *ctx, struct metrics_out *o)
{
	unsigned *calls = ctx;

	(*calls)++;
	metrics_family(o, "t_second", "gauge", "Second source.");
	metrics_sample_u64(o, "t_second", *calls, NULL);
}

static void
test_source_order(void **state)
{
	struct fx *f = *state;
	unsigned calls = 0;
	char *s, *a, *b;

	assert_int_equal(metrics_add_source(f->m, NULL, NULL), -EINVAL);
	/* More sources than the first allocation holds, to exercise growth. */
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(metrics_add_source(f->m, i == 0 ? src_first : src_second, &calls),
				 0);
	s = render(f);
	a = strstr(s, "# HELP t_first");
	b = strstr(s, "# HELP t_second");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_int_equal(calls, 9);
	free(s);

	/* Each render calls every source again: values are live. */
	s = render(f);
	assert_line(s, "t_second 18");
	free(s);
}

static void
test_empty_render(void **state)
{
	struct fx *f = *state;
	char *s = render(f);

	assert_string_equal(s, "");
	free(s);
}

/* ---- listen addresses ---- */

static void
test_listen_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"nonsense",
		"127.0.0.1",
		"127.0.0.1:",
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:x",
		":9153",
		"::1:9153",
		"[::1]9153",
		"[::1]:",
		"[::1",
		"[]:9153",
		"localhost:9153",
		"1.2.3:80",
		"[127.0.0.1]:80",
	};
	struct evloop *loop;
	struct metrics *m = NULL;

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = metrics_open(loop, bad[i], &m);

		if (rc != -EINVAL)
			fail_msg("\"%s\": expected -EINVAL, got %d", bad[i], rc);
	}
	evloop_free(loop);
}

static void
test_listen_in_use(void **state)
{
	struct fx *f = *state;
	struct metrics *m2 = NULL;
	char addr[64];
	int rc;

	assert_true(metrics_port(f->m) != 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", metrics_port(f->m));
	rc = metrics_open(f->loop, addr, &m2);
	assert_true(rc < 0);
	assert_null(m2);
}

static void
test_listen_ipv6(void **state)
{
	struct evloop *loop;
	struct metrics *m = NULL;
	int rc;

	(void)state;
	assert_int_equal(evloop_new(&loop), 0);
	rc = metrics_open(loop, "[::1]:0", &m);
	if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
		print_message("SKIPPED: no IPv6 loopback here (%s)\n", strerror(-rc));
	} else {
		assert_int_equal(rc, 0);
		assert_true(metrics_port(m) != 0);
		metrics_close(m);
	}
	evloop_free(loop);
}

/* ---- HTTP: libcurl in a thread, the loop stepped here (sources run on this thread) ---- */

struct scrape {
	const char *method; /* "GET", "HEAD", "POST" */
	char url[128];
	long status;
	char ctype[128];
	char allow[64];
	char *body;
	size_t len;
	bool ok;
	int done;
};

static size_t
scrape_body(char *p, size_t sz, size_t nm, void *arg)
{
	struct scrape *s = arg;
	size_t n = sz * nm;
	char *b = realloc(s->body, s->len + n + 1);

	if (b == NULL)
		return 0;
	memcpy(b + s->len, p, n);
	s->len += n;
	b[s->len] = '\0';
	s->body = b;
	return n;
}

static size_t
scrape_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct scrape *s = arg;
	size_t n = sz * nm;

	if (n > 7 && strncasecmp(p, "Allow: ", 7) == 0) {
		size_t l = n - 7;

		while (l > 0 && (p[7 + l - 1] == '\r' || p[7 + l - 1] == '\n'))
			l--;
		snprintf(s->allow, sizeof(s->allow), "%.*s", (int)l, p + 7);
	}
	return n;
}

static void *
scrape_thread(void *arg)
{
	struct scrape *s = arg;
	CURL *c = curl_easy_init();
	char *ct = NULL;

	if (c != NULL) {
		curl_easy_setopt(c, CURLOPT_URL, s->url);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, scrape_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, scrape_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, s);
		if (strcmp(s->method, "HEAD") == 0)
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		else if (strcmp(s->method, "POST") == 0)
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
		s->ok = curl_easy_perform(c) == CURLE_OK;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
		if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
			snprintf(s->ctype, sizeof(s->ctype), "%s", ct);
		curl_easy_cleanup(c);
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One request against @f's endpoint, the loop turning until it is answered. */
static void
scrape(struct fx *f, struct scrape *s, const char *method, const char *path)
{
	pthread_t t;
	uint64_t end = evloop_now_ms() + 15000;

	memset(s, 0, sizeof(*s));
	s->method = method;
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u%s", metrics_port(f->m), path);
	assert_int_equal(pthread_create(&t, NULL, scrape_thread, s), 0);
	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) && evloop_now_ms() < end)
		assert_true(evloop_run_once(f->loop, 50) >= 0);
	pthread_join(t, NULL);
	assert_true(s->ok);
}

static void
test_http(void **state)
{
	struct fx *f = *state;
	struct scrape s;
	char *direct;

	assert_int_equal(metrics_add_source(f->m, src_escape, NULL), 0);

	scrape(f, &s, "GET", "/metrics");
	assert_int_equal(s.status, 200);
	assert_string_equal(s.ctype, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(s.body);
	direct = render(f);
	assert_string_equal(s.body, direct);
	assert_line(s.body, "t_escape{v=\"a\\\"b\\\\c\\nd\"} 1");
	assert_promtool_ok(s.body);
	free(direct);
	free(s.body);

	scrape(f, &s, "HEAD", "/metrics");
	assert_int_equal(s.status, 200);
	assert_int_equal(s.len, 0);
	free(s.body);

	scrape(f, &s, "GET", "/");
	assert_int_equal(s.status, 404);
	free(s.body);
	scrape(f, &s, "GET", "/metrics/x");
	assert_int_equal(s.status, 404);
	free(s.body);
	scrape(f, &s, "GET", "/metricsx");
	assert_int_equal(s.status, 404);
	free(s.body);

	scrape(f, &s, "POST", "/metrics");
	assert_int_equal(s.status, 405);
	assert_string_equal(s.allow, "GET, HEAD");
	free(s.body);

	/* Still serving after the errors. */
	scrape(f, &s, "GET", "/metrics");
	assert_int_equal(s.status, 200);
	free(s.body);
}

static int
tcp_connect(uint16_t port)
{
	int fd = tu_tcp_connect("127.0.0.1", port, 0);

	assert_true(fd >= 0);
	return fd;
}

/* True when @fd's peer closed it (EOF or reset) while the loop turned, within @ms. */
static bool
closed_within(struct fx *f, int fd, unsigned ms)
{
	uint64_t end = evloop_now_ms() + ms;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	while (evloop_now_ms() < end) {
		assert_true(evloop_run_once(f->loop, 20) >= 0);
		if (poll(&p, 1, 0) == 1)
			return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
	}
	return false;
}

/*
 * A client that connects and never sends is dropped after the connection
 * timeout: only the loop's timer (MHD_get_timeout) can do that, no socket
 * event ever arrives for it.
 */
static void
test_idle_timeout(void **state)
{
	struct fx *f = *state;
	uint64_t t0 = evloop_now_ms();
	int fd = tcp_connect(metrics_port(f->m));

	assert_false(closed_within(f, fd, 2000));
	assert_true(closed_within(f, fd, 15000));
	assert_true(evloop_now_ms() - t0 >= 9000);
	close(fd);
}

/*
 * Past the connection limit libmicrohttpd stops accepting: a further client
 * waits in the listen backlog and is served as soon as a slot frees.
 */
static void
test_connection_limit(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct pollfd p;
	char buf[512];
	ssize_t n;
	int fds[8], extra;

	for (unsigned i = 0; i < 8; i++)
		fds[i] = tcp_connect(metrics_port(f->m));
	for (unsigned i = 0; i < 8; i++)
		assert_false(closed_within(f, fds[i], 20));
	extra = tcp_connect(metrics_port(f->m));
	assert_int_equal(send(extra, req, sizeof(req) - 1, 0), (ssize_t)(sizeof(req) - 1));
	/* Not served while 8 idle connections hold every slot. */
	assert_false(closed_within(f, extra, 500));
	p = (struct pollfd){.fd = extra, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 0), 0);

	close(fds[0]);
	for (uint64_t end = evloop_now_ms() + 5000; evloop_now_ms() < end;) {
		assert_true(evloop_run_once(f->loop, 20) >= 0);
		if (poll(&p, 1, 0) == 1)
			break;
	}
	n = recv(extra, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 12)
		fail_msg("no answer after a slot freed: recv %zd (%s)", n, strerror(errno));
	buf[n] = '\0';
	assert_true(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	close(extra);
	for (unsigned i = 1; i < 8; i++)
		close(fds[i]);
}

/* ---- worker counters ---- */

static struct worker_stats fake_st[2];

static void
src_workers(void *ctx, struct metrics_out *o)
{
	const struct worker_stats *st[2] = {&fake_st[0], &fake_st[1]};

	(void)ctx;
	metrics_stats_render_build(o, "1.2.3-test", 1700000000.25);
	metrics_stats_render(o, st, 2);
}

static void
test_worker_stats(void **state)
{
	struct fx *f = *state;
	struct scrape s;
	char *txt;

	memset(fake_st, 0, sizeof(fake_st));
	fake_st[0].rx = 100;
	fake_st[1].rx = 200;
	fake_st[0].dns_queries = 90;
	fake_st[1].dns_queries = 42;
	fake_st[0].qtype[stats_qtype_bucket(1)] = 60;
	fake_st[0].qtype[stats_qtype_bucket(28)] = 25;
	fake_st[0].qtype[stats_qtype_bucket(99)] = 5;
	fake_st[1].qtype[stats_qtype_bucket(257)] = 42;
	fake_st[0].rcode[0] = 80;
	fake_st[0].rcode[3] = 7;
	fake_st[1].rcode[9] = 3; /* NOTAUTH: shown because nonzero. */
	fake_st[1].rcode[STATS_RCODE_BADVERS] = 1;
	fake_st[0].truncated = 4;
	fake_st[0].edns = 30;
	fake_st[1].drop[STATS_DROP_SRC_PORT] = 6;
	fake_st[0].exc_to_kernel = 11;
	fake_st[0].exc_from_kernel = 12;
	fake_st[0].exc_limited = 13;
	fake_st[1].tx_sent = 77;
	fake_st[1].tx_failed = 2;
	fake_st[0].rrl_limited[DNSQ_CLASS_NXDOMAIN] = 21;
	fake_st[1].rrl_limited[DNSQ_CLASS_ERROR] = 22;
	fake_st[0].rrl_slipped = 23;
	fake_st[0].drop[STATS_DROP_RRL] = 24;
	fake_st[1].cookie_valid = 25;
	fake_st[1].cookie_client = 26;
	fake_st[0].notify_punted = 27;
	assert_int_equal(metrics_add_source(f->m, src_workers, NULL), 0);

	txt = render(f);
	assert_line(txt, "swerve_build_info{version=\"1.2.3-test\"} 1");
	assert_line(txt, "swerve_start_time_seconds 1700000000.25");
	assert_line(txt, "# TYPE swerve_queries_total counter");
	assert_line(txt, "swerve_frames_received_total{worker=\"1\"} 200");
	assert_line(txt, "swerve_queries_total{worker=\"0\"} 90");
	assert_line(txt, "swerve_queries_total{worker=\"1\"} 42");
	assert_line(txt, "swerve_queries_by_type_total{worker=\"0\",qtype=\"A\"} 60");
	assert_line(txt, "swerve_queries_by_type_total{worker=\"0\",qtype=\"AAAA\"} 25");
	assert_line(txt, "swerve_queries_by_type_total{worker=\"0\",qtype=\"OTHER\"} 5");
	assert_line(txt, "swerve_queries_by_type_total{worker=\"1\",qtype=\"CAA\"} 42");
	assert_line(txt, "swerve_queries_by_type_total{worker=\"1\",qtype=\"MX\"} 0");
	assert_line(txt, "swerve_edns_queries_total{worker=\"0\"} 30");
	assert_line(txt, "swerve_responses_total{worker=\"0\",rcode=\"NOERROR\"} 80");
	assert_line(txt, "swerve_responses_total{worker=\"0\",rcode=\"NXDOMAIN\"} 7");
	assert_line(txt, "swerve_responses_total{worker=\"1\",rcode=\"REFUSED\"} 0");
	assert_line(txt, "swerve_responses_total{worker=\"1\",rcode=\"NOTAUTH\"} 3");
	assert_line(txt, "swerve_responses_total{worker=\"1\",rcode=\"BADVERS\"} 1");
	assert_line(txt, "swerve_responses_total{worker=\"0\",rcode=\"OTHER\"} 0");
	assert_null(strstr(txt, "rcode=\"NOTAUTH\"} 0"));
	assert_null(strstr(txt, "rcode=\"YXDOMAIN\""));
	assert_line(txt, "swerve_truncated_total{worker=\"0\"} 4");
	assert_line(txt, "swerve_drops_total{worker=\"1\",reason=\"src_port\"} 6");
	assert_line(txt, "swerve_drops_total{worker=\"0\",reason=\"no_exception_path\"} 0");
	assert_line(txt, "swerve_exception_packets_total{worker=\"0\",direction=\"to_kernel\"} 11");
	assert_line(txt,
		    "swerve_exception_packets_total{worker=\"0\",direction=\"from_kernel\"} 12");
	assert_line(txt, "swerve_exception_packets_total{worker=\"0\",direction=\"limited\"} 13");
	assert_line(txt, "swerve_frames_sent_total{worker=\"1\"} 77");
	assert_line(txt, "swerve_tx_failures_total{worker=\"1\"} 2");
	assert_line(txt, "swerve_rrl_limited_total{worker=\"0\",class=\"nxdomain\"} 21");
	assert_line(txt, "swerve_rrl_limited_total{worker=\"1\",class=\"error\"} 22");
	assert_line(txt, "swerve_rrl_limited_total{worker=\"1\",class=\"answer\"} 0");
	assert_line(txt, "swerve_rrl_slipped_total{worker=\"0\"} 23");
	assert_line(txt, "swerve_drops_total{worker=\"0\",reason=\"rate_limit\"} 24");
	assert_line(txt, "swerve_cookie_queries_total{worker=\"1\",result=\"valid\"} 25");
	assert_line(txt, "swerve_cookie_queries_total{worker=\"1\",result=\"client\"} 26");
	assert_line(txt, "swerve_notify_punted_total{worker=\"0\"} 27");
	assert_line(txt, "swerve_notify_punted_total{worker=\"1\"} 0");
	/* Per worker only: no unlabelled totals to double count. */
	assert_no_line_prefix(txt, "swerve_queries_total ");
	assert_no_line_prefix(txt, "swerve_responses_total{rcode");
	assert_promtool_ok(txt);
	free(txt);

	/* The same through HTTP, as Prometheus sees it. */
	scrape(f, &s, "GET", "/metrics");
	assert_int_equal(s.status, 200);
	assert_line(s.body, "swerve_queries_total{worker=\"1\"} 42");
	assert_promtool_ok(s.body);
	free(s.body);
}

/* promtool really rejects bad output, so the checks above can fail. */
static void
src_broken(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	metrics_family(o, "t_dup", "counter", "Twice.");
	metrics_sample_u64(o, "t_dup", 1, NULL);
	metrics_family(o, "t_dup", "counter", "Twice.");
	metrics_sample_u64(o, "t_dup", 2, NULL);
}

static void
test_promtool_rejects(void **state)
{
	struct fx *f = *state;
	char *s;
	int rc;

	assert_int_equal(metrics_add_source(f->m, src_broken, NULL), 0);
	s = render(f);
	rc = promtool_check(s);
	if (rc == -1)
		print_message("SKIPPED promtool check: " PROMTOOL " is missing\n");
	else
		assert_int_not_equal(rc, 0);
	free(s);
}

/* ---- qtype buckets ---- */

static void
test_qtype_buckets(void **state)
{
	static const struct {
		uint16_t type;
		const char *name;
	} known[] = {
		{1, "A"},	{2, "NS"},	  {5, "CNAME"},	    {6, "SOA"},	    {12, "PTR"},
		{15, "MX"},	{16, "TXT"},	  {28, "AAAA"},	    {33, "SRV"},    {35, "NAPTR"},
		{43, "DS"},	{46, "RRSIG"},	  {47, "NSEC"},	    {48, "DNSKEY"}, {50, "NSEC3"},
		{52, "TLSA"},	{64, "SVCB"},	  {65, "HTTPS"},    {257, "CAA"},   {251, "IXFR"},
		{252, "AXFR"},	{255, "ANY"},	  {0, "OTHER"},	    {99, "OTHER"},  {256, "OTHER"},
		{258, "OTHER"}, {32768, "OTHER"}, {65535, "OTHER"},
	};
	bool seen[STATS_NQTYPES] = {false};

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		unsigned b = stats_qtype_bucket(known[i].type);

		assert_true(b < STATS_NQTYPES);
		assert_string_equal(stats_qtype_name(b), known[i].name);
		seen[b] = true;
	}
	/* Every bucket is reachable and named once. */
	for (unsigned b = 0; b < STATS_NQTYPES; b++) {
		assert_true(seen[b]);
		for (unsigned c = b + 1; c < STATS_NQTYPES; c++)
			assert_string_not_equal(stats_qtype_name(b), stats_qtype_name(c));
	}
	assert_string_equal(stats_qtype_name(STATS_NQTYPES), "unknown");
	/* Every type maps into range. */
	for (uint32_t t = 0; t <= UINT16_MAX; t++)
		assert_true(stats_qtype_bucket((uint16_t)t) < STATS_NQTYPES);

	assert_string_equal(stats_rcode_name(0), "NOERROR");
	assert_string_equal(stats_rcode_name(3), "NXDOMAIN");
	assert_string_equal(stats_rcode_name(5), "REFUSED");
	assert_string_equal(stats_rcode_name(STATS_RCODE_BADVERS), "BADVERS");
	assert_string_equal(stats_rcode_name(STATS_RCODE_OTHER), "OTHER");
	assert_string_equal(stats_rcode_name(STATS_NRCODES), "unknown");
	assert_string_equal(stats_drop_name(STATS_DROP_ERR_LIMIT), "error_rate_limit");
	assert_string_equal(stats_drop_name(STATS_DROP_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_escaping, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_help, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_doubles, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_empty_render, fx_setup, fx_teardown),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test_setup_teardown(test_listen_in_use, fx_setup, fx_teardown),
		cmocka_unit_test(test_listen_ipv6),
		cmocka_unit_test_setup_teardown(test_http, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_worker_stats, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_promtool_rejects, fx_setup, fx_teardown),
		cmocka_unit_test(test_qtype_buckets),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
