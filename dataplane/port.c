/* SPDX-License-Identifier: BSD-3-Clause */
/* Port setup for any ethdev (physical or vdev): queues, RSS, checksum offloads, mbuf pool. */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include "swerve/log.h"
#include "swerve/pkt.h"
#include "swerve/port.h"
#include "swerve/worker.h"

/*
 * Per-lcore mempool cache. 256 objects is DPDK's usual figure (l3fwd): it
 * covers eight bursts of 32 so a worker's rx refill and tx completion almost
 * never touch the shared ring.
 */
#define PORT_POOL_CACHE 256

unsigned
port_pool_size(unsigned nports, unsigned nq, unsigned rx_ring, unsigned tx_ring, unsigned nlcores,
	       unsigned extra)
{
	/* Every descriptor may hold an mbuf; every lcore a full cache and a few bursts. */
	unsigned long n = (unsigned long)nports * nq * (rx_ring + tx_ring) +
			  (unsigned long)nlcores * (PORT_POOL_CACHE + 4 * WORKER_BURST) + extra;
	unsigned long p = 1;

	while (p - 1 < n)
		p <<= 1;
	return (unsigned)(p - 1);
}

#define PORT_POOL_NAME "swerve_mbufs"

/* Smallest SWERVE_MBUF_POOL: two bursts. */
#define PORT_POOL_MIN (2 * WORKER_BURST)

/*
 * Failed dequeues from the pool. The PMDs in use do not all count rx_nombuf
 * (af_packet 22.11 just stops its burst), so the pool counts for them: its
 * mempool ops are the default ring ops with the dequeue wrapped. A failure
 * costs one relaxed atomic add, a success nothing more than before. With a
 * per-lcore cache one allocation may count twice (a failed cache refill, then
 * the failed direct dequeue); small pools have no cache and count exactly.
 */
#define PORT_OPS_NAME "swerve_counting"

static uint64_t port_nombuf;
static int port_inner_ops = -1;

static int
port_ops_dequeue(struct rte_mempool *mp, void **obj, unsigned n)
{
	int rc = rte_mempool_get_ops(port_inner_ops)->dequeue(mp, obj, n);

	if (unlikely(rc < 0))
		__atomic_fetch_add(&port_nombuf, 1, __ATOMIC_RELAXED);
	return rc;
}

/* Register PORT_OPS_NAME over the best ops once; returns the ops name the pool should use. */
static const char *
port_ops_name(void)
{
	const char *best = rte_mbuf_best_mempool_ops();
	struct rte_mempool_ops ops;

	if (port_inner_ops >= 0)
		return PORT_OPS_NAME;
	for (unsigned i = 0; i < rte_mempool_ops_table.num_ops; i++) {
		if (strcmp(rte_mempool_ops_table.ops[i].name, best) != 0)
			continue;
		ops = rte_mempool_ops_table.ops[i];
		snprintf(ops.name, sizeof(ops.name), "%s", PORT_OPS_NAME);
		ops.dequeue = port_ops_dequeue;
		port_inner_ops = (int)i;
		if (rte_mempool_register_ops(&ops) < 0) {
			port_inner_ops = -1;
			break;
		}
		return PORT_OPS_NAME;
	}
	sw_warn("mbuf pool: cannot wrap the \"%s\" ops: allocation failures are not counted",
		best);
	return best;
}

uint64_t
port_pool_nombuf(void)
{
	return __atomic_load_n(&port_nombuf, __ATOMIC_RELAXED);
}

/* The memzone under a packed pool goes when the pool does. */
static void
port_pool_mz_free(struct rte_mempool_memhdr *mh __rte_unused, void *mz)
{
	rte_memzone_free(mz);
}

/*
 * The pool as one IOVA-contiguous, page-aligned memzone with the mbufs
 * packed end to end: mbuf i starts i object sizes after the zone. That is
 * the layout the af_xdp PMD of DPDK 22.11 assumes when it registers the
 * pool as its UMEM (first chunk, populated_size times the object size).
 * rte_pktmbuf_pool_create() breaks it on 4 KiB pages (--no-huge): objects
 * then never straddle a page, so a 2368-octet mbuf takes a whole page and
 * four mbufs in ten lie past the UMEM's end. The kernel rejects such TX
 * descriptors as invalid, silently: frames the tap hands us in those
 * mbufs (ARP, SYN-ACK, ...) never leave, and the mbufs leak.
 * RTE_MEMPOOL_F_NO_IOVA_CONTIG only lifts the page rule; since the zone is
 * IOVA-contiguous as a whole every object still is, and has a real IOVA.
 * Returns NULL (rte_errno set) when no such zone is to be had.
 */
