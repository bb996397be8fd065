/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker counters: every drop, answer and transmit failure on the fast path is one of these. */

#ifndef SWERVE_STATS_H
#define SWERVE_STATS_H

#include <stdint.h>

#include <rte_common.h>

/* Why a frame was dropped. Exception-path and DNS-level drops have their own counters. */
enum stats_drop {
	STATS_DROP_TRUNC_L2 = 0, /* Frame shorter than its Ethernet (+802.1Q) header. */
	STATS_DROP_TRUNC_L3,	 /* Frame shorter than its IPv4/IPv6 header (IHL included). */
	STATS_DROP_TRUNC_L4,	 /* IP payload shorter than a UDP header. */
	STATS_DROP_IP_HDR,     /* IPv4 version/IHL or header checksum wrong, IPv6 version wrong. */
	STATS_DROP_IP_LEN,     /* IP total/payload length larger than the frame. */
	STATS_DROP_UDP_LEN,    /* UDP length does not match the IP payload. */
	STATS_DROP_SRC_MAC,    /* Broadcast or multicast source MAC. */
	STATS_DROP_SRC_IP,     /* Broadcast, multicast, unspecified or loopback source IP. */
	STATS_DROP_SRC_PORT,   /* UDP source port 0. */
	STATS_DROP_OTHER_HOST, /* Unicast destination MAC that is not ours. */
	STATS_DROP_DNS_SHORT,  /* dnsq: fewer than 12 octets of DNS. */
	STATS_DROP_DNS_RESPONSE, /* dnsq: QR=1. */
	STATS_DROP_DNS_NOSPACE,	 /* dnsq: the buffer cannot hold the header and question. */
	STATS_DROP_ERR_LIMIT,	 /* FORMERR/NOTIMP answer over the error-answer rate limit. */
	STATS_DROP_NO_EXCEPTION, /* Exception frame with no exception path configured. */
	STATS_DROP_MAX,
};

/* RCODE buckets: 0..15 (header RCODE), 16 = BADVERS, 17 = any other extended RCODE. */
#define STATS_RCODE_BADVERS 16
#define STATS_RCODE_OTHER   17
#define STATS_NRCODES	    18

/*
 * One worker's counters, on cache lines of their own so no two workers ever
 * write the same line.
 *
 * write: the owning worker lcore only, with plain stores;
 * read:  the control thread, with plain loads and no atomics. Each counter is
 *        a naturally aligned uint64_t, which x86-64 and arm64 load and store
 *        in one access, so a reader sees a value the counter really had (at
 *        worst slightly stale); sums across counters are not a consistent
 *        snapshot, which metrics do not need.
 */
struct worker_stats {
	uint64_t rx;		       /* Frames received from the port. */
	uint64_t dns_queries;	       /* Frames recognised as UDP DNS to a service address. */
	uint64_t answered;	       /* Responses sent back (past the error-answer limiter). */
	uint64_t rcode[STATS_NRCODES]; /* Responses by RCODE. */
	uint64_t truncated;	       /* Responses with TC=1. */
	uint64_t edns;		       /* Queries carrying a valid OPT record. */
	uint64_t drop[STATS_DROP_MAX]; /* Frames dropped, by reason. */
	uint64_t ipv4_frag;	       /* IPv4 fragments (to the exception path, never DNS). */
	uint64_t ipv6_ext;	  /* IPv6 with extension headers (exception path, never DNS). */
	uint64_t exc_to_kernel;	  /* Frames the exception path accepted. */
	uint64_t exc_limited;	  /* Frames the exception path refused (limit, tap full). */
	uint64_t exc_from_kernel; /* Frames from the kernel sent out the port. */
	uint64_t tx_sent;	  /* Frames handed to the port. */
	uint64_t tx_failed;	  /* Frames the port did not take (freed). */
	uint64_t idle_sleeps;	  /* Idle back-off sleeps. */
} __rte_cache_aligned;

/* Printable name of a drop reason, for logs and metrics. */
const char *stats_drop_name(enum stats_drop d);

#endif /* SWERVE_STATS_H */
