/* SPDX-License-Identifier: BSD-3-Clause */
/* swerve.yaml: the daemon's configuration, parsed with libyaml and validated before anything starts. */

#ifndef SWERVE_CONFIG_H
#define SWERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

struct sw_diag;

/* A service address: DNS to it on UDP/53 is answered by the workers. */
struct cfg_addr {
	int family; /* AF_INET or AF_INET6. */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t prefix; /* Prefix length for the exception interface (default 24 / 64). */
};

struct cfg_zone {
	char *name; /* As written; zone_load() normalises it. */
	char *file; /* Resolved against the config file's directory when relative. */
};

/*
 * The whole configuration. Produced by config_load(), immutable afterwards,
 * owned by the control thread. Every key has a documented default
 * (swerve.example.yaml), so a missing section is never an error.
 */
struct swerve_config {
	char *path; /* The file this came from. */

	/* service: */
	struct cfg_addr *addrs; /* service.addresses: at least one. */
	size_t naddrs;

	/* zones: */
	struct cfg_zone *zones;
	size_t nzones;

	/* dns: */
	uint16_t edns_payload; /* dns.edns-payload, 512..4096, default 1232. */
	char *version;         /* dns.version: TXT for version.bind, NULL = REFUSED. */
	char *identity;        /* dns.identity: TXT for id.server, NULL = REFUSED. */

	/* dataplane: */
	uint32_t idle_backoff_us; /* dataplane.idle-backoff-us: sleep when idle, 0 = busy poll (default). */
	uint16_t rx_ring;         /* dataplane.rx-ring, default 1024. */
	uint16_t tx_ring;         /* dataplane.tx-ring, default 1024. */

	/* exception: */
	char *exception_ifname;  /* exception.interface: the tap's kernel name, default "swerve0". */
	uint32_t exception_pps;  /* exception.rate-limit-pps per worker, default 10000. */

	/* tcp: */
	uint32_t tcp_max_clients; /* tcp.max-clients, default 256. */
	uint32_t tcp_idle_ms;     /* tcp.idle-timeout-ms, default 10000 (RFC 7766 suggests seconds). */

	/* control: */
	char *ctl_socket; /* control.socket, default /run/swerve/control.sock. */
	mode_t ctl_mode;  /* control.mode, default 0660. */

	/* metrics: */
	char *metrics_listen; /* metrics.listen, "127.0.0.1:9153" by default, NULL = off. */

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

#endif /* SWERVE_CONFIG_H */