static struct rte_mempool *
port_pool_packed(unsigned nmbufs, unsigned cache, int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	const unsigned flags = RTE_MEMPOOL_F_NO_IOVA_CONTIG;
	const unsigned elt = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
	const struct rte_memzone *mz = NULL;
	struct rte_mempool *mp;
	size_t len;
	int ret;

	mp = rte_mempool_create_empty(PORT_POOL_NAME, nmbufs, elt, cache, sizeof(priv), socket,
				      flags);
	if (mp == NULL)
		return NULL;
	ret = rte_mempool_set_ops_byname(mp, port_ops_name(), NULL);
	if (ret != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);

	len = (size_t)nmbufs * rte_mempool_calc_obj_size(elt, flags, NULL);
	mz = rte_memzone_reserve_aligned(PORT_POOL_NAME "_mem", len, socket,
					 RTE_MEMZONE_IOVA_CONTIG, (unsigned)getpagesize());
	if (mz == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	ret = rte_mempool_populate_iova(mp, mz->addr, mz->iova, mz->len, port_pool_mz_free,
					(void *)(uintptr_t)mz);
	if (ret < 0)
		goto fail;
	/* Once it holds objects the pool owns the zone (and frees it with itself). */
	if (ret > 0)
		mz = NULL;
	if ((unsigned)ret != nmbufs) {
		ret = -ENOMEM;
		goto fail;
	}
	/*
	 * NO_IOVA_CONTIG makes the pool mark itself NON_IO, and drivers that
	 * honour the flag (mlx5, sfc) would then refuse to map it for DMA. The
	 * objects do have real IOVAs: the zone under them is IOVA-contiguous.
	 */
	mp->flags &= ~RTE_MEMPOOL_F_NON_IO;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;

fail:
	rte_mempool_free(mp);
	if (mz != NULL)
		rte_memzone_free(mz);
	rte_errno = -ret;
	return NULL;
}

/* True when an ethdev of driver @name exists (a vdev the EAL probed from the command line). */
static bool
port_driver_present(const char *name)
{
	struct rte_eth_dev_info info;
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid)
	{
		if (rte_eth_dev_info_get(pid, &info) == 0 && info.driver_name != NULL &&
		    strcmp(info.driver_name, name) == 0)
			return true;
	}
	return false;
}

/* SWERVE_MBUF_POOL: a deliberately small pool for the fault tests, or 0 when unset or invalid. */
static unsigned
port_pool_override(void)
{
	const char *v = getenv("SWERVE_MBUF_POOL");
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < PORT_POOL_MIN || n > UINT32_MAX / 2) {
		sw_warn("SWERVE_MBUF_POOL=%s ignored: want a count of at least %u", v,
			PORT_POOL_MIN);
		return 0;
	}
	return (unsigned)n;
}

int
port_pool_create(unsigned nmbufs, int socket, struct rte_mempool **out)
{
	struct rte_mempool *mp;
	unsigned over = port_pool_override(), cache = PORT_POOL_CACHE;

	if (over != 0) {
		sw_warn("mbuf pool: %u mbufs from SWERVE_MBUF_POOL instead of the %u the rings need",
			over, nmbufs);
		nmbufs = over;
	}
	/* A cache may hold 1.5 times its size: in a tiny pool it could hide every mbuf. */
	if (nmbufs < PORT_POOL_CACHE * 3 / 2)
		cache = 0;
	mp = port_pool_packed(nmbufs, cache, socket);
	if (mp == NULL) {
		/* No IOVA-contiguous zone that big (physical addresses, fragmented hugepages). */
		if (port_driver_present("net_af_xdp"))
			sw_warn("mbuf pool: no contiguous memory for %u mbufs (%s): af_xdp may "
				"drop frames from mbufs outside its UMEM",
				nmbufs, rte_strerror(rte_errno));
		mp = rte_pktmbuf_pool_create_by_ops(PORT_POOL_NAME, nmbufs, cache, 0,
						    RTE_MBUF_DEFAULT_BUF_SIZE, socket, port_ops_name());
	}
	if (mp == NULL) {
		sw_err("mbuf pool of %u mbufs: %s", nmbufs, rte_strerror(rte_errno));
		return -rte_errno;
	}
	*out = mp;
	return 0;
}

static uint16_t
port_min16(uint16_t a, uint16_t b)
{
	return a < b ? a : b;
}

