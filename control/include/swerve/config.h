/* SPDX-License-Identifier: BSD-3-Clause */
/* swerve.yaml: the daemon's configuration, parsed with libyaml and validated before anything starts. */

#ifndef SWERVE_CONFIG_H
#define SWERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "swerve/svc_addr.h"

struct sw_diag;

/* keys[]: a TSIG key (RFC 8945) for zone transfers and NOTIFY, named as the primary names it. */
struct cfg_tsig_key {
	char *name;	 /* name: the key's domain name, absolute, lowercase, final dot. */
	char *algorithm; /* algorithm: hmac-sha256 (default), hmac-sha512, hmac-sha1 or hmac-md5,
			    written as ldns names them ("hmac-sha256."); ldns 1.8 cannot compute
			    hmac-sha224 or hmac-sha384, so they are refused. */
	char *secret;	 /* secret: base64, as tsig-keygen and keymgr print it. */
};

/* zones[].primaries[]: where a secondary zone comes from. */
struct cfg_primary {
	struct svc_addr addr; /* address: IPv4 or IPv6 (prefix unused). */
	uint16_t port;	      /* port: default 53. */
	int key;	      /* key: index in swerve_config.keys, or -1 for none. */
};

struct cfg_zone {
	char *name; /* As written; zone_load() normalises it. */
	/*
	 * Resolved against the config file's directory when relative. For a
	 * primary zone it must exist; for a secondary zone it is the local
	 * copy written after every transfer and need not exist yet.
	 */
	char *file;

	/* A secondary zone (primaries given): transferred with AXFR/IXFR, refreshed on NOTIFY. */
	struct cfg_primary *primaries;
	size_t nprimaries;   /* 0: a primary zone, loaded from @file only. */
	uint32_t refresh_s;  /* refresh: override the SOA's refresh; 0 = the SOA's (default). */
	uint32_t retry_s;    /* retry: override the SOA's retry; 0 = the SOA's. */
	uint32_t expire_s;   /* expire: override the SOA's expire; 0 = the SOA's. */
	bool ixfr;	     /* ixfr: ask for IXFR when a serial is held (default true). */

	/*
	 * dnssec: the keys that sign this zone's failover records online
	 * (docs/dnssec.md). Each entry is the path of a private key file in the
	 * BIND format (K<zone>+<alg>+<tag>.private, as ldns-keygen, keymgr and
	 * dnssec-keygen write it), resolved against the config's directory; the
	 * public key is read from the .key file beside it.
	 */
	char **key_files;
	size_t nkey_files;
	uint32_t sig_lifetime_s; /* dnssec.signature-lifetime: default 14 days, as Knot. */
	uint32_t sig_refresh_s;	 /* dnssec.signature-refresh: re-sign this long before expiry
				    (default 7 days). */
};

/* failover.records[].check.kind */
enum cfg_check_kind {
	CFG_CHECK_TCP = 0, /* Values match enum health_kind. */
	CFG_CHECK_HTTP,
	CFG_CHECK_HTTPS,
	CFG_CHECK_MANUAL,
};

/* failover.records[].all-down: what to serve when no endpoint of any pool is up. */
enum cfg_all_down {
	CFG_ALL_DOWN_FIRST_POOL = 0, /* "first-pool" (default): fail open, serve every member of pool 0. */
	CFG_ALL_DOWN_SERVE_ALL,      /* "serve-all": every endpoint of every pool. */
	CFG_ALL_DOWN_SERVFAIL,       /* "servfail": answer SERVFAIL for the record. */
};

#define CFG_CHECK_MAX_STATUS 8

/* failover.records[].check: how each endpoint of the record is probed. */
struct cfg_check {
	enum cfg_check_kind kind; /* kind: tcp, http, https or manual. Required. */
	uint32_t interval_ms;     /* interval-ms, default 5000, 100..3600000. */
	uint32_t timeout_ms;      /* timeout-ms, default 2000; must be < interval-ms. */
	uint32_t rise;            /* rise, default 2 (1..100): successes to come up. */
	uint32_t fall;            /* fall, default 3 (1..100): failures to go down. */
	uint16_t port;            /* port: default 80 (http), 443 (https); required for tcp. */
	char *path;               /* path: http(s) request path, default "/". */
	char *host;               /* host: Host header, SNI and verified name; default none. */
	uint16_t status[CFG_CHECK_MAX_STATUS]; /* expect-status: list, default [200]. */
	unsigned nstatus;
	char *body;               /* body: substring the response body must contain, or NULL. */
	uint32_t min_cert_days;   /* min-cert-days: https, default 7 (0..3650). */
	char *ca_file;            /* ca-file: https trust anchors, default the system store. */
};

