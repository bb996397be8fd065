/* SPDX-License-Identifier: BSD-3-Clause */
/* L2-L4 for one frame: recognise UDP DNS to a service address and answer it in place. */

#ifndef SWERVE_PKT_H
#define SWERVE_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "swerve/dnsq.h"
#include "swerve/stats.h"
#include "swerve/svc_addr.h"

struct rrt;
struct rrl;

/* Service addresses a worker answers for. Fixed while workers run. */
#define PKT_MAX_SERVICE 32

struct pkt_service {
	uint32_t v4[PKT_MAX_SERVICE];	 /* IPv4 addresses, network order. */
	uint8_t v6[PKT_MAX_SERVICE][16]; /* IPv6 addresses. */
	unsigned n4;
	unsigned n6;
	/* Directed broadcast of each IPv4 prefix (network order); never a query's source. */
	uint32_t bcast4[PKT_MAX_SERVICE];
	unsigned nbcast4;
};

/*
 * Error answers (FORMERR, NOTIMP) cost us as much as a real answer and can
 * be provoked by a spoofed source, so each worker lets only this many per
 * second leave (with a burst of PKT_ERR_BURST); the rest are dropped and
 * counted (docs/conformance.md, bad input 14). 1000/s per worker is far above what a
 * well-behaved client population produces (clients rarely send malformed
 * queries) and far below the answer rate, so a reflection attack gains
 * nothing. REFUSED is not limited here: it is the normal answer for names we
 * do not serve (response rate limiting proper comes later).
 */
#define PKT_ERR_RATE  1000
#define PKT_ERR_BURST 100

/* Checksum offloads the TX side of the port does for us. */
#define PKT_OFFLOAD_IPV4_CKSUM 0x0001 /* The port fills the IPv4 header checksum. */
#define PKT_OFFLOAD_UDP_CKSUM  0x0002 /* The port fills the UDP checksum (pseudo-header sum). */

/* What the port said about the L4 checksum of the frame in hand (its RX offload flags). */
#define PKT_RX_L4_UNKNOWN 0 /* Not checked: pkt_process() verifies it in software. */
#define PKT_RX_L4_GOOD	  1 /* Verified by the port (or data integrity verified). */
#define PKT_RX_L4_BAD	  2 /* The port found it wrong. */

/*
 * Everything pkt_process() needs besides the frame. One per worker (per
 * port), owned by that worker: nothing in it is shared or atomic.
 */
struct pkt_ctx {
	const struct rrt *table;       /* Snapshot for the current burst (QSBR reader, online). */
	const struct dnsq_conf *dconf; /* Answer settings. */
	const struct pkt_service *svc; /* Addresses we answer for. */
	struct worker_stats *st;       /* The worker's counters. */
	uint64_t now;		       /* TSC at the start of the burst. */
	uint64_t hz;		       /* TSC ticks per second. */
	uint64_t err_tokens; /* Error-answer bucket in ticks (an answer costs hz / rate). */
	uint64_t err_last;   /* TSC of the last refill. */
	struct rrl *rrl;     /* Response rate limiting, or NULL (off: no cost). */
	uint32_t wall;	     /* Coarse wall clock (Unix seconds) for server cookies. */
	uint16_t mtu;	     /* Largest IP packet the port sends (default 1500). */
	uint16_t offload;    /* PKT_OFFLOAD_* the port does on TX. */
	uint8_t mac[6];	     /* The port's MAC: source of every response. */
	uint8_t rx_l4;	     /* PKT_RX_L4_* of the frame in hand, set per frame by the caller. */
	/* dnsq_prefetch()'s hint for the frame in hand, or NULL; set per frame by the caller. */
	const struct dnsq_hint *hint;
};

enum pkt_verdict {
	PKT_TX = 0,    /* Answered: send the rewritten frame back out the same port. */
	PKT_EXCEPTION, /* Not DNS for us: hand the unchanged frame to the exception path. */
	PKT_DROP,      /* Dropped; the reason was counted in ctx->st. */
};

