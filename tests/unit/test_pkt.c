/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for L2-L4 (dataplane/pkt.c) on plain byte buffers: no EAL, no mbufs. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "swerve/cookie.h"
#include "swerve/pkt.h"
#include "swerve/rrl.h"
#include "swerve/rrt.h"
#include "testutil.h"

#define BUF 2048

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x53};
static const uint8_t cli_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t svc6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 0x53};
static const uint8_t cli6[16] = {0x20, 0x01, 0x00, 0x02, [15] = 0x01};

/* How to build a test frame; fopt_default() gives a valid IPv4 DNS query to the service. */
struct fopt {
	int v6;
	int vlan;	/* Add one 802.1Q tag. */
	uint16_t outer; /* Ethertype of the outer tag when vlan (default 0x8100). */
	int ip_opts;	/* IPv4 option octets (multiple of 4). */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint32_t src4, dst4; /* Host order. */
	uint8_t src6[16], dst6[16];
	uint8_t proto; /* IPv4 protocol / IPv6 next header. */
	uint16_t frag; /* IPv4 flags+fragment offset, host order. */
	uint16_t sport, dport;
	int pad;	  /* Octets after the IP packet (Ethernet padding). */
	int bad_ipsum;	  /* Corrupt the IPv4 header checksum. */
	int ip_len_delta; /* Added to the IP total/payload length. */
	int udp_len_delta;
	uint32_t flow; /* IPv6 traffic class + flow label bits. */
	int udpsum;    /* 0: a right UDP checksum, 1: wrong, 2: zero, 3: pseudo-header sum only. */
	uint8_t hops;  /* IPv4 TTL / IPv6 hop limit (default 17). */
	const uint8_t *dns;
	size_t dnslen;
};

static uint8_t qbuf[BUF];
static size_t qlen;

static void
fopt_default(struct fopt *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->dst_mac, our_mac, 6);
	memcpy(o->src_mac, cli_mac, 6);
	o->src4 = 0xc6120001; /* 198.18.0.1 */
	o->dst4 = 0xc6120035; /* 198.18.0.53 */
	memcpy(o->src6, cli6, 16);
	memcpy(o->dst6, svc6, 16);
	o->proto = 17;
	o->frag = 0x4000; /* DF */
	o->sport = 40000;
	o->dport = 53;
	o->outer = 0x8100;
	o->hops = 17;
	qlen = tu_query(qbuf, sizeof(qbuf), "www.example.com", 1, NULL);
	o->dns = qbuf;
	o->dnslen = qlen;
}

static size_t
mkframe(uint8_t *f, const struct fopt *o)
{
	size_t l2 = 14, n, l3, l4 = 8 + o->dnslen;
	uint8_t *ip, *udp;

	memset(f, 0, BUF);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	if (o->vlan) {
		tu_put16(f + 12, o->outer);
		tu_put16(f + 14, 0x0064); /* VLAN 100 */
		tu_put16(f + 16, o->v6 ? 0x86dd : 0x0800);
		l2 = 18;
	} else {
		tu_put16(f + 12, o->v6 ? 0x86dd : 0x0800);
	}
	ip = f + l2;
	if (!o->v6) {
		l3 = 20 + (size_t)o->ip_opts;
		ip[0] = (uint8_t)(0x40 | l3 / 4);
		tu_put16(ip + 2, (uint16_t)(l3 + l4 + o->ip_len_delta));
		tu_put16(ip + 4, 0x1234);
		tu_put16(ip + 6, o->frag);
		ip[8] = o->hops; /* TTL, to see it reset */
		ip[9] = o->proto;
		tu_put16(ip + 12, (uint16_t)(o->src4 >> 16));
		tu_put16(ip + 14, (uint16_t)o->src4);
		tu_put16(ip + 16, (uint16_t)(o->dst4 >> 16));
		tu_put16(ip + 18, (uint16_t)o->dst4);
		for (int i = 0; i < o->ip_opts; i++)
			ip[20 + i] = 1; /* NOP options */
		tu_put16(ip + 10, (uint16_t)~tu_fold(tu_sum16(ip, l3, 0)));
		if (o->bad_ipsum)
			ip[10] ^= 0x55;
	} else {
		l3 = 40;
		ip[0] = (uint8_t)(0x60 | (o->flow >> 24 & 0x0f));
		ip[1] = (uint8_t)(o->flow >> 16);
		ip[2] = (uint8_t)(o->flow >> 8);
		ip[3] = (uint8_t)o->flow;
		tu_put16(ip + 4, (uint16_t)(l4 + o->ip_len_delta));
		ip[6] = o->proto;
		ip[7] = o->hops;
		memcpy(ip + 8, o->src6, 16);
		memcpy(ip + 24, o->dst6, 16);
	}
	udp = ip + l3;
	tu_put16(udp, o->sport);
	tu_put16(udp + 2, o->dport);
	tu_put16(udp + 4, (uint16_t)(l4 + o->udp_len_delta));
	memcpy(udp + 8, o->dns, o->dnslen);
	{
		uint32_t ph = o->v6 ? tu_sum16(ip + 8, 32, o->proto + (uint32_t)l4)
				    : tu_sum16(ip + 12, 8, o->proto + (uint32_t)l4);
		uint16_t sum = (uint16_t)~tu_fold(tu_sum16(udp, l4, ph));

		if (sum == 0)
			sum = 0xffff;
		if (o->udpsum == 1)
			sum ^= 0x0101;
		else if (o->udpsum == 2)
			sum = 0;
		else if (o->udpsum == 3)
			sum = tu_fold(ph);
		tu_put16(udp + 6, sum);
	}
	n = l2 + l3 + l4 + (size_t)o->pad;
	return n;
}

struct fixture {
	struct pkt_service svc;
	struct worker_stats st;
	struct dnsq_conf dconf;
	struct pkt_ctx ctx;
	uint8_t f[BUF];
};

static int
setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	struct svc_addr a[2];

	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	a[0].v4.s_addr = htonl(0xc6120035);
	a[0].prefix = 24;
	a[1].family = AF_INET6;
	memcpy(&a[1].v6, svc6, 16);
	a[1].prefix = 64;
	assert_int_equal(pkt_service_init(&x->svc, a, 2), 0);
	x->dconf.edns_payload = 1232;
	/* hz = 1e6: one error answer costs 1000 ticks. */
	pkt_ctx_init(&x->ctx, &x->dconf, &x->svc, &x->st, 1000000, 5000000);
	memcpy(x->ctx.mac, our_mac, 6);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static uint64_t
