/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for health probes against local servers: tcp, http, https with test certificates. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "skip.h"

#include "swerve/evloop.h"
#include "swerve/health.h"

/*
 * One python3 process serves every HTTP(S) endpoint, each on its own
 * ephemeral port on 127.0.0.1, and prints "name port" per endpoint then
 * "ready". Paths: /status/N answers N, /host echoes the Host header, /big
 * is a body far larger than the probe keeps, anything else is 200 with
 * "service ready: swerve-ok". The "503" endpoint answers 503 to everything.
 */
static const char server_py[] =
	"import sys, ssl, threading, time, http.server\n"
	"d = sys.argv[1]\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"    def reply(self, code, body):\n"
	"        b = body.encode()\n"
	"        self.send_response(code)\n"
	"        self.send_header('Content-Type', 'text/plain')\n"
	"        self.send_header('Content-Length', str(len(b)))\n"
	"        self.end_headers()\n"
	"        self.wfile.write(b)\n"
	"    def do_GET(self):\n"
	"        p = self.path\n"
	"        if self.server.mode == '503': return self.reply(503, 'unavailable')\n"
	"        if p.startswith('/status/'): return self.reply(int(p[8:]), 'status ' + p[8:])\n"
	"        if p == '/host': return self.reply(200, 'host=' + str(self.headers.get('Host')))\n"
	"        if p == '/big': return self.reply(200, 'x' * 300000 + 'tail-marker')\n"
	"        return self.reply(200, 'service ready: swerve-ok')\n"
	"    def log_message(self, *a): pass\n"
	"class S(http.server.ThreadingHTTPServer):\n"
	"    daemon_threads = True\n"
	"    request_queue_size = 128\n"
	"    def handle_error(self, *a): pass\n"
	"def start(name, mode, cert):\n"
	"    s = S(('127.0.0.1', 0), H)\n"
	"    s.mode = mode\n"
	"    if cert:\n"
	"        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
	"        c.load_cert_chain(d + '/' + cert + '.pem', d + '/' + cert + '.key')\n"
	"        s.socket = c.wrap_socket(s.socket, server_side=True)\n"
	"    threading.Thread(target=s.serve_forever, daemon=True).start()\n"
	"    print(name, s.server_address[1], flush=True)\n"
	"start('plain', 'ok', None)\n"
	"start('503', '503', None)\n"
	"for n in ('valid', 'expired', 'wronghost', 'expiring'): start(n, 'ok', n)\n"
	"print('ready', flush=True)\n"
	"while True: time.sleep(3600)\n";

/*
 * A test CA and four leaves: valid for www.example.test (30 days), expired
 * (-days -1: notAfter a day before notBefore), valid but for another name,
 * and valid for 3 days (inside a 7-day min-cert-days).
 */
static const char certs_sh[] =
	"set -e\n"
	"cd \"$1\"\n"
	"k='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'\n"
	"openssl req -x509 $k -keyout ca.key -out ca.pem -days 30 -subj /CN=swerve-test-ca\n"
	"leaf() {\n"
	"  openssl req $k -keyout $1.key -out $1.csr -subj /CN=$2\n"
	"  printf 'subjectAltName=DNS:%s\\n' $2 > $1.ext\n"
	"  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $3 "
	"-extfile $1.ext -out $1.pem\n"
	"}\n"
	"leaf valid www.example.test 30\n"
	"leaf expired www.example.test -1\n"
	"leaf wronghost wrong.example.test 30\n"
	"leaf expiring www.example.test 3\n";

enum { EP_PLAIN, EP_503, EP_VALID, EP_EXPIRED, EP_WRONGHOST, EP_EXPIRING, EP_COUNT };
static const char *const ep_names[EP_COUNT] = {"plain",	  "503",       "valid",
					       "expired", "wronghost", "expiring"};

static struct {
	char dir[64];
	char ca[128];
	pid_t server;
	uint16_t port[EP_COUNT];
	int listen_fd; /* Listens, never accepts: connects succeed, requests hang. */
	uint16_t listen_port;
	int closed_fd; /* Bound, not listening: connects are refused. */
	uint16_t closed_port;
} env = {.server = -1, .listen_fd = -1, .closed_fd = -1};