/* Where the response frame lies and which offloads it needs (PKT_TX only). */
struct pkt_result {
	uint16_t off;	 /* Octets to remove from the front (IPv4 options are not echoed). */
	uint16_t len;	 /* Response frame length from @off. */
	uint8_t l2_len;	 /* Ethernet (+802.1Q) header length. */
	uint8_t l3_len;	 /* IP header length (20 or 40). */
	uint8_t ipv6;	 /* 1 for IPv6, 0 for IPv4. */
	uint8_t offload; /* PKT_OFFLOAD_* that the TX path must request for this frame. */
	uint8_t exc_class; /* PKT_EXCEPTION only: enum stats_exc_class, the budget it uses. */
};

/*
 * Where the DNS message of a UDP query to port 53 lies in @frame (@len
 * octets): Ethernet with at most one 802.1Q tag, IPv4 (not a fragment) or
 * IPv6 with UDP as its next header. For dnsq_prefetch() ahead of
 * pkt_process(), which still checks everything: this only bounds what it
 * reads, and says false for anything else (no prefetch, no harm).
 */
bool pkt_dns_peek(const uint8_t *frame, uint16_t len, uint16_t *off, uint16_t *dlen);

/* Set @c up for a worker: zeroes the limiter, fills it to its burst. */
void pkt_ctx_init(struct pkt_ctx *c, const struct dnsq_conf *dconf, const struct pkt_service *svc,
		  struct worker_stats *st, uint64_t hz, uint64_t now);

/*
 * Handle one frame of @len octets at @frame, in a buffer that has room for
 * @cap octets from @frame. UDP DNS to a service address is answered in place
 * with dnsq_answer() and the frame is rewritten into the response (MACs, IPs
 * and ports swapped, lengths, TTL/hop limit 64, checksums in software unless
 * res->offload asks the port to do them). Responses then pass the error
 * limiter and, with c->rrl set, response rate limiting (a query with a
 * valid server cookie is exempt): a limited one is dropped or, every slip'th,
 * cut to header and question with TC=1. A NOTIFY (opcode 4, QR=0) to a
 * service address is PKT_EXCEPTION, unchanged, for the control side. The
 * client of server cookies is the source address at c->wall.
 *
 * Queries are checked before they are answered: a UDP checksum the port did
 * not vouch for (c->rx_l4) is verified (a bare pseudo-header sum, what a
 * virtual link leaves, is accepted), IPv6 UDP without one is dropped (RFC
 * 8200 8.1), and so are queries to a broadcast or multicast MAC and queries
 * from the directed broadcast address of a service prefix.
 *
 * Only what the kernel behind the exception path needs goes there, with its
 * class in res->exc_class (the budget it is charged to):
 *  - STATS_EXC_NEIGH: ARP whose target is a service address; ICMPv6 neighbour
 *    discovery with hop limit 255: NS/NA to a service address or a
 *    link-local one, NS to the solicited-node group of a service address or
 *    of our EUI-64 link-local address, NA and RA to all-nodes; MLD queries
 *    (behind one hop-by-hop header) to all-nodes or those groups;
 *  - STATS_EXC_DNS: TCP from or to port 53 of a service address, NOTIFY;
 *  - STATS_EXC_OTHER: anything else to a service address (ICMP, other ports,
 *    fragments, extension headers).
 * Everything else is dropped and counted: not_for_us (other destinations,
 * other ethertypes, ARP for other hosts) or group_destination (a group MAC
 * on anything but ARP and neighbour discovery). A frame for the exception
 * path is left as it is, except that a TCP/UDP checksum a virtual link left
 * incomplete (only the pseudo-header sum) is completed for the kernel.
 * Counts everything in c->st.
 * Never allocates, locks, makes a syscall or logs.
 */
enum pkt_verdict pkt_process(struct pkt_ctx *c, uint8_t *frame, uint16_t len, uint16_t cap,
			     struct pkt_result *res);

/* Fill @svc from configured addresses; -E2BIG past PKT_MAX_SERVICE of a family. */
int pkt_service_init(struct pkt_service *svc, const struct svc_addr *addrs, size_t naddrs);

#endif /* SWERVE_PKT_H */
