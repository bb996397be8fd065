/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: an Ethernet frame -> pkt_process(), the verdict, the counters and the response frame checked. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "swerve/pkt.h"
#include "fuzz_util.h"
#include "wire.h"

/*
 * Input: one option octet, then the frame.
 *   bit 0     set the IP and UDP lengths from the frame's length, and the UDP
 *             checksum (so the fuzzer need not discover them)
 *   bit 1     recompute the IPv4 header checksum (likewise)
 *   bit 2, 3  the port offloads the IPv4 / UDP checksum
 *   bits 4-5  MTU: 1500, 1280, 9000, 576
 *   bit 6     a 2048-octet buffer (an mbuf's data room) instead of exactly the frame
 *   bit 7     no snapshot published yet
 * The frame is driven as test_pkt.c does: plain bytes, no EAL, no mbuf.
 */

static const uint8_t fz_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x53};
static const uint16_t fz_mtus[4] = {1500, 1280, 9000, 576};

/* Where the headers of a frame lie, as far as its octets say. */
struct fz_frame {
	size_t l2;
	uint16_t type; /* Ethertype after at most one 802.1Q tag. */
};

static void
fz_l2(const uint8_t *f, size_t len, struct fz_frame *fr)
{
	fr->l2 = 14;
	fr->type = len >= 14 ? tu_get16(f + 12) : 0;
	if (fr->type == 0x8100 && len >= 18) {
		fr->type = tu_get16(f + 16);
		fr->l2 = 18;
	}
}

static void
fz_fixup(uint8_t *f, size_t len, uint8_t opt)
{
	struct fz_frame fr;
	uint8_t *ip;

	fz_l2(f, len, &fr);
	ip = f + fr.l2;
	if (fr.type == 0x0800 && len >= fr.l2 + 20) {
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
		size_t tot = len - fr.l2;

		if (opt & 1) {
			tu_put16(ip + 2, (uint16_t)tot);
			if (ihl >= 20 && tot >= ihl + 8)
				tu_put16(ip + ihl + 4, (uint16_t)(tot - ihl));
		}
		if ((opt & 1) && ihl >= 20 && tot >= ihl + 8 && ip[9] == 17) {
			uint32_t ph = tu_sum16(ip + 12, 8, 17 + (uint32_t)(tot - ihl));
			uint16_t sum;

			tu_put16(ip + ihl + 6, 0);
			sum = (uint16_t)~tu_fold(tu_sum16(ip + ihl, tot - ihl, ph));
			tu_put16(ip + ihl + 6, sum == 0 ? 0xffff : sum);
		}
		if ((opt & 2) && ihl >= 20 && len >= fr.l2 + ihl) {
			tu_put16(ip + 10, 0);
			tu_put16(ip + 10, (uint16_t)~tu_fold(tu_sum16(ip, ihl, 0)));
		}
	} else if (fr.type == 0x86dd && len >= fr.l2 + 40 && (opt & 1)) {
		size_t plen = len - fr.l2 - 40;

		tu_put16(ip + 4, (uint16_t)plen);
		if (plen >= 8)
			tu_put16(ip + 40 + 4, (uint16_t)plen);
		if (plen >= 8 && ip[6] == 17) {
			uint32_t ph = tu_sum16(ip + 8, 32, 17 + (uint32_t)plen);
			uint16_t sum;

			tu_put16(ip + 46, 0);
			sum = (uint16_t)~tu_fold(tu_sum16(ip + 40, plen, ph));
			tu_put16(ip + 46, sum == 0 ? 0xffff : sum);
		}
	}
}

struct fz_env {
	struct pkt_service svc;
	struct worker_stats st;
	struct pkt_ctx ctx;
};

static uint64_t
fz_drops(const struct worker_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < STATS_DROP_MAX; i++)
		n += st->drop[i];
	return n;
}

