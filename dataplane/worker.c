/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore loop, where a reader of the fast path starts: rx, answer in place, tx. */

#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include <urcu-qsbr.h>

#include "swerve/exception.h"
#include "swerve/log.h"
#include "swerve/pkt.h"
#include "swerve/rrt.h"
#include "swerve/worker.h"

/*
 * Buffered TX is flushed at least this often. 100 us is l3fwd's figure: long
 * enough that a busy worker almost always sends full bursts, short against a
 * DNS client's retry timer (hundreds of milliseconds) and below the jitter a
 * resolver's RTT estimate would notice. The exception path's kernel-to-wire
 * direction is polled on the same cadence, because polling a tap is a system
 * call and must not happen on every loop.
 */
#define WORKER_DRAIN_US 100

/*
 * With idle back-off on, a worker sleeps only after this many consecutive
 * empty polls of all its queues (a few tens of microseconds of busy polling),
 * so a steady trickle of queries never pays the wake-up latency.
 */
#define WORKER_IDLE_POLLS 256

/*
 * The cookie clock is the TSC counted from a wall clock reading; it is read
 * again this often (clock_gettime() of CLOCK_REALTIME, answered by the vDSO
 * without entering the kernel) so that the TSC rate's calibration error and
 * NTP's corrections never add up to more than a fraction of a second, well
 * inside the 5 minutes of skew RFC 9018 allows between the nodes of a fleet.
 */
#define WORKER_WALL_RESYNC_S 60

/* read: every worker, once per loop; write: worker_request_stop() (signal handler, main). */
static bool worker_quit;

void
worker_request_stop(void)
{
	__atomic_store_n(&worker_quit, true, __ATOMIC_RELEASE);
}

bool
worker_stop_requested(void)
{
	return __atomic_load_n(&worker_quit, __ATOMIC_ACQUIRE);
}

/* Anchor the cookie clock: read the wall clock and the TSC together. */
static void
worker_wall_sync(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	w->tsc_base = rte_rdtsc() - (uint64_t)ts.tv_nsec * w->ctx.hz / NS_PER_S;
	w->wall_base = (uint32_t)ts.tv_sec;
	w->ctx.wall = w->wall_base;
}

/* Advance the cookie clock from the TSC; called on the drain cadence, not per packet. */
static inline void
worker_wall_tick(struct worker *w, uint64_t now)
{
	uint64_t secs = (now - w->tsc_base) / w->ctx.hz;

	if (unlikely(secs >= WORKER_WALL_RESYNC_S))
		worker_wall_sync(w);
	else
		w->ctx.wall = w->wall_base + (uint32_t)secs;
}

void
worker_init(struct worker *w, unsigned index, unsigned lcore_id, struct rrt_root *root,
	    struct worker_settings_root *settings, const struct pkt_service *svc,
	    uint32_t idle_backoff_us)
{
	memset(w, 0, sizeof(*w));
	w->index = index;
	w->lcore_id = lcore_id;
	w->root = root;
	w->settings = settings;
	w->idle_backoff_us = idle_backoff_us;
	/* The engine's settings are set per burst, from the published block. */
	pkt_ctx_init(&w->ctx, NULL, svc, &w->stats, rte_get_tsc_hz(), rte_rdtsc());
	/* The limiters were set up from the first block; a later one retunes them. */
	w->settings_gen = settings->cur != NULL ? settings->cur->gen : 0;
	worker_wall_sync(w);
}

int
worker_rrl_init(struct worker *w, const struct rrl_conf *conf)
{
	struct rrl_conf c = *conf;
	void *table;
	int rc;

	/* Each worker its own seed: a collision aimed at one is no collision at the others. */
	if (c.seed == 0)
		c.seed = rte_rand();
	table = rte_zmalloc_socket("swerve_rrl", rrl_table_bytes(conf), RTE_CACHE_LINE_SIZE,
				   (int)rte_lcore_to_socket_id(w->lcore_id));
	if (table == NULL)
		return -ENOMEM;
	rc = rrl_init(&w->rrl, &c, w->ctx.hz, table);
	if (rc < 0) {
		rte_free(table);
		return rc;
	}
	w->ctx.rrl = &w->rrl;
	return 0;
}