drops(const struct worker_stats *st)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < STATS_DROP_MAX; i++)
		n += st->drop[i];
	return n;
}

/*
 * Check that @r (the response at f + res->off) answers the query frame @o:
 * addresses and ports swapped, our MAC as source, TTL 64, lengths agree,
 * checksums right by independent recomputation (or the pseudo-header sum
 * when offloaded). Returns the DNS part.
 */
static const uint8_t *
check_response(const struct fixture *x, const struct fopt *o, const struct pkt_result *res)
{
	const uint8_t *r = x->f + res->off;
	size_t l2 = o->vlan ? 18 : 14;
	const uint8_t *ip = r + l2, *udp, *dns;
	size_t l4;

	assert_int_equal(res->l2_len, l2);
	assert_memory_equal(r, o->src_mac, 6);
	assert_memory_equal(r + 6, our_mac, 6);
	if (o->vlan) {
		assert_int_equal(tu_get16(r + 12), o->outer);
		assert_int_equal(tu_get16(r + 14), 0x0064);
	}
	assert_int_equal(tu_get16(r + l2 - 2), o->v6 ? 0x86dd : 0x0800);
	if (!o->v6) {
		uint32_t s;

		assert_int_equal(res->l3_len, 20);
		assert_int_equal(res->ipv6, 0);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(tu_get16(ip + 2), res->len - l2);
		assert_int_equal(tu_get16(ip + 6), 0x4000);
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 17);
		assert_int_equal((uint32_t)tu_get16(ip + 12) << 16 | tu_get16(ip + 14), o->dst4);
		assert_int_equal((uint32_t)tu_get16(ip + 16) << 16 | tu_get16(ip + 18), o->src4);
		if (res->offload & PKT_OFFLOAD_IPV4_CKSUM)
			assert_int_equal(tu_get16(ip + 10), 0);
		else
			assert_int_equal(tu_fold(tu_sum16(ip, 20, 0)), 0xffff);
		udp = ip + 20;
		l4 = res->len - l2 - 20;
		s = tu_sum16(ip + 12, 8, 17 + (uint32_t)l4);
		if (res->offload & PKT_OFFLOAD_UDP_CKSUM)
			assert_int_equal(tu_get16(udp + 6), tu_fold(s));
		else
			assert_int_equal(tu_fold(tu_sum16(udp, l4, s)), 0xffff);
	} else {
		uint32_t s;

		assert_int_equal(res->l3_len, 40);
		assert_int_equal(res->ipv6, 1);
		assert_int_equal(ip[0] >> 4, 6);
		assert_int_equal(((uint32_t)(ip[0] & 0xf) << 24 | (uint32_t)ip[1] << 16 |
				  (uint32_t)ip[2] << 8 | ip[3]),
				 o->flow & 0x0fffffff);
		assert_int_equal(tu_get16(ip + 4), res->len - l2 - 40);
		assert_int_equal(ip[6], 17);
		assert_int_equal(ip[7], 64);
		assert_memory_equal(ip + 8, o->dst6, 16);
		assert_memory_equal(ip + 24, o->src6, 16);
		udp = ip + 40;
		l4 = res->len - l2 - 40;
		s = tu_sum16(ip + 8, 32, 17 + (uint32_t)l4);
		if (res->offload & PKT_OFFLOAD_UDP_CKSUM) {
			assert_int_equal(tu_get16(udp + 6), tu_fold(s));
		} else {
			assert_int_not_equal(tu_get16(udp + 6), 0); /* mandatory over IPv6 */
			assert_int_equal(tu_fold(tu_sum16(udp, l4, s)), 0xffff);
		}
	}
	assert_int_equal(tu_get16(udp), o->dport);
	assert_int_equal(tu_get16(udp + 2), o->sport);
	assert_int_equal(tu_get16(udp + 4), l4);
	dns = udp + 8;
	assert_true(l4 >= 8 + 12);
	assert_memory_equal(dns, o->dns, 2); /* ID */
	assert_true(dns[2] & 0x80);	     /* QR */
	return dns;
}

static enum pkt_verdict
run(struct fixture *x, const struct fopt *o, struct pkt_result *res, size_t *len)
{
	size_t n = mkframe(x->f, o);

	if (len != NULL)
		*len = n;
	memset(res, 0xee, sizeof(*res));
	return pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, res);
}

/* A valid query with no table: REFUSED, question echoed, all of L2-L4 rewritten. */
static void
test_ipv4_answer(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	const uint8_t *dns;

	fopt_default(&o);
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(res.off, 0);
	assert_int_equal(res.offload, 0);
	dns = check_response(x, &o, &res);
	assert_int_equal(dns[3] & 0x0f, 5); /* REFUSED */
	assert_memory_equal(dns + 12, qbuf + 12, qlen - 12);
	assert_int_equal(x->st.dns_queries, 1);
	assert_int_equal(x->st.answered, 1);
	assert_int_equal(x->st.rcode[5], 1);
	assert_int_equal(x->st.qtype[STATS_QTYPE_A], 1);
	assert_int_equal(drops(&x->st), 0);
}

static void
test_ipv4_vlan(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;

	fopt_default(&o);
	o.vlan = 1;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	check_response(x, &o, &res);
}

/* Options are not echoed: the header shrinks to 20 and L2 (tag included) slides forward. */
static void
test_ipv4_options(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;

	for (int opts = 4; opts <= 40; opts += 12) {
		for (int vlan = 0; vlan <= 1; vlan++) {
			fopt_default(&o);
			o.ip_opts = opts;
			o.vlan = vlan;
			assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
			assert_int_equal(res.off, opts);
			check_response(x, &o, &res);
		}
	}
}

static void
test_ipv6_answer(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;

	for (int vlan = 0; vlan <= 1; vlan++) {
		fopt_default(&o);
		o.v6 = 1;
		o.vlan = vlan;
		o.flow = 0x0a12345; /* traffic class 0x0a... reflected */
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		assert_int_equal(res.off, 0);
		check_response(x, &o, &res);
	}
	assert_int_equal(x->st.answered, 2);
}

