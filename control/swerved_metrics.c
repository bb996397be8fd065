/* SPDX-License-Identifier: BSD-3-Clause */
/* Connects the workers' live counters to the metrics endpoint; metrics_stats.c formats them. */

#include <errno.h>
#include <stdbool.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "swerve/metrics.h"
#include "swerve/metrics_stats.h"
#include "swerve/worker.h"

#include "swerved_metrics.h"

/* What a scrape reads; written once by swerved_metrics_register(). */
struct swerved_metrics {
	bool registered;
	struct worker *const *workers;
	const unsigned *nworkers;
	const char *version;
	double start_time;
};

static struct swerved_metrics swerved_metrics_ctx;

static void
swerved_metrics_render(void *ctx, struct metrics_out *o)
{
	const struct swerved_metrics *sm = ctx;
	const struct worker_stats *st[RTE_MAX_LCORE];
	unsigned n = *sm->nworkers;

	if (n > RTE_DIM(st))
		n = RTE_DIM(st);
	for (unsigned i = 0; i < n; i++)
		st[i] = &sm->workers[i]->stats;
	metrics_stats_render_build(o, sm->version, sm->start_time);
	metrics_stats_render(o, st, n);
}

int
swerved_metrics_register(struct metrics *m, struct worker *const *workers, const unsigned *nworkers,
			 const char *version, double start_time)
{
	struct swerved_metrics *sm = &swerved_metrics_ctx;
	int rc;

	if (sm->registered)
		return -EBUSY;
	sm->workers = workers;
	sm->nworkers = nworkers;
	sm->version = version;
	sm->start_time = start_time;
	rc = metrics_add_source(m, swerved_metrics_render, sm);
	if (rc == 0)
		sm->registered = true;
	return rc;
}
