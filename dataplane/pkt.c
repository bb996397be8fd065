/* SPDX-License-Identifier: BSD-3-Clause */
/* L2-L4 of the fast path: which frames are DNS for us, and their answers written in place. */
/* (What goes to the kernel instead, and under which budget, is decided in pkt_exc.c.) */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "swerve/pkt.h"
#include "swerve/rrl.h"
#include "pkt_internal.h"

/* Hop limit of every response: the usual default of host stacks (RFC 1700 / Linux). */
#define PKT_TTL 64

#define PKT_RCODE_FORMERR 1
#define PKT_RCODE_NOTIMP  4

/* pkt_answer(): the query goes to the exception path as it is (a NOTIFY). */
#define PKT_PUNT SIZE_MAX

int
pkt_service_init(struct pkt_service *svc, const struct svc_addr *addrs, size_t naddrs)
{
	memset(svc, 0, sizeof(*svc));
	for (size_t i = 0; i < naddrs; i++) {
		if (addrs[i].family == AF_INET) {
			if (svc->n4 == PKT_MAX_SERVICE)
				return -E2BIG;
			svc->v4[svc->n4++] = addrs[i].v4.s_addr;
			/* /31 and /32 have no broadcast address (RFC 3021); 0 means unset. */
			if (addrs[i].prefix > 0 && addrs[i].prefix < 31) {
				uint32_t host = UINT32_MAX >> addrs[i].prefix;

				svc->bcast4[svc->nbcast4++] =
					addrs[i].v4.s_addr | rte_cpu_to_be_32(host);
			}
		} else if (addrs[i].family == AF_INET6) {
			if (svc->n6 == PKT_MAX_SERVICE)
				return -E2BIG;
			memcpy(svc->v6[svc->n6++], &addrs[i].v6, 16);
		} else {
			return -EAFNOSUPPORT;
		}
	}
	return 0;
}

void
pkt_ctx_init(struct pkt_ctx *c, const struct dnsq_conf *dconf, const struct pkt_service *svc,
	     struct worker_stats *st, uint64_t hz, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->dconf = dconf;
	c->svc = svc;
	c->st = st;
	c->hz = hz;
	c->now = now;
	c->err_last = now;
	c->err_tokens = hz / PKT_ERR_RATE * PKT_ERR_BURST;
	c->mtu = RTE_ETHER_MTU;
}

/* Sources no response could go back to: this network, loopback, multicast, class E. */
static inline bool
pkt_bad_src_v4(rte_be32_t be)
{
	uint8_t top = (uint8_t)(rte_be_to_cpu_32(be) >> 24);

	return top == 0 || top == 127 || top >= 224;
}

/* Multicast, unspecified (::) and loopback (::1). */
static inline bool
pkt_bad_src_v6(const uint8_t *a)
{
	static const uint8_t zero[15];

	return a[0] == 0xff || (memcmp(a, zero, 15) == 0 && a[15] <= 1);
}

/* The directed broadcast address of a service prefix: no reply may go there. */
static inline bool
pkt_bcast_src_v4(const struct pkt_service *s, uint32_t addr)
{
	for (unsigned i = 0; i < s->nbcast4; i++)
		if (s->bcast4[i] == addr)
			return true;
	return false;
}

/*
 * The UDP checksum of a query, unless the port vouched for it. A field that
 * holds only the pseudo-header sum is what a sender on a virtual link leaves
 * for a NIC that does not exist (the frame never crossed a wire): accepted.
 * @phdr is that pseudo-header sum, folded and not complemented.
 */