/* Ethernet pads short frames: octets after the IP packet are ignored and not sent back. */
static void
test_padding(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	size_t n;

	fopt_default(&o);
	o.pad = 30;
	assert_int_equal(run(x, &o, &res, &n), PKT_TX);
	check_response(x, &o, &res);
	fopt_default(&o);
	o.v6 = 1;
	o.pad = 7;
	assert_int_equal(run(x, &o, &res, &n), PKT_TX);
	check_response(x, &o, &res);
}

/* With offloads, the IPv4 sum is left to the port and the UDP field holds the pseudo-header sum. */
static void
test_offload(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;

	x->ctx.offload = PKT_OFFLOAD_IPV4_CKSUM | PKT_OFFLOAD_UDP_CKSUM;
	fopt_default(&o);
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(res.offload, PKT_OFFLOAD_IPV4_CKSUM | PKT_OFFLOAD_UDP_CKSUM);
	check_response(x, &o, &res);
	fopt_default(&o);
	o.v6 = 1;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(res.offload, PKT_OFFLOAD_UDP_CKSUM);
	check_response(x, &o, &res);
	/* Only the IPv4 header sum offloaded: UDP still in software. */
	x->ctx.offload = PKT_OFFLOAD_IPV4_CKSUM;
	fopt_default(&o);
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(res.offload, PKT_OFFLOAD_IPV4_CKSUM);
	check_response(x, &o, &res);
}

/* A query to a broadcast or multicast MAC is dropped (issue 15, item 6): no answer, no amplification. */
static void
test_broadcast_dst_mac(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;

	for (int v6 = 0; v6 <= 1; v6++) {
		fopt_default(&o);
		o.v6 = v6;
		memset(o.dst_mac, 0xff, 6);
		assert_int_equal(run(x, &o, &res, NULL), PKT_DROP);
		fopt_default(&o);
		o.v6 = v6;
		o.dst_mac[0] = v6 ? 0x33 : 0x01;
		assert_int_equal(run(x, &o, &res, NULL), PKT_DROP);
	}
	assert_int_equal(x->st.drop[STATS_DROP_GROUP_DST], 4);
	assert_int_equal(x->st.dns_queries, 0);
}

/* Everything that is not UDP/53 to a service address goes to the exception path, untouched. */
static void
test_exception(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	uint8_t copy[BUF];
	size_t n;
	struct {
		const char *what;
		int v6;
		uint8_t proto;
		uint16_t dport;
		uint32_t dst4;
		uint16_t frag;
	} cases[] = {
		{"icmp", 0, 1, 53, 0xc6120035, 0x4000},
		{"tcp/53", 0, 6, 53, 0xc6120035, 0x4000},
		{"udp/5353", 0, 17, 5353, 0xc6120035, 0x4000},
		{"first fragment", 0, 17, 53, 0xc6120035, 0x2000},
		{"later fragment", 0, 17, 53, 0xc6120035, 0x0010},
		{"icmpv6", 1, 58, 53, 0, 0},
		{"tcp6/53", 1, 6, 53, 0, 0},
		{"hop-by-hop", 1, 0, 53, 0, 0},
		{"fragment header", 1, 44, 53, 0, 0},
		{"destination options", 1, 60, 53, 0, 0},
		{"udp6/123", 1, 17, 123, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fopt_default(&o);
		o.v6 = cases[i].v6;
		o.proto = cases[i].proto;
		o.dport = cases[i].dport;
		if (cases[i].dst4 != 0)
			o.dst4 = cases[i].dst4;
		o.frag = cases[i].frag;
		n = mkframe(x->f, &o);
		memcpy(copy, x->f, n);
		if (pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res) != PKT_EXCEPTION)
			fail_msg("%s: not sent to the exception path", cases[i].what);
		assert_memory_equal(copy, x->f, n);
	}
	assert_int_equal(x->st.ipv4_frag, 2);
	assert_int_equal(x->st.ipv6_ext, 3);
	assert_int_equal(x->st.dns_queries, 0);
	assert_int_equal(drops(&x->st), 0);
}

/*
 * A TCP/UDP checksum left as the bare pseudo-header sum (CHECKSUM_PARTIAL on
 * a virtual link) is completed before the frame goes to the kernel; any
 * other checksum, right or wrong, is left alone.
 */
static void
test_exception_csum(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	uint8_t copy[BUF];
	size_t n;

	for (int v6 = 0; v6 <= 1; v6++) {
		for (int tcp = 0; tcp <= 1; tcp++) {
			uint8_t *ip, *l4;
			size_t l4len, off = tcp ? 16 : 6;
			uint32_t ph;

			fopt_default(&o);
			o.v6 = v6;
			o.vlan = tcp;
			o.proto = tcp ? 6 : 17;
			o.dport = tcp ? 53 : 5353;
			n = mkframe(x->f, &o);
			ip = x->f + (tcp ? 18 : 14);
			l4 = ip + (v6 ? 40 : 20);
			l4len = n - (size_t)(l4 - x->f);
			if (tcp)
				l4[12] = 0x50; /* data offset: 20 octets */
			if (v6)
				ph = tu_sum16(ip + 8, 32, o.proto + (uint32_t)l4len);
			else
				ph = tu_sum16(ip + 12, 8, o.proto + (uint32_t)l4len);
			/* What the sender's stack leaves for the NIC. */
			tu_put16(l4 + off, tu_fold(ph));
			assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res),
					 PKT_EXCEPTION);
			assert_int_equal(tu_fold(tu_sum16(l4, l4len, ph)), 0xffff);

			/* Complete already: unchanged. */
			memcpy(copy, x->f, n);
			assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res),
					 PKT_EXCEPTION);
			assert_memory_equal(copy, x->f, n);
			/* Wrong but not partial: unchanged, still wrong. */
			l4[off] ^= 0x11;
			memcpy(copy, x->f, n);
			assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res),
					 PKT_EXCEPTION);
			assert_memory_equal(copy, x->f, n);
			assert_int_not_equal(tu_fold(tu_sum16(l4, l4len, ph)), 0xffff);
		}
	}
}