int
worker_add_port(struct worker *w, uint16_t port_id, uint16_t queue, const uint8_t mac[6],
		uint16_t mtu, uint16_t offload)
{
	struct worker_port *p;
	struct rte_eth_dev_tx_buffer *txb;

	if (w->nports == WORKER_MAX_PORTS)
		return -E2BIG;
	txb = rte_zmalloc_socket("swerve_txb", RTE_ETH_TX_BUFFER_SIZE(WORKER_BURST), 0,
				 (int)rte_lcore_to_socket_id(w->lcore_id));
	if (txb == NULL)
		return -ENOMEM;
	rte_eth_tx_buffer_init(txb, WORKER_BURST);
	/* Frames the port does not take are freed and counted, never retried: DNS clients retry. */
	rte_eth_tx_buffer_set_err_callback(txb, rte_eth_tx_buffer_count_callback,
					   &w->stats.tx_failed);
	p = &w->ports[w->nports++];
	p->port_id = port_id;
	p->queue = queue;
	p->mtu = mtu;
	p->offload = offload;
	memcpy(p->mac, mac, 6);
	p->txb = txb;
	return 0;
}

void
worker_fini(struct worker *w)
{
	for (unsigned i = 0; i < w->nports; i++) {
		struct rte_eth_dev_tx_buffer *txb = w->ports[i].txb;

		if (txb == NULL)
			continue;
		rte_pktmbuf_free_bulk(txb->pkts, txb->length);
		txb->length = 0;
		rte_free(txb);
		w->ports[i].txb = NULL;
	}
	w->nports = 0;
	if (w->ctx.rrl != NULL) {
		rte_free(w->rrl.table);
		w->rrl.table = NULL;
		w->ctx.rrl = NULL;
	}
}

static inline void
worker_tx(struct worker *w, struct worker_port *p, struct rte_mbuf *m)
{
	w->stats.tx_sent += rte_eth_tx_buffer(p->port_id, p->queue, p->txb, m);
}

static void
worker_drain(struct worker *w)
{
	for (unsigned i = 0; i < w->nports; i++) {
		struct worker_port *p = &w->ports[i];

		w->stats.tx_sent += rte_eth_tx_buffer_flush(p->port_id, p->queue, p->txb);
	}
}

/*
 * Frames the kernel sent through the tap (ARP/ND replies, ICMP, TCP) go out
 * this worker's first queue: every port is assumed to face the same link as
 * ports[0], whose MAC the tap carries.
 */
static void
worker_from_kernel(struct worker *w)
{
	struct rte_mbuf *m[WORKER_BURST];
	unsigned n = exception_from_kernel(w->exc, m, WORKER_BURST);

	w->stats.exc_from_kernel += n;
	for (unsigned i = 0; i < n; i++)
		worker_tx(w, &w->ports[0], m[i]);
}

static inline void
worker_set_offload(struct rte_mbuf *m, const struct pkt_result *res)
{
	uint64_t fl = res->ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4;

	if (res->offload & PKT_OFFLOAD_IPV4_CKSUM)
		fl |= RTE_MBUF_F_TX_IP_CKSUM;
	if (res->offload & PKT_OFFLOAD_UDP_CKSUM)
		fl |= RTE_MBUF_F_TX_UDP_CKSUM;
	m->l2_len = res->l2_len;
	m->l3_len = res->l3_len;
	m->ol_flags = (m->ol_flags & RTE_MBUF_F_EXTERNAL) | fl;
}

/* At most one warning about frames past the MTU per this many seconds per worker. */
#define WORKER_BIG_WARN_S 10