/* The response frame at @r against the query frame @q. */
static void
fz_check_tx(const struct fz_env *e, const uint8_t *q, size_t qlen, const uint8_t *buf, size_t cap,
	    const struct pkt_result *res, const struct dnsq_conf *conf)
{
	const uint8_t *r = buf + res->off;
	struct fz_frame fr;
	const uint8_t *qip, *rip, *qudp, *rudp, *qdns;
	size_t l3, qdnslen, rdnslen, iplen, dcap, l34;
	uint32_t ph;
	uint8_t *expect;
	struct dnsq_info info;
	size_t n;
	struct fz_call call;

	fz_l2(q, qlen, &fr);
	FZ_CHECK((size_t)res->off + res->len <= cap, "response %u+%u past the buffer %zu", res->off,
		 res->len, cap);
	FZ_CHECK(res->l2_len == fr.l2, "l2_len %u, frame %zu", res->l2_len, fr.l2);
	FZ_CHECK(res->ipv6 == (fr.type == 0x86dd), "ipv6 %u for ethertype %04x", res->ipv6, fr.type);
	l3 = res->ipv6 ? 40 : 20;
	FZ_CHECK(res->l3_len == l3, "l3_len %u", res->l3_len);
	FZ_CHECK(res->len >= fr.l2 + l3 + 8 + 12, "response frame of %u octets", res->len);
	iplen = res->len - fr.l2;
	FZ_CHECK(iplen <= e->ctx.mtu, "IP packet of %zu octets, MTU %u", iplen, e->ctx.mtu);

	/* L2: back to the sender, from us, tags kept. */
	FZ_CHECK(memcmp(r, q + 6, 6) == 0, "destination MAC is not the query's source");
	FZ_CHECK(memcmp(r + 6, fz_mac, 6) == 0, "source MAC is not ours");
	FZ_CHECK(memcmp(r + 12, q + 12, fr.l2 - 12) == 0, "ethertype or VLAN tag changed");

	qip = q + fr.l2;
	rip = r + fr.l2;
	if (!res->ipv6) {
		size_t ihl = (size_t)(qip[0] & 0x0f) * 4;

		FZ_CHECK(res->off == ihl - 20, "off %u for IHL %zu", res->off, ihl);
		FZ_CHECK(rip[0] == 0x45, "version/IHL %02x", rip[0]);
		FZ_CHECK(rip[1] == qip[1], "TOS not kept");
		FZ_CHECK(tu_get16(rip + 2) == iplen, "IP total length %u, frame says %zu",
			 tu_get16(rip + 2), iplen);
		FZ_CHECK(rip[8] == 64 && rip[9] == 17, "TTL %u proto %u", rip[8], rip[9]);
		FZ_CHECK((tu_get16(rip + 6) & 0x4000) && !(tu_get16(rip + 6) & 0x3fff),
			 "not DF / fragment bits %04x", tu_get16(rip + 6));
		FZ_CHECK(memcmp(rip + 12, qip + 16, 4) == 0 && memcmp(rip + 16, qip + 12, 4) == 0,
			 "IPv4 addresses not swapped");
		if (e->ctx.offload & PKT_OFFLOAD_IPV4_CKSUM)
			FZ_CHECK(res->offload & PKT_OFFLOAD_IPV4_CKSUM, "IPv4 offload not requested");
		else
			FZ_CHECK(tu_fold(tu_sum16(rip, 20, 0)) == 0xffff && !(res->offload & PKT_OFFLOAD_IPV4_CKSUM),
				 "IPv4 header checksum wrong");
		qudp = qip + ihl;
		qdnslen = tu_get16(qip + 2) - ihl - 8;
		ph = tu_sum16(rip + 12, 8, 17 + (uint32_t)(iplen - 20));
		l34 = 28;
	} else {
		FZ_CHECK(res->off == 0, "IPv6 response at offset %u", res->off);
		FZ_CHECK((rip[0] >> 4) == 6, "IPv6 version");
		FZ_CHECK((rip[0] & 0x0f) == (qip[0] & 0x0f) && memcmp(rip + 1, qip + 1, 3) == 0,
			 "traffic class / flow label not reflected");
		FZ_CHECK(tu_get16(rip + 4) == iplen - 40, "payload length %u, frame says %zu",
			 tu_get16(rip + 4), iplen - 40);
		FZ_CHECK(rip[6] == 17 && rip[7] == 64, "next header %u hop limit %u", rip[6], rip[7]);
		FZ_CHECK(memcmp(rip + 8, qip + 24, 16) == 0 && memcmp(rip + 24, qip + 8, 16) == 0,
			 "IPv6 addresses not swapped");
		FZ_CHECK(!(res->offload & PKT_OFFLOAD_IPV4_CKSUM), "IPv4 offload on IPv6");
		qudp = qip + 40;
		qdnslen = tu_get16(qip + 4) - 8;
		ph = tu_sum16(rip + 8, 32, 17 + (uint32_t)(iplen - 40));
		l34 = 48;
	}
	rudp = rip + l3;
	FZ_CHECK(tu_get16(rudp) == 53 && tu_get16(rudp) == tu_get16(qudp + 2), "source port %u",
		 tu_get16(rudp));
	FZ_CHECK(tu_get16(rudp + 2) == tu_get16(qudp), "destination port not the query's source port");
	FZ_CHECK(tu_get16(rudp + 4) == iplen - l3, "UDP length %u, IP payload %zu", tu_get16(rudp + 4),
		 iplen - l3);
	if (e->ctx.offload & PKT_OFFLOAD_UDP_CKSUM) {
		uint16_t want = tu_fold(ph);

		FZ_CHECK(res->offload & PKT_OFFLOAD_UDP_CKSUM, "UDP offload not requested");
		FZ_CHECK(tu_get16(rudp + 6) == want || (want == 0xffff && tu_get16(rudp + 6) == 0),
			 "UDP pseudo-header sum %04x, expected %04x", tu_get16(rudp + 6), want);
	} else {
		FZ_CHECK(!(res->offload & PKT_OFFLOAD_UDP_CKSUM), "UDP offload requested");
		FZ_CHECK(tu_get16(rudp + 6) != 0, "UDP checksum left empty");
		FZ_CHECK(tu_fold(tu_sum16(rudp, iplen - l3, ph)) == 0xffff, "UDP checksum wrong");
	}

	/* The DNS payload is exactly what the engine answers at the room pkt_process had. */
	qdns = qudp + 8;
	rdnslen = iplen - l3 - 8;
	dcap = cap - (fr.l2 + (size_t)(qudp - qip) + 8);
	if (e->ctx.mtu > l34 && (size_t)(e->ctx.mtu - l34) < dcap)
		dcap = e->ctx.mtu - l34;
	else if (e->ctx.mtu <= l34)
		dcap = 0;
	expect = malloc(dcap > 0 ? dcap : 1);
	n = dnsq_answer(e->ctx.table, conf, NULL, qdns, qdnslen, expect, dcap, 0, &info);
	FZ_CHECK(n == rdnslen && memcmp(expect, rudp + 8, n) == 0,
		 "DNS payload (%zu octets) is not the engine's answer (%zu)", rdnslen, n);
	call = (struct fz_call){
		.query = qdns,
		.qlen = qdnslen,
		.resp = rudp + 8,
		.n = rdnslen,
		.cap = dcap,
		.flags = 0,
		.conf = conf,
		.info = &info,
	};
	FZ_CHECK(fz_check_answer(&call), "TX without a DNS answer");
	free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	const struct dnsq_conf *conf = fz_conf(0);
	struct svc_addr a[3];
	struct pkt_result res;
	enum pkt_verdict v;
	uint8_t *orig, *buf, opt;
	size_t len, cap;
	uint64_t drops, answered;

	if (size < 1 || size > 1 + 9100)
		return 0;
	opt = data[0];
	len = size - 1;
	cap = (opt & 0x40) && len < 2048 ? 2048 : len;

	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	a[0].v4.s_addr = htonl(0xc6120035); /* 198.18.0.53 */
	a[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:2::53", &a[1].v6);
	a[2].family = AF_INET;
	a[2].v4.s_addr = htonl(0xc6120036);
	FZ_CHECK(pkt_service_init(&e.svc, a, 3) == 0, "pkt_service_init");
	memset(&e.st, 0, sizeof(e.st));
	pkt_ctx_init(&e.ctx, conf, &e.svc, &e.st, 1000000, 5000000);
	memcpy(e.ctx.mac, fz_mac, 6);
	e.ctx.table = (opt & 0x80) ? NULL : fz_table();
	e.ctx.mtu = fz_mtus[(opt >> 4) & 3];
	e.ctx.offload = (uint16_t)(((opt & 4) ? PKT_OFFLOAD_IPV4_CKSUM : 0) |
				   ((opt & 8) ? PKT_OFFLOAD_UDP_CKSUM : 0));

	orig = malloc(len > 0 ? len : 1);
	memcpy(orig, data + 1, len);
	fz_fixup(orig, len, opt);
	buf = malloc(cap > 0 ? cap : 1);
	memcpy(buf, orig, len);
	memset(&res, 0xee, sizeof(res));

	v = pkt_process(&e.ctx, buf, (uint16_t)len, (uint16_t)cap, &res);
	if (fz_verbose())
		fprintf(stderr, "pkt_process: verdict %d, response %u+%u\n", (int)v,
			v == PKT_TX ? res.off : 0, v == PKT_TX ? res.len : 0);
	drops = fz_drops(&e.st);
	answered = e.st.answered;
	switch (v) {
	case PKT_TX:
		FZ_CHECK(drops == 0 && answered == 1, "TX with %lu drops, %lu answers",
			 (unsigned long)drops, (unsigned long)answered);
		fz_check_tx(&e, orig, len, buf, cap, &res, conf);
		break;
	case PKT_EXCEPTION: {
		/* Unchanged, except at most one completed TCP/UDP checksum. */
		size_t first = len, last = 0;

		for (size_t i = 0; i < len; i++) {
			if (buf[i] != orig[i]) {
				if (first == len)
					first = i;
				last = i;
			}
		}
		FZ_CHECK(first == len || last - first < 2, "exception frame changed at %zu..%zu",
			 first, last);
		FZ_CHECK(drops == 0 && answered == 0, "exception with %lu drops",
			 (unsigned long)drops);
		break;
	}
	case PKT_DROP:
		FZ_CHECK(drops == 1 && answered == 0, "drop counted %lu times",
			 (unsigned long)drops);
		break;
	default:
		FZ_CHECK(0, "verdict %d", (int)v);
	}
	free(buf);
	free(orig);
	return 0;
}
