/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-worker counters: every drop, answer and transmit failure on the fast path is one of these. */

#ifndef SWERVE_STATS_H
#define SWERVE_STATS_H

#include <stdint.h>

#include <rte_common.h>

#include "swerve/dnsq.h"

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
	STATS_DROP_RRL,		 /* Response over the response rate limit (not slipped). */
	/* Exception-path classification and query checks (issue 15, items 3 and 6). */
	STATS_DROP_NOT_OURS,	 /* Not for a service address, and not ARP/ND our link needs. */
	STATS_DROP_GROUP_DST,	 /* DNS or other traffic sent to a broadcast/multicast MAC. */
	STATS_DROP_UDP_CKSUM,	 /* Query with a bad UDP checksum, or IPv6 UDP with none. */
	/*
	 * Frames the port could not take (issue 19): bigger than the MTU, as a
	 * peer's TSO/GSO hands a veth or a virtual NIC. RX_TRUNC: cut short by
	 * the PMD's ring (af_packet's 2048-octet frame): the IP length runs past
	 * the frame. RX_OVERSIZE: whole, but past MTU + Ethernet/VLAN header; the
	 * exception tap would refuse it. (af_xdp drops such frames in the kernel:
	 * the port's imissed.) worker.c logs a rate-limited warning for both.
	 */
	STATS_DROP_RX_TRUNC,
	STATS_DROP_RX_OVERSIZE,
	STATS_DROP_MAX,
};

/*
 * Classes of the exception path, each with its own budget, handed to the
 * kernel in this order of priority: ARP/ND for our addresses (and what the
 * kernel needs for its link), DNS for the control side (TCP port 53, NOTIFY),
 * everything else for a service address (ICMP, other ports, fragments).
 */
enum stats_exc_class {
	STATS_EXC_NEIGH = 0,
	STATS_EXC_DNS,
	STATS_EXC_OTHER,
	STATS_EXC_MAX,
};

static inline const char *
stats_exc_class_name(unsigned c)
{
	static const char *const names[STATS_EXC_MAX] = {"neigh", "dns", "other"};

	return c < STATS_EXC_MAX ? names[c] : "unknown";
}

/* RCODE buckets: 0..15 (header RCODE), 16 = BADVERS, 17 = any other extended RCODE. */
#define STATS_RCODE_BADVERS 16
#define STATS_RCODE_OTHER   17
#define STATS_NRCODES	    18

/*
 * Query type buckets: the types an authoritative server is commonly asked
 * for get their own counter, the rest share OTHER. OTHER is 0 so that every
 * type the map below does not name falls into it without an entry.
 */
enum stats_qtype {
	STATS_QTYPE_OTHER = 0, /* Any other type, and queries without a parsable question. */
	STATS_QTYPE_A,
	STATS_QTYPE_NS,
	STATS_QTYPE_CNAME,
	STATS_QTYPE_SOA,
	STATS_QTYPE_PTR,
	STATS_QTYPE_MX,
	STATS_QTYPE_TXT,
	STATS_QTYPE_AAAA,
	STATS_QTYPE_SRV,
	STATS_QTYPE_NAPTR,
	STATS_QTYPE_DS,
	STATS_QTYPE_RRSIG,
	STATS_QTYPE_NSEC,
	STATS_QTYPE_DNSKEY,
	STATS_QTYPE_NSEC3,
	STATS_QTYPE_TLSA,
	STATS_QTYPE_SVCB,
	STATS_QTYPE_HTTPS,
	STATS_QTYPE_CAA,
	STATS_QTYPE_IXFR,
	STATS_QTYPE_AXFR,
	STATS_QTYPE_ANY,
	STATS_NQTYPES,
};

/* Every bucketed type is below this (CAA, 257, is the largest); types at or above it are OTHER. */
#define STATS_QTYPE_MAP_SIZE 258

/*
 * QTYPE (RFC 1035 3.2.2, IANA registry) -> bucket. A table rather than a
 * switch so that counting on the fast path is one compare (a conditional
 * move), one load and one increment; 258 bytes, shared by a whole burst.
 */
static const uint8_t stats_qtype_map[STATS_QTYPE_MAP_SIZE] = {
	[1] = STATS_QTYPE_A,	  [2] = STATS_QTYPE_NS,	     [5] = STATS_QTYPE_CNAME,
	[6] = STATS_QTYPE_SOA,	  [12] = STATS_QTYPE_PTR,    [15] = STATS_QTYPE_MX,
	[16] = STATS_QTYPE_TXT,	  [28] = STATS_QTYPE_AAAA,   [33] = STATS_QTYPE_SRV,
	[35] = STATS_QTYPE_NAPTR, [43] = STATS_QTYPE_DS,     [46] = STATS_QTYPE_RRSIG,
	[47] = STATS_QTYPE_NSEC,  [48] = STATS_QTYPE_DNSKEY, [50] = STATS_QTYPE_NSEC3,
	[52] = STATS_QTYPE_TLSA,  [64] = STATS_QTYPE_SVCB,   [65] = STATS_QTYPE_HTTPS,
	[251] = STATS_QTYPE_IXFR, [252] = STATS_QTYPE_AXFR,  [255] = STATS_QTYPE_ANY,
	[257] = STATS_QTYPE_CAA,
};

/* Bucket of @qtype; branch-free on the usual compilers. */
static inline unsigned
stats_qtype_bucket(uint16_t qtype)
{
	return stats_qtype_map[qtype < STATS_QTYPE_MAP_SIZE ? qtype : 0];
}