/* Expect @o to go to the exception path in class @cls. */
static void
expect_exc(struct fixture *x, const struct fopt *o, unsigned cls, const char *what)
{
	struct pkt_result res;

	if (run(x, o, &res, NULL) != PKT_EXCEPTION)
		fail_msg("%s: not sent to the exception path", what);
	if (res.exc_class != cls)
		fail_msg("%s: class %s, not %s", what, stats_exc_class_name(res.exc_class),
			 stats_exc_class_name(cls));
}

/* Expect @o to be dropped and counted as @why. */
static void
expect_drop2(struct fixture *x, const struct fopt *o, enum stats_drop why, const char *what)
{
	struct pkt_result res;
	uint64_t before = x->st.drop[why];

	if (run(x, o, &res, NULL) != PKT_DROP)
		fail_msg("%s: not dropped", what);
	if (x->st.drop[why] != before + 1)
		fail_msg("%s: not counted as %s", what, stats_drop_name(why));
}

/* An ARP frame with target protocol address @tpa (host order) to @dst_mac. */
static size_t
mkarp(uint8_t *f, const uint8_t *dst_mac, uint32_t tpa)
{
	memset(f, 0, 64);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, cli_mac, 6);
	tu_put16(f + 12, 0x0806);
	tu_put16(f + 14, 1);
	tu_put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	tu_put16(f + 20, 1);
	memcpy(f + 22, cli_mac, 6);
	tu_put16(f + 28, 0xc612);
	tu_put16(f + 30, 0x0001);
	tu_put16(f + 38, (uint16_t)(tpa >> 16));
	tu_put16(f + 40, (uint16_t)tpa);
	return 60;
}

/*
 * Issue 15, item 3: only what the kernel needs reaches the exception path,
 * each frame with its class; frames for other hosts and protocols are dropped.
 */
static void
test_exception_classes(void **state)
{
	struct fixture *x = *state;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	static const uint8_t ll_router[16] = {0xfe, 0x80, [15] = 0x01};
	static const uint8_t ll_ours[16] = {0xfe, 0x80, [8] = 0x00, [13] = 0x00, [14] = 0x00,
					    [15] = 0x53};
	uint8_t sol_svc[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff, [13] = 0, [14] = 0, [15] = 0x53};
	uint8_t sol_other[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff, [13] = 9, [14] = 9, [15] = 9};
	uint8_t other6[16];
	uint8_t target[16];
	struct pkt_result res;
	struct fopt o;
	size_t n;

	/* ARP for a service address, broadcast or to us: neigh; for another host: dropped. */
	n = mkarp(x->f, bcast, 0xc6120035);
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_EXCEPTION);
	assert_int_equal(res.exc_class, STATS_EXC_NEIGH);
	n = mkarp(x->f, our_mac, 0xc6120035);
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_EXCEPTION);
	assert_int_equal(res.exc_class, STATS_EXC_NEIGH);
	n = mkarp(x->f, bcast, 0xc6120036);
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_DROP);
	assert_int_equal(x->st.drop[STATS_DROP_NOT_OURS], 1);
	n = mkarp(x->f, bcast, 0xc6120035);
	assert_int_equal(pkt_process(&x->ctx, x->f, 14 + 20, BUF, &res), PKT_DROP);

	/* TCP/53 either way: dns; other ports, ICMP, fragments: other. */
	fopt_default(&o);
	o.proto = 6;
	expect_exc(x, &o, STATS_EXC_DNS, "tcp to 53");
	o.dport = 80;
	expect_exc(x, &o, STATS_EXC_OTHER, "tcp to 80");
	o.sport = 53;
	expect_exc(x, &o, STATS_EXC_DNS, "tcp from 53");
	o.v6 = 1;
	expect_exc(x, &o, STATS_EXC_DNS, "tcp6 from 53");
	fopt_default(&o);
	o.dport = 9;
	expect_exc(x, &o, STATS_EXC_OTHER, "udp to 9");
	o.proto = 1;
	expect_exc(x, &o, STATS_EXC_OTHER, "icmp");
	/* Not a service address, whatever it is: dropped. */
	fopt_default(&o);
	o.dst4 = 0xc6120036;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "udp/53 to another address");
	o.proto = 6;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "tcp/53 to another address");
	o.frag = 0x2000;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "fragment to another address");
	fopt_default(&o);
	o.v6 = 1;
	memcpy(other6, svc6, 16);
	other6[15] = 0x54;
	memcpy(o.dst6, other6, 16);
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "udp6 to another address");
	/* IPv4 to a group MAC: dropped. */
	fopt_default(&o);
	memset(o.dst_mac, 0xff, 6);
	o.proto = 6;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "tcp to broadcast MAC");
	/* LLDP and QinQ: dropped. */
	fopt_default(&o);
	n = mkframe(x->f, &o);
	tu_put16(x->f + 12, 0x88cc);
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_DROP);
	fopt_default(&o);
	o.vlan = 1;
	o.outer = 0x88a8;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "QinQ");

	/*
	 * Neighbour discovery: the ICMPv6 type is the high octet of the "source
	 * port" mkframe() writes, the NS target the first 16 octets after its
	 * 8-octet header.
	 */
	memcpy(target, svc6, 16);
	fopt_default(&o);
	o.v6 = 1;
	o.proto = 58;
	o.hops = 255;
	o.sport = 135 << 8;
	o.dns = target;
	o.dnslen = 16;
	memcpy(o.dst6, sol_svc, 16);
	o.dst_mac[0] = 0x33;
	expect_exc(x, &o, STATS_EXC_NEIGH, "NS for a service address to its solicited-node group");
	memset(o.src6, 0, 16);
	expect_exc(x, &o, STATS_EXC_NEIGH, "DAD NS for a service address");
	fopt_default(&o);
	o.v6 = 1;
	o.proto = 58;
	o.hops = 255;
	o.sport = 135 << 8;
	o.dns = target;
	o.dnslen = 16;
	memcpy(o.dst6, sol_svc, 16);
	o.dst_mac[0] = 0x33;
	o.hops = 64;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "NS with hop limit 64");
	o.hops = 255;
	memcpy(o.dst6, sol_other, 16);
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "NS to another host's group");
	memcpy(o.dst6, sol_svc, 16);
	target[15] = 0x54;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "NS for another target");
	/* Our link-local address (EUI-64 of the MAC): its group and the address itself. */
	memcpy(target, ll_ours, 16);
	target[13] = our_mac[3];
	target[14] = our_mac[4];
	target[15] = our_mac[5];
	sol_other[13] = our_mac[3];
	sol_other[14] = our_mac[4];
	sol_other[15] = our_mac[5];
	memcpy(o.dst6, sol_other, 16);
	expect_exc(x, &o, STATS_EXC_NEIGH, "NS for our link-local address");
	memcpy(o.dst_mac, our_mac, 6);
	memcpy(o.dst6, target, 16);
	expect_exc(x, &o, STATS_EXC_NEIGH, "unicast NS to our link-local address");
	o.sport = 136 << 8;
	expect_exc(x, &o, STATS_EXC_NEIGH, "NA to our link-local address");
	o.sport = 128 << 8;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "echo request to link-local");
	o.proto = 6;
	o.sport = 40000;
	expect_drop2(x, &o, STATS_DROP_NOT_OURS, "tcp to link-local");
	/* NS/NA unicast to a service address: neigh; other ICMPv6 to it: other. */
	memcpy(target, svc6, 16);
	o.proto = 58;
	o.sport = 135 << 8;
	memcpy(o.dst6, svc6, 16);
	expect_exc(x, &o, STATS_EXC_NEIGH, "unicast NS to a service address");
	o.sport = 128 << 8;
	expect_exc(x, &o, STATS_EXC_OTHER, "echo request to a service address");
	/* RA and NA to all-nodes: neigh; RS, echo to all-nodes: dropped. */
	o.dst_mac[0] = 0x33;
	memcpy(o.src6, ll_router, 16);
	memcpy(o.dst6, all_nodes, 16);
	o.sport = 134 << 8;
	expect_exc(x, &o, STATS_EXC_NEIGH, "RA to all-nodes");
	o.sport = 136 << 8;
	expect_exc(x, &o, STATS_EXC_NEIGH, "NA to all-nodes");
	o.sport = 133 << 8;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "RS to all-nodes");
	o.sport = 128 << 8;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "echo to all-nodes");
	/* An MLD query behind a hop-by-hop header (next header 58, length 0). */
	o.proto = 0;
	o.hops = 1;
	o.sport = 58 << 8;
	target[0] = 130;
	expect_exc(x, &o, STATS_EXC_NEIGH, "MLD query to all-nodes");
	target[0] = 143;
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "MLD report to all-nodes");
	/* UDP/53 to all-nodes: never answered. */
	fopt_default(&o);
	o.v6 = 1;
	o.dst_mac[0] = 0x33;
	memcpy(o.dst6, all_nodes, 16);
	expect_drop2(x, &o, STATS_DROP_GROUP_DST, "query to all-nodes");
	assert_int_equal(x->st.dns_queries, 0);
}