/* failover.records[].pools[].endpoints[] */
struct cfg_endpoint {
	char *name;             /* name: default the address as text; unique in its record. */
	struct svc_addr addr;   /* address: what the record serves; family matches the type. */
	bool has_check_addr;    /* check-address given: probe there instead of addr. */
	struct svc_addr check_addr;
	uint16_t check_port;    /* check-port: 0 = the check's port. */
	char *check_host;       /* check-host: NULL = the check's host. */
};

/* failover.records[].pools[] in order: the first pool with a member up is served. */
struct cfg_pool {
	char *name; /* name: default "pool<N>" (0-based); unique in its record. */
	struct cfg_endpoint *endpoints;
	size_t nendpoints; /* At least one. */
};

/* failover.records[] */
struct cfg_failover {
	char *name;            /* name: absolute owner, must lie in a configured zone. */
	uint16_t type;         /* type: A (1) or AAAA (28). */
	uint32_t ttl;          /* ttl: default 30. */
	uint32_t degraded_ttl; /* degraded-ttl: TTL while not serving pool 0 in full, default 10. */
	bool initial_up;       /* initial: "up" (default) or "down" before the first result. */
	enum cfg_all_down all_down; /* all-down, default first-pool. */
	struct cfg_check check;
	struct cfg_pool *pools;
	size_t npools; /* At least one. */
};

/*
 * The whole configuration. Produced by config_load(), immutable afterwards,
 * owned by the control thread. Every key has a documented default
 * (swerve.example.yaml), so a missing section is never an error.
 */
struct swerve_config {
	char *path; /* The file this came from. */

	/* service: */
	struct svc_addr *addrs; /* service.addresses: at least one. */
	size_t naddrs;

	/* zones: */
	struct cfg_zone *zones;
	size_t nzones;

	/* dns: */
	uint16_t edns_payload; /* dns.edns-payload, 512..4096, default 1232. */
	char *version;         /* dns.version: TXT for version.bind, NULL = REFUSED. */
	char *identity;        /* dns.identity: TXT for id.server, NULL = REFUSED. */

	/* rrl: response rate limiting per worker (no shared state); off by default. */
	uint32_t rrl_rate;	 /* rrl.responses-per-second per prefix and class; 0 = off. */
	uint32_t rrl_errors;	 /* rrl.errors-per-second for the error class; 0 = rrl_rate. */
	uint32_t rrl_burst;	 /* rrl.burst: bucket depth in responses; 0 = one second's rate. */
	uint32_t rrl_slip;	 /* rrl.slip: every Nth limited response goes out TC=1; 0 = none.
				    Default 2. */
	uint8_t rrl_ipv4_prefix; /* rrl.ipv4-prefix-length, default 24 (8..32). */
	uint8_t rrl_ipv6_prefix; /* rrl.ipv6-prefix-length, default 56 (16..128). */
	uint32_t rrl_table_size; /* rrl.table-size: buckets per worker, default 65536. */

	/* cookies: DNS cookies (RFC 7873, RFC 9018); off by default. */
	bool cookies_enabled;	     /* cookies.enabled, default false. */
	bool cookie_secret_set;	     /* cookies.secret given (else random at start). */
	bool cookie_previous_set;    /* cookies.previous-secret given. */
	uint8_t cookie_secret[16];   /* cookies.secret: 32 hex digits, shared by a fleet. */
	uint8_t cookie_previous[16]; /* cookies.previous-secret: still accepted (rollover). */

	/* keys: TSIG keys, referred to by name from zones[].primaries[].key. */
	struct cfg_tsig_key *keys;
	size_t nkeys;

	/* xfr: (defaults far above real zones, like Knot's zone-max-size: a bound on memory) */
#define CFG_XFR_MAX_SIZE_DEF	1073741824u /* 1 GiB on the wire. */
#define CFG_XFR_MAX_RECORDS_DEF 20000000u   /* 20 million records. */
	uint32_t xfr_timeout_ms; /* xfr.timeout-ms: one transfer's I/O deadline, default 30000. */
	uint32_t xfr_max_size;	 /* xfr.max-size: octets one transfer may bring; 0: the default
				    (CFG_XFR_MAX_SIZE_DEF). */
	uint32_t xfr_max_records; /* xfr.max-records: records of one transfer or zone; 0: default. */

	/* dataplane: */
	uint32_t idle_backoff_us; /* dataplane.idle-backoff-us: sleep when idle, 0 = busy poll (default). */
	uint16_t rx_ring;         /* dataplane.rx-ring, default 1024. */
	uint16_t tx_ring;         /* dataplane.tx-ring, default 1024. */