static struct evloop *loop;
static struct health *hl;

/* ---- fixtures ---- */

static int
local_socket(bool do_listen, uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (do_listen && listen(fd, 256) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
make_certs(void)
{
	char path[128], cmd[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/certs.sh", env.dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(certs_sh, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh %s %s >%s/certs.log 2>&1", path, env.dir, env.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read "name port" lines from the server until "ready" (10 s at most). */
static int
read_ports(int fd)
{
	char buf[1024] = "", *line, *save;
	size_t len = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;
	int i;

	while (strstr(buf, "ready\n") == NULL) {
		if (poll(&pfd, 1, 10000) <= 0)
			return -1;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		unsigned port;

		if (sscanf(line, "%31s %u", name, &port) != 2)
			continue;
		for (i = 0; i < EP_COUNT; i++)
			if (strcmp(name, ep_names[i]) == 0)
				env.port[i] = (uint16_t)port;
	}
	for (i = 0; i < EP_COUNT; i++)
		if (env.port[i] == 0)
			return -1;
	return 0;
}

static int
start_server(void)
{
	int pfd[2], rc;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	env.server = fork();
	if (env.server < 0)
		return -1;
	if (env.server == 0) {
		/* Die with the test, even if it crashes before teardown. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], STDOUT_FILENO);
		execlp("python3", "python3", "-c", server_py, env.dir, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	rc = read_ports(pfd[0]);
	close(pfd[0]);
	return rc;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (env.server > 0) {
		kill(env.server, SIGKILL);
		waitpid(env.server, NULL, 0);
		env.server = -1;
	}
	if (env.listen_fd >= 0)
		close(env.listen_fd);
	if (env.closed_fd >= 0)
		close(env.closed_fd);
	if (env.dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", env.dir);
	}
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(env.dir, sizeof(env.dir), "/tmp/swerve-health-XXXXXX");
	if (mkdtemp(env.dir) == NULL) {
		env.dir[0] = '\0';
		return -1;
	}
	snprintf(env.ca, sizeof(env.ca), "%s/ca.pem", env.dir);
	env.listen_fd = local_socket(true, &env.listen_port);
	env.closed_fd = local_socket(false, &env.closed_port);
	if (env.listen_fd < 0 || env.closed_fd < 0 || make_certs() < 0 || start_server() < 0) {
		fprintf(stderr, "health test setup failed (certs, python3 server or sockets)\n");
		group_teardown(state);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	if (evloop_new(&loop) < 0)
		return -1;
	if (health_new(loop, &hl) < 0) {
		evloop_free(loop);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	health_free(hl);
	hl = NULL;
	evloop_free(loop);
	loop = NULL;
	return 0;
}

/* ---- helpers ---- */

struct rec {
	unsigned calls;
	struct health_result res;
};

static void
record(void *arg, const struct health_result *res)
{
	struct rec *r = arg;

	r->calls++;
	r->res = *res;
}

static struct health_spec
spec_of(enum health_kind kind, uint16_t port)
{
	struct health_spec s;
	struct sockaddr_in *sin = (struct sockaddr_in *)&s.addr;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s.addrlen = sizeof(*sin);
	s.timeout_ms = 3000;
	return s;
}

/* Run the loop until @n callbacks into @r (or the recs array) happened, or @max_ms passed. */
static void
run_until(const unsigned *calls, unsigned n, uint64_t max_ms)
{
	uint64_t end = evloop_now_ms() + max_ms;

	while (*calls < n && evloop_now_ms() < end)
		assert_true(evloop_run_once(loop, 50) >= 0);
}

static void
run_for(uint64_t ms)
{
	uint64_t end = evloop_now_ms() + ms;

	while (evloop_now_ms() < end)
		assert_true(evloop_run_once(loop, 20) >= 0);
}

/* Start @s, check the callback is deferred, run to the verdict and return it. */
static struct rec
probe(const struct health_spec *s)
{
	struct health_probe *p = NULL;
	struct rec r = {0};

	assert_int_equal(health_probe_start(hl, s, record, &r, &p), 0);
	assert_non_null(p);
	assert_int_equal(r.calls, 0); /* Never from inside health_probe_start(). */
	run_until(&r.calls, 1, s->timeout_ms + 3000);
	assert_int_equal(r.calls, 1);
	run_for(30); /* Exactly once: nothing more arrives. */
	assert_int_equal(r.calls, 1);
	print_message("    -> %s: %s (%u us)\n", r.res.ok ? "up" : "down", r.res.reason,
		      r.res.latency_us);
	return r;
}

#define assert_reason_has(r, text) assert_non_null(strstr((r).res.reason, (text)))

/* ---- tcp ---- */

static void
test_tcp_open(void **state)
{
	struct health_spec s = spec_of(HEALTH_TCP, env.listen_port);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_true(r.res.ok);
	assert_reason_has(r, "ok");
}

static void
test_tcp_closed(void **state)
{
	struct health_spec s = spec_of(HEALTH_TCP, env.closed_port);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "connect: Connection refused");
}

/* A live port is not a usable service: the 503 endpoint passes tcp and fails http. */
static void
test_port_open_but_503(void **state)
{
	struct health_spec s = spec_of(HEALTH_TCP, env.port[EP_503]);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_true(r.res.ok);
	s.kind = HEALTH_HTTP;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "http status 503");
}

/*
 * A listener whose accept queue is full and never drained: the kernel drops
 * further SYNs, so a connect neither succeeds nor fails until the timeout.
 */
static void
test_tcp_timeout(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int lfd, cfd[4], i;
	uint16_t port;
	struct health_spec s;
	struct rec r;

	(void)state;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	socklen_t len = sizeof(sin);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	for (i = 0; i < 4; i++) {
		cfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(cfd[i] >= 0);
		(void)!connect(cfd[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	usleep(50000);
	s = spec_of(HEALTH_TCP, port);
	s.timeout_ms = 300;
	r = probe(&s);
	for (i = 0; i < 4; i++)
		close(cfd[i]);
	close(lfd);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "timeout after 300 ms");
	assert_true(r.res.latency_us >= 250000 && r.res.latency_us < 1500000);
}

/* ---- http ---- */

static void
test_http_ok(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct rec r;

	(void)state;
	s.path = "/ready";
	r = probe(&s);
	assert_true(r.res.ok);
	assert_string_equal(r.res.reason, "ok http 200");
	assert_true(r.res.latency_us > 0 && r.res.latency_us < 3000000);
}

static void
test_http_503(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct rec r;

	(void)state;
	s.path = "/status/503";
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "http status 503");
	s.path = "status/204"; /* No leading slash: one is added. */
	r = probe(&s);
	assert_true(r.res.ok);
}

static void
test_http_status_list(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct rec r;

	(void)state;
	s.status[0] = 404;
	s.status[1] = 410;
	s.nstatus = 2;
	s.path = "/status/410";
	r = probe(&s);
	assert_true(r.res.ok);
	s.path = "/status/200"; /* 200 is not in an explicit list. */
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "http status 200");
}

static void
test_http_body(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct rec r;

	(void)state;
	s.body = "swerve-ok";
	r = probe(&s);
	assert_true(r.res.ok);
	s.body = "maintenance";
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "body does not contain \"maintenance\"");
	/* Only the first 64 KiB are searched; a huge body neither hangs nor matches past it. */
	s.path = "/big";
	s.body = "xxxx";
	r = probe(&s);
	assert_true(r.res.ok);
	s.body = "tail-marker";
	r = probe(&s);
	assert_false(r.res.ok);
	s.body = NULL;
	r = probe(&s);
	assert_true(r.res.ok);
}

static void
test_http_host_header(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct rec r;

	(void)state;
	s.path = "/host";
	s.host = "www.example.test";
	s.body = "host=www.example.test";
	r = probe(&s);
	assert_true(r.res.ok);
	s.host = "other.example.test";
	r = probe(&s);
	assert_false(r.res.ok);
}

static void
test_http_refused(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.closed_port);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "connect: Connection refused");
}

/* The listener accepts (in the kernel) and never answers: the probe ends at its timeout. */
static void
test_http_timeout(void **state)
{
	struct health_spec s = spec_of(HEALTH_HTTP, env.listen_port);
	struct rec r;

	(void)state;
	s.timeout_ms = 400;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "timeout after 400 ms");
	assert_true(r.res.latency_us >= 350000);
	assert_true(r.res.latency_us < 1500000);
}

