/* SPDX-License-Identifier: BSD-3-Clause */
/* Connects the workers' and the ports' live counters to the metrics endpoint. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "swerve/metrics.h"
#include "swerve/metrics_dataplane.h"
#include "swerve/metrics_stats.h"
#include "swerve/port.h"
#include "swerve/worker.h"

/* What a scrape of the workers reads; written once by metrics_dataplane_workers(). */
struct metrics_workers {
	bool registered;
	struct worker *const *workers;
	const unsigned *nworkers;
	const char *version;
	double start_time;
};

/* What a scrape of the ports reads; written once by metrics_dataplane_ports(). */
struct metrics_ports {
	bool registered;
	const struct port *ports;
	const unsigned *nports;
};

static struct metrics_workers metrics_workers_ctx;
static struct metrics_ports metrics_ports_ctx;

static void
metrics_workers_render(void *ctx, struct metrics_out *o)
{
	const struct metrics_workers *mw = ctx;
	const struct worker_stats *st[RTE_MAX_LCORE];
	unsigned n = *mw->nworkers;

	if (n > RTE_DIM(st))
		n = RTE_DIM(st);
	for (unsigned i = 0; i < n; i++)
		st[i] = &mw->workers[i]->stats;
	metrics_stats_render_build(o, mw->version, mw->start_time);
	metrics_stats_render(o, st, n);
}

int
metrics_dataplane_workers(struct metrics *m, struct worker *const *workers,
			  const unsigned *nworkers, const char *version, double start_time)
{
	struct metrics_workers *mw = &metrics_workers_ctx;
	int rc;

	if (mw->registered)
		return -EBUSY;
	mw->workers = workers;
	mw->nworkers = nworkers;
	mw->version = version;
	mw->start_time = start_time;
	rc = metrics_add_source(m, metrics_workers_render, mw);
	if (rc == 0)
		mw->registered = true;
	return rc;
}

/* One family: a sample per port whose counters could be read, the field at @field. */
static void
metrics_ports_family(struct metrics_out *o, const struct metrics_ports *mp, const char *name,
		     const char *help, size_t field)
{
	char id[8];

	metrics_family(o, name, "counter", help);
	for (unsigned i = 0; i < *mp->nports; i++) {
		struct port_counters pc;

		if (port_counters_read(&mp->ports[i], &pc) != 0)
			continue;
		snprintf(id, sizeof(id), "%u", mp->ports[i].id);
		metrics_sample_u64(o, name,
				   *(const uint64_t *)(const void *)((const char *)&pc + field),
				   "port", id, NULL);
	}
}

static void
metrics_ports_render(void *ctx, struct metrics_out *o)
{
	const struct metrics_ports *mp = ctx;

	metrics_ports_family(o, mp, "swerve_port_rx_packets_total", "Frames the device received.",
			     offsetof(struct port_counters, rx_packets));
	metrics_ports_family(o, mp, "swerve_port_rx_missed_total",
			     "Frames the device dropped: no free RX descriptor (imissed).",
			     offsetof(struct port_counters, rx_missed));
	metrics_ports_family(o, mp, "swerve_port_rx_nombuf_total",
			     "RX descriptors that could not be refilled: mbuf pool empty.",
			     offsetof(struct port_counters, rx_nombuf));
	metrics_ports_family(o, mp, "swerve_port_rx_errors_total", "Erroneous frames received.",
			     offsetof(struct port_counters, rx_errors));
	metrics_ports_family(o, mp, "swerve_port_tx_packets_total",
			     "Frames the device transmitted.",
			     offsetof(struct port_counters, tx_packets));
	metrics_ports_family(o, mp, "swerve_port_tx_errors_total",
			     "Frames the device failed to send.",
			     offsetof(struct port_counters, tx_errors));
	metrics_family(
		o, "swerve_mbuf_pool_dequeue_failures_total", "counter",
		"Dequeues from the mbuf pool that found too few mbufs (rx_nombuf for every PMD).");
	metrics_sample_u64(o, "swerve_mbuf_pool_dequeue_failures_total", port_pool_nombuf(), NULL);
}

int
metrics_dataplane_ports(struct metrics *m, const struct port *ports, const unsigned *nports)
{
	struct metrics_ports *mp = &metrics_ports_ctx;
	int rc;

	if (mp->registered)
		return -EBUSY;
	mp->ports = ports;
	mp->nports = nports;
	rc = metrics_add_source(m, metrics_ports_render, mp);
	if (rc == 0)
		mp->registered = true;
	return rc;
}