static inline bool
pkt_udp_cksum_ok(const struct pkt_ctx *c, const struct rte_udp_hdr *udp, uint16_t ulen,
		 uint16_t phdr)
{
	uint32_t sum;

	if (likely(c->rx_l4 == PKT_RX_L4_GOOD))
		return true;
	if (c->rx_l4 == PKT_RX_L4_BAD)
		return false;
	sum = (uint32_t)phdr + __rte_raw_cksum(udp, ulen, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff || udp->dgram_cksum == phdr;
}

/* Token bucket counted in TSC ticks, so a refill is one subtraction and no division per packet. */
static inline bool
pkt_err_allow(struct pkt_ctx *c)
{
	uint64_t cost = c->hz / PKT_ERR_RATE;
	uint64_t max = cost * PKT_ERR_BURST;
	uint64_t t = c->err_tokens + (c->now - c->err_last);

	c->err_last = c->now;
	if (t > max)
		t = max;
	if (t < cost) {
		c->err_tokens = t;
		return false;
	}
	c->err_tokens = t - cost;
	return true;
}

/*
 * A rate-limited response that slips: header and question only, TC=1, so a
 * real client retries over TCP and a spoofed victim gets nothing bigger than
 * the query. The response's question is the query's, uncompressed and
 * already validated; an answer without one (QDCOUNT 0) keeps the header.
 */
static size_t
pkt_slip(uint8_t *dns, size_t n)
{
	size_t len = 12;

	if (dns[4] == 0 && dns[5] == 1) {
		while (len < n && dns[len] != 0)
			len += dns[len] + 1u;
		len += 1 + 4;
		if (len > n) {
			len = 12;
			dns[5] = 0;
		}
	}
	dns[2] |= 0x02;
	memset(dns + 6, 0, 6);
	return len;
}

/*
 * Answer the DNS message at @dns in place from the source @src (@src_len
 * octets) and count the outcome. Returns the response length, 0 when the
 * frame is to be dropped (already counted), or PKT_PUNT when it goes to the
 * exception path unchanged.
 */
static inline size_t
pkt_answer(struct pkt_ctx *c, uint8_t *dns, size_t qlen, size_t cap, const uint8_t *src,
	   unsigned src_len)
{
	struct worker_stats *st = c->st;
	struct dnsq_client cl;
	const struct dnsq_client *client = NULL;
	struct dnsq_info info;
	size_t n;

	st->dns_queries++;
	/* Server cookies bind to the source address; without them nothing is copied. */
	if (unlikely(c->dconf != NULL && c->dconf->cookie.enabled)) {
		memcpy(cl.addr, src, src_len);
		cl.addr_len = (uint8_t)src_len;
		cl.now = c->wall;
		client = &cl;
	}
	n = dnsq_answer_hinted(c->table, c->dconf, client, dns, qlen, dns, cap, 0, &info, c->hint);
	st->edns += info.edns;
	st->qtype[stats_qtype_bucket(info.qtype)]++;
	if (n == 0) {
		switch (info.verdict) {
		case DNSQ_DROP_SHORT:
			st->drop[STATS_DROP_DNS_SHORT]++;
			break;
		case DNSQ_DROP_RESPONSE:
			st->drop[STATS_DROP_DNS_RESPONSE]++;
			break;
		case DNSQ_PUNT:
			st->notify_punted++;
			return PKT_PUNT;
		default:
			st->drop[STATS_DROP_DNS_NOSPACE]++;
			break;
		}
		return 0;
	}
	if (unlikely(info.cookie != DNSQ_COOKIE_NONE)) {
		st->cookie_valid += info.cookie == DNSQ_COOKIE_VALID;
		st->cookie_client += info.cookie == DNSQ_COOKIE_CLIENT;
	}
	if (unlikely(info.rcode == PKT_RCODE_FORMERR || info.rcode == PKT_RCODE_NOTIMP) &&
	    !pkt_err_allow(c)) {
		st->drop[STATS_DROP_ERR_LIMIT]++;
		return 0;
	}
	/* A valid server cookie proves the source address: it cannot be a reflection victim. */
	if (c->rrl != NULL && info.cookie != DNSQ_COOKIE_VALID) {
		enum rrl_verdict v = rrl_check(c->rrl, src, src_len, info.rclass, c->now);

		if (unlikely(v != RRL_PASS)) {
			st->rrl_limited[info.rclass < DNSQ_CLASS_MAX ? info.rclass
								     : DNSQ_CLASS_ERROR]++;
			if (v == RRL_DROP) {
				st->drop[STATS_DROP_RRL]++;
				return 0;
			}
			st->rrl_slipped++;
			n = pkt_slip(dns, n);
			info.tc = 1;
		}
	}
	st->answered++;
	st->rcode[info.rcode <= STATS_RCODE_BADVERS ? info.rcode : STATS_RCODE_OTHER]++;
	st->truncated += info.tc;
	return n;
}

/* Room for the DNS response: what the buffer holds past @hdr, and what fits the MTU past @l34. */
static inline size_t
pkt_dns_cap(const struct pkt_ctx *c, uint16_t cap, uint16_t hdr, uint16_t l34)
{
	size_t room = cap - hdr;
	size_t mtu_room = c->mtu > l34 ? (size_t)(c->mtu - l34) : 0;

	return room < mtu_room ? room : mtu_room;
}

/* Response L2: back to the sender, from our own MAC (never from a group address). */
static inline void
pkt_eth_reply(const struct pkt_ctx *c, uint8_t *eth)
{
	memcpy(eth, eth + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(eth + RTE_ETHER_ADDR_LEN, c->mac, RTE_ETHER_ADDR_LEN);
}

/* The query's UDP header made the reply's: ports swapped, @rlen DNS octets, checksum to fill. */
static inline void
pkt_udp_reply(struct rte_udp_hdr *udp, size_t rlen)
{
	uint16_t sport = udp->src_port;

	udp->src_port = udp->dst_port;
	udp->dst_port = sport;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(PKT_UDP_HDR + rlen));
	udp->dgram_cksum = 0;
}

static enum pkt_verdict
pkt_ipv4(struct pkt_ctx *c, uint8_t *frame, uint16_t len, uint16_t cap, uint16_t l2,
	 struct pkt_result *res)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + l2);
	struct rte_ipv4_hdr *nip;
	struct rte_udp_hdr *udp;
	uint16_t ihl, tot, shift;
	rte_be32_t src, dst;
	uint8_t tos;
	size_t rlen;

	if (len - l2 < PKT_IPV4_HDR)
		return pkt_drop(c, STATS_DROP_TRUNC_L3);
	ihl = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	if ((ip->version_ihl >> 4) != 4 || ihl < PKT_IPV4_HDR)
		return pkt_drop(c, STATS_DROP_IP_HDR);
	if (len - l2 < ihl)
		return pkt_drop(c, STATS_DROP_TRUNC_L3);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl)
		return pkt_drop(c, STATS_DROP_IP_HDR);
	/* Longer frames are fine: Ethernet pads short packets to 60 octets. */
	if (tot > len - l2)
		return pkt_drop(c, STATS_DROP_IP_LEN);
	/* Nothing but a service address is ours: other hosts' traffic never reaches the kernel. */
	if (!pkt_svc_v4(c->svc, ip->dst_addr))
		return pkt_drop(c, STATS_DROP_NOT_OURS);
	res->exc_class = STATS_EXC_OTHER;
	/* A fragment is never DNS to us, whatever it starts with; the kernel may reassemble it. */
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		c->st->ipv4_frag++;
		return PKT_EXCEPTION;
	}
	udp = (struct rte_udp_hdr *)(frame + l2 + ihl);
	if (ip->next_proto_id != IPPROTO_UDP) {
		res->exc_class = pkt_exc_class_v4(ip, (const uint8_t *)udp, (uint32_t)(tot - ihl));
		goto exception;
	}
	if (tot - ihl < PKT_UDP_HDR)
		return pkt_drop(c, STATS_DROP_TRUNC_L4);
	if (udp->dst_port != rte_cpu_to_be_16(PKT_DNS_PORT))
		goto exception;
	if (rte_be_to_cpu_16(udp->dgram_len) != tot - ihl)
		return pkt_drop(c, STATS_DROP_UDP_LEN);
	/* The header checksum is always complete (only L4 sums may be partial on virtual links). */
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return pkt_drop(c, STATS_DROP_IP_HDR);
	if (pkt_bad_src_v4(ip->src_addr) || pkt_bcast_src_v4(c->svc, ip->src_addr))
		return pkt_drop(c, STATS_DROP_SRC_IP);
	if (udp->src_port == 0)
		return pkt_drop(c, STATS_DROP_SRC_PORT);
	/* Zero: the sender computed no checksum, which IPv4 allows. */
	if (udp->dgram_cksum != 0 &&
	    !pkt_udp_cksum_ok(c, udp, (uint16_t)(tot - ihl), rte_ipv4_phdr_cksum(ip, 0)))
		return pkt_drop(c, STATS_DROP_UDP_CKSUM);

	rlen = pkt_answer(
		c, (uint8_t *)(udp + 1), (size_t)(tot - ihl - PKT_UDP_HDR),
		pkt_dns_cap(c, cap, (uint16_t)(l2 + ihl + PKT_UDP_HDR), PKT_IPV4_HDR + PKT_UDP_HDR),
		(const uint8_t *)&ip->src_addr, 4);
	if (rlen == 0)
		return PKT_DROP;
	if (unlikely(rlen == PKT_PUNT)) {
		res->exc_class = STATS_EXC_DNS;
		goto exception;
	}

	pkt_udp_reply(udp, rlen);

	/*
	 * Options are not echoed (record route and friends mean nothing in a
	 * reply): a plain 20-octet header is written right before the UDP
	 * header and the L2 header slides forward by the options' length.
	 */
	src = ip->src_addr;
	dst = ip->dst_addr;
	tos = ip->type_of_service;
	shift = (uint16_t)(ihl - PKT_IPV4_HDR);
	if (shift != 0)
		memmove(frame + shift, frame, l2);
	frame += shift;
	pkt_eth_reply(c, frame);

	nip = (struct rte_ipv4_hdr *)(frame + l2);
	nip->version_ihl = RTE_IPV4_VHL_DEF;
	nip->type_of_service = tos;
	nip->total_length = rte_cpu_to_be_16((uint16_t)(PKT_IPV4_HDR + PKT_UDP_HDR + rlen));
	/* An atomic datagram (DF, never fragmented): its ID carries no meaning (RFC 6864). */
	nip->packet_id = 0;
	nip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	nip->time_to_live = PKT_TTL;
	nip->next_proto_id = IPPROTO_UDP;
	nip->hdr_checksum = 0;
	nip->src_addr = dst;
	nip->dst_addr = src;

	res->off = shift;
	res->len = (uint16_t)(l2 + PKT_IPV4_HDR + PKT_UDP_HDR + rlen);
	res->l2_len = (uint8_t)l2;
	res->l3_len = PKT_IPV4_HDR;
	res->ipv6 = 0;
	res->offload = 0;
	{
		/*
		 * Sums from the values in registers: reading back the header just
		 * written with stores of mixed sizes stalls on store forwarding.
		 * Words are summed as they lie in memory, as rte_raw_cksum() does.
		 */
		uint32_t addrs = (src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16);
		uint16_t ulen = (uint16_t)(PKT_UDP_HDR + rlen);
		uint32_t h;

		if (c->offload & PKT_OFFLOAD_IPV4_CKSUM) {
			res->offload |= PKT_OFFLOAD_IPV4_CKSUM;
		} else {
			h = addrs + rte_cpu_to_be_16((uint16_t)(0x4500 | tos)) +
			    rte_cpu_to_be_16((uint16_t)(PKT_IPV4_HDR + ulen)) +
			    rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) +
			    rte_cpu_to_be_16((PKT_TTL << 8) | IPPROTO_UDP);
			h = (h & 0xffff) + (h >> 16);
			h = (h & 0xffff) + (h >> 16);
			nip->hdr_checksum = (uint16_t)~h;
		}
		h = addrs + rte_cpu_to_be_16(IPPROTO_UDP) + rte_cpu_to_be_16(ulen);
		h = (h & 0xffff) + (h >> 16);
		h = (h & 0xffff) + (h >> 16);
		if (c->offload & PKT_OFFLOAD_UDP_CKSUM) {
			res->offload |= PKT_OFFLOAD_UDP_CKSUM;
			udp->dgram_cksum = (uint16_t)h;
		} else {
			h += rte_raw_cksum(udp, ulen);
			h = (h & 0xffff) + (h >> 16);
			h = (h & 0xffff) + (h >> 16);
			h = (uint16_t)~h;
			udp->dgram_cksum = h == 0 ? 0xffff : (uint16_t)h;
		}
	}
	return PKT_TX;

