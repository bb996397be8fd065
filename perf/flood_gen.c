/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flood_gen: a DNS query flood from a DPDK port, for perf/bench_flood.sh on
 * kernels whose verifier refuses kxdpgun's XDP program.
 *
 *   flood_gen EAL-OPTIONS -- -f QUERIES.pcap -m DST-MAC [-t SECONDS] [-Q RATE]
 *
 * The queries are the frames of a pcap (perf/gen_pcap.py), replayed in a
 * loop on port 0 with their destination MAC set to DST-MAC (the server's
 * end of the lab's veth) and their source MAC to the port's own, so the
 * answers come back to it. RATE queries per second (0, the default: as fast
 * as the port takes them), paced by the TSC in bursts of at most 32, for
 * SECONDS (default 5). Answers are the frames received from UDP port 53
 * with QR set; they are counted as they arrive, and for 200 ms after the
 * last query. At the end it prints, in kxdpgun's words so that the script
 * reads either:
 *
 *   total queries: N (R pps)
 *   total replies: N (R pps)
 *
 * One lcore does both directions. Bounded in time, it stops by itself.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define FG_BURST    32
#define FG_MBUFS    8191
#define FG_RING     1024
#define FG_MAX_PKTS 65536
#define FG_DRAIN_MS 200

struct fg_frame {
	uint16_t len;
	uint8_t data[RTE_MBUF_DEFAULT_DATAROOM];
};

struct fg {
	struct fg_frame *frames;
	unsigned nframes;
	struct rte_ether_addr dst, src;
	double secs;
	uint64_t rate;
	uint64_t sent, replies;
};

static uint32_t
fg_u32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The frames of the pcap at @path (classic format, Ethernet link type). */
static int
fg_read_pcap(struct fg *g, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	bool swap;

	if (f == NULL)
		return -errno;
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh))
		goto bad;
	swap = fg_u32(gh, false) == 0xd4c3b2a1u;
	if (!swap && fg_u32(gh, false) != 0xa1b2c3d4u)
		goto bad;
	g->frames = calloc(FG_MAX_PKTS, sizeof(*g->frames));
	if (g->frames == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	while (g->nframes < FG_MAX_PKTS && fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t incl = fg_u32(rh + 8, swap);
		struct fg_frame *fr = &g->frames[g->nframes];

		if (incl < RTE_ETHER_HDR_LEN || incl > sizeof(fr->data) ||
		    fread(fr->data, 1, incl, f) != incl)
			goto bad;
		fr->len = (uint16_t)incl;
		g->nframes++;
	}
	fclose(f);
	return g->nframes > 0 ? 0 : -ENODATA;
bad:
	fclose(f);
	return -EINVAL;
}

/* Whether @m is a DNS response: UDP from port 53 over IPv4 or IPv6, QR set. */
static bool
fg_is_answer(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off;
	uint16_t et;

	if (len < RTE_ETHER_HDR_LEN + 20)
		return false;
	et = (uint16_t)(p[12] << 8 | p[13]);
	if (et == RTE_ETHER_TYPE_IPV4 && p[23] == IPPROTO_UDP)
		off = RTE_ETHER_HDR_LEN + (p[14] & 0xfu) * 4u;
	else if (et == RTE_ETHER_TYPE_IPV6 && p[20] == IPPROTO_UDP)
		off = RTE_ETHER_HDR_LEN + 40;
	else
		return false;
	return off + 8 + 3 <= len && p[off] == 0 && p[off + 1] == 53 && (p[off + 8 + 2] & 0x80);
}

static void
fg_receive(struct fg *g)
{
	struct rte_mbuf *rx[FG_BURST];
	uint16_t n = rte_eth_rx_burst(0, 0, rx, FG_BURST);

	for (uint16_t i = 0; i < n; i++) {
		g->replies += fg_is_answer(rx[i]);
		rte_pktmbuf_free(rx[i]);
	}
}

