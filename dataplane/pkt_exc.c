/* SPDX-License-Identifier: BSD-3-Clause */
/* The exception path's side of L2-L4: what the kernel needs (ARP, ND, TCP/53), its budget class. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "pkt_internal.h"

/* ICMPv6 types the kernel needs for its link (RFC 4861 4, RFC 3810 5.1). */
#define PKT_ICMP6_MLD_QUERY 130
#define PKT_ICMP6_RA	    134
#define PKT_ICMP6_NS	    135
#define PKT_ICMP6_NA	    136
#define PKT_ND_HOPS	    255 /* ND messages come from the link itself (RFC 4861 6.1). */

/* IPv6 extension headers (RFC 8200 4, RFC 7045 list), counted apart from other protocols. */
static inline bool
pkt_ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case 135: /* Mobility */
	case 139: /* HIP */
	case 140: /* Shim6 */
	case 253: /* Experimentation */
	case 254:
		return true;
	default:
		return false;
	}
}

/* TCP from or to port 53: the ports are the first four octets of TCP as of UDP. */
static inline bool
pkt_tcp53(uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	const struct rte_udp_hdr *h = (const struct rte_udp_hdr *)l4;

	return proto == IPPROTO_TCP && l4len >= 4 &&
	       (h->dst_port == rte_cpu_to_be_16(PKT_DNS_PORT) ||
		h->src_port == rte_cpu_to_be_16(PKT_DNS_PORT));
}

uint8_t
pkt_exc_class_v4(const struct rte_ipv4_hdr *ip, const uint8_t *l4, uint32_t l4len)
{
	return pkt_tcp53(ip->next_proto_id, l4, l4len) ? STATS_EXC_DNS : STATS_EXC_OTHER;
}

void
pkt_exc_class_v6(struct pkt_ctx *c, const struct rte_ipv6_hdr *ip, uint16_t plen,
		 struct pkt_result *res)
{
	const uint8_t *l4 = (const uint8_t *)(ip + 1);

	res->exc_class = STATS_EXC_OTHER;
	if (ip->proto == IPPROTO_ICMPV6 && plen >= 4 && ip->hop_limits == PKT_ND_HOPS &&
	    (l4[0] == PKT_ICMP6_NS || l4[0] == PKT_ICMP6_NA))
		res->exc_class = STATS_EXC_NEIGH;
	else if (pkt_tcp53(ip->proto, l4, plen))
		res->exc_class = STATS_EXC_DNS;
	/* Extension headers are never walked to find DNS behind them. */
	else if (pkt_ipv6_ext(ip->proto))
		c->st->ipv6_ext++;
}

/*
 * Offset of the checksum in a TCP or UDP header, or 0 for another protocol
 * or a segment too short to hold its header.
 */
static inline unsigned
pkt_l4_csum_off(uint8_t proto, uint32_t l4len)
{
	if (proto == IPPROTO_UDP && l4len >= sizeof(struct rte_udp_hdr))
		return offsetof(struct rte_udp_hdr, dgram_cksum);
	if (proto == IPPROTO_TCP && l4len >= 20)
		return 16;
	return 0;
}

/*
 * A sender on a virtual link (veth, tap) leaves its TCP/UDP checksum for a
 * NIC that does not exist: the field holds only the pseudo-header sum
 * (CHECKSUM_PARTIAL), and af_xdp hands the frame over like that. Answers get
 * fresh checksums anyway, but the kernel behind the exception path checks
 * what it receives and would drop such a frame, so its checksum is completed
 * here. Only this signature is touched: a checksum that is merely wrong
 * stays wrong. Exception traffic only, never the DNS fast path.
 */
void
pkt_exc_complete_v4(struct rte_ipv4_hdr *ip, uint8_t *l4, uint32_t l4len)
{
	unsigned off = pkt_l4_csum_off(ip->next_proto_id, l4len);
	uint16_t field;

	if (off == 0)
		return;
	memcpy(&field, l4 + off, 2);
	if (field == 0 || field != rte_ipv4_phdr_cksum(ip, 0))
		return;
	memset(l4 + off, 0, 2);
	field = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(l4 + off, &field, 2);
}

void
pkt_exc_complete_v6(struct rte_ipv6_hdr *ip, uint8_t *l4, uint32_t l4len)
{
	unsigned off = pkt_l4_csum_off(ip->proto, l4len);
	uint16_t field;

	if (off == 0)
		return;
	memcpy(&field, l4 + off, 2);
	if (field != rte_ipv6_phdr_cksum(ip, 0))
		return;
	memset(l4 + off, 0, 2);
	field = rte_ipv6_udptcp_cksum(ip, l4);
	memcpy(l4 + off, &field, 2);
}