exception:
	pkt_exc_complete_v4(ip, (uint8_t *)udp, (uint32_t)(tot - ihl));
	return PKT_EXCEPTION;
}

static enum pkt_verdict
pkt_ipv6(struct pkt_ctx *c, uint8_t *frame, uint16_t len, uint16_t cap, uint16_t l2, bool group,
	 struct pkt_result *res)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(frame + l2);
	struct rte_udp_hdr *udp;
	uint8_t tmp[16];
	uint16_t plen;
	size_t rlen;

	if (len - l2 < PKT_IPV6_HDR)
		return pkt_drop(c, STATS_DROP_TRUNC_L3);
	if ((frame[l2] >> 4) != 6)
		return pkt_drop(c, STATS_DROP_IP_HDR);
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (plen > len - l2 - PKT_IPV6_HDR)
		return pkt_drop(c, STATS_DROP_IP_LEN);
	if (group || !pkt_svc_v6(c->svc, ip->dst_addr))
		return pkt_exc_nd6(c, ip, plen, group, res);
	udp = (struct rte_udp_hdr *)(frame + l2 + PKT_IPV6_HDR);
	res->exc_class = STATS_EXC_OTHER;
	if (ip->proto != IPPROTO_UDP) {
		pkt_exc_class_v6(c, ip, plen, res);
		goto exception;
	}
	if (plen < PKT_UDP_HDR)
		return pkt_drop(c, STATS_DROP_TRUNC_L4);
	if (udp->dst_port != rte_cpu_to_be_16(PKT_DNS_PORT))
		goto exception;
	if (rte_be_to_cpu_16(udp->dgram_len) != plen)
		return pkt_drop(c, STATS_DROP_UDP_LEN);
	if (pkt_bad_src_v6(ip->src_addr))
		return pkt_drop(c, STATS_DROP_SRC_IP);
	if (udp->src_port == 0)
		return pkt_drop(c, STATS_DROP_SRC_PORT);
	/* UDP over IPv6 must carry a checksum (RFC 8200 8.1): zero is dropped, not trusted. */
	if (udp->dgram_cksum == 0 || !pkt_udp_cksum_ok(c, udp, plen, rte_ipv6_phdr_cksum(ip, 0)))
		return pkt_drop(c, STATS_DROP_UDP_CKSUM);

	rlen = pkt_answer(c, (uint8_t *)(udp + 1), (size_t)(plen - PKT_UDP_HDR),
			  pkt_dns_cap(c, cap, (uint16_t)(l2 + PKT_IPV6_HDR + PKT_UDP_HDR),
				      PKT_IPV6_HDR + PKT_UDP_HDR),
			  ip->src_addr, 16);
	if (rlen == 0)
		return PKT_DROP;
	if (unlikely(rlen == PKT_PUNT)) {
		res->exc_class = STATS_EXC_DNS;
		goto exception;
	}

	pkt_udp_reply(udp, rlen);

	pkt_eth_reply(c, frame);
	/* Traffic class and flow label are reflected: the reply hashes like the query on ECMP. */
	ip->payload_len = udp->dgram_len;
	ip->hop_limits = PKT_TTL;
	memcpy(tmp, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, tmp, 16);

	res->off = 0;
	res->len = (uint16_t)(l2 + PKT_IPV6_HDR + PKT_UDP_HDR + rlen);
	res->l2_len = (uint8_t)l2;
	res->l3_len = PKT_IPV6_HDR;
	res->ipv6 = 1;
	res->offload = 0;
	/* UDP over IPv6 must carry a checksum (RFC 8200 8.1). */
	if (c->offload & PKT_OFFLOAD_UDP_CKSUM) {
		res->offload = PKT_OFFLOAD_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, 0);
	} else {
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	return PKT_TX;

exception:
	pkt_exc_complete_v6(ip, (uint8_t *)udp, plen);
	return PKT_EXCEPTION;
}