	/* exception: */
	char *exception_ifname;  /* exception.interface: the tap's kernel name, default "swerve0". */
	uint32_t exception_pps;  /* exception.rate-limit-pps per worker, default 10000. */
	uint32_t exception_neigh_pps; /* exception.neigh-rate-limit-pps (ARP/ND), default 1000. */
	uint32_t exception_dns_pps;   /* exception.dns-rate-limit-pps (TCP/53, NOTIFY), default 10000. */

	/* tcp: */
	uint32_t tcp_max_clients; /* tcp.max-clients, default 256. */
	uint32_t tcp_idle_ms;     /* tcp.idle-timeout-ms, default 10000 (RFC 7766 suggests seconds). */
	uint32_t tcp_max_per_source; /* tcp.max-clients-per-source (IPv4 address, IPv6 /64), default 32; 0: none. */
	uint32_t tcp_io_ms;          /* tcp.io-timeout-ms: to receive one whole message, default 2000. */
	uint32_t tcp_max_pipelined;  /* tcp.max-pipelined: answers per connection per turn, default 16. */

	/* control: */
	char *ctl_socket; /* control.socket, default /run/swerve/control.sock. */
	mode_t ctl_mode;  /* control.mode, default 0660. */
	uint32_t ctl_max_clients; /* control.max-clients, default 16 (1..1024). */
	uint32_t ctl_idle_ms;     /* control.idle-timeout-ms, default 30000 (100..3600000). */

	/* table: */
	char *table_image; /* table.image: the compiled table saved for restarts (docs/table-image.md),
			      default /var/lib/swerve/table.img; NULL (~) = none. */

	/* metrics: */
	char *metrics_listen; /* metrics.listen, "127.0.0.1:9153" by default, NULL = off. */

	/* ---- dnstap: query and response logging (docs/dnstap.md, config_dnstap.c); fixed at start ---- */
	char *dnstap_sink;	    /* dnstap.sink: a file, resolved against the config's directory,
				       or the socket of "unix:PATH" (dnstap_unix); NULL = off. */
	bool dnstap_unix;	    /* dnstap.sink was "unix:PATH". */
	uint32_t dnstap_sample;	    /* dnstap.sample: 1 in N answered queries per producer; 0 = off
				       (default). */
	uint32_t dnstap_ring;	    /* dnstap.ring: records per producer ring, a power of two,
				       default 4096. */
	bool dnstap_log_queries;    /* dnstap.log-queries: AUTH_QUERY messages, default true. */
	bool dnstap_log_responses;  /* dnstap.log-responses: AUTH_RESPONSE messages, default true. */
	char *dnstap_identity;	    /* dnstap.identity, default the host name. */
	char *dnstap_version;	    /* dnstap.version, default "swerve <version>". */
	/* ---- end of dnstap ---- */

	/* failover: */
	char *failover_state_file; /* failover.state-file: operator overrides, default
				      /var/lib/swerve/failover.json; NULL (~) = not persisted. */
	struct cfg_failover *failovers; /* failover.records */
	size_t nfailovers;

	/* log: */
	int log_level;    /* log.level, default LOG_INFO. */
	char *log_target; /* log.target: "stderr" (default) or "syslog". */
};

/*
 * Parse and validate @path. Unknown keys, wrong types, out-of-range values,
 * bad addresses, duplicate zones and missing zone files are errors; @diag
 * names the key (as "zones[1].file") and line. On failure nothing is allocated.
 */
int config_load(const char *path, struct swerve_config **out, struct sw_diag *diag);

void config_free(struct swerve_config *cfg);

/*
 * Zone names as written in the config compare as DNS names do: ASCII case
 * insensitive, one trailing dot optional ("." stays the root).
 */
bool config_zone_name_eq(const char *a, const char *b);

/*
 * Compare the running configuration @a with a new one @b, key by key: @fn
 * (may be NULL) is called once per difference with the key ("dns.version",
 * "zones[example.com]", "failover.records[www.example.com./A]"), whether
 * the running daemon needs a restart to take it (@restart) and what
 * happened ("added", "removed", "changed"). Returns the number of
 * differences; *@restart (may be NULL) receives how many need a restart.
 * docs/configuration.md, "Reloading the configuration", lists which keys
 * change live.
 */
typedef void (*config_change_fn)(void *arg, const char *key, bool restart, const char *what);

/*
 * Whether two checks probe an endpoint the same way and judge it by the
 * same rules (kind, port, path, host, expected status, body, certificate
 * days, trust anchors). interval-ms, timeout-ms, rise and fall change only
 * how fast a verdict moves, so a state reached under the old ones still
 * holds: a reload keeps it (failover_adopt()).
 */
bool config_check_probe_eq(const struct cfg_check *a, const struct cfg_check *b);
unsigned config_diff(const struct swerve_config *a, const struct swerve_config *b,
		     config_change_fn fn, void *arg, unsigned *restart);

#endif /* SWERVE_CONFIG_H */
