/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for config_load(): the example file, defaults, values, every error and its line. */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrl.h"

/*
 * Under AddressSanitizer the allocator reports the bytes in use, so a failed
 * load can be shown to leave nothing behind even before the leak checker runs
 * at exit. Without it the check is skipped (the ASAN build runs these tests).
 */
#if defined(__SANITIZE_ADDRESS__)
size_t __sanitizer_get_current_allocated_bytes(void);
#define heap_bytes() __sanitizer_get_current_allocated_bytes()
#else
#define heap_bytes() ((size_t)0)
#endif

/* A scratch directory with a zone file, a zone in a subdirectory and a directory posing as one. */
static char tdir[64];
static char cfg_path[PATH_MAX];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
group_setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	snprintf(tdir, sizeof(tdir), "/tmp/swerve-cfg-XXXXXX");
	if (mkdtemp(tdir) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/z.zone", tdir);
	write_file(p, "; config tests only check that zone files exist\n");
	snprintf(p, sizeof(p), "%s/sub", tdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/sub/s.zone", tdir);
	write_file(p, ";\n");
	snprintf(p, sizeof(p), "%s/adir.zone", tdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/Kexample.com.+013+00001.private", tdir);
	write_file(p, "; config tests only check that key files exist\n");
	snprintf(cfg_path, sizeof(cfg_path), "%s/swerve.yaml", tdir);
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const names[] = {"z.zone", "sub/s.zone", "sub", "adir.zone",
					    "Kexample.com.+013+00001.private", "swerve.yaml"};
	char p[PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tdir, names[i]);
		remove(p);
	}
	rmdir(tdir);
	return 0;
}

static struct swerve_config *
load_ok(const char *text)
{
	struct swerve_config *cfg = NULL;
	struct sw_diag d = {0};
	int rc;

	write_file(cfg_path, text);
	rc = config_load(cfg_path, &cfg, &d);
	if (rc != 0)
		fail_msg("config_load: %d %s:%u: %s", rc, d.file, d.line, d.msg);
	assert_non_null(cfg);
	return cfg;
}

static const char *
srcdir(void)
{
	const char *s = getenv("SWERVE_SRCDIR");

	return s != NULL ? s : ".";
}

static void
assert_addr(const struct svc_addr *a, int family, const char *text, unsigned prefix)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->family, family);
	assert_non_null(inet_ntop(family,
				  family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6,
				  buf, sizeof(buf)));
	assert_string_equal(buf, text);
	assert_int_equal(a->prefix, prefix);
}

/* Every member that has a default except the failover section, compared one by one. */
static void
assert_defaults_but_failover(const struct swerve_config *c)
{
	assert_int_equal(c->edns_payload, 1232);
	assert_null(c->version);
	assert_null(c->identity);
	assert_int_equal(c->idle_backoff_us, 0);
	assert_int_equal(c->rx_ring, 1024);
	assert_int_equal(c->tx_ring, 1024);
	assert_string_equal(c->exception_ifname, "swerve0");
	assert_int_equal(c->exception_pps, 10000);
	assert_int_equal(c->tcp_max_clients, 256);
	assert_int_equal(c->tcp_idle_ms, 10000);
	assert_string_equal(c->ctl_socket, "/run/swerve/control.sock");
	assert_int_equal(c->ctl_mode, 0660);
	assert_int_equal(c->ctl_max_clients, 16);
	assert_int_equal(c->ctl_idle_ms, 30000);
	assert_string_equal(c->metrics_listen, "127.0.0.1:9153");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_string_equal(c->log_target, "stderr");
	assert_int_equal(c->rrl_rate, 0);
	assert_int_equal(c->rrl_errors, 0);
	assert_int_equal(c->rrl_burst, 0);
	assert_int_equal(c->rrl_slip, 2);
	assert_int_equal(c->rrl_ipv4_prefix, 24);
	assert_int_equal(c->rrl_ipv6_prefix, 56);
	assert_int_equal(c->rrl_table_size, 65536);
	assert_false(c->cookies_enabled);
	assert_false(c->cookie_secret_set);
	assert_false(c->cookie_previous_set);
	assert_int_equal(c->xfr_timeout_ms, 30000);
	assert_int_equal(c->nkeys, 0);
	assert_null(c->keys);
	for (size_t i = 0; i < c->nzones; i++) {
		assert_int_equal(c->zones[i].nprimaries, 0);
		assert_true(c->zones[i].ixfr);
	}
}

static void
assert_defaults(const struct swerve_config *c)
{
	assert_defaults_but_failover(c);
	assert_string_equal(c->failover_state_file, "/var/lib/swerve/failover.json");
	assert_int_equal(c->nfailovers, 0);
	assert_null(c->failovers);
}