bool
pkt_dns_peek(const uint8_t *frame, uint16_t len, uint16_t *off, uint16_t *dlen)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	const struct rte_udp_hdr *udp;
	uint16_t l2 = sizeof(*eth), l4, ulen;
	rte_be16_t type;

	if (len < l2 + sizeof(struct rte_vlan_hdr))
		return false;
	type = eth->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		type = ((const struct rte_vlan_hdr *)(eth + 1))->eth_proto;
		l2 += sizeof(struct rte_vlan_hdr);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + l2);

		if (len < l2 + PKT_IPV4_HDR || ip->next_proto_id != IPPROTO_UDP ||
		    (ip->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return false;
		l4 = (uint16_t)(l2 + (ip->version_ihl & 0x0f) * 4);
	} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(frame + l2);

		if (len < l2 + PKT_IPV6_HDR || ip6->proto != IPPROTO_UDP)
			return false;
		l4 = (uint16_t)(l2 + PKT_IPV6_HDR);
	} else {
		return false;
	}
	if ((uint32_t)l4 + PKT_UDP_HDR > len)
		return false;
	udp = (const struct rte_udp_hdr *)(frame + l4);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (udp->dst_port != rte_cpu_to_be_16(PKT_DNS_PORT) || ulen < PKT_UDP_HDR ||
	    (uint32_t)l4 + ulen > len)
		return false;
	*off = (uint16_t)(l4 + PKT_UDP_HDR);
	*dlen = (uint16_t)(ulen - PKT_UDP_HDR);
	return true;
}

