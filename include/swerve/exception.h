/* SPDX-License-Identifier: BSD-3-Clause */
/* The exception path: frames that are not UDP DNS for us go to the kernel through a tap, and back. */

#ifndef SWERVE_EXCEPTION_H
#define SWERVE_EXCEPTION_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "swerve/stats.h"
#include "swerve/svc_addr.h"

/* What the exception path is set up with; control fills it from the config's exception: section. */
struct exc_conf {
	const char *ifname;	      /* exception.interface: the tap's kernel name. */
	uint32_t pps;		      /* exception.rate-limit-pps: class "other", frames/s per queue. */
	uint32_t neigh_pps;	      /* exception.neigh-rate-limit-pps: ARP/ND, frames/s per queue. */
	uint32_t dns_pps;	      /* exception.dns-rate-limit-pps: TCP/53 and NOTIFY, per queue. */
	const struct svc_addr *addrs; /* The service addresses the kernel side gets. */
	size_t naddrs;
};

/* One class's token bucket. */
struct exc_bucket {
	uint64_t tokens;   /* Frames that may still go to the kernel, scaled by tsc_hz. */
	uint64_t last_tsc; /* When tokens was last refilled. */
	uint64_t rate;	   /* Frames per second allowed to the kernel. */
	uint64_t burst;	   /* Bucket depth in frames. */
};

/*
 * One worker's queue pair on the tap. Owned by that worker alone: nothing in
 * it is shared, so the rate limiter needs no atomics. Each class (enum
 * stats_exc_class) has its own bucket, so a flood of one class cannot use
 * up another's budget.
 */
struct exc_queue {
	uint16_t tap_port; /* DPDK port id of the net_tap device. */
	uint16_t queue;    /* This worker's RX/TX queue on the tap. */
	struct exc_bucket b[STATS_EXC_MAX];
};

/*
 * Descriptors per tap queue. The tap PMD preallocates one mbuf per RX
 * descriptor (a chain for scattered jumbo frames), so each queue holds this
 * many mbufs of the pool for its whole life: size the pool for it.
 */
#define EXC_RX_DESC 64
#define EXC_TX_DESC 64

/*
 * Create the tap (kernel name @c->ifname, the MAC of @port_id so
 * the kernel's ARP/ND answers name the address clients already send to),
 * give it @nqueues queue pairs from @mp, assign the service addresses to its
 * kernel side and bring it up. Fills @q[0..nqueues-1].
 * Thread: main lcore, before workers start.
 */
int exception_setup(const struct exc_conf *c, uint16_t port_id, unsigned nqueues,
		    struct rte_mempool *mp, struct exc_queue *q);

/*
 * New rates (frames/s per class: neigh, dns, other) for a running queue
 * pair (a configuration reload). Each class's burst follows its rate, and
 * tokens above the new burst are dropped. Thread: the worker owning @q.
 */
void exception_retune(struct exc_queue *q, const uint32_t pps[STATS_EXC_MAX]);

/*
 * Hand @n frames to the kernel, frame i charged to class @cls[i] (enum
 * stats_exc_class), each class within its own budget, and in order of
 * priority: ARP/ND first, then DNS, then the rest, so a full tap refuses
 * the least important first. Takes every frame: those not sent (over the
 * budget, or refused by a full tap) are freed here. Counts per class into
 * @st (exc_class_kernel, exc_class_limited, and the totals exc_to_kernel
 * and exc_limited). Returns how many went to the kernel. TCP/UDP checksums
 * a virtual link left partial (offloaded by a veth peer) are completed
 * first, or the kernel would drop those segments.
 * Thread: the worker owning @q.
 */
unsigned exception_to_kernel(struct exc_queue *q, struct rte_mbuf **m, const uint8_t *cls,
			     unsigned n, struct worker_stats *st);

/* Take up to @max frames the kernel sent (ARP/ND replies, ICMP, TCP); the caller transmits them. */
unsigned exception_from_kernel(struct exc_queue *q, struct rte_mbuf **m, unsigned max);

/* Stop and close the tap. Thread: main lcore, after workers stopped. */
void exception_close(uint16_t tap_port);

#endif /* SWERVE_EXCEPTION_H */