/* Issue 15, item 6: the UDP checksum of queries, and the directed broadcast source. */
static void
test_query_checks(void **state)
{
	struct fixture *x = *state;
	struct pkt_result res;
	struct fopt o;

	for (int v6 = 0; v6 <= 1; v6++) {
		fopt_default(&o);
		o.v6 = v6;
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		check_response(x, &o, &res);
		o.udpsum = 3; /* Partial, as a veth peer leaves it. */
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		o.udpsum = 1;
		expect_drop2(x, &o, STATS_DROP_UDP_CKSUM, "wrong checksum");
		/* The port vouches for it (or found it bad): its word is taken. */
		x->ctx.rx_l4 = PKT_RX_L4_GOOD;
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		o.udpsum = 0;
		x->ctx.rx_l4 = PKT_RX_L4_BAD;
		expect_drop2(x, &o, STATS_DROP_UDP_CKSUM, "the port says bad");
		x->ctx.rx_l4 = PKT_RX_L4_UNKNOWN;
		/* No checksum: fine over IPv4, dropped over IPv6 (RFC 8200 8.1). */
		o.udpsum = 2;
		if (v6)
			expect_drop2(x, &o, STATS_DROP_UDP_CKSUM, "IPv6 without checksum");
		else
			assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	}
	/* IPv4 options: the checksum covers the UDP part only. */
	fopt_default(&o);
	o.ip_opts = 8;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	o.udpsum = 1;
	expect_drop2(x, &o, STATS_DROP_UDP_CKSUM, "wrong checksum behind options");

	/* From the directed broadcast of the service /24: dropped. */
	fopt_default(&o);
	o.src4 = 0xc61200ff;
	expect_drop2(x, &o, STATS_DROP_SRC_IP, "from the subnet broadcast");
	o.src4 = 0xc61201ff; /* Another /24's .255 is an ordinary host. */
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(x->svc.nbcast4, 1);
}

/* Expect @o to be dropped for @why, and only for it. */
static void
expect_drop(struct fixture *x, const struct fopt *o, enum stats_drop why, const char *what)
{
	struct pkt_result res;
	uint64_t before = x->st.drop[why], all = drops(&x->st);

	if (run(x, o, &res, NULL) != PKT_DROP)
		fail_msg("%s: not dropped", what);
	if (x->st.drop[why] != before + 1 || drops(&x->st) != all + 1)
		fail_msg("%s: not counted as %s", what, stats_drop_name(why));
}