/* IPv6 targets: brackets in the URL; a bound, non-listening ::1 port refuses. */
static void
test_ipv6(void **state)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(sin6);
	struct health_spec s;
	struct rec r;
	int fd;

	(void)state;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		if (fd >= 0)
			close(fd);
		TU_SKIP("no ::1 in this environment");
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	memset(&s, 0, sizeof(s));
	memcpy(&s.addr, &sin6, sizeof(sin6));
	s.addrlen = sizeof(sin6);
	s.timeout_ms = 2000;
	s.kind = HEALTH_HTTP;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_string_equal(r.res.reason, "connect: Connection refused");
	s.kind = HEALTH_HTTPS;
	s.host = "www.example.test";
	r = probe(&s);
	assert_string_equal(r.res.reason, "connect: Connection refused");
	assert_int_equal(listen(fd, 16), 0);
	s.kind = HEALTH_TCP;
	r = probe(&s);
	close(fd);
	assert_true(r.res.ok);
}

/* ---- https ---- */

static struct health_spec
tls_spec(int ep, uint32_t min_days)
{
	struct health_spec s = spec_of(HEALTH_HTTPS, env.port[ep]);

	s.host = "www.example.test";
	s.ca_file = env.ca;
	s.min_cert_days = min_days;
	s.body = "swerve-ok";
	return s;
}

