/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore loop: poll queues, answer DNS, pass the rest to the exception path. */

#ifndef SWERVE_WORKER_H
#define SWERVE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>

#include "swerve/dnstap.h"
#include "swerve/dnsq.h"
#include "swerve/pkt.h"
#include "swerve/rrl.h"
#include "swerve/stats.h"

struct rrt_root;
struct exc_queue;

/* Frames per rx burst and per buffered tx burst (l3fwd's MAX_PKT_BURST). */
#define WORKER_BURST 32

/* Ports a worker can poll; each gives it one RX and one TX queue. */
#define WORKER_MAX_PORTS 8

/* One (port, queue) pair a worker owns: nobody else touches that queue. */
struct worker_port {
	uint16_t port_id;
	uint16_t queue;
	uint16_t mtu;
	uint16_t offload;		   /* PKT_OFFLOAD_* the port does on TX. */
	uint8_t mac[6];			   /* Source MAC of our responses. */
	struct rte_eth_dev_tx_buffer *txb; /* Buffered TX, drained on a TSC deadline. */
};

/*
 * One worker lcore. Allocated and filled by the main lcore before launch,
 * then written only by the worker until it returns; the main lcore reads
 * stats while it runs (see stats.h) and frees it after the join.
 */
/*
 * What the workers (and the TCP thread, which answers with the same engine)
 * take from the configuration and a reload may change (docs/configuration.md,
 * "Reloading the configuration"). A block is immutable once published; a
 * reload publishes a new one through the root (RCU) and frees the old one
 * after a grace period. A worker reads the root once per burst: the
 * engine's settings are used from the block for that burst only, and when
 * @gen differs from what it last applied, it retunes its own RRL and
 * exception limiters from the block, on its own thread.
 */
struct worker_settings {
	uint64_t gen;		/* Increases with every block published. */
	struct dnsq_conf dconf; /* dns.*, cookies: the answer engine's settings. */
	struct rrl_conf rrl;	/* rate 0: off; table_size and seed are the start's. */
	uint32_t exc_pps[STATS_EXC_MAX]; /* exception.*rate-limit-pps, per class. */
	/* tcp.*: the TCP thread's limits. */
	uint32_t tcp_max_clients;
	uint32_t tcp_idle_ms;
	uint32_t tcp_io_ms;
	uint32_t tcp_max_per_source;
	uint32_t tcp_max_pipelined;
	bool cookie_random; /* dconf.cookie.secret was drawn at random (none configured). */
};

struct worker_settings_root {
	struct worker_settings *cur; /* read: QSBR readers (rcu_dereference); write: control. */
};

struct worker {
	struct worker_stats stats; /* First, on its own cache lines. */
	struct pkt_ctx ctx;	   /* L2-L4 context, including the error-answer limiter. */
	struct rrt_root *root;	   /* The published table, read once per burst. */
	struct worker_settings_root *settings; /* Read once per burst, as root. */
	uint64_t settings_gen;	   /* The block whose limits the worker runs with. */
	struct exc_queue *exc;	   /* This worker's exception path queue pair, or NULL. */
	struct dnstap_tap dt;	   /* dnstap sampling (dnstap.h); dt.every == 0: off. */
	struct rrl rrl;		   /* Response rate limiting; ctx.rrl points here when on. */
	/* Coarse wall clock for server cookies: TSC @tsc_base was Unix second @wall_base. */
	uint64_t tsc_base;
	uint32_t wall_base;
	uint32_t idle_backoff_us; /* Sleep this long when idle; 0 = busy poll. */
	unsigned lcore_id;
	unsigned index; /* Worker number, 0-based. */
	unsigned nports;
	struct worker_port ports[WORKER_MAX_PORTS];
	uint64_t big_warn_tsc; /* Next TSC at which a frame past the MTU may be logged. */
} __rte_cache_aligned;

/*
 * Prepare @w for @lcore_id: zero it, set up the L2-L4 context and allocate
 * nothing else yet. Ports are added with worker_add_port().
 * Thread: main lcore, before launch.
 */
void worker_init(struct worker *w, unsigned index, unsigned lcore_id, struct rrt_root *root,
		 struct worker_settings_root *settings, const struct pkt_service *svc,
		 uint32_t idle_backoff_us);

/* Give @w queue @queue of a started port; allocates its TX buffer. Thread: main lcore. */
int worker_add_port(struct worker *w, uint16_t port_id, uint16_t queue, const uint8_t mac[6],
		    uint16_t mtu, uint16_t offload);

/*
 * Turn response rate limiting on for @w with @conf (conf->rate != 0): the
 * bucket table is allocated on the worker lcore's socket. Returns 0,
 * -EINVAL (bad settings) or -ENOMEM. Thread: main lcore, before launch.
 */
int worker_rrl_init(struct worker *w, const struct rrl_conf *conf);

/*
 * dnstap (docs/dnstap.md): sample 1 in @every answered queries into a ring
 * of @nrec records (a power of two) allocated on the worker lcore's socket;
 * each record is worth @per_rec messages. @every == 0: nothing. Returns 0,
 * -EINVAL or -ENOMEM. Thread: main lcore, before launch (worker_dnstap.c).
 * worker_dnstap_fini() frees the ring, after the worker returned and the
 * dnstap writer stopped reading it.
 */
int worker_dnstap_init(struct worker *w, uint32_t every, uint32_t nrec, uint32_t per_rec);
void worker_dnstap_fini(struct worker *w);

/*
 * Free what worker_add_port() and worker_rrl_init() allocated (after the
 * worker returned; unsent frames are freed).
 */
void worker_fini(struct worker *w);

/* The lcore function for rte_eal_remote_launch(): runs until worker_request_stop(). */
int worker_main(void *arg);

/* Ask every worker to return. Async-signal-safe (one atomic store). */
void worker_request_stop(void);

/* True once worker_request_stop() was called. */
bool worker_stop_requested(void);

#endif /* SWERVE_WORKER_H */
