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
#include "swerve/error.h"
#include "swerve/log.h"

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
	snprintf(cfg_path, sizeof(cfg_path), "%s/swerve.yaml", tdir);
	return 0;
}

static int
group_teardown(void **state)
{
	static const char *const names[] = {"z.zone", "sub/s.zone", "sub", "adir.zone",
					    "swerve.yaml"};
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
assert_addr(const struct cfg_addr *a, int family, const char *text, unsigned prefix)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->family, family);
	assert_non_null(inet_ntop(family,
				  family == AF_INET ? (const void *)&a->v4 : (const void *)&a->v6,
				  buf, sizeof(buf)));
	assert_string_equal(buf, text);
	assert_int_equal(a->prefix, prefix);
}

/* Every member that has a default, compared one by one (version/identity default to NULL). */
static void
assert_defaults(const struct swerve_config *c)
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
	assert_string_equal(c->metrics_listen, "127.0.0.1:9153");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_string_equal(c->log_target, "stderr");
}

/* The shipped example loads, has the lab addresses, and lists exactly the defaults. */
static void
test_example(void **state)
{
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
	assert_defaults(cfg);
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
	char text[1024];
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
		 "metrics:\n"
		 "  listen: \"[::1]:9100\"\n"
		 "log:\n"
		 "  level: debug\n"
		 "  target: syslog\n",
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
	assert_int_equal(cfg->idle_backoff_us, 50);
	assert_int_equal(cfg->rx_ring, 4096);
	assert_int_equal(cfg->tx_ring, 64);
	assert_string_equal(cfg->exception_ifname, "sw-exc-0123456");
	assert_int_equal(cfg->exception_pps, 1);
	assert_int_equal(cfg->tcp_max_clients, 65535);
	assert_int_equal(cfg->tcp_idle_ms, 100);
	assert_string_equal(cfg->ctl_socket, "/tmp/s.sock");
	assert_int_equal(cfg->ctl_mode, 0640);
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
			   "control:\n  mode: 0600\n");
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

/* One invalid configuration and exactly what config_load() must say about it. */
struct err_case {
	const char *name;
	const char *text; /* "@DIR@" stands for the scratch directory. */
	int code;
	unsigned line;
	const char *msg; /* Exact, "@DIR@" substituted; a trailing '*' matches any rest. */
};

static const struct err_case err_cases[] = {
	{"unknown_key", BASE "dns:\n  edns-payloadd: 1232\n", SW_ECONFIG, 7,
	 "dns.edns-payloadd: unknown key"},
	{"unknown_section", BASE "failover:\n  records: []\n", SW_ECONFIG, 6,
	 "failover: unknown key"},
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

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_example),	       cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_values),	       cmocka_unit_test(test_nulls_and_modes),
		cmocka_unit_test(test_missing_config), cmocka_unit_test(test_null_diag),
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