int
port_setup(struct port *p, uint16_t port_id, uint16_t nworkers, uint16_t rx_ring, uint16_t tx_ring,
	   struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_txconf txconf;
	uint64_t rss_hf;
	int socket, rc;

	memset(p, 0, sizeof(*p));
	p->id = port_id;
	rte_eth_dev_get_name_by_port(port_id, p->name);
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		sw_err("port %u: device info: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	p->nq = port_min16(nworkers, port_min16(info.max_rx_queues, info.max_tx_queues));
	if (p->nq == 0) {
		sw_err("port %u (%s): no queues", port_id, p->name);
		return -ENODEV;
	}

	memset(&conf, 0, sizeof(conf));
	rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	if (p->nq > 1 && rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
		p->rss = true;
	}
	/*
	 * Software checksums cost a pass over the response; let the port do
	 * them when it can. Vdevs like af_xdp and af_packet cannot, and pkt.c
	 * then computes them itself.
	 */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		p->offload |= PKT_OFFLOAD_IPV4_CKSUM;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		p->offload |= PKT_OFFLOAD_UDP_CKSUM;
	}

	rc = rte_eth_dev_configure(port_id, p->nq, p->nq, &conf);
	if (rc != 0) {
		sw_err("port %u (%s): configure %u queues: %s", port_id, p->name, p->nq,
		       rte_strerror(-rc));
		return rc;
	}
	p->rx_ring = rx_ring;
	p->tx_ring = tx_ring;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &p->rx_ring, &p->tx_ring);
	if (rc != 0) {
		sw_err("port %u (%s): ring sizes: %s", port_id, p->name, rte_strerror(-rc));
		return rc;
	}

	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	txconf = info.default_txconf;
	txconf.offloads = conf.txmode.offloads;
	for (uint16_t q = 0; q < p->nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, p->rx_ring, (unsigned)socket, NULL, mp);
		if (rc != 0) {
			sw_err("port %u (%s): rx queue %u: %s", port_id, p->name, q,
			       rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, p->tx_ring, (unsigned)socket, &txconf);
		if (rc != 0) {
			sw_err("port %u (%s): tx queue %u: %s", port_id, p->name, q,
			       rte_strerror(-rc));
			return rc;
		}
	}

	rc = rte_eth_macaddr_get(port_id, &p->mac);
	if (rc != 0) {
		sw_err("port %u (%s): MAC address: %s", port_id, p->name, rte_strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_mtu(port_id, &p->mtu) != 0 || p->mtu == 0)
		p->mtu = RTE_ETHER_MTU;

	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		sw_err("port %u (%s): start: %s", port_id, p->name, rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	return 0;
}

void
port_log(const struct port *p)
{
	struct rte_eth_link link;
	char lstr[RTE_ETH_LINK_MAX_STR_LEN];
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	const char *csum = "in software";

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->id, &link) != 0)
		snprintf(lstr, sizeof(lstr), "link unknown");
	else if (link.link_status == RTE_ETH_LINK_DOWN)
		snprintf(lstr, sizeof(lstr), "link down");
	else
		snprintf(lstr, sizeof(lstr), "link up %u Mbps%s", link.link_speed,
			 link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? " full-duplex" : "");
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	if (p->offload == (PKT_OFFLOAD_IPV4_CKSUM | PKT_OFFLOAD_UDP_CKSUM))
		csum = "offloaded";
	else if (p->offload != 0)
		csum = "partly offloaded";
	sw_info("port %u %s (%s): %s, mac %s, mtu %u, %u queue%s%s, rx/tx ring %u/%u, "
		"checksums %s",
		p->id, p->name, p->driver, lstr, mac, p->mtu, p->nq, p->nq == 1 ? "" : "s",
		p->rss ? " with RSS" : "", p->rx_ring, p->tx_ring, csum);
	/*
	 * DPDK 22.11's af_packet transmit waits in poll() without a timeout when
	 * its TX ring is full, and only kernel work on the same CPU frees it: a
	 * worker can stall for seconds (docs/hardening.md). Fine for the lab;
	 * not for a node that must answer under load.
	 */
	if (strcmp(p->driver, "net_af_packet") == 0)
		sw_warn("port %u (%s): the af_packet PMD can block a worker while its TX ring is "
			"full (DPDK 22.11 polls without a timeout); use af_xdp or the NIC's own PMD "
			"where answers must not stall",
			p->id, p->name);
}

void
port_stats_log(const struct port *p)
{
	struct rte_eth_stats st;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = rte_eth_stats_get(p->id, &st);
	if (rc != 0) {
		sw_info("port stats: port %u (%s): unavailable: %s", p->id, p->name,
			rte_strerror(-rc));
		return;
	}
	sw_info("port stats: port %u (%s): ipackets=%" PRIu64 " opackets=%" PRIu64
		" imissed=%" PRIu64 " ierrors=%" PRIu64 " rx_nombuf=%" PRIu64 " oerrors=%" PRIu64
		" pool_dequeue_failures=%" PRIu64,
		p->id, p->name, st.ipackets, st.opackets, st.imissed, st.ierrors, st.rx_nombuf,
		st.oerrors, port_pool_nombuf());
}

int
port_counters_read(const struct port *p, struct port_counters *out)
{
	struct rte_eth_stats st;
	int rc = rte_eth_stats_get(p->id, &st);

	if (rc != 0)
		return rc;
	out->rx_packets = st.ipackets;
	out->rx_missed = st.imissed;
	out->rx_nombuf = st.rx_nombuf;
	out->rx_errors = st.ierrors;
	out->tx_packets = st.opackets;
	out->tx_errors = st.oerrors;
	return 0;
}

void
port_close(struct port *p)
{
	int rc;

	if (p->started) {
		rc = rte_eth_dev_stop(p->id);
		if (rc != 0)
			sw_warn("port %u (%s): stop: %s", p->id, p->name, rte_strerror(-rc));
		p->started = false;
	}
	rc = rte_eth_dev_close(p->id);
	if (rc != 0)
		sw_warn("port %u (%s): close: %s", p->id, p->name, rte_strerror(-rc));
}