/* Label of a bucket: the type's mnemonic, "OTHER", or "unknown" out of range. */
static inline const char *
stats_qtype_name(unsigned bucket)
{
	static const char *const names[STATS_NQTYPES] = {
		[STATS_QTYPE_OTHER] = "OTHER",	 [STATS_QTYPE_A] = "A",
		[STATS_QTYPE_NS] = "NS",	 [STATS_QTYPE_CNAME] = "CNAME",
		[STATS_QTYPE_SOA] = "SOA",	 [STATS_QTYPE_PTR] = "PTR",
		[STATS_QTYPE_MX] = "MX",	 [STATS_QTYPE_TXT] = "TXT",
		[STATS_QTYPE_AAAA] = "AAAA",	 [STATS_QTYPE_SRV] = "SRV",
		[STATS_QTYPE_NAPTR] = "NAPTR",	 [STATS_QTYPE_DS] = "DS",
		[STATS_QTYPE_RRSIG] = "RRSIG",	 [STATS_QTYPE_NSEC] = "NSEC",
		[STATS_QTYPE_DNSKEY] = "DNSKEY", [STATS_QTYPE_NSEC3] = "NSEC3",
		[STATS_QTYPE_TLSA] = "TLSA",	 [STATS_QTYPE_SVCB] = "SVCB",
		[STATS_QTYPE_HTTPS] = "HTTPS",	 [STATS_QTYPE_CAA] = "CAA",
		[STATS_QTYPE_IXFR] = "IXFR",	 [STATS_QTYPE_AXFR] = "AXFR",
		[STATS_QTYPE_ANY] = "ANY",
	};

	return bucket < STATS_NQTYPES ? names[bucket] : "unknown";
}

/*
 * Label of an RCODE bucket: the IANA mnemonic (RFC 6895), "RCODE12".."RCODE15"
 * for the unassigned header values, "BADVERS", "OTHER"; "unknown" out of range.
 */
static inline const char *
stats_rcode_name(unsigned bucket)
{
	static const char *const names[STATS_NRCODES] = {
		"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE", "DSOTYPENI",
		"RCODE12",  "RCODE13", "RCODE14",  "RCODE15",  "BADVERS", "OTHER",
	};

	return bucket < STATS_NRCODES ? names[bucket] : "unknown";
}

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
	uint64_t answered;	       /* Responses sent back (past the error and rate limiters). */
	uint64_t rcode[STATS_NRCODES]; /* Responses by RCODE. */
	uint64_t qtype[STATS_NQTYPES]; /* dns_queries by question type (stats_qtype_bucket()). */
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
	/*
	 * Loop iterations, each one a QSBR quiescent state: the heartbeat the
	 * control thread's watchdog watches. A worker whose count stops moving
	 * while it should be running is stuck, and stalls every grace period.
	 */
	uint64_t loops;
	/*
	 * Response rate limiting: responses over the limit by class (enum
	 * dnsq_class), dropped (drop[STATS_DROP_RRL]) or slipped; slipped ones
	 * went out as TC=1 with the question only (also counted in truncated).
	 */
	uint64_t rrl_limited[DNSQ_CLASS_MAX];
	uint64_t rrl_slipped;
	/* Queries with a COOKIE option, cookies enabled: a valid server cookie, or not (yet). */
	uint64_t cookie_valid;
	uint64_t cookie_client;
	/* NOTIFY over UDP handed unchanged to the exception path (the control side answers). */
	uint64_t notify_punted;
	/* Exception path by class (enum stats_exc_class): to the kernel, and over its budget. */
	uint64_t exc_class_kernel[STATS_EXC_MAX];
	uint64_t exc_class_limited[STATS_EXC_MAX];
} __rte_cache_aligned;

/*
 * Printable name of a drop reason, for logs and metrics ("unknown" out of
 * range). Inline so that code without the dataplane library (the metrics
 * formatter and its test) names drops the same way.
 */
static inline const char *
stats_drop_name(enum stats_drop d)
{
	static const char *const names[STATS_DROP_MAX] = {
		[STATS_DROP_TRUNC_L2] = "trunc_l2",
		[STATS_DROP_TRUNC_L3] = "trunc_l3",
		[STATS_DROP_TRUNC_L4] = "trunc_l4",
		[STATS_DROP_IP_HDR] = "ip_header",
		[STATS_DROP_IP_LEN] = "ip_length",
		[STATS_DROP_UDP_LEN] = "udp_length",
		[STATS_DROP_SRC_MAC] = "src_mac",
		[STATS_DROP_SRC_IP] = "src_ip",
		[STATS_DROP_SRC_PORT] = "src_port",
		[STATS_DROP_OTHER_HOST] = "other_host",
		[STATS_DROP_DNS_SHORT] = "dns_short",
		[STATS_DROP_DNS_RESPONSE] = "dns_response",
		[STATS_DROP_DNS_NOSPACE] = "dns_nospace",
		[STATS_DROP_ERR_LIMIT] = "error_rate_limit",
		[STATS_DROP_NO_EXCEPTION] = "no_exception_path",
		[STATS_DROP_RRL] = "rate_limit",
		[STATS_DROP_NOT_OURS] = "not_for_us",
		[STATS_DROP_GROUP_DST] = "group_destination",
		[STATS_DROP_UDP_CKSUM] = "udp_checksum",
		[STATS_DROP_RX_TRUNC] = "rx_truncated",
		[STATS_DROP_RX_OVERSIZE] = "rx_oversize",
	};

	if ((unsigned)d >= STATS_DROP_MAX)
		return "unknown";
	return names[d];
}

#endif /* SWERVE_STATS_H */