static void
test_https_valid(void **state)
{
	struct health_spec s = tls_spec(EP_VALID, 7);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_true(r.res.ok);
	assert_reason_has(r, "ok http 200, certificate valid 29 more days");
	/* The same server without the test CA: the system store does not trust it. */
	s.ca_file = NULL;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_reason_has(r, "certificate");
}

static void
test_https_expired(void **state)
{
	struct health_spec s = tls_spec(EP_EXPIRED, 7);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_reason_has(r, "expired");
}

static void
test_https_wrong_host(void **state)
{
	struct health_spec s = tls_spec(EP_WRONGHOST, 7);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_false(r.res.ok);
	assert_reason_has(r, "www.example.test");
	assert_reason_has(r, "subject name");
}

static void
test_https_expiring(void **state)
{
	struct health_spec s = tls_spec(EP_EXPIRING, 7);
	struct rec r;

	(void)state;
	r = probe(&s);
	assert_false(r.res.ok);
	/* 3 days minus the seconds since signing: 2 whole days left. */
	assert_string_equal(r.res.reason, "certificate expires in 2 days (< 7)");
	s.min_cert_days = 2;
	r = probe(&s);
	assert_true(r.res.ok);
}

/* ---- lifecycle ---- */

static void
test_invalid(void **state)
{
	struct health_spec s = spec_of(HEALTH_MANUAL, 80);
	struct health_probe *p = NULL;
	struct rec r = {0};

	(void)state;
	assert_int_equal(health_probe_start(hl, &s, record, &r, &p), -EINVAL);
	s = spec_of(HEALTH_TCP, 80);
	s.timeout_ms = 0;
	assert_int_equal(health_probe_start(hl, &s, record, &r, &p), -EINVAL);
	s = spec_of(HEALTH_TCP, 80);
	s.addr.ss_family = AF_UNIX;
	assert_true(health_probe_start(hl, &s, record, &r, &p) < 0);
	assert_null(p);
	run_for(30);
	assert_int_equal(r.calls, 0);
}

