/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved's dataplane stages: the mbuf pool and ports, the workers with their RRL tables, the
 * exception tap, the launch. */

#include <errno.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/error.h"
#include "swerve/exception.h"
#include "swerve/log.h"
#include "swerve/port.h"
#include "swerve/rrl.h"
#include "swerve/worker.h"
#include "swerved.h"

/*
 * Mbufs set aside for the exception tap, per queue: its RX ring keeps a full
 * ring of buffers posted, and frames in flight between tap and port (a burst
 * each way) belong to nobody's ring for a while.
 */
#define SWERVED_EXC_MBUFS (EXC_RX_DESC + EXC_TX_DESC + 2 * WORKER_BURST)

/* Set up every port the EAL gave, with up to @nworkers queue pairs each. */
int
swerved_ports(struct swerved *s)
{
	const struct swerve_config *cfg = s->cfg;
	unsigned nworkers = rte_lcore_count() - 1;
	uint16_t pid;
	unsigned avail = rte_eth_dev_count_avail(), extra = 0;
	int rc;

	if (avail == 0) {
		sw_err("no ports: give one with EAL options, e.g. --vdev net_af_xdp0,iface=sw-dp");
		return -ENODEV;
	}
	if (avail > WORKER_MAX_PORTS) {
		sw_err("%u ports, at most %u supported", avail, WORKER_MAX_PORTS);
		return -E2BIG;
	}
	if (s->exc)
		extra = nworkers * SWERVED_EXC_MBUFS;
	rc = port_pool_create(port_pool_size(avail, nworkers, cfg->rx_ring, cfg->tx_ring,
					     rte_lcore_count(), extra),
			      (int)rte_socket_id(), &s->mp);
	if (rc < 0)
		return rc;

	/* Enumerate before the tap exists: it is an ethdev too, but never a service port. */
	RTE_ETH_FOREACH_DEV(pid)
	{
		rc = port_setup(&s->ports[s->nports], pid, (uint16_t)nworkers, cfg->rx_ring,
				cfg->tx_ring, s->mp);
		s->nports++;
		if (rc < 0)
			return rc;
		port_log(&s->ports[s->nports - 1]);
		if (s->nports == avail)
			break;
	}
	return 0;
}

/* Response rate limiting (rrl:), a table of its own per worker: nothing shared. */
static int
swerved_rrl(struct swerved *s)
{
	struct rrl_conf c;

	config_rrl_conf(s->cfg, &c);
	if (c.rate == 0)
		return 0;
	for (unsigned i = 0; i < s->nworkers; i++) {
		int rc = worker_rrl_init(s->workers[i], &c);

		if (rc < 0) {
			sw_err("rrl: worker %u: %s", i, sw_strerror(rc));
			return rc;
		}
	}
	sw_notice("rrl: on, %u responses/s (errors %u/s) per /%u or /%u and class, burst %u, "
		  "slip %u, %zu KiB per worker",
		  c.rate, c.errors != 0 ? c.errors : c.rate, c.ipv4_prefix, c.ipv6_prefix,
		  c.burst != 0 ? c.burst : c.rate, c.slip, rrl_table_bytes(&c) / 1024);
	return 0;
}

/*
 * One worker per worker lcore. The (port, queue) pairs are dealt out round
 * robin, so one port with N queues gives worker i queue i, and N one-queue
 * ports (say, af_xdp vdevs on the queues of one interface) give one each.
 */
int
swerved_workers(struct swerved *s)
{
	unsigned lcore, k = 0;
	int rc;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct worker *w;

		w = rte_zmalloc_socket("swerve_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		worker_init(w, s->nworkers, lcore, &s->root, &s->settings, &s->svc,
			    s->cfg->idle_backoff_us);
		s->workers[s->nworkers++] = w;
	}
	for (unsigned p = 0; p < s->nports; p++) {
		for (uint16_t q = 0; q < s->ports[p].nq; q++, k++) {
			rc = worker_add_port(s->workers[k % s->nworkers], s->ports[p].id, q,
					     s->ports[p].mac.addr_bytes, s->ports[p].mtu,
					     s->ports[p].offload);
			if (rc < 0)
				return rc;
		}
	}
	/* Workers past the number of queue pairs have nothing to poll. */
	while (s->nworkers > 0 && s->workers[s->nworkers - 1]->nports == 0) {
		struct worker *w = s->workers[--s->nworkers];

		sw_warn("lcore %u has no queue to poll: left idle (the ports have %u queue pairs)",
			w->lcore_id, k);
		rte_free(w);
	}
	s->stats_base = calloc(s->nworkers + 1, sizeof(*s->stats_base));
	if (s->stats_base == NULL)
		return -ENOMEM;
	return swerved_rrl(s);
}

/* The exception tap, with the MAC of ports[0] and one queue pair per worker. */
int
swerved_exception(struct swerved *s)
{
	struct exc_conf ec;
	int rc;

	if (!s->exc)
		return 0;
	s->excq = calloc(s->nworkers, sizeof(*s->excq));
	if (s->excq == NULL)
		return -ENOMEM;
	config_exc_conf(s->cfg, &ec);
	rc = exception_setup(&ec, s->ports[0].id, s->nworkers, s->mp, s->excq);
	if (rc < 0) {
		free(s->excq);
		s->excq = NULL;
		return rc;
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		s->workers[i]->exc = &s->excq[i];
	return 0;
}

int
swerved_launch(struct swerved *s)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = s->workers[i];
		int rc = rte_eal_remote_launch(worker_main, w, w->lcore_id);

		if (rc != 0) {
			sw_err("lcore %u: launch: %s", w->lcore_id, rte_strerror(-rc));
			return rc;
		}
		s->launched = true;
	}
	return 0;
}