enum pkt_verdict
pkt_process(struct pkt_ctx *c, uint8_t *frame, uint16_t len, uint16_t cap, struct pkt_result *res)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	uint16_t l2 = sizeof(struct rte_ether_hdr);
	rte_be16_t type;
	bool group;

	if (unlikely(cap < len))
		cap = len;
	if (len < l2)
		return pkt_drop(c, STATS_DROP_TRUNC_L2);
	/* A group address is never a sender; answering one would multiply traffic. */
	if (rte_is_multicast_ether_addr(&eth->src_addr))
		return pkt_drop(c, STATS_DROP_SRC_MAC);
	if (rte_is_unicast_ether_addr(&eth->dst_addr) &&
	    memcmp(eth->dst_addr.addr_bytes, c->mac, RTE_ETHER_ADDR_LEN) != 0)
		return pkt_drop(c, STATS_DROP_OTHER_HOST);
	group = rte_is_multicast_ether_addr(&eth->dst_addr);
	type = eth->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(eth + 1);

		if (len < l2 + sizeof(*vh))
			return pkt_drop(c, STATS_DROP_TRUNC_L2);
		type = vh->eth_proto;
		l2 += sizeof(*vh);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		/* No IPv4 to a group MAC is ours: ARP is another ethertype, queries get no answer. */
		if (group)
			return pkt_drop(c, STATS_DROP_GROUP_DST);
		return pkt_ipv4(c, frame, len, cap, l2, res);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return pkt_ipv6(c, frame, len, cap, l2, group, res);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return pkt_exc_arp(c, frame + l2, (uint16_t)(len - l2), res);
	/* LLDP, a second VLAN tag and the rest: nothing the service needs. */
	return pkt_drop(c, STATS_DROP_NOT_OURS);
}