/* The shipped example loads, has the lab addresses, and lists exactly the defaults. */
static void
test_example(void **state)
{
	const struct cfg_failover *r;
	struct swerve_config *cfg = NULL;
	struct sw_diag d = {0};
	char path[PATH_MAX];
	char zone[PATH_MAX];
	char real[PATH_MAX];
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/control/example/swerve.yaml", srcdir());
	rc = config_load(path, &cfg, &d);
	if (rc != 0)
		fail_msg("%s:%u: %s", d.file, d.line, d.msg);
	assert_string_equal(cfg->path, path);
	assert_int_equal(cfg->naddrs, 2);
	assert_addr(&cfg->addrs[0], AF_INET, "198.18.0.53", 24);
	assert_addr(&cfg->addrs[1], AF_INET6, "2001:2::53", 64);
	assert_int_equal(cfg->nzones, 1);
	assert_string_equal(cfg->zones[0].name, "example.com");
	/* Relative to the config file, and absolute so a chdir cannot break it. */
	snprintf(zone, sizeof(zone), "%s/control/example/example.com.zone", srcdir());
	assert_non_null(realpath(zone, real));
	assert_string_equal(cfg->zones[0].file, real);
	assert_defaults_but_failover(cfg);
	/* The demo record of the README: two local HTTP servers behind app.example.com. */
	assert_string_equal(cfg->failover_state_file, "/run/swerve/failover.json");
	assert_int_equal(cfg->nfailovers, 1);
	r = &cfg->failovers[0];
	assert_string_equal(r->name, "app.example.com.");
	assert_int_equal(r->type, 1);
	assert_int_equal(r->ttl, 30);
	assert_int_equal(r->degraded_ttl, 10);
	assert_true(r->initial_up);
	assert_int_equal(r->all_down, CFG_ALL_DOWN_FIRST_POOL);
	assert_int_equal(r->check.kind, CFG_CHECK_HTTP);
	assert_int_equal(r->check.interval_ms, 1000);
	assert_int_equal(r->check.timeout_ms, 500);
	assert_int_equal(r->check.rise, 2);
	assert_int_equal(r->check.fall, 2);
	assert_int_equal(r->npools, 2);
	assert_string_equal(r->pools[0].name, "primary");
	assert_string_equal(r->pools[1].name, "backup");
	for (size_t i = 0; i < 2; i++) {
		const struct cfg_endpoint *e = &r->pools[i].endpoints[0];

		assert_int_equal(r->pools[i].nendpoints, 1);
		assert_addr(&e->addr, AF_INET, i == 0 ? "198.18.1.10" : "198.18.1.20", 24);
		assert_true(e->has_check_addr);
		assert_addr(&e->check_addr, AF_INET, "127.0.0.1", 24);
		assert_int_equal(e->check_port, 8081 + i);
	}
	config_free(cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct swerve_config *cfg;
	char zone[PATH_MAX];

	(void)state;
	cfg = load_ok(
		"service:\n  addresses: [198.18.0.53]\nzones:\n  - {name: a.test, file: z.zone}\n");
	assert_int_equal(cfg->naddrs, 1);
	assert_addr(&cfg->addrs[0], AF_INET, "198.18.0.53", 24);
	snprintf(zone, sizeof(zone), "%s/z.zone", tdir);
	assert_string_equal(cfg->zones[0].file, zone);
	assert_defaults(cfg);
	config_free(cfg);
}

/* Every key set to a non-default value; relative, absolute and root zones. */
static void
test_values(void **state)
{
	struct swerve_config *cfg;
	char text[2048];
	char zone[256];

	(void)state;
	snprintf(zone, sizeof(zone), "%s/sub/s.zone", tdir);
	snprintf(text, sizeof(text),
		 "service:\n"
		 "  addresses:\n"
		 "    - 198.18.7.1/15\n"
		 "    - \"2001:2:0:7::1/48\"\n"
		 "    - 2001:2::7\n"
		 "zones:\n"
		 "  - name: Example.COM.\n"
		 "    file: sub/s.zone\n"
		 "  - name: .\n"
		 "    file: z.zone\n"
		 "  - name: example.net\n"
		 "    file: %s\n"
		 "dns:\n"
		 "  edns-payload: 4096\n"
		 "  version: \"swerve 0.1\"\n"
		 "  identity: ns1.lab\n"
		 "dataplane: {idle-backoff-us: 50, rx-ring: 4096, tx-ring: 64}\n"
		 "exception:\n"
		 "  interface: sw-exc-0123456\n"
		 "  rate-limit-pps: 1\n"
		 "tcp:\n"
		 "  max-clients: 65535\n"
		 "  idle-timeout-ms: 100\n"
		 "control:\n"
		 "  socket: /tmp/s.sock\n"
		 "  mode: \"0640\"\n"
		 "  max-clients: 1024\n"
		 "  idle-timeout-ms: 3600000\n"
		 "metrics:\n"
		 "  listen: \"[::1]:9100\"\n"
		 "log:\n"
		 "  level: debug\n"
		 "  target: syslog\n"
		 "rrl: {responses-per-second: 5, errors-per-second: 2, burst: 20, slip: 0,\n"
		 "      ipv4-prefix-length: 32, ipv6-prefix-length: 128, table-size: 1024}\n"
		 "cookies:\n"
		 "  enabled: yes\n"
		 "  secret: 000102030405060708090A0B0C0D0E0F\n"
		 "  previous-secret: f0e1d2c3b4a5968778695a4b3c2d1e0f\n",
		 zone);
	cfg = load_ok(text);
	assert_int_equal(cfg->naddrs, 3);
	assert_addr(&cfg->addrs[0], AF_INET, "198.18.7.1", 15);
	assert_addr(&cfg->addrs[1], AF_INET6, "2001:2:0:7::1", 48);
	assert_addr(&cfg->addrs[2], AF_INET6, "2001:2::7", 64);
	assert_int_equal(cfg->nzones, 3);
	assert_string_equal(cfg->zones[0].name, "Example.COM.");
	assert_string_equal(cfg->zones[0].file, zone);
	assert_string_equal(cfg->zones[1].name, ".");
	assert_string_equal(cfg->zones[2].name, "example.net");
	assert_string_equal(cfg->zones[2].file, zone);
	assert_int_equal(cfg->edns_payload, 4096);
	assert_string_equal(cfg->version, "swerve 0.1");
	assert_string_equal(cfg->identity, "ns1.lab");
	assert_int_equal(cfg->rrl_rate, 5);
	assert_int_equal(cfg->rrl_errors, 2);
	assert_int_equal(cfg->rrl_burst, 20);
	assert_int_equal(cfg->rrl_slip, 0);
	assert_int_equal(cfg->rrl_ipv4_prefix, 32);
	assert_int_equal(cfg->rrl_ipv6_prefix, 128);
	assert_int_equal(cfg->rrl_table_size, 1024);
	assert_true(cfg->cookies_enabled);
	assert_true(cfg->cookie_secret_set);
	assert_true(cfg->cookie_previous_set);
	assert_int_equal(cfg->cookie_secret[0], 0x00);
	assert_int_equal(cfg->cookie_secret[10], 0x0a);
	assert_int_equal(cfg->cookie_secret[15], 0x0f);
	assert_int_equal(cfg->cookie_previous[0], 0xf0);
	assert_int_equal(cfg->cookie_previous[15], 0x0f);
	assert_int_equal(cfg->idle_backoff_us, 50);
	assert_int_equal(cfg->rx_ring, 4096);
	assert_int_equal(cfg->tx_ring, 64);
	assert_string_equal(cfg->exception_ifname, "sw-exc-0123456");
	assert_int_equal(cfg->exception_pps, 1);
	assert_int_equal(cfg->tcp_max_clients, 65535);
	assert_int_equal(cfg->tcp_idle_ms, 100);
	assert_string_equal(cfg->ctl_socket, "/tmp/s.sock");
	assert_int_equal(cfg->ctl_mode, 0640);
	assert_int_equal(cfg->ctl_max_clients, 1024);
	assert_int_equal(cfg->ctl_idle_ms, 3600000);
	assert_string_equal(cfg->metrics_listen, "[::1]:9100");
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	assert_string_equal(cfg->log_target, "syslog");
	config_free(cfg);
}

#define BASE                                                                                       \
	"service:\n  addresses: [198.18.0.53]\nzones:\n  - name: example.com\n    file: z.zone\n"

/* Nulls: version/identity hidden, metrics off, an empty section keeps its defaults; modes. */
static void
test_nulls_and_modes(void **state)
{
	struct swerve_config *cfg;

	(void)state;
	cfg = load_ok(BASE "dns:\n  version: ~\n  identity: null\nmetrics:\n  listen:\ntcp:\n"
			   "control:\n  mode: 0600\nexception:\n  interface: ~\n");
	/* No exception path: non-DNS frames are dropped and counted, there is no TCP. */
	assert_null(cfg->exception_ifname);
	assert_null(cfg->version);
	assert_null(cfg->identity);
	assert_null(cfg->metrics_listen);
	assert_int_equal(cfg->tcp_max_clients, 256);
	assert_int_equal(cfg->ctl_mode, 0600);
	config_free(cfg);

	cfg = load_ok(BASE "control:\n  mode: 0o750\n");
	assert_int_equal(cfg->ctl_mode, 0750);
	config_free(cfg);
	cfg = load_ok(BASE "control:\n  mode: 0\n");
	assert_int_equal(cfg->ctl_mode, 0);
	config_free(cfg);
	/* A quoted "~" is the string "~", not null. */
	cfg = load_ok(BASE "dns:\n  version: \"~\"\n");
	assert_string_equal(cfg->version, "~");
	config_free(cfg);
}

/*
 * The failover section's fixed prefix for the tests below: a record at line
 * 8, its type at 9, check at 10-11, pools at 12-14.
 */
#define FO_HEAD	 BASE "failover:\n  records:\n    - name: www.example.com\n      type: A\n"
#define FO_CHECK "      check:\n        kind: http\n"
#define FO_POOLS "      pools:\n        - endpoints:\n            - address: 198.18.1.10\n"
#define FO_OK	 FO_HEAD FO_CHECK FO_POOLS

/* The smallest record: every default of the record, its check, pool and endpoint. */
static void
test_failover_defaults(void **state)
{
	const struct cfg_failover *r;
	const struct cfg_endpoint *e;
	struct swerve_config *cfg;

	(void)state;
	cfg = load_ok(FO_OK);
	assert_int_equal(cfg->nfailovers, 1);
	assert_string_equal(cfg->failover_state_file, "/var/lib/swerve/failover.json");
	r = &cfg->failovers[0];
	assert_string_equal(r->name, "www.example.com.");
	assert_int_equal(r->type, 1);
	assert_int_equal(r->ttl, 30);
	assert_int_equal(r->degraded_ttl, 10);
	assert_true(r->initial_up);
	assert_int_equal(r->all_down, CFG_ALL_DOWN_FIRST_POOL);
	assert_int_equal(r->check.kind, CFG_CHECK_HTTP);
	assert_int_equal(r->check.interval_ms, 5000);
	assert_int_equal(r->check.timeout_ms, 2000);
	assert_int_equal(r->check.rise, 2);
	assert_int_equal(r->check.fall, 3);
	assert_int_equal(r->check.port, 80);
	assert_null(r->check.path);
	assert_null(r->check.host);
	assert_int_equal(r->check.nstatus, 1);
	assert_int_equal(r->check.status[0], 200);
	assert_null(r->check.body);
	assert_int_equal(r->check.min_cert_days, 7);
	assert_null(r->check.ca_file);
	assert_int_equal(r->npools, 1);
	assert_string_equal(r->pools[0].name, "pool0");
	assert_int_equal(r->pools[0].nendpoints, 1);
	e = &r->pools[0].endpoints[0];
	assert_string_equal(e->name, "198.18.1.10");
	assert_addr(&e->addr, AF_INET, "198.18.1.10", 24);
	assert_false(e->has_check_addr);
	assert_int_equal(e->check_port, 0);
	assert_null(e->check_host);
	config_free(cfg);

	/* https defaults to 443; a small ttl pulls the default degraded-ttl down with it. */
	cfg = load_ok(FO_HEAD "      ttl: 5\n      check: {kind: https}\n" FO_POOLS);
	assert_int_equal(cfg->failovers[0].check.port, 443);
	assert_int_equal(cfg->failovers[0].ttl, 5);
	assert_int_equal(cfg->failovers[0].degraded_ttl, 5);
	config_free(cfg);

	/* An empty section, no records, or an empty list: no failover records at all. */
	cfg = load_ok(BASE "failover:\n");
	assert_defaults(cfg);
	config_free(cfg);
	cfg = load_ok(BASE "failover:\n  records: ~\n");
	assert_defaults(cfg);
	config_free(cfg);
	cfg = load_ok(BASE "failover:\n  records: []\n  state-file: ~\n");
	assert_int_equal(cfg->nfailovers, 0);
	assert_null(cfg->failover_state_file);
	config_free(cfg);
}

/* Every key set to a non-default value, the shape of the README example. */
static void
test_failover_values(void **state)
{
	const struct cfg_failover *r;
	const struct cfg_endpoint *e;
	struct swerve_config *cfg;
	char want[PATH_MAX];

	(void)state;
	/* failover before zones: the zone check waits for the whole file. */
	cfg = load_ok(
		"service:\n  addresses: [198.18.0.53]\n"
		"failover:\n"
		"  state-file: state/fo.json\n"
		"  records:\n"
		"    - name: WWW.Example.COM\n"
		"      type: a\n"
		"      ttl: 86400\n"
		"      degraded-ttl: 86400\n"
		"      initial: down\n"
		"      all-down: servfail\n"
		"      check:\n"
		"        kind: https\n"
		"        interval-ms: 3600000\n"
		"        timeout-ms: 10\n"
		"        rise: 100\n"
		"        fall: 1\n"
		"        port: 8443\n"
		"        path: /healthz?full=1\n"
		"        host: www.example.com\n"
		"        expect-status: [100, 204, 301, 302, 303, 307, 308, 599]\n"
		"        body: \"ok\"\n"
		"        min-cert-days: 3650\n"
		"        ca-file: z.zone\n"
		"      pools:\n"
		"        - name: primary\n"
		"          endpoints:\n"
		"            - address: 198.18.1.10\n"
		"              name: web1\n"
		"              check-address: \"::1\"\n"
		"              check-port: 8081\n"
		"              check-host: web1.example.com\n"
		"            - address: 198.18.1.11\n"
		"        - name: backup\n"
		"          endpoints:\n"
		"            - {address: 198.18.1.20, check-address: 127.0.0.2}\n"
		"    - name: www.example.com.\n"
		"      type: AAAA\n"
		"      all-down: serve-all\n"
		"      check: {kind: manual, port: 1, path: /x, interval-ms: 100}\n"
		"      pools:\n"
		"        - endpoints: [{address: \"2001:2::10\"}, {address: \"2001:2:0::11\"}]\n"
		"    - name: example.com\n"
		"      type: A\n"
		"      check: {kind: tcp, port: 22}\n"
		"      pools: [{endpoints: [{address: 198.18.1.30}]}]\n"
		"    - name: a.b.sub.example.net\n"
		"      type: A\n"
		"      check: {kind: tcp}\n"
		"      pools: [{endpoints: [{address: 198.18.1.40, check-port: 7}]}]\n"
		"zones:\n"
		"  - {name: EXAMPLE.com., file: z.zone}\n"
		"  - {name: sub.example.net, file: z.zone}\n");
	snprintf(want, sizeof(want), "%s/state/fo.json", tdir);
	assert_string_equal(cfg->failover_state_file, want);
	assert_int_equal(cfg->nfailovers, 4);
	r = &cfg->failovers[0];
	assert_string_equal(r->name, "www.example.com.");
	assert_int_equal(r->type, 1);
	assert_int_equal(r->ttl, 86400);
	assert_int_equal(r->degraded_ttl, 86400);
	assert_false(r->initial_up);
	assert_int_equal(r->all_down, CFG_ALL_DOWN_SERVFAIL);
	assert_int_equal(r->check.kind, CFG_CHECK_HTTPS);
	assert_int_equal(r->check.interval_ms, 3600000);
	assert_int_equal(r->check.timeout_ms, 10);
	assert_int_equal(r->check.rise, 100);
	assert_int_equal(r->check.fall, 1);
	assert_int_equal(r->check.port, 8443);
	assert_string_equal(r->check.path, "/healthz?full=1");
	assert_string_equal(r->check.host, "www.example.com");
	assert_int_equal(r->check.nstatus, 8);
	assert_int_equal(r->check.status[0], 100);
	assert_int_equal(r->check.status[1], 204);
	assert_int_equal(r->check.status[7], 599);
	assert_string_equal(r->check.body, "ok");
	assert_int_equal(r->check.min_cert_days, 3650);
	snprintf(want, sizeof(want), "%s/z.zone", tdir);
	assert_string_equal(r->check.ca_file, want);
	assert_int_equal(r->npools, 2);
	assert_string_equal(r->pools[0].name, "primary");
	assert_int_equal(r->pools[0].nendpoints, 2);
	e = &r->pools[0].endpoints[0];
	assert_string_equal(e->name, "web1");
	assert_addr(&e->addr, AF_INET, "198.18.1.10", 24);
	/* check-address may be of either family, whatever the record's type. */
	assert_true(e->has_check_addr);
	assert_addr(&e->check_addr, AF_INET6, "::1", 64);
	assert_int_equal(e->check_port, 8081);
	assert_string_equal(e->check_host, "web1.example.com");
	e = &r->pools[0].endpoints[1];
	assert_string_equal(e->name, "198.18.1.11");
	assert_false(e->has_check_addr);
	assert_string_equal(r->pools[1].name, "backup");
	e = &r->pools[1].endpoints[0];
	assert_addr(&e->addr, AF_INET, "198.18.1.20", 24);
	assert_addr(&e->check_addr, AF_INET, "127.0.0.2", 24);

	/* Same name, other type: a different record. Manual ignores timing and target. */
	r = &cfg->failovers[1];
	assert_string_equal(r->name, "www.example.com.");
	assert_int_equal(r->type, 28);
	assert_int_equal(r->all_down, CFG_ALL_DOWN_SERVE_ALL);
	assert_int_equal(r->check.kind, CFG_CHECK_MANUAL);
	assert_int_equal(r->check.interval_ms, 100);
	assert_int_equal(r->pools[0].nendpoints, 2);
	assert_addr(&r->pools[0].endpoints[0].addr, AF_INET6, "2001:2::10", 64);
	/* The default name is the address in its canonical text form. */
	assert_string_equal(r->pools[0].endpoints[1].name, "2001:2::11");

	/* The zone apex itself; tcp with a port, or with check-port on every endpoint. */
	assert_string_equal(cfg->failovers[2].name, "example.com.");
	assert_int_equal(cfg->failovers[2].check.kind, CFG_CHECK_TCP);
	assert_int_equal(cfg->failovers[2].check.port, 22);
	assert_string_equal(cfg->failovers[3].name, "a.b.sub.example.net.");
	assert_int_equal(cfg->failovers[3].check.port, 0);
	assert_int_equal(cfg->failovers[3].pools[0].endpoints[0].check_port, 7);
	config_free(cfg);

	/* The root zone holds every name; the root name itself normalises to ".". */
	cfg = load_ok("service:\n  addresses: [198.18.0.53]\nzones:\n  - {name: ., file: z.zone}\n"
		      "failover:\n  records:\n"
		      "    - {name: ., type: A, check: {kind: manual},\n"
		      "       pools: [{endpoints: [{address: 198.18.1.10}]}]}\n"
		      "    - {name: any.where.org, type: A, check: {kind: manual},\n"
		      "       pools: [{endpoints: [{address: 198.18.1.10}]}]}\n");
	assert_string_equal(cfg->failovers[0].name, ".");
	assert_string_equal(cfg->failovers[1].name, "any.where.org.");
	config_free(cfg);
	/* Host names and address literals of either family are valid hosts. */
	cfg = load_ok(FO_HEAD
		      "      check: {kind: https, host: \"2001:2::1\"}\n" FO_POOLS
		      "              check-host: 127.0.0.1\n"
		      "            - {address: 198.18.1.11, check-host: a-b_c.example.com.}\n");
	assert_string_equal(cfg->failovers[0].check.host, "2001:2::1");
	assert_string_equal(cfg->failovers[0].pools[0].endpoints[0].check_host, "127.0.0.1");
	assert_string_equal(cfg->failovers[0].pools[0].endpoints[1].check_host,
			    "a-b_c.example.com.");
	config_free(cfg);
}

/* Secondary zones: keys, primaries with defaults, timers, a local copy that does not exist yet. */
static void
test_secondary(void **state)
{
	const struct cfg_zone *z;
	struct swerve_config *cfg;
	char want[PATH_MAX];

	(void)state;
	cfg = load_ok(BASE "  - name: sec.test\n"
			   "    file: sub/sec.test.zone\n"
			   "    primaries:\n"
			   "      - address: 192.0.2.1\n"
			   "        key: Transfer.Key\n"
			   "      - {address: \"2001:db8::1\", port: 5353}\n"
			   "    refresh: 60\n"
			   "    retry: 10\n"
			   "    expire: 600\n"
			   "    ixfr: false\n"
			   "  - name: sec2.test\n"
			   "    file: sec2.zone\n"
			   "    primaries: [{address: 192.0.2.2, key: other.}]\n"
			   "keys:\n"
			   "  - name: other\n"
			   "    algorithm: HMAC-SHA512.\n"
			   "    secret: c2VjcmV0\n"
			   "  - name: transfer.key.\n"
			   "    secret: Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo=\n"
			   "xfr:\n  timeout-ms: 5000\n");
	assert_int_equal(cfg->nkeys, 2);
	assert_string_equal(cfg->keys[0].name, "other.");
	assert_string_equal(cfg->keys[0].algorithm, "hmac-sha512.");
	assert_string_equal(cfg->keys[0].secret, "c2VjcmV0");
	assert_string_equal(cfg->keys[1].name, "transfer.key.");
	assert_string_equal(cfg->keys[1].algorithm, "hmac-sha256.");
	assert_int_equal(cfg->xfr_timeout_ms, 5000);
	assert_int_equal(cfg->nzones, 3);
	/* The primary zone of BASE keeps its defaults. */
	assert_int_equal(cfg->zones[0].nprimaries, 0);
	assert_null(cfg->zones[0].primaries);
	assert_true(cfg->zones[0].ixfr);
	z = &cfg->zones[1];
	snprintf(want, sizeof(want), "%s/sub/sec.test.zone", tdir);
	assert_string_equal(z->file, want);
	assert_int_equal(z->nprimaries, 2);
	assert_addr(&z->primaries[0].addr, AF_INET, "192.0.2.1", 24);
	assert_int_equal(z->primaries[0].port, 53);
	assert_int_equal(z->primaries[0].key, 1);
	assert_addr(&z->primaries[1].addr, AF_INET6, "2001:db8::1", 64);
	assert_int_equal(z->primaries[1].port, 5353);
	assert_int_equal(z->primaries[1].key, -1);
	assert_int_equal(z->refresh_s, 60);
	assert_int_equal(z->retry_s, 10);
	assert_int_equal(z->expire_s, 600);
	assert_false(z->ixfr);
	z = &cfg->zones[2];
	assert_int_equal(z->primaries[0].key, 0);
	assert_int_equal(z->refresh_s, 0);
	assert_int_equal(z->retry_s, 0);
	assert_int_equal(z->expire_s, 0);
	assert_true(z->ixfr);
	config_free(cfg);

	/* An existing local copy is fine too; md5 by its short name. */
	cfg = load_ok(BASE "  - {name: s.test, file: sub/s.zone, primaries: [{address: 192.0.2.1, "
			   "key: k}]}\nkeys: [{name: k, algorithm: hmac-md5, secret: c2VjcmV0}]\n");
	assert_string_equal(cfg->keys[0].algorithm, "hmac-md5.sig-alg.reg.int.");
	config_free(cfg);
}

#define SEC "  - name: s.test\n    file: s.zone\n    primaries:\n      - address: 192.0.2.1\n"
#define KEY "keys:\n  - name: k1\n    secret: c2VjcmV0\n"

/* One invalid configuration and exactly what config_load() must say about it. */
struct err_case {
	const char *name;
	const char *text; /* "@DIR@" stands for the scratch directory. */
	int code;
	unsigned line;
	const char *msg; /* Exact, "@DIR@" substituted; a trailing '*' matches any rest. */
};

#define DNSSEC "    dnssec:\n      key-files: [Kexample.com.+013+00001.private]\n"

static const struct err_case err_cases[] = {
	/* zones[].dnssec: the keys of online signing */
	{"dnssec_no_key_files", BASE "    dnssec: {signature-lifetime: 86400}\n", SW_ECONFIG, 6,
	 "zones[0].dnssec.key-files: missing: the zone's signing keys"},
	{"dnssec_not_private", BASE "    dnssec:\n      key-files: [z.zone]\n", SW_ECONFIG, 7,
	 "zones[0].dnssec.key-files[0]: \"z.zone\": a private key file "
	 "(K<zone>+<alg>+<tag>.private)"},
	{"dnssec_missing_file", BASE "    dnssec:\n      key-files: [Kx.private]\n", -ENOENT, 7,
	 "zones[0].dnssec.key-files[0]: cannot read @DIR@/Kx.private: No such file or directory"},
	{"dnssec_no_keys", BASE "    dnssec:\n      key-files: []\n", SW_ECONFIG, 7,
	 "zones[0].dnssec.key-files: no key files"},
	{"dnssec_refresh", BASE DNSSEC "      signature-lifetime: 3600\n"
	 "      signature-refresh: 7200\n", SW_ECONFIG, 9,
	 "zones[0].dnssec.signature-refresh: 7200 s: must be shorter than signature-lifetime "
	 "(3600 s)"},
	{"dnssec_unknown", BASE DNSSEC "      keys: []\n", SW_ECONFIG, 8,
	 "zones[0].dnssec.keys: unknown key"},
	{"dnssec_short_lifetime", BASE DNSSEC "      signature-lifetime: 60\n", SW_ECONFIG, 8,
	 "zones[0].dnssec.signature-lifetime: *"},
	/* zone transfers: keys, primaries, secondary zones */
	{"xfr_unknown_key", BASE SEC "        key: nokey\n" KEY, SW_ECONFIG, 10,
	 "zones[1].primaries[0].key: unknown key \"nokey\" (not in keys)"},
	{"xfr_key_without_keys", BASE SEC "        key: k1\n", SW_ECONFIG, 10,
	 "zones[1].primaries[0].key: unknown key \"k1\" (not in keys)"},
	{"xfr_dup_key", BASE SEC KEY "  - name: K1.\n    secret: c2VjcmV0\n", SW_ECONFIG, 13,
	 "keys[1].name: key k1. defined twice (also keys[0])"},
	{"xfr_bad_base64_char", BASE SEC "keys:\n  - name: k1\n    secret: c2Vj*mV0\n", SW_ECONFIG,
	 12, "keys[0].secret: bad base64: character '*' at offset 4"},
	{"xfr_bad_base64_len", BASE SEC "keys:\n  - name: k1\n    secret: c2VjcmV\n", SW_ECONFIG,
	 12, "keys[0].secret: bad base64: 7 characters, not a multiple of 4"},
	{"xfr_bad_base64_pad", BASE SEC "keys:\n  - name: k1\n    secret: c2=jcmV0\n", SW_ECONFIG,
	 12, "keys[0].secret: bad base64: character '=' at offset 2"},
	{"xfr_bad_algorithm", BASE SEC "keys:\n  - name: k1\n    algorithm: hmac-sha3\n"
	 "    secret: c2VjcmV0\n", SW_ECONFIG, 12,
	 "keys[0].algorithm: unknown algorithm \"hmac-sha3\" (hmac-sha256, hmac-sha512, "
	 "hmac-sha1, hmac-md5)"},
	{"xfr_sha384_unsupported", BASE SEC "keys:\n  - name: k1\n    algorithm: hmac-sha384\n"
	 "    secret: c2VjcmV0\n", SW_ECONFIG, 12,
	 "keys[0].algorithm: unknown algorithm \"hmac-sha384\" (hmac-sha256, hmac-sha512, "
	 "hmac-sha1, hmac-md5)"},
	{"xfr_key_no_secret", BASE SEC "keys:\n  - name: k1\n", SW_ECONFIG, 11,
	 "keys[0]: missing key \"secret\""},
	{"xfr_key_bad_name", BASE SEC "keys:\n  - name: a..b\n    secret: c2VjcmV0\n", SW_ECONFIG,
	 11, "keys[0].name: bad key name \"a..b\""},
	{"xfr_keys_not_seq", BASE "keys: {name: k1}\n", SW_ECONFIG, 6,
	 "keys: expected a sequence, got a mapping"},
	{"xfr_key_unknown_field", BASE SEC "keys:\n  - name: k1\n    secrett: x\n", SW_ECONFIG,
	 12, "keys[0].secrett: unknown key"},
	{"xfr_primary_no_address", BASE "  - name: s.test\n    file: s.zone\n    primaries:\n"
	 "      - port: 53\n", SW_ECONFIG, 9, "zones[1].primaries[0]: missing key \"address\""},
	{"xfr_primary_prefix", BASE "  - name: s.test\n    file: s.zone\n    primaries:\n"
	 "      - address: 192.0.2.1/32\n", SW_ECONFIG, 9,
	 "zones[1].primaries[0].address: bad address \"192.0.2.1/32\" (expected a unicast IPv4 or "
	 "IPv6 address)"},
	{"xfr_primary_port", BASE SEC "        port: 0\n", SW_ECONFIG, 10,
	 "zones[1].primaries[0].port: 0 out of range 1..65535"},
	{"xfr_primaries_empty", BASE "  - name: s.test\n    file: s.zone\n    primaries: []\n",
	 SW_ECONFIG, 8, "zones[1].primaries: no primaries (leave the key out for a primary zone)"},
	{"xfr_refresh_on_primary_zone", BASE "  - name: p.test\n    file: z.zone\n    refresh: 60\n",
	 SW_ECONFIG, 8, "zones[1].refresh: only for a secondary zone (with primaries)"},
	{"xfr_ixfr_on_primary_zone", BASE "  - name: p.test\n    file: z.zone\n    ixfr: true\n",
	 SW_ECONFIG, 8, "zones[1].ixfr: only for a secondary zone (with primaries)"},
	{"xfr_refresh_zero", BASE SEC "    refresh: 0\n", SW_ECONFIG, 10,
	 "zones[1].refresh: 0 out of range 1..2147483647"},
	{"xfr_local_copy_dir", BASE "  - name: s.test\n    file: nodir/s.zone\n    primaries:\n"
	 "      - address: 192.0.2.1\n", -ENOENT, 7,
	 "zones[1].file: cannot write the local copy in @DIR@/nodir: No such file or directory"},
	{"xfr_local_copy_is_dir", BASE "  - name: s.test\n    file: adir.zone\n    primaries:\n"
	 "      - address: 192.0.2.1\n", SW_ECONFIG, 7,
	 "zones[1].file: @DIR@/adir.zone is not a regular file"},
	{"xfr_timeout_range", BASE "xfr:\n  timeout-ms: 10\n", SW_ECONFIG, 7,
	 "xfr.timeout-ms: 10 out of range 100..86400000"},
	{"xfr_dup_keys_section", BASE KEY KEY, SW_ECONFIG, 9, "keys: duplicate key"},
	{"xfr_shared_local_copy", BASE "  - name: s.test\n    file: z.zone\n    primaries:\n"
	 "      - address: 192.0.2.1\n", SW_ECONFIG, 7,
	 "zones[1].file: @DIR@/z.zone is also zones[0]'s file; a secondary zone's local copy must "
	 "be its own"},
	{"rrl_prefix_range", BASE "rrl:\n  ipv4-prefix-length: 33\n", SW_ECONFIG, 7,
	 "rrl.ipv4-prefix-length: 33 out of range 8..32"},
	{"rrl_slip_range", BASE "rrl:\n  slip: 11\n", SW_ECONFIG, 7,
	 "rrl.slip: 11 out of range 0..10"},
	{"cookie_bool", BASE "cookies:\n  enabled: maybe\n", SW_ECONFIG, 7,
	 "cookies.enabled: expected true or false, got \"maybe\""},
	{"cookie_bool_quoted", BASE "cookies:\n  enabled: \"true\"\n", SW_ECONFIG, 7,
	 "cookies.enabled: expected true or false, got quoted \"true\""},
	{"cookie_secret_short", BASE "cookies:\n  secret: 0123456789abcdef\n", SW_ECONFIG, 7,
	 "cookies.secret: expected 32 hex digits (openssl rand -hex 16), got 16 characters"},
	{"cookie_secret_hex", BASE "cookies:\n  secret: 0123456789abcdef0123456789abcdeg\n",
	 SW_ECONFIG, 7, "cookies.secret: expected 32 hex digits, got \"eg\" at offset 30"},
	{"cookie_previous_alone",
	 BASE "cookies:\n  previous-secret: 0123456789abcdef0123456789abcdef\n", SW_ECONFIG, 0,
	 "cookies.previous-secret: needs cookies.secret (a rollover is from one shared secret to "
	 "another)"},
	{"unknown_key", BASE "dns:\n  edns-payloadd: 1232\n", SW_ECONFIG, 7,
	 "dns.edns-payloadd: unknown key"},
	{"unknown_section", BASE "failovers:\n  records: []\n", SW_ECONFIG, 6,
	 "failovers: unknown key"},
	{"unknown_zone_key", BASE "  - name: b.test\n    file: z.zone\n    ttl: 5\n", SW_ECONFIG, 8,
	 "zones[1].ttl: unknown key"},
	{"duplicate_key", BASE "dns:\n  edns-payload: 1232\n  edns-payload: 1400\n", SW_ECONFIG, 8,
	 "dns.edns-payload: duplicate key"},
	{"duplicate_section", BASE "log: {level: info}\nlog: {level: debug}\n", SW_ECONFIG, 7,
	 "log: duplicate key"},
	{"type_int_word", BASE "dns:\n  edns-payload: big\n", SW_ECONFIG, 7,
	 "dns.edns-payload: expected a decimal integer, got \"big\""},
	{"type_int_quoted", BASE "dns:\n  edns-payload: \"1232\"\n", SW_ECONFIG, 7,
	 "dns.edns-payload: expected a decimal integer, got quoted \"1232\""},
	{"type_int_negative", BASE "tcp:\n  max-clients: -1\n", SW_ECONFIG, 7,
	 "tcp.max-clients: expected a decimal integer, got \"-1\""},
	{"type_int_leading_zero", BASE "dns:\n  edns-payload: 01232\n", SW_ECONFIG, 7,
	 "dns.edns-payload: expected a decimal integer, got \"01232\""},
	{"type_int_float", BASE "dataplane:\n  rx-ring: 1024.0\n", SW_ECONFIG, 7,
	 "dataplane.rx-ring: expected a decimal integer, got \"1024.0\""},
	{"type_int_null", BASE "dns:\n  edns-payload: ~\n", SW_ECONFIG, 7,
	 "dns.edns-payload: expected a decimal integer, got null"},
	{"type_section_scalar", BASE "dns: 5\n", SW_ECONFIG, 6,
	 "dns: expected a mapping, got \"5\""},
	{"type_section_sequence", BASE "tcp:\n  - 1\n", SW_ECONFIG, 7,
	 "tcp: expected a mapping, got a sequence"},
	{"type_string_sequence", BASE "exception:\n  interface: [a, b]\n", SW_ECONFIG, 7,
	 "exception.interface: expected a string, got a sequence"},
	{"type_string_null", BASE "control:\n  socket: ~\n", SW_ECONFIG, 7,
	 "control.socket: expected a string, got null"},
	{"type_addresses_scalar", "service:\n  addresses: 198.18.0.53\nzones: []\n", SW_ECONFIG, 2,
	 "service.addresses: expected a sequence, got \"198.18.0.53\""},
	{"type_zones_mapping", "service:\n  addresses: [198.18.0.53]\nzones:\n  name: a\n",
	 SW_ECONFIG, 4, "zones: expected a sequence, got a mapping"},
	{"type_zone_item_scalar", "service:\n  addresses: [198.18.0.53]\nzones:\n  - a.test\n",
	 SW_ECONFIG, 4, "zones[0]: expected a mapping, got \"a.test\""},
	{"type_key_not_scalar", BASE "? [a, b]\n: 1\n", SW_ECONFIG, 6,
	 "(top level): keys must be strings, got a sequence"},
	{"type_top_sequence", "- service\n- zones\n", SW_ECONFIG, 1,
	 "(top level): expected a mapping, got a sequence"},
	{"range_payload_low", BASE "dns:\n  edns-payload: 511\n", SW_ECONFIG, 7,
	 "dns.edns-payload: 511 out of range 512..4096"},
	{"range_payload_high", BASE "dns:\n  edns-payload: 4097\n", SW_ECONFIG, 7,
	 "dns.edns-payload: 4097 out of range 512..4096"},
	{"range_overflow", BASE "dns:\n  edns-payload: 99999999999999999999999\n", SW_ECONFIG, 7,
	 "dns.edns-payload: 99999999999999999999999 out of range 512..4096"},
	{"range_ring", BASE "dataplane:\n  tx-ring: 63\n", SW_ECONFIG, 7,
	 "dataplane.tx-ring: 63 out of range 64..32768"},
	{"range_pps_zero", BASE "exception:\n  rate-limit-pps: 0\n", SW_ECONFIG, 7,
	 "exception.rate-limit-pps: 0 out of range 1..10000000"},
	{"range_idle", BASE "tcp:\n  idle-timeout-ms: 600001\n", SW_ECONFIG, 7,
	 "tcp.idle-timeout-ms: 600001 out of range 100..600000"},
	{"range_ifname", BASE "exception:\n  interface: swerve-exception0\n", SW_ECONFIG, 7,
	 "exception.interface: length 17 out of range 1..15"},
	{"range_version_empty", BASE "dns:\n  version: \"\"\n", SW_ECONFIG, 7,
	 "dns.version: length 0 out of range 1..255"},
	{"range_mode", BASE "control:\n  mode: 01000\n", SW_ECONFIG, 7,
	 "control.mode: 01000 out of range 0..0777"},
	{"bad_mode_digit", BASE "control:\n  mode: 0680\n", SW_ECONFIG, 7,
	 "control.mode: expected an octal mode, got \"0680\""},
	{"bad_log_level", BASE "log:\n  level: verbose\n", SW_ECONFIG, 7,
	 "log.level: unknown level \"verbose\" (error, warning, notice, info, debug)"},
	{"bad_log_target", BASE "log:\n  target: /var/log/swerve\n", SW_ECONFIG, 7,
	 "log.target: unknown target \"/var/log/swerve\" (stderr, syslog)"},
	{"bad_listen_noport", BASE "metrics:\n  listen: 127.0.0.1\n", SW_ECONFIG, 7,
	 "metrics.listen: bad address \"127.0.0.1\" (expected ADDRESS:PORT or [IPv6]:PORT)"},
	{"bad_listen_v6", BASE "metrics:\n  listen: \"::1:9153\"\n", SW_ECONFIG, 7,
	 "metrics.listen: bad address \"::1:9153\" (expected ADDRESS:PORT or [IPv6]:PORT)"},
	{"bad_listen_port", BASE "metrics:\n  listen: 127.0.0.1:65536\n", SW_ECONFIG, 7,
	 "metrics.listen: bad address \"127.0.0.1:65536\" (expected ADDRESS:PORT or [IPv6]:PORT)"},
	{"bad_ipv4", "service:\n  addresses:\n    - 198.18.0.53\n    - 198.18.0.256\n", SW_ECONFIG,
	 4,
	 "service.addresses[1]: bad address \"198.18.0.256\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_ipv6", "service:\n  addresses: [\"2001:2::53::1\"]\n", SW_ECONFIG, 2,
	 "service.addresses[0]: bad address \"2001:2::53::1\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_prefix4", "service:\n  addresses:\n    - 198.18.0.53/33\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"198.18.0.53/33\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_prefix6", "service:\n  addresses:\n    - 2001:2::53/129\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"2001:2::53/129\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_prefix_empty", "service:\n  addresses:\n    - 198.18.0.53/\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"198.18.0.53/\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_addr_multicast", "service:\n  addresses:\n    - 224.0.0.53\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"224.0.0.53\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_addr_unspecified", "service:\n  addresses:\n    - \"::\"\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"::\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"bad_addr_hostname", "service:\n  addresses:\n    - ns1.example.com\n", SW_ECONFIG, 3,
	 "service.addresses[0]: bad address \"ns1.example.com\" (expected a unicast IPv4 or IPv6 "
	 "address, optionally /prefix)"},
	{"dup_addr", "service:\n  addresses:\n    - 2001:2::53\n    - 2001:2:0::53/48\n",
	 SW_ECONFIG, 4, "service.addresses[1]: address \"2001:2:0::53/48\" listed twice"},
	{"dup_zone",
	 BASE "  - name: a.test\n    file: z.zone\n  - file: z.zone\n    name: EXAMPLE.com.\n",
	 SW_EZONE_DUP, 9, "zones[2].name: zone \"EXAMPLE.com.\" configured twice (also zones[0])"},
	{"bad_zone_name",
	 "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: exa..mple\n"
	 "    file: z.zone\n",
	 SW_ECONFIG, 4, "zones[0].name: bad zone name \"exa..mple\""},
	{"bad_zone_label",
	 "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: "
	 "a234567890123456789012345678901234567890123456789012345678901234.test\n    file: "
	 "z.zone\n",
	 SW_ECONFIG, 4,
	 "zones[0].name: bad zone name "
	 "\"a234567890123456789012345678901234567890123456789012345678901234.test\""},
	{"zone_missing_file",
	 "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: a.test\n"
	 "    file: nope.zone\n",
	 -ENOENT, 5, "zones[0].file: cannot read @DIR@/nope.zone: No such file or directory"},
	{"zone_missing_abs",
	 "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: a.test\n"
	 "    file: /nonexistent/swerve/a.zone\n",
	 -ENOENT, 5,
	 "zones[0].file: cannot read /nonexistent/swerve/a.zone: No such file or directory"},
	{"zone_file_is_dir",
	 "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: a.test\n"
	 "    file: adir.zone\n",
	 SW_ECONFIG, 5, "zones[0].file: @DIR@/adir.zone is not a regular file"},
	{"zone_no_file_key", "service:\n  addresses: [198.18.0.53]\nzones:\n  - name: a.test\n",
	 SW_ECONFIG, 4, "zones[0]: missing key \"file\""},
	{"zone_no_name_key", "service:\n  addresses: [198.18.0.53]\nzones:\n  - file: z.zone\n",
	 SW_ECONFIG, 4, "zones[0]: missing key \"name\""},
	{"no_service", "zones:\n  - name: example.com\n    file: z.zone\n", SW_ECONFIG, 0,
	 "service.addresses: no service address configured"},
	{"no_addresses_key", "zones:\n  - name: example.com\n    file: z.zone\nservice:\n  ~\n",
	 SW_ECONFIG, 4, "service.addresses: no service address configured"},
	{"empty_addresses", "service:\n  addresses: []\n", SW_ECONFIG, 2,
	 "service.addresses: no service address configured"},
	{"no_zones", "service:\n  addresses: [198.18.0.53]\n", SW_ECONFIG, 0,
	 "zones: no zones configured"},
	{"empty_zones", "service:\n  addresses: [198.18.0.53]\nzones: []\n", SW_ECONFIG, 3,
	 "zones: no zones configured"},
	{"empty_file", "", SW_ECONFIG, 0, "service.addresses: no service address configured"},
	{"yaml_syntax", BASE "dns: [1, 2\n", SW_ECONFIG, 7, "YAML: *"},
	{"yaml_tab_indent", BASE "dns:\n\tedns-payload: 1232\n", SW_ECONFIG, 7, "YAML: *"},
	{"two_documents", BASE "---\nservice: {}\n", SW_ECONFIG, 7, "more than one YAML document"},
	/* control: */
	{"ctl_max_clients_zero", BASE "control:\n  max-clients: 0\n", SW_ECONFIG, 7,
	 "control.max-clients: 0 out of range 1..1024"},
	{"ctl_max_clients_high", BASE "control:\n  max-clients: 1025\n", SW_ECONFIG, 7,
	 "control.max-clients: 1025 out of range 1..1024"},
	{"ctl_idle_low", BASE "control:\n  idle-timeout-ms: 99\n", SW_ECONFIG, 7,
	 "control.idle-timeout-ms: 99 out of range 100..3600000"},
	{"ctl_idle_high", BASE "control:\n  idle-timeout-ms: 3600001\n", SW_ECONFIG, 7,
	 "control.idle-timeout-ms: 3600001 out of range 100..3600000"},
	{"ctl_idle_type", BASE "control:\n  idle-timeout-ms: 30s\n", SW_ECONFIG, 7,
	 "control.idle-timeout-ms: expected a decimal integer, got \"30s\""},
	/* failover: structure and unknown keys */
	{"fo_section_scalar", BASE "failover: yes\n", SW_ECONFIG, 6,
	 "failover: expected a mapping, got \"yes\""},
	{"fo_unknown_section_key", BASE "failover:\n  recs: []\n", SW_ECONFIG, 7,
	 "failover.recs: unknown key"},
	{"fo_records_mapping", BASE "failover:\n  records:\n    name: a\n", SW_ECONFIG, 8,
	 "failover.records: expected a sequence, got a mapping"},
	{"fo_record_scalar", BASE "failover:\n  records:\n    - www\n", SW_ECONFIG, 8,
	 "failover.records[0]: expected a mapping, got \"www\""},
	{"fo_unknown_key", FO_OK "      color: red\n", SW_ECONFIG, 15,
	 "failover.records[0].color: unknown key"},
	{"fo_duplicate_key", FO_OK "      ttl: 5\n      ttl: 6\n", SW_ECONFIG, 16,
	 "failover.records[0].ttl: duplicate key"},
	{"fo_unknown_check_key_manual",
	 FO_HEAD "      check:\n        kind: manual\n        colour: 1\n" FO_POOLS, SW_ECONFIG, 12,
	 "failover.records[0].check.colour: unknown key"},
	{"fo_unknown_pool_key", FO_HEAD FO_CHECK "      pools:\n        - weight: 1\n", SW_ECONFIG,
	 13, "failover.records[0].pools[0].weight: unknown key"},
	{"fo_unknown_endpoint_key", FO_OK "              port: 80\n", SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[0].port: unknown key"},
	{"fo_state_file_type", BASE "failover:\n  state-file: [a]\n", SW_ECONFIG, 7,
	 "failover.state-file: expected a string, got a sequence"},
	{"fo_state_file_dir", BASE "failover:\n  state-file: /var/lib/swerve/\n", SW_ECONFIG, 7,
	 "failover.state-file: \"/var/lib/swerve/\" names a directory, not a file"},
	/* failover: required keys */
	{"fo_missing_name", BASE "failover:\n  records:\n    - type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8, "failover.records[0]: missing key \"name\""},
	{"fo_missing_type",
	 BASE "failover:\n  records:\n    - name: www.example.com\n" FO_CHECK FO_POOLS, SW_ECONFIG,
	 8, "failover.records[0]: missing key \"type\""},
	{"fo_missing_check", FO_HEAD FO_POOLS, SW_ECONFIG, 8,
	 "failover.records[0]: missing key \"check\""},
	{"fo_missing_pools", FO_HEAD FO_CHECK, SW_ECONFIG, 8,
	 "failover.records[0]: missing key \"pools\""},
	{"fo_missing_kind", FO_HEAD "      check:\n        port: 80\n" FO_POOLS, SW_ECONFIG, 11,
	 "failover.records[0].check: missing key \"kind\" (tcp, http, https, manual)"},
	{"fo_check_null", FO_HEAD "      check: ~\n" FO_POOLS, SW_ECONFIG, 10,
	 "failover.records[0].check: expected a mapping, got null"},
	{"fo_missing_address",
	 FO_HEAD FO_CHECK "      pools:\n        - endpoints:\n            - name: web1\n",
	 SW_ECONFIG, 14, "failover.records[0].pools[0].endpoints[0]: missing key \"address\""},
	{"fo_pool_no_endpoints", FO_HEAD FO_CHECK "      pools:\n        - name: a\n", SW_ECONFIG,
	 13, "failover.records[0].pools[0]: missing key \"endpoints\""},
	{"fo_empty_pools", FO_HEAD FO_CHECK "      pools: []\n", SW_ECONFIG, 12,
	 "failover.records[0].pools: at least one pool is needed"},
	{"fo_empty_endpoints", FO_HEAD FO_CHECK "      pools:\n        - endpoints: []\n",
	 SW_ECONFIG, 13,
	 "failover.records[0].pools[0].endpoints: a pool needs at least one endpoint"},
	/* failover: values */
	{"fo_bad_type",
	 BASE
	 "failover:\n  records:\n    - name: www.example.com\n      type: MX\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 9, "failover.records[0].type: unknown type \"MX\" (A, AAAA)"},
	{"fo_bad_kind", FO_HEAD "      check:\n        kind: icmp\n" FO_POOLS, SW_ECONFIG, 11,
	 "failover.records[0].check.kind: unknown value \"icmp\" (tcp, http, https, manual)"},
	{"fo_ttl_word", FO_OK "      ttl: thirty\n", SW_ECONFIG, 15,
	 "failover.records[0].ttl: expected a decimal integer, got \"thirty\""},
	{"fo_ttl_zero", FO_OK "      ttl: 0\n", SW_ECONFIG, 15,
	 "failover.records[0].ttl: 0 out of range 1..86400"},
	{"fo_ttl_high", FO_OK "      ttl: 86401\n", SW_ECONFIG, 15,
	 "failover.records[0].ttl: 86401 out of range 1..86400"},
	{"fo_degraded_zero", FO_OK "      degraded-ttl: 0\n", SW_ECONFIG, 15,
	 "failover.records[0].degraded-ttl: 0 out of range 1..86400"},
	{"fo_degraded_over_ttl", FO_OK "      ttl: 20\n      degraded-ttl: 30\n", SW_ECONFIG, 16,
	 "failover.records[0].degraded-ttl: 30 must not exceed ttl (20)"},
	{"fo_degraded_over_default_ttl", FO_OK "      degraded-ttl: 31\n", SW_ECONFIG, 15,
	 "failover.records[0].degraded-ttl: 31 must not exceed ttl (30)"},
	{"fo_bad_initial", FO_OK "      initial: maybe\n", SW_ECONFIG, 15,
	 "failover.records[0].initial: unknown value \"maybe\" (down, up)"},
	{"fo_bad_all_down", FO_OK "      all-down: nothing\n", SW_ECONFIG, 15,
	 "failover.records[0].all-down: unknown value \"nothing\" (first-pool, serve-all, "
	 "servfail)"},
	{"fo_timeout_eq_interval",
	 FO_HEAD "      check:\n        kind: http\n        interval-ms: 1000\n        timeout-ms: "
		 "1000\n" FO_POOLS,
	 SW_ECONFIG, 13,
	 "failover.records[0].check.timeout-ms: 1000 must be less than interval-ms (1000)"},
	{"fo_timeout_gt_interval",
	 FO_HEAD
	 "      check:\n        timeout-ms: 6000\n        kind: tcp\n        port: 1\n" FO_POOLS,
	 SW_ECONFIG, 11,
	 "failover.records[0].check.timeout-ms: 6000 must be less than interval-ms (5000)"},
	{"fo_timeout_default_vs_interval",
	 FO_HEAD "      check:\n        kind: https\n        interval-ms: 2000\n" FO_POOLS,
	 SW_ECONFIG, 11,
	 "failover.records[0].check.timeout-ms: 2000 must be less than interval-ms (2000)"},
	{"fo_interval_low",
	 FO_HEAD "      check:\n        kind: http\n        interval-ms: 99\n" FO_POOLS, SW_ECONFIG,
	 12, "failover.records[0].check.interval-ms: 99 out of range 100..3600000"},
	{"fo_timeout_low",
	 FO_HEAD "      check:\n        kind: http\n        timeout-ms: 9\n" FO_POOLS, SW_ECONFIG,
	 12, "failover.records[0].check.timeout-ms: 9 out of range 10..3600000"},
	{"fo_rise_zero", FO_HEAD "      check:\n        kind: http\n        rise: 0\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.rise: 0 out of range 1..100"},
	{"fo_fall_high", FO_HEAD "      check:\n        kind: http\n        fall: 101\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.fall: 101 out of range 1..100"},
	{"fo_port_zero", FO_HEAD "      check:\n        kind: http\n        port: 0\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.port: 0 out of range 1..65535"},
	{"fo_port_high", FO_HEAD "      check:\n        kind: http\n        port: 65536\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.port: 65536 out of range 1..65535"},
	{"fo_tcp_no_port", FO_HEAD "      check:\n        kind: tcp\n" FO_POOLS, SW_ECONFIG, 11,
	 "failover.records[0].check.port: a tcp check needs a port (here, or check-port on every "
	 "endpoint)"},
	{"fo_tcp_some_check_ports",
	 FO_HEAD "      check:\n        kind: tcp\n" FO_POOLS "              check-port: 22\n"
		 "            - address: 198.18.1.11\n",
	 SW_ECONFIG, 11,
	 "failover.records[0].check.port: a tcp check needs a port (here, or check-port on every "
	 "endpoint)"},
	{"fo_status_low",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: [99]\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.expect-status[0]: 99 out of range 100..599"},
	{"fo_status_high",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: [200, 600]\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.expect-status[1]: 600 out of range 100..599"},
	{"fo_status_too_many",
	 FO_HEAD "      check:\n        kind: http\n"
		 "        expect-status: [200, 201, 202, 203, 204, 205, 206, 207, 208]\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.expect-status: 9 statuses, at most 8"},
	{"fo_status_empty",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: []\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.expect-status: at least one status is needed"},
	{"fo_status_scalar",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: 200\n" FO_POOLS,
	 SW_ECONFIG, 12,
	 "failover.records[0].check.expect-status: expected a sequence, got \"200\""},
	{"fo_status_dup",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: [200, 200]\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.expect-status[1]: status 200 listed twice"},
	{"fo_status_quoted",
	 FO_HEAD "      check:\n        kind: http\n        expect-status: [\"200\"]\n" FO_POOLS,
	 SW_ECONFIG, 12,
	 "failover.records[0].check.expect-status[0]: expected a decimal integer, got quoted "
	 "\"200\""},
	{"fo_path_relative",
	 FO_HEAD "      check:\n        kind: http\n        path: healthz\n" FO_POOLS, SW_ECONFIG,
	 12, "failover.records[0].check.path: \"healthz\" does not start with '/'"},
	{"fo_path_space",
	 FO_HEAD "      check:\n        kind: http\n        path: \"/a b\"\n" FO_POOLS, SW_ECONFIG,
	 12,
	 "failover.records[0].check.path: \"/a b\": spaces, control characters, '#' and non-ASCII "
	 "must be percent-encoded"},
	{"fo_host_space",
	 FO_HEAD "      check:\n        kind: http\n        host: \"a b\"\n" FO_POOLS, SW_ECONFIG,
	 12,
	 "failover.records[0].check.host: bad host \"a b\" (expected a host name or an address)"},
	{"fo_host_port",
	 FO_HEAD "      check:\n        kind: http\n        host: example.com:443\n" FO_POOLS,
	 SW_ECONFIG, 12,
	 "failover.records[0].check.host: bad host \"example.com:443\" (expected a host name or an "
	 "address)"},
	{"fo_check_host_crlf", FO_OK "              check-host: \"a\\r\\nX: y\"\n", SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[0].check-host: bad host \"a\r\nX: y\" (expected a "
	 "host name or an address)"},
	{"fo_body_empty", FO_HEAD "      check:\n        kind: http\n        body: \"\"\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.body: length 0 out of range 1..1024"},
	{"fo_min_cert_high",
	 FO_HEAD "      check:\n        kind: https\n        min-cert-days: 3651\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.min-cert-days: 3651 out of range 0..3650"},
	{"fo_ca_missing",
	 FO_HEAD "      check:\n        kind: https\n        ca-file: nope.pem\n" FO_POOLS, -ENOENT,
	 12,
	 "failover.records[0].check.ca-file: cannot read @DIR@/nope.pem: No such file or "
	 "directory"},
	{"fo_ca_dir", FO_HEAD "      check:\n        kind: https\n        ca-file: sub\n" FO_POOLS,
	 SW_ECONFIG, 12, "failover.records[0].check.ca-file: @DIR@/sub is not a regular file"},
	/* failover: addresses */
	{"fo_bad_address",
	 FO_HEAD FO_CHECK
	 "      pools:\n        - endpoints:\n            - address: 198.18.1.300\n",
	 SW_ECONFIG, 14,
	 "failover.records[0].pools[0].endpoints[0].address: bad address \"198.18.1.300\" "
	 "(expected a unicast IPv4 or IPv6 address)"},
	{"fo_address_prefix",
	 FO_HEAD FO_CHECK
	 "      pools:\n        - endpoints:\n            - address: 198.18.1.10/24\n",
	 SW_ECONFIG, 14,
	 "failover.records[0].pools[0].endpoints[0].address: bad address \"198.18.1.10/24\" "
	 "(expected a unicast IPv4 or IPv6 address)"},
	{"fo_bad_check_address", FO_OK "              check-address: localhost\n", SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[0].check-address: bad address \"localhost\" "
	 "(expected a unicast IPv4 or IPv6 address)"},
	{"fo_check_port_zero", FO_OK "              check-port: 0\n", SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[0].check-port: 0 out of range 1..65535"},
	{"fo_family_a",
	 FO_HEAD FO_CHECK "      pools:\n        - endpoints:\n            - address: 198.18.1.10\n"
			  "        - endpoints:\n            - address: \"2001:2::10\"\n",
	 SW_ECONFIG, 16,
	 "failover.records[0].pools[1].endpoints[0].address: 2001:2::10 is not an IPv4 address "
	 "(type A)"},
	{"fo_family_aaaa",
	 BASE
	 "failover:\n  records:\n    - name: www.example.com\n      type: AAAA\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 14,
	 "failover.records[0].pools[0].endpoints[0].address: 198.18.1.10 is not an IPv6 address "
	 "(type AAAA)"},
	/* failover: duplicates */
	{"fo_dup_address_in_pool", FO_OK "            - address: 198.18.1.10\n", SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[1].address: 198.18.1.10 listed twice in this pool "
	 "(also endpoints[0])"},
	{"fo_dup_endpoint_name",
	 FO_HEAD FO_CHECK
	 "      pools:\n        - endpoints:\n            - {address: 198.18.1.10, name: web1}\n"
	 "        - endpoints:\n            - address: 198.18.1.20\n              name: web1\n",
	 SW_ECONFIG, 17,
	 "failover.records[0].pools[1].endpoints[0].name: endpoint name \"web1\" used twice (also "
	 "pools[0].endpoints[0])"},
	{"fo_dup_endpoint_default_name",
	 FO_OK "        - endpoints:\n            - address: 198.18.1.10\n", SW_ECONFIG, 16,
	 "failover.records[0].pools[1].endpoints[0].name: endpoint name \"198.18.1.10\" used twice "
	 "(also pools[0].endpoints[0])"},
	{"fo_dup_pool_name",
	 FO_HEAD FO_CHECK "      pools:\n        - {name: a, endpoints: [{address: 198.18.1.10}]}\n"
			  "        - {name: a, endpoints: [{address: 198.18.1.20}]}\n",
	 SW_ECONFIG, 14, "failover.records[0].pools[1].name: \"a\" used twice (also pools[0])"},
	{"fo_dup_pool_default_name",
	 FO_OK "        - name: pool0\n          endpoints: [{address: 198.18.1.20}]\n", SW_ECONFIG,
	 15, "failover.records[0].pools[1].name: \"pool0\" used twice (also pools[0])"},
	{"fo_bad_pool_name",
	 FO_HEAD FO_CHECK
	 "      pools:\n        - {name: my pool, endpoints: [{address: 198.18.1.10}]}\n",
	 SW_ECONFIG, 13,
	 "failover.records[0].pools[0].name: bad name \"my pool\" (letters, digits, '.', '_', '-', "
	 "':')"},
	{"fo_long_endpoint_name",
	 FO_OK "              name: "
	       "a234567890123456789012345678901234567890123456789012345678901234\n",
	 SW_ECONFIG, 15,
	 "failover.records[0].pools[0].endpoints[0].name: length 64 out of range 1..63"},
	{"fo_dup_record", FO_OK "    - name: WWW.example.com.\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 15,
	 "failover.records[1].name: www.example.com. A configured twice (also "
	 "failover.records[0])"},
	/* failover: names */
	{"fo_outside_zone",
	 BASE "failover:\n  records:\n    - name: www.other.org\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8,
	 "failover.records[0].name: failover record www.other.org. is outside every zone"},
	{"fo_outside_zone_suffix",
	 BASE
	 "failover:\n  records:\n    - name: wwwexample.com\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8,
	 "failover.records[0].name: failover record wwwexample.com. is outside every zone"},
	{"fo_outside_zone_parent",
	 BASE "failover:\n  records:\n    - name: com\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8, "failover.records[0].name: failover record com. is outside every zone"},
	{"fo_outside_zone_second",
	 FO_OK "    - name: Mail.Example.ORG.\n      type: A\n" FO_CHECK FO_POOLS, SW_ECONFIG, 15,
	 "failover.records[1].name: failover record mail.example.org. is outside every zone"},
	{"fo_wildcard",
	 BASE
	 "failover:\n  records:\n    - name: \"*.example.com\"\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8,
	 "failover.records[0].name: \"*.example.com\": a wildcard cannot be a failover record"},
	{"fo_bad_name",
	 BASE
	 "failover:\n  records:\n    - name: www..example.com\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8, "failover.records[0].name: bad domain name \"www..example.com\""},
	{"fo_name_sequence",
	 BASE "failover:\n  records:\n    - name: [www]\n      type: A\n" FO_CHECK FO_POOLS,
	 SW_ECONFIG, 8, "failover.records[0].name: expected a string, got a sequence"},
};

#define N_ERR_CASES (sizeof(err_cases) / sizeof(err_cases[0]))

/* Replace every "@DIR@" in @in by the scratch directory. */
static void
subst_dir(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	while (*in != '\0' && n + 1 < cap) {
		if (strncmp(in, "@DIR@", 5) == 0) {
			n += (size_t)snprintf(out + n, cap - n, "%s", tdir);
			in += 5;
		} else {
			out[n++] = *in++;
		}
	}
	out[n < cap ? n : cap - 1] = '\0';
}

static void
test_error(void **state)
{
	const struct err_case *c = *state;
	struct swerve_config *cfg = (struct swerve_config *)&cfg; /* Must be reset to NULL. */
	struct sw_diag d = {0};
	char text[4096];
	char want[1024];
	size_t before;
	size_t after;
	size_t wl;
	int rc;

	subst_dir(c->text, text, sizeof(text));
	write_file(cfg_path, text);
	before = heap_bytes();
	rc = config_load(cfg_path, &cfg, &d);
	after = heap_bytes();
	if (rc != c->code || d.line != c->line)
		fail_msg("%s: rc %d (want %d) line %u (want %u): %s", c->name, rc, c->code, d.line,
			 c->line, d.msg);
	assert_null(cfg);
	assert_int_equal(d.code, c->code);
	assert_string_equal(d.file, cfg_path);
	subst_dir(c->msg, want, sizeof(want));
	wl = strlen(want);
	if (wl > 0 && want[wl - 1] == '*')
		assert_memory_equal(d.msg, want, wl - 1);
	else
		assert_string_equal(d.msg, want);
	/* "On failure nothing is allocated." */
	assert_int_equal(after, before);
}

static void
test_missing_config(void **state)
{
	struct swerve_config *cfg = NULL;
	struct sw_diag d = {0};

	(void)state;
	assert_int_equal(config_load("/nonexistent/swerve.yaml", &cfg, &d), -ENOENT);
	assert_null(cfg);
	assert_int_equal(d.line, 0);
	assert_string_equal(d.file, "/nonexistent/swerve.yaml");
	assert_string_equal(d.msg, "cannot open: No such file or directory");
}

/* Failures that still return the right code when the caller passes no diag. */
static void
test_null_diag(void **state)
{
	struct swerve_config *cfg = NULL;

	(void)state;
	write_file(cfg_path, BASE "dns:\n  nope: 1\n");
	assert_int_equal(config_load(cfg_path, &cfg, NULL), SW_ECONFIG);
	assert_null(cfg);
}

/* zones[].dnssec: the key files, resolved, and Knot's lifetimes as defaults. */
static void
test_dnssec_keys(void **state)
{
	struct swerve_config *cfg;
	char want[PATH_MAX];

	(void)state;
	cfg = load_ok(BASE DNSSEC);
	assert_int_equal(cfg->zones[0].nkey_files, 1);
	snprintf(want, sizeof(want), "%s/Kexample.com.+013+00001.private", tdir);
	assert_string_equal(cfg->zones[0].key_files[0], want);
	assert_int_equal(cfg->zones[0].sig_lifetime_s, 14 * 86400);
	assert_int_equal(cfg->zones[0].sig_refresh_s, 7 * 86400);
	config_free(cfg);
	cfg = load_ok(BASE DNSSEC "      signature-lifetime: 86400\n      signature-refresh: 3600\n");
	assert_int_equal(cfg->zones[0].sig_lifetime_s, 86400);
	assert_int_equal(cfg->zones[0].sig_refresh_s, 3600);
	config_free(cfg);
}

/* The rrl: settings reach the dataplane's own struct unchanged. */
static void
test_rrl_conf(void **state)
{
	struct swerve_config cfg;
	struct rrl_conf c;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rrl_rate = 20;
	cfg.rrl_errors = 5;
	cfg.rrl_burst = 40;
	cfg.rrl_slip = 3;
	cfg.rrl_ipv4_prefix = 24;
	cfg.rrl_ipv6_prefix = 56;
	cfg.rrl_table_size = 4096;
	config_rrl_conf(&cfg, &c);
	assert_int_equal(c.rate, 20);
	assert_int_equal(c.errors, 5);
	assert_int_equal(c.burst, 40);
	assert_int_equal(c.slip, 3);
	assert_int_equal(c.ipv4_prefix, 24);
	assert_int_equal(c.ipv6_prefix, 56);
	assert_int_equal(c.table_size, 4096);
	assert_int_equal(c.seed, 0);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_nulls_and_modes),
		cmocka_unit_test(test_missing_config),
		cmocka_unit_test(test_null_diag),
		cmocka_unit_test(test_failover_defaults),
		cmocka_unit_test(test_failover_values),
		cmocka_unit_test(test_secondary),
		cmocka_unit_test(test_rrl_conf),
		cmocka_unit_test(test_dnssec_keys),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + N_ERR_CASES];
	struct swerve_config *warm = NULL;

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < N_ERR_CASES; i++) {
		tests[nfixed + i] = (struct CMUnitTest){
			.name = err_cases[i].name,
			.test_func = test_error,
			.initial_state = (void *)&err_cases[i],
		};
	}
	/* One load first, so one-time allocations inside libc (stdio, locale) are not counted. */
	config_load("/nonexistent/swerve.yaml", &warm, NULL);
	return _cmocka_run_group_tests("config", tests, nfixed + N_ERR_CASES, group_setup,
				       group_teardown);
}