static inline bool
pkt_v6_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/*
 * The groups whose ND/MLD the kernel needs: all-nodes (ff02::1) and the
 * solicited-node group (ff02::1:ffXX:XXXX) of a service address or of our
 * EUI-64 link-local address, whose low 24 bits are the MAC's last three octets.
 */
static inline bool
pkt_nd_group(const struct pkt_ctx *c, const uint8_t *d)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	static const uint8_t sol[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};

	if (memcmp(d, all_nodes, 16) == 0)
		return true;
	if (memcmp(d, sol, 13) != 0)
		return false;
	if (memcmp(d + 13, c->mac + 3, 3) == 0)
		return true;
	for (unsigned i = 0; i < c->svc->n6; i++)
		if (memcmp(d + 13, c->svc->v6[i] + 13, 3) == 0)
			return true;
	return false;
}

/*
 * IPv6 that is not to a service address, or came to a group MAC: only
 * neighbour discovery and MLD queries the kernel needs for its own link go
 * on (see pkt.h); the rest is dropped.
 */
enum pkt_verdict
pkt_exc_nd6(struct pkt_ctx *c, const struct rte_ipv6_hdr *ip, uint16_t plen, bool group,
	    struct pkt_result *res)
{
	const uint8_t *d = ip->dst_addr;
	const uint8_t *l4 = (const uint8_t *)(ip + 1);
	bool mcast = d[0] == 0xff;
	enum stats_drop why = group || mcast ? STATS_DROP_GROUP_DST : STATS_DROP_NOT_OURS;
	uint32_t left = plen;
	uint8_t nh = ip->proto;

	if (!mcast && !pkt_v6_linklocal(d) && !pkt_svc_v6(c->svc, d))
		return pkt_drop(c, STATS_DROP_NOT_OURS);
	if (mcast && !pkt_nd_group(c, d))
		return pkt_drop(c, why);
	/* MLD queries carry a router alert in one hop-by-hop header. */
	if (mcast && nh == IPPROTO_HOPOPTS && left >= 8) {
		uint32_t hl = ((uint32_t)l4[1] + 1) * 8;

		if (hl > left)
			return pkt_drop(c, STATS_DROP_TRUNC_L4);
		nh = l4[0];
		l4 += hl;
		left -= hl;
		if (nh == IPPROTO_ICMPV6 && left >= 4 && l4[0] == PKT_ICMP6_MLD_QUERY)
			goto neigh;
		return pkt_drop(c, why);
	}
	if (nh != IPPROTO_ICMPV6 || left < 4 || ip->hop_limits != PKT_ND_HOPS)
		return pkt_drop(c, why);
	switch (l4[0]) {
	case PKT_ICMP6_RA:
	case PKT_ICMP6_NA:
		goto neigh;
	case PKT_ICMP6_NS:
		/* The target: a service address, or (by its group) our link-local one. */
		if (left < 24)
			return pkt_drop(c, STATS_DROP_TRUNC_L4);
		if (pkt_svc_v6(c->svc, l4 + 8) || pkt_v6_linklocal(l4 + 8))
			goto neigh;
		return pkt_drop(c, why);
	default:
		return pkt_drop(c, why);
	}
neigh:
	res->exc_class = STATS_EXC_NEIGH;
	return PKT_EXCEPTION;
}

/*
 * ARP (RFC 826) over Ethernet for IPv4: requests and replies whose target is
 * a service address go to the kernel, which answers and learns from them;
 * ARP about other hosts is not ours.
 */
enum pkt_verdict
pkt_exc_arp(struct pkt_ctx *c, const uint8_t *arp, uint16_t len, struct pkt_result *res)
{
	uint32_t tpa;

	if (len < 28)
		return pkt_drop(c, STATS_DROP_TRUNC_L3);
	if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0x00 || arp[4] != 6 ||
	    arp[5] != 4)
		return pkt_drop(c, STATS_DROP_NOT_OURS);
	memcpy(&tpa, arp + 24, 4);
	if (!pkt_svc_v4(c->svc, tpa))
		return pkt_drop(c, STATS_DROP_NOT_OURS);
	res->exc_class = STATS_EXC_NEIGH;
	return PKT_EXCEPTION;
}
