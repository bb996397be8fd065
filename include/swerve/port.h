/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet ports: configure whatever ethdev the EAL gives, one RX/TX queue pair per worker. */

#ifndef SWERVE_PORT_H
#define SWERVE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

/* One configured port. Filled by port_setup(), read-only while workers run. */
struct port {
	uint16_t id;
	uint16_t nq;	  /* RX/TX queue pairs, dealt out to workers round robin. */
	uint16_t rx_ring; /* Descriptors per RX queue after device limits. */
	uint16_t tx_ring; /* Descriptors per TX queue after device limits. */
	uint16_t mtu;
	uint16_t offload; /* PKT_OFFLOAD_* enabled on TX. */
	bool rss;	  /* Receive-side scaling configured in the device. */
	bool started;
	struct rte_ether_addr mac;
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
};

/*
 * Mbufs a pool needs for @nports ports with up to @nq queue pairs each,
 * @rx_ring/@tx_ring descriptors, @nlcores lcores' caches and bursts in
 * flight, plus @extra (the exception path's rings). Rounded to 2^n - 1,
 * the size rte_mempool uses best.
 */
unsigned port_pool_size(unsigned nports, unsigned nq, unsigned rx_ring, unsigned tx_ring,
			unsigned nlcores, unsigned extra);

/*
 * Create the mbuf pool shared by all ports. Thread: main lcore.
 * SWERVE_MBUF_POOL=N in the environment makes the pool N mbufs instead
 * (fault tests: a pool too small for the rings must be survived, and is
 * counted as rx_nombuf / imissed); it is logged as a warning.
 */
int port_pool_create(unsigned nmbufs, int socket, struct rte_mempool **out);

/*
 * Dequeues from the pool that failed for want of mbufs, since start: what
 * rx_nombuf would say if every PMD counted it (af_packet does not). The pool's
 * mempool ops wrap the default ones to count. Thread: any.
 */
uint64_t port_pool_nombuf(void);

/*
 * Configure and start @port_id with up to @nworkers queue pairs (fewer when
 * the device has fewer queues), RSS when it can and more than one queue is
 * used, and the checksum offloads it offers. Fills @p. Thread: main lcore.
 */
int port_setup(struct port *p, uint16_t port_id, uint16_t nworkers, uint16_t rx_ring,
	       uint16_t tx_ring, struct rte_mempool *mp);

/* Log the port's link state and configuration in one line. */
void port_log(const struct port *p);

/*
 * Log the device's own counters in one line: what the workers' counters
 * cannot see (frames the device dropped for want of an mbuf or ring space).
 * Thread: the control thread.
 */
void port_stats_log(const struct port *p);

/* The device's own counters (rte_eth_stats), copied out for the control side's metrics. */
struct port_counters {
	uint64_t rx_packets; /* ipackets: frames the device received. */
	uint64_t rx_missed;  /* imissed: dropped for want of a free RX descriptor. */
	uint64_t rx_nombuf;  /* RX descriptors not refilled: the mbuf pool was empty. */
	uint64_t rx_errors;  /* ierrors: erroneous frames received. */
	uint64_t tx_packets; /* opackets: frames the device transmitted. */
	uint64_t tx_errors;  /* oerrors: frames the device failed to send. */
};

/*
 * Read @p's device counters into @out. Returns 0 or a negative errno (the
 * PMD's answer to rte_eth_stats_get()); @out is untouched on error.
 * Thread: the control thread (rte_eth_stats_get() is not for the workers).
 */
int port_counters_read(const struct port *p, struct port_counters *out);

/* Stop and close @p (safe on a port that never started). Thread: main lcore, workers stopped. */
void port_close(struct port *p);

#endif /* SWERVE_PORT_H */