/*
 * A frame past the port's MTU (issue 19): a peer with TSO/GSO on hands a
 * veth (or a virtual NIC) frames of several segments, which no wire carries.
 * af_packet cuts them at its ring's frame size, so the IP length runs past
 * the frame (STATS_DROP_RX_TRUNC: the rest is lost, nobody can use it); one
 * that arrives whole still cannot reach the kernel, whose tap takes MTU-sized
 * frames (STATS_DROP_RX_OVERSIZE). Either way the peer's TCP retransmits at
 * MTU size only after its own timeouts, so say so once in a while.
 * Returns true when @m was counted and is to be dropped.
 */
static bool
worker_too_big(struct worker *w, const struct worker_port *p, const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l2 = 14, len = m->data_len, claim;
	uint16_t et;
	enum stats_drop why;
	uint64_t now;

	if (likely(len <= (uint32_t)p->mtu + 18u))
		return false;
	if (len < 14)
		return false;
	et = (uint16_t)(f[12] << 8 | f[13]);
	if (et == 0x8100 && len >= 18) {
		et = (uint16_t)(f[16] << 8 | f[17]);
		l2 = 18;
	}
	if (et == 0x0800 && len >= l2 + 4)
		claim = l2 + (uint32_t)(f[l2 + 2] << 8 | f[l2 + 3]);
	else if (et == 0x86dd && len >= l2 + 6)
		claim = l2 + 40 + (uint32_t)(f[l2 + 4] << 8 | f[l2 + 5]);
	else
		claim = len;
	why = claim > len ? STATS_DROP_RX_TRUNC : STATS_DROP_RX_OVERSIZE;
	w->stats.drop[why]++;
	now = rte_rdtsc();
	if (unlikely(now >= w->big_warn_tsc)) {
		w->big_warn_tsc = now + rte_get_tsc_hz() * WORKER_BIG_WARN_S;
		sw_warn("port %u: a frame of %u octets (%u received) is past the MTU %u and "
			"was dropped (%s): segmentation offload on the peer? Turn it off "
			"there (ethtool -K <peer> tso off gso off), see docs/lab.md; "
			"counted as drops reason=%s, logged at most every %u s",
			p->port_id, claim, len, p->mtu,
			why == STATS_DROP_RX_TRUNC ? "cut short by the port's ring" : "whole",
			stats_drop_name(why), WORKER_BIG_WARN_S);
	}
	return true;
}

/* Answer, drop or set aside one frame; exception frames are collected in @exc for one hand-over. */
static inline void
worker_frame(struct worker *w, struct worker_port *p, struct rte_mbuf *m, struct rte_mbuf **exc,
	     uint8_t *exc_cls, unsigned *nexc, struct rte_mbuf **drop, unsigned *ndrop)
{
	struct pkt_result res;
	enum pkt_verdict v;
	struct dnstap_rec *dt = NULL; /* The dnstap sample, when this frame is it. */
	uint64_t l4f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	/* The port's word on the L4 checksum; NONE means the data was verified otherwise. */
	w->ctx.rx_l4 = l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD	? PKT_RX_L4_BAD
		       : l4f == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN ? PKT_RX_L4_UNKNOWN
							       : PKT_RX_L4_GOOD;
	res.exc_class = STATS_EXC_OTHER;

	if (unlikely(worker_too_big(w, p, m))) {
		drop[(*ndrop)++] = m;
		return;
	}
	/* dnstap (docs/dnstap.md): while off, this test and the one on dt below are its cost. */
	if (unlikely(w->dt.every != 0))
		dt = dnstap_tap_query(&w->dt, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
				      w->ctx.now);
	/*
	 * Only a plain single-segment mbuf may be rewritten in place; anything
	 * else (chained, or sharing its data with a clone) is left whole for
	 * the kernel, which never sees such frames from a sane port anyway.
	 */
	if (likely(m->nb_segs == 1 && !RTE_MBUF_CLONED(m)))
		v = pkt_process(&w->ctx, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
				(uint16_t)(m->buf_len - m->data_off), &res);
	else
		v = PKT_EXCEPTION;

	switch (v) {
	case PKT_TX:
		if (res.off != 0)
			rte_pktmbuf_adj(m, res.off);
		m->data_len = res.len;
		m->pkt_len = res.len;
		if (res.offload != 0)
			worker_set_offload(m, &res);
		else
			m->ol_flags &= RTE_MBUF_F_EXTERNAL;
		if (unlikely(dt != NULL))
			dnstap_tap_response(&w->dt, dt, rte_pktmbuf_mtod(m, const uint8_t *),
					    res.len, rte_rdtsc());
		worker_tx(w, p, m);
		break;
	case PKT_EXCEPTION:
		if (w->exc != NULL) {
			exc_cls[*nexc] = res.exc_class;
			exc[(*nexc)++] = m;
		} else {
			w->stats.drop[STATS_DROP_NO_EXCEPTION]++;
			drop[(*ndrop)++] = m;
		}
		break;
	default:
		drop[(*ndrop)++] = m;
		break;
	}
}