/* docs/conformance.md, bad input 15: source port 0, broadcast or multicast source. */
static void
test_bad_source(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	static const uint32_t bad4[] = {0xffffffff, 0xe0000001, 0xefffffff,
					0x00000000, 0x7f000001, 0xf0000001};

	fopt_default(&o);
	o.sport = 0;
	expect_drop(x, &o, STATS_DROP_SRC_PORT, "source port 0");
	fopt_default(&o);
	o.v6 = 1;
	o.sport = 0;
	expect_drop(x, &o, STATS_DROP_SRC_PORT, "source port 0 (v6)");

	fopt_default(&o);
	memset(o.src_mac, 0xff, 6);
	expect_drop(x, &o, STATS_DROP_SRC_MAC, "broadcast source MAC");
	fopt_default(&o);
	o.src_mac[0] = 0x01; /* 01:00:5e:... */
	expect_drop(x, &o, STATS_DROP_SRC_MAC, "multicast source MAC");
	fopt_default(&o);
	o.v6 = 1;
	o.src_mac[0] = 0x33;
	expect_drop(x, &o, STATS_DROP_SRC_MAC, "multicast source MAC (v6)");

	for (size_t i = 0; i < sizeof(bad4) / sizeof(bad4[0]); i++) {
		fopt_default(&o);
		o.src4 = bad4[i];
		expect_drop(x, &o, STATS_DROP_SRC_IP, "bad IPv4 source");
	}
	fopt_default(&o);
	o.v6 = 1;
	memset(o.src6, 0, 16);
	o.src6[0] = 0xff;
	o.src6[1] = 0x02;
	o.src6[15] = 1;
	expect_drop(x, &o, STATS_DROP_SRC_IP, "multicast IPv6 source");
	memset(o.src6, 0, 16);
	expect_drop(x, &o, STATS_DROP_SRC_IP, "unspecified IPv6 source");
	o.src6[15] = 1;
	expect_drop(x, &o, STATS_DROP_SRC_IP, "loopback IPv6 source");

	/* A unicast frame for another host is not ours at all. */
	fopt_default(&o);
	o.dst_mac[5] = 0x54;
	expect_drop(x, &o, STATS_DROP_OTHER_HOST, "other host");
	assert_int_equal(x->st.answered, 0);
}

/* docs/conformance.md, bad input 17: IP length past the frame, UDP length not the IP payload. */
static void
test_bad_lengths(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	static const int deltas[] = {-1, 1, -8, 100};

	for (int v6 = 0; v6 <= 1; v6++) {
		fopt_default(&o);
		o.v6 = v6;
		o.ip_len_delta = 1;
		expect_drop(x, &o, STATS_DROP_IP_LEN, "IP length one past the frame");
		o.ip_len_delta = 1000;
		expect_drop(x, &o, STATS_DROP_IP_LEN, "IP length far past the frame");
		for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
			fopt_default(&o);
			o.v6 = v6;
			o.udp_len_delta = deltas[i];
			expect_drop(x, &o, STATS_DROP_UDP_LEN, "UDP length mismatch");
		}
		/* IP length one short of the UDP datagram: the UDP length no longer matches. */
		fopt_default(&o);
		o.v6 = v6;
		o.ip_len_delta = -1;
		o.pad = 1;
		expect_drop(x, &o, STATS_DROP_UDP_LEN, "IP length shorter than UDP length");
		/* IP payload too short for a UDP header. */
		fopt_default(&o);
		o.v6 = v6;
		o.ip_len_delta = -(int)(o.dnslen + 5);
		o.pad = (int)o.dnslen + 5;
		expect_drop(x, &o, STATS_DROP_TRUNC_L4, "no room for UDP header");
	}
	fopt_default(&o);
	o.bad_ipsum = 1;
	expect_drop(x, &o, STATS_DROP_IP_HDR, "bad IPv4 header checksum");
	assert_int_equal(x->st.answered, 0);
}

/* docs/conformance.md, bad input 18: a frame cut at any octet of its headers is dropped, counted. */
static void
test_truncated(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	uint8_t full[BUF];

	for (int v = 0; v < 6; v++) {
		size_t n;

		fopt_default(&o);
		o.v6 = v & 1;
		o.vlan = (v >> 1) & 1;
		o.ip_opts = v >= 4 ? 8 : 0;
		n = mkframe(full, &o);
		for (size_t cut = 0; cut < n; cut++) {
			uint64_t before = drops(&x->st);
			enum pkt_verdict r;

			memcpy(x->f, full, n);
			r = pkt_process(&x->ctx, x->f, (uint16_t)cut, (uint16_t)cut, &res);
			if (r != PKT_DROP)
				fail_msg("variant %d cut at %zu: verdict %d", v, cut, r);
			if (drops(&x->st) != before + 1)
				fail_msg("variant %d cut at %zu: not counted", v, cut);
		}
	}
	assert_int_equal(x->st.answered, 0);
	assert_int_not_equal(x->st.drop[STATS_DROP_TRUNC_L2], 0);
	assert_int_not_equal(x->st.drop[STATS_DROP_TRUNC_L3], 0);
	assert_int_not_equal(x->st.drop[STATS_DROP_IP_LEN], 0);
}

static void
test_bad_ip_header(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	size_t n;
	struct pkt_result res;

	/* IHL below 5. */
	fopt_default(&o);
	n = mkframe(x->f, &o);
	x->f[14] = 0x44;
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_DROP);
	assert_int_equal(x->st.drop[STATS_DROP_IP_HDR], 1);
	/* IPv6 inside an IPv4 ethertype. */
	x->f[14] = 0x65;
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_DROP);
	assert_int_equal(x->st.drop[STATS_DROP_IP_HDR], 2);
	/* IHL past the frame. */
	x->f[14] = 0x4f;
	assert_int_equal(pkt_process(&x->ctx, x->f, 14 + 40, BUF, &res), PKT_DROP);
	assert_int_equal(x->st.drop[STATS_DROP_TRUNC_L3], 1);
	/* IPv4 in an IPv6 ethertype. */
	fopt_default(&o);
	o.v6 = 1;
	n = mkframe(x->f, &o);
	x->f[14] = 0x45;
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_DROP);
	assert_int_equal(x->st.drop[STATS_DROP_IP_HDR], 3);
}

/* docs/conformance.md, bad input 1 and 2 through the packet path: counted as DNS drops. */
static void
test_dns_drops(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	uint8_t q[BUF];

	fopt_default(&o);
	o.dnslen = 0;
	expect_drop(x, &o, STATS_DROP_DNS_SHORT, "empty DNS payload");
	o.dnslen = 11;
	expect_drop(x, &o, STATS_DROP_DNS_SHORT, "11 octets of DNS");
	memcpy(q, qbuf, qlen);
	q[2] |= 0x80;
	fopt_default(&o);
	o.dns = q;
	expect_drop(x, &o, STATS_DROP_DNS_RESPONSE, "QR=1");
	assert_int_equal(x->st.dns_queries, 3);
}