static void
test_cancel(void **state)
{
	struct health_spec hs = spec_of(HEALTH_HTTP, env.listen_port);
	struct health_spec ts = spec_of(HEALTH_TCP, env.closed_port);
	struct health_spec ok = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	struct health_probe *ph, *pt, *po;
	struct rec rh = {0}, rt = {0}, ro = {0};

	(void)state;
	hs.timeout_ms = 300;
	assert_int_equal(health_probe_start(hl, &hs, record, &rh, &ph), 0);
	assert_int_equal(health_probe_start(hl, &ts, record, &rt, &pt), 0);
	assert_int_equal(health_probe_start(hl, &ok, record, &ro, &po), 0);
	health_probe_cancel(hl, pt); /* Its verdict was already pending: dropped. */
	run_for(100);		     /* The http request is on the wire now. */
	health_probe_cancel(hl, ph);
	run_for(500); /* Past the cancelled probe's timeout. */
	assert_int_equal(rh.calls, 0);
	assert_int_equal(rt.calls, 0);
	assert_int_equal(ro.calls, 1); /* The others still run. */
	assert_true(ro.res.ok);
}

#define NCONC 50

static void
test_many(void **state)
{
	struct health_probe *p[NCONC];
	struct rec r[NCONC];
	struct health_spec s;
	unsigned done = 0, i, prev;
	uint64_t end;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < NCONC; i++) {
		if (i % 3 == 0)
			s = spec_of(HEALTH_TCP, env.listen_port);
		else if (i % 3 == 1)
			s = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
		else
			s = tls_spec(EP_VALID, 7);
		s.timeout_ms = 8000;
		assert_int_equal(health_probe_start(hl, &s, record, &r[i], &p[i]), 0);
	}
	end = evloop_now_ms() + 15000;
	while (done < NCONC && evloop_now_ms() < end) {
		assert_true(evloop_run_once(loop, 50) >= 0);
		for (done = 0, i = 0; i < NCONC; i++)
			done += r[i].calls;
	}
	prev = done;
	run_for(30);
	for (done = 0, i = 0; i < NCONC; i++) {
		assert_int_equal(r[i].calls, 1);
		if (!r[i].res.ok)
			print_message("probe %u: %s\n", i, r[i].res.reason);
		assert_true(r[i].res.ok);
		done += r[i].calls;
	}
	assert_int_equal(done, prev);
}

/* A callback that starts the next probe, as failover's scheduler may. */
struct chain {
	unsigned left;
	unsigned calls;
	struct health_spec spec;
};

static void
chain_done(void *arg, const struct health_result *res)
{
	struct chain *c = arg;
	struct health_probe *p;

	c->calls++;
	assert_true(res->ok);
	if (--c->left > 0)
		assert_int_equal(health_probe_start(hl, &c->spec, chain_done, c, &p), 0);
}

static void
test_restart_from_callback(void **state)
{
	struct chain c = {.left = 6};
	struct health_probe *p;

	(void)state;
	c.spec = spec_of(HEALTH_HTTP, env.port[EP_PLAIN]);
	assert_int_equal(health_probe_start(hl, &c.spec, chain_done, &c, &p), 0);
	run_until(&c.calls, 6, 10000);
	assert_int_equal(c.calls, 6);
	assert_int_equal(c.left, 0);
}

/* health_free with probes of every kind in flight: no callback, nothing leaked (ASan). */
static void
test_free_in_flight(void **state)
{
	struct health_spec s;
	struct health_probe *p;
	struct rec r = {0};
	unsigned i;

	(void)state;
	for (i = 0; i < 12; i++) {
		if (i % 4 == 0)
			s = spec_of(HEALTH_HTTP, env.listen_port);
		else if (i % 4 == 1)
			s = tls_spec(EP_VALID, 7);
		else if (i % 4 == 2)
			s = spec_of(HEALTH_TCP, env.closed_port);
		else
			s = spec_of(HEALTH_TCP, env.listen_port);
		assert_int_equal(health_probe_start(hl, &s, record, &r, &p), 0);
	}
	assert_true(evloop_run_once(loop, 0) >= 0);
	if (r.calls == 0)
		assert_true(evloop_run_once(loop, 0) >= 0);
	health_free(hl);
	hl = NULL;
	run_for(100);
	/* Only verdicts delivered before the free may have arrived (fast tcp ones). */
	assert_true(r.calls <= 6);
	health_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_open_but_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_503, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_status_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_host_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_wrong_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_expiring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
	};

	return tu_skip_exit(cmocka_run_group_tests(tests, group_setup, group_teardown));
}