/*
 * A reload published new settings: take the limits that live in the
 * worker's own state. RRL can be turned off and retuned here, not turned on
 * without a table (which only start-up allocates: the reload refuses that).
 */
static void __rte_noinline
worker_settings_apply(struct worker *w, const struct worker_settings *ws)
{
	if (w->rrl.table != NULL) {
		if (ws->rrl.rate != 0 && rrl_retune(&w->rrl, &ws->rrl, w->ctx.hz) == 0)
			w->ctx.rrl = &w->rrl;
		else
			w->ctx.rrl = NULL;
	}
	if (w->exc != NULL)
		exception_retune(w->exc, ws->exc_pps);
	w->settings_gen = ws->gen;
}

/* How many frames ahead of the one being handled are prefetched (l3fwd's PREFETCH_OFFSET). */
#define WORKER_PREFETCH 3

#define WORKER_NO_HINT UINT8_MAX
_Static_assert(WORKER_BURST <= DNSQ_BURST, "dnsq_prefetch() takes a whole burst");

/*
 * A burst against a table too big for the caches (docs/design.md, "Answering
 * a burst"): every frame's head, then every question read and its table
 * lookups staged by dnsq_prefetch(), so the misses of the whole burst
 * overlap; then each frame is handled with its question's hint.
 */
static void
worker_burst_staged(struct worker *w, struct worker_port *p, struct rte_mbuf **pkts, unsigned n,
		    struct rte_mbuf **exc, uint8_t *exc_cls, unsigned *nexc, struct rte_mbuf **drop,
		    unsigned *ndrop)
{
	const uint8_t *dq[WORKER_BURST];
	uint16_t dl[WORKER_BURST];
	uint8_t hint_of[WORKER_BURST];
	struct dnsq_burst burst;
	unsigned nd = 0, i;

	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		uint16_t off, dlen;

		hint_of[i] = WORKER_NO_HINT;
		if (likely(pkts[i]->nb_segs == 1) &&
		    pkt_dns_peek(rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len, &off,
				 &dlen)) {
			dq[nd] = rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *, off);
			dl[nd] = dlen;
			hint_of[i] = (uint8_t)nd++;
		}
	}
	if (nd != 0)
		dnsq_prefetch(w->ctx.table, dq, dl, nd, &burst);
	for (i = 0; i < n; i++) {
		w->ctx.hint = hint_of[i] != WORKER_NO_HINT ? &burst.hint[hint_of[i]] : NULL;
		worker_frame(w, p, pkts[i], exc, exc_cls, nexc, drop, ndrop);
	}
	w->ctx.hint = NULL;
}

