/* SPDX-License-Identifier: BSD-3-Clause */
/* XDP reflector for perf/bench_flood.sh: turns each UDP query to port 53 into a bare "answer" and sends it back (the lab's ceiling). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifdef XDP_PASS_ONLY
/*
 * Built with -DXDP_PASS_ONLY: a program that passes every frame, for the
 * client end of the veth. A veth delivers frames sent with XDP_TX from its
 * peer only while it has NAPI, which an XDP program gives it.
 */
SEC("xdp")
int
xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
#else
SEC("xdp")
int
xdp_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	unsigned char *dns = (void *)(udp + 1);
	unsigned char mac[ETH_ALEN];
	__u32 a;
	__u16 p;

	if ((void *)(dns + 12) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5 || ip->protocol != IPPROTO_UDP || udp->dest != bpf_htons(53))
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	/* Swapping the addresses leaves the header checksum as it is. */
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	p = udp->source;
	udp->source = udp->dest;
	udp->dest = p;
	/* No UDP checksum (allowed over IPv4): the flag change would need one. */
	udp->check = 0;
	dns[2] |= 0x80;
	return XDP_TX;
}
#endif

char _license[] SEC("license") = "Dual BSD/GPL";