/* docs/conformance.md, bad input 14: FORMERR and NOTIMP are rate limited per worker, REFUSED not. */
static void
test_error_rate_limit(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	uint8_t formerr[BUF], notimp[BUF];
	int sent = 0;

	memcpy(formerr, qbuf, qlen);
	fopt_default(&o);
	memcpy(formerr, qbuf, qlen);
	formerr[5] = 2; /* QDCOUNT 2 */
	memcpy(notimp, qbuf, qlen);
	notimp[2] = (uint8_t)(notimp[2] | 2 << 3); /* opcode STATUS */

	/* The bucket starts full: exactly PKT_ERR_BURST error answers, then nothing. */
	for (int i = 0; i < 3 * PKT_ERR_BURST; i++) {
		fopt_default(&o);
		o.dns = (i & 1) ? formerr : notimp;
		if (run(x, &o, &res, NULL) == PKT_TX) {
			assert_int_equal(check_response(x, &o, &res)[3] & 0x0f, (i & 1) ? 1 : 4);
			sent++;
		}
	}
	assert_int_equal(sent, PKT_ERR_BURST);
	assert_int_equal(x->st.drop[STATS_DROP_ERR_LIMIT], 2 * PKT_ERR_BURST);
	assert_int_equal(x->st.rcode[1] + x->st.rcode[4], PKT_ERR_BURST);

	/* REFUSED is never limited. */
	for (int i = 0; i < 3 * PKT_ERR_BURST; i++) {
		fopt_default(&o);
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	}

	/* One answer's worth of time (hz / rate = 1000 ticks) buys exactly one more. */
	x->ctx.now += 1000000 / PKT_ERR_RATE;
	fopt_default(&o);
	o.dns = formerr;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(run(x, &o, &res, NULL), PKT_DROP);
	/* A long pause refills only up to the burst. */
	x->ctx.now += 1000000ull * 3600;
	sent = 0;
	for (int i = 0; i < 2 * PKT_ERR_BURST; i++)
		sent += run(x, &o, &res, NULL) == PKT_TX;
	assert_int_equal(sent, PKT_ERR_BURST);
}

/* The response never exceeds the MTU nor the buffer; what cannot hold the question is dropped. */
static void
test_caps(void **state)
{
	struct fixture *x = *state;
	struct fopt o;
	struct pkt_result res;
	size_t n;

	/* Room for the question but not an OPT record: no OPT fits, still an answer. */
	fopt_default(&o);
	x->ctx.mtu = (uint16_t)(20 + 8 + qlen);
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_true(res.len <= 14 + x->ctx.mtu);
	/* Less than the question: dropped as no space. */
	x->ctx.mtu = (uint16_t)(20 + 8 + qlen - 1);
	expect_drop(x, &o, STATS_DROP_DNS_NOSPACE, "MTU below the question");
	x->ctx.mtu = 1500;
	/* A buffer with no tailroom: the response must fit in the query's own octets. */
	n = mkframe(x->f, &o);
	assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, (uint16_t)n, &res), PKT_TX);
	assert_true(res.len <= n);
}