/* Handle one rx burst of @n frames from @p. */
static void
worker_burst(struct worker *w, struct worker_port *p, struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mbuf *exc[WORKER_BURST];
	uint8_t exc_cls[WORKER_BURST];
	struct rte_mbuf *drop[WORKER_BURST];
	const struct worker_settings *ws;
	unsigned nexc = 0, ndrop = 0, i;
	bool resident;

	w->stats.rx += n;
	/* Fetched once per burst; no pointer into it survives the next quiescent state. */
	w->ctx.table = rrt_current(w->root);
	ws = rcu_dereference(w->settings->cur);
	if (unlikely(ws->gen != w->settings_gen))
		worker_settings_apply(w, ws);
	w->ctx.dconf = &ws->dconf;
	/* A table that stays in the caches is not staged (rrt_cache_resident()). */
	resident = w->ctx.table == NULL || rrt_cache_resident(w->ctx.table);
	w->ctx.mtu = p->mtu;
	w->ctx.offload = p->offload;
	memcpy(w->ctx.mac, p->mac, 6);

	if (resident) {
		/* A table that stays in the caches: frame by frame, heads prefetched a few ahead. */
		for (i = 0; i < WORKER_PREFETCH && i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		for (i = 0; i + WORKER_PREFETCH < n; i++) {
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + WORKER_PREFETCH], void *));
			worker_frame(w, p, pkts[i], exc, exc_cls, &nexc, drop, &ndrop);
		}
		for (; i < n; i++)
			worker_frame(w, p, pkts[i], exc, exc_cls, &nexc, drop, &ndrop);
	} else {
		worker_burst_staged(w, p, pkts, n, exc, exc_cls, &nexc, drop, &ndrop);
	}

	/* Takes every frame: sends what each class's budget allows, frees and counts the rest. */
	if (nexc != 0)
		exception_to_kernel(w->exc, exc, exc_cls, nexc, &w->stats);
	if (ndrop != 0)
		rte_pktmbuf_free_bulk(drop, ndrop);
}

/*
 * Idle back-off: flush what is buffered, go offline so grace periods do not
 * wait for a sleeping reader, sleep, come back online. gdnsd's dnsio_udp.c
 * does the same around its blocking receive.
 */
static void
worker_idle_sleep(struct worker *w)
{
	worker_drain(w);
	w->stats.idle_sleeps++;
	rcu_thread_offline();
	rte_delay_us_sleep(w->idle_backoff_us);
	rcu_thread_online();
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[WORKER_BURST];
	const uint64_t drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * WORKER_DRAIN_US;
	uint64_t prev_drain = 0, now;
	unsigned idle = 0;

	rcu_register_thread();
	while (likely(!worker_stop_requested())) {
		unsigned got = 0;

		/* First thing in every iteration, so no path through the loop can skip it. */
		rcu_quiescent_state();
		w->stats.loops++;

		now = rte_rdtsc();
		w->ctx.now = now;
		if (unlikely(now - prev_drain > drain_tsc)) {
			worker_wall_tick(w, now);
			worker_drain(w);
			if (w->exc != NULL)
				worker_from_kernel(w);
			prev_drain = now;
		}

		for (unsigned i = 0; i < w->nports; i++) {
			struct worker_port *p = &w->ports[i];
			unsigned n = rte_eth_rx_burst(p->port_id, p->queue, pkts, WORKER_BURST);

			if (n != 0) {
				worker_burst(w, p, pkts, n);
				got += n;
			}
		}

		if (got != 0) {
			idle = 0;
		} else if (w->idle_backoff_us != 0 && ++idle >= WORKER_IDLE_POLLS) {
			/* Stay at the threshold: every further empty poll sleeps again. */
			idle = WORKER_IDLE_POLLS;
			worker_idle_sleep(w);
			if (w->exc != NULL)
				worker_from_kernel(w);
		}
	}
	worker_drain(w);
	rcu_thread_offline();
	rcu_unregister_thread();
	return 0;
}