/* Up to @want queries from the loop of frames; returns how many the port took. */
static unsigned
fg_send(struct fg *g, struct rte_mempool *mp, unsigned want)
{
	struct rte_mbuf *tx[FG_BURST];
	uint16_t n;

	if (want > FG_BURST)
		want = FG_BURST;
	if (rte_pktmbuf_alloc_bulk(mp, tx, want) != 0)
		return 0;
	for (unsigned i = 0; i < want; i++) {
		const struct fg_frame *fr = &g->frames[(g->sent + i) % g->nframes];
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(tx[i], fr->len);

		memcpy(d, fr->data, fr->len);
		memcpy(d, &g->dst, RTE_ETHER_ADDR_LEN);
		memcpy(d + RTE_ETHER_ADDR_LEN, &g->src, RTE_ETHER_ADDR_LEN);
	}
	n = rte_eth_tx_burst(0, 0, tx, (uint16_t)want);
	if (n < want)
		rte_pktmbuf_free_bulk(tx + n, want - n);
	g->sent += n;
	return n;
}

static void
fg_run(struct fg *g, struct rte_mempool *mp)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc();
	uint64_t stop = start + (uint64_t)(g->secs * (double)hz);
	uint64_t now, drain;

	while ((now = rte_rdtsc()) < stop) {
		uint64_t due = g->rate == 0 ? g->sent + FG_BURST
					    : (uint64_t)((double)(now - start) / (double)hz *
							 (double)g->rate);

		if (due > g->sent)
			fg_send(g, mp, (unsigned)(due - g->sent));
		fg_receive(g);
	}
	drain = rte_rdtsc() + hz * FG_DRAIN_MS / 1000;
	while (rte_rdtsc() < drain)
		fg_receive(g);
}

static int
fg_port(struct rte_mempool *mp, struct rte_ether_addr *mac)
{
	struct rte_eth_conf conf = {0};
	uint16_t rxd = FG_RING, txd = FG_RING;
	int rc;

	if (rte_eth_dev_count_avail() < 1)
		return -ENODEV;
	rc = rte_eth_dev_configure(0, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(0, &rxd, &txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(0, 0, rxd, rte_eth_dev_socket_id(0), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(0, 0, txd, rte_eth_dev_socket_id(0), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(0);
	if (rc == 0)
		rc = rte_eth_macaddr_get(0, mac);
	/* Answers come back to our MAC; promiscuous only helps when the PMD filters. */
	if (rc == 0)
		(void)rte_eth_promiscuous_enable(0);
	return rc;
}

static void
fg_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s EAL-OPTIONS -- -f QUERIES.pcap -m DST-MAC [-t SECONDS] [-Q RATE]\n",
		argv0);
}

int
main(int argc, char **argv)
{
	struct fg g = {.secs = 5};
	const char *pcap = NULL, *dst = NULL;
	struct rte_mempool *mp;
	double elapsed;
	int rc, o;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "flood_gen: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((o = getopt(argc, argv, "f:m:t:Q:")) != -1) {
		switch (o) {
		case 'f':
			pcap = optarg;
			break;
		case 'm':
			dst = optarg;
			break;
		case 't':
			g.secs = strtod(optarg, NULL);
			break;
		case 'Q':
			g.rate = strtoull(optarg, NULL, 10);
			break;
		default:
			fg_usage(argv[0]);
			return 2;
		}
	}
	if (pcap == NULL || dst == NULL || rte_ether_unformat_addr(dst, &g.dst) != 0 ||
	    g.secs <= 0 || g.secs > 600) {
		fg_usage(argv[0]);
		return 2;
	}
	rc = fg_read_pcap(&g, pcap);
	if (rc < 0) {
		fprintf(stderr, "flood_gen: %s: %s\n", pcap, strerror(-rc));
		return 1;
	}
	mp = rte_pktmbuf_pool_create("flood_gen", FG_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL || (rc = fg_port(mp, &g.src)) < 0) {
		fprintf(stderr, "flood_gen: port 0: %s\n", mp == NULL ? "no mbufs" : strerror(-rc));
		return 1;
	}
	fg_run(&g, mp);
	elapsed = g.secs;
	printf("total queries: %" PRIu64 " (%.0f pps)\n", g.sent, (double)g.sent / elapsed);
	printf("total replies: %" PRIu64 " (%.0f pps)\n", g.replies, (double)g.replies / elapsed);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	free(g.frames);
	return 0;
}