static const char big_zone[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
	"@ IN NS ns1\n"
	"ns1 IN A 198.18.0.1\n"
	"www IN A 198.18.0.10\n"
	"big IN TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"7123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"8123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big IN TXT \"9123456789012345678901234567890123456789012345678901234567890123456789\"\n";

/* With a real table: a positive answer in place, and a truncated one when the MTU is small. */
static void
test_answer_from_table(void **state)
{
	struct fixture *x = *state;
	struct rrt *t = tu_table("example.com", big_zone, NULL);
	struct tu_qopt qo = {.id = 0x4242, .edns = 1, .payload = 4096};
	struct fopt o;
	struct pkt_result res;
	const uint8_t *dns;

	x->ctx.table = t;
	for (int v6 = 0; v6 <= 1; v6++) {
		fopt_default(&o);
		o.v6 = v6;
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		dns = check_response(x, &o, &res);
		assert_int_equal(dns[3] & 0x0f, 0);
		assert_true(dns[2] & 0x04); /* AA */
		assert_int_equal(tu_get16(dns + 6), 1);

		/* About 730 octets of TXT: fits 1500, not an MTU of 600. */
		fopt_default(&o);
		o.v6 = v6;
		qlen = tu_query(qbuf, sizeof(qbuf), "big.example.com", 16, &qo);
		o.dnslen = qlen;
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		dns = check_response(x, &o, &res);
		assert_int_equal(tu_get16(dns + 6), 10);
		assert_false(dns[2] & 0x02);
		x->ctx.mtu = 600;
		assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
		dns = check_response(x, &o, &res);
		assert_true(res.len - res.l2_len <= 600);
		assert_true(dns[2] & 0x02); /* TC */
		x->ctx.mtu = 1500;
	}
	assert_int_equal(x->st.truncated, 2);
	assert_int_equal(x->st.rcode[0], 6);
	x->ctx.table = NULL;
	rrt_free(t);
}

/* Response rate limiting in the packet path: drops, slips, other sources, cookies, counters. */
static void
test_rrl(void **state)
{
	struct fixture *x = *state;
	struct rrt *t = tu_table("example.com", big_zone, NULL);
	struct rrl_conf rc = {.rate = 5,
			      .slip = 2,
			      .ipv4_prefix = 24,
			      .ipv6_prefix = 56,
			      .table_size = 64,
			      .seed = 1};
	struct rrl rrl;
	void *table = calloc(1, rrl_table_bytes(&rc));
	struct tu_qopt qo = {.id = 0x4242, .edns = 1};
	struct fopt o;
	struct pkt_result res;
	const uint8_t *dns;
	unsigned tx = 0, slipped = 0, dropped = 0;

	assert_int_equal(rrl_init(&rrl, &rc, 1000000, table), 0);
	x->ctx.table = t;
	x->ctx.rrl = &rrl;
	fopt_default(&o);
	qlen = tu_query(qbuf, sizeof(qbuf), "www.example.com", 1, &qo);
	o.dnslen = qlen;
	for (unsigned i = 0; i < 25; i++) {
		enum pkt_verdict v = run(x, &o, &res, NULL);

		if (v == PKT_DROP) {
			dropped++;
			continue;
		}
		assert_int_equal(v, PKT_TX);
		dns = check_response(x, &o, &res);
		if (dns[2] & 0x02) {
			/* The slip: header and question only, TC set, the rest as it was. */
			slipped++;
			assert_int_equal(res.len - res.l2_len - 20 - 8, qlen - 11);
			assert_int_equal(tu_get16(dns + 4), 1);
			assert_int_equal(tu_get16(dns + 6) + tu_get16(dns + 8) + tu_get16(dns + 10), 0);
			assert_memory_equal(dns + 12, qbuf + 12, qlen - 11 - 12);
			assert_int_equal(dns[3] & 0xf, 0);
		} else {
			tx++;
			assert_int_equal(tu_get16(dns + 6), 1);
		}
	}
	assert_int_equal(tx, 5);
	assert_int_equal(slipped, 10);
	assert_int_equal(dropped, 10);
	assert_int_equal(x->st.rrl_limited[DNSQ_CLASS_ANSWER], 20);
	assert_int_equal(x->st.rrl_slipped, 10);
	assert_int_equal(x->st.drop[STATS_DROP_RRL], 10);
	assert_int_equal(x->st.answered, 15);
	assert_int_equal(x->st.truncated, 10);

	/* Another class from the same source, and another source: not limited. */
	qlen = tu_query(qbuf, sizeof(qbuf), "nope.example.com", 1, &qo);
	o.dnslen = qlen;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	dns = check_response(x, &o, &res);
	assert_int_equal(dns[3] & 0xf, 3);
	assert_false(dns[2] & 0x02);
	qlen = tu_query(qbuf, sizeof(qbuf), "www.example.com", 1, &qo);
	o.dnslen = qlen;
	o.src4 = 0xc6120101;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	dns = check_response(x, &o, &res);
	assert_false(dns[2] & 0x02);
	/* Same /24 as the flood: limited with it. */
	o.src4 = 0xc6120077;
	x->st.rrl_slipped = 0;
	for (unsigned i = 0; i < 4; i++)
		run(x, &o, &res, NULL);
	assert_int_equal(x->st.rrl_slipped, 2);
	/* IPv6 sources have their own keys. */
	o.v6 = 1;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	dns = check_response(x, &o, &res);
	assert_false(dns[2] & 0x02);

	/* A valid server cookie is exempt: cookies on, the flood's own source. */
	o.v6 = 0;
	o.src4 = 0xc6120001;
	x->dconf.cookie.enabled = true;
	memset(x->dconf.cookie.secret, 7, 16);
	x->ctx.wall = 1800000000u;
	{
		uint8_t opts[28] = {0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8};
		const uint8_t addr[4] = {198, 18, 0, 1};
		struct tu_qopt co = {.id = 0x4343, .edns = 1, .opts = opts, .opts_len = 28};

		cookie_make(opts + 12, x->dconf.cookie.secret, opts + 4, x->ctx.wall, addr, 4);
		qlen = tu_query(qbuf, sizeof(qbuf), "www.example.com", 1, &co);
		o.dnslen = qlen;
		for (unsigned i = 0; i < 20; i++) {
			assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
			dns = check_response(x, &o, &res);
			assert_false(dns[2] & 0x02);
			assert_int_equal(tu_get16(dns + 6), 1);
		}
		assert_int_equal(x->st.cookie_valid, 20);
		/* The same cookie from another address is no proof: limited again. */
		o.src4 = 0xc6120002;
		dropped = 0;
		for (unsigned i = 0; i < 20; i++)
			dropped += run(x, &o, &res, NULL) == PKT_DROP;
		assert_true(dropped > 0);
		assert_int_equal(x->st.cookie_client, 20);
	}
	x->dconf.cookie.enabled = false;
	x->ctx.rrl = NULL;
	x->ctx.table = NULL;
	rrt_free(t);
	free(table);
}

/* NOTIFY over UDP to a service address goes to the exception path untouched, and is counted. */
static void
test_notify_punt(void **state)
{
	struct fixture *x = *state;
	struct tu_qopt qo = {.id = 0x5151, .opcode = 4};
	uint8_t copy[BUF];
	struct fopt o;
	struct pkt_result res;
	size_t n;

	for (int v6 = 0; v6 <= 1; v6++) {
		fopt_default(&o);
		o.v6 = v6;
		qlen = tu_query(qbuf, sizeof(qbuf), "example.com", 6, &qo);
		qbuf[2] |= 0x04; /* AA, as primaries send it */
		o.dnslen = qlen;
		n = mkframe(x->f, &o);
		memcpy(copy, x->f, n);
		assert_int_equal(pkt_process(&x->ctx, x->f, (uint16_t)n, BUF, &res), PKT_EXCEPTION);
		assert_memory_equal(x->f, copy, n);
	}
	assert_int_equal(x->st.notify_punted, 2);
	assert_int_equal(x->st.answered, 0);
	assert_int_equal(drops(&x->st), 0);
	/* Other opcodes are still answered NOTIMP here. */
	fopt_default(&o);
	qo.opcode = 5;
	qlen = tu_query(qbuf, sizeof(qbuf), "example.com", 6, &qo);
	o.dnslen = qlen;
	assert_int_equal(run(x, &o, &res, NULL), PKT_TX);
	assert_int_equal(x->st.rcode[4], 1);
}

static void
test_service_init(void **state)
{
	struct pkt_service svc;
	struct svc_addr a[PKT_MAX_SERVICE + 1];

	(void)state;
	memset(a, 0, sizeof(a));
	for (int i = 0; i <= PKT_MAX_SERVICE; i++) {
		a[i].family = AF_INET;
		a[i].v4.s_addr = htonl(0xc6120000u + (unsigned)i);
	}
	assert_int_equal(pkt_service_init(&svc, a, PKT_MAX_SERVICE), 0);
	assert_int_equal(svc.n4, PKT_MAX_SERVICE);
	assert_int_equal(svc.n6, 0);
	assert_int_equal(pkt_service_init(&svc, a, PKT_MAX_SERVICE + 1), -E2BIG);
	a[0].family = 12345;
	assert_true(pkt_service_init(&svc, a, 1) < 0);
	assert_string_equal(stats_drop_name(STATS_DROP_SRC_PORT), "src_port");
	assert_string_equal(stats_drop_name(STATS_DROP_MAX), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ipv4_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_dst_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exception, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exception_csum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exception_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lengths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ip_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_from_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rrl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_punt, setup, teardown),
		cmocka_unit_test(test_service_init),
	};

	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
