/* SPDX-License-Identifier: BSD-3-Clause */
/* Interfaces between the fast path (pkt.c) and the exception-path classifier (pkt_exc.c). */

#ifndef SWERVE_PKT_INTERNAL_H
#define SWERVE_PKT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>

#include "swerve/pkt.h"

#define PKT_DNS_PORT 53
#define PKT_UDP_HDR  8
#define PKT_IPV4_HDR 20
#define PKT_IPV6_HDR 40

/*
 * Helpers both files use on every frame: static inline, so the DNS path
 * calls nothing it did not call before the split. Thread: the worker that
 * owns @c.
 */

static inline enum pkt_verdict
pkt_drop(struct pkt_ctx *c, enum stats_drop why)
{
	c->st->drop[why]++;
	return PKT_DROP;
}

static inline bool
pkt_svc_v4(const struct pkt_service *s, uint32_t addr)
{
	for (unsigned i = 0; i < s->n4; i++)
		if (s->v4[i] == addr)
			return true;
	return false;
}

static inline bool
pkt_svc_v6(const struct pkt_service *s, const uint8_t *addr)
{
	for (unsigned i = 0; i < s->n6; i++)
		if (memcmp(s->v6[i], addr, 16) == 0)
			return true;
	return false;
}

/*
 * The exception side (pkt_exc.c). Called by pkt_process() and its helpers
 * in pkt.c, on the worker that owns @c, only for frames that are not UDP
 * DNS to a service address (or a NOTIFY the engine punts): the DNS answer
 * path never calls them. None allocates, locks or logs.
 */

/*
 * The class of an IPv4 packet to a service address that is not UDP:
 * STATS_EXC_DNS for TCP from or to port 53, else STATS_EXC_OTHER. @l4 is
 * the transport header, @l4len octets of it in the packet.
 */
uint8_t pkt_exc_class_v4(const struct rte_ipv4_hdr *ip, const uint8_t *l4, uint32_t l4len);

/*
 * Set res->exc_class for an IPv6 packet to a service address that is not
 * UDP (@plen payload octets): STATS_EXC_NEIGH for NS/NA with hop limit 255,
 * STATS_EXC_DNS for TCP from or to port 53, else STATS_EXC_OTHER (counting
 * an extension header in c->st->ipv6_ext: they are never walked).
 */
void pkt_exc_class_v6(struct pkt_ctx *c, const struct rte_ipv6_hdr *ip, uint16_t plen,
		      struct pkt_result *res);

/*
 * IPv6 that is not to a service address, or came to a group MAC (@group):
 * PKT_EXCEPTION (class STATS_EXC_NEIGH) for the neighbour discovery and MLD
 * queries the kernel needs for its own link (see pkt.h), else PKT_DROP,
 * counted.
 */
enum pkt_verdict pkt_exc_nd6(struct pkt_ctx *c, const struct rte_ipv6_hdr *ip, uint16_t plen,
			     bool group, struct pkt_result *res);

/*
 * ARP of @len octets at @arp: PKT_EXCEPTION (class STATS_EXC_NEIGH) when it
 * is Ethernet/IPv4 ARP whose target is a service address, else PKT_DROP, counted.
 */
enum pkt_verdict pkt_exc_arp(struct pkt_ctx *c, const uint8_t *arp, uint16_t len,
			     struct pkt_result *res);

/*
 * Complete a TCP/UDP checksum that a virtual link left as only the
 * pseudo-header sum, so the kernel accepts the frame; @l4 is the transport
 * header, @l4len octets. Anything else is left as it is.
 */
void pkt_exc_complete_v4(struct rte_ipv4_hdr *ip, uint8_t *l4, uint32_t l4len);
void pkt_exc_complete_v6(struct rte_ipv6_hdr *ip, uint8_t *l4, uint32_t l4len);

#endif /* SWERVE_PKT_INTERNAL_H */
