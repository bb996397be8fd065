/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved's dnstap stage: the workers' rings (dataplane) and the writer (control) put together. */

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "swerve/config.h"
#include "swerve/dnstap.h"
#include "swerve/dnstap_log.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/worker.h"
#include "swerved.h"
#include "swerved_dnstap.h"

int
stage_dnstap_init(struct swerved *s)
{
	const struct swerve_config *cfg = s->cfg;
	struct dnstap_ring *rings[RTE_MAX_LCORE];
	int rc;

	if (!dnstap_enabled(cfg))
		return 0;
	for (unsigned i = 0; i < s->nworkers; i++) {
		rc = worker_dnstap_init(s->workers[i], cfg->dnstap_sample, cfg->dnstap_ring,
					dnstap_per_record(cfg));
		if (rc < 0) {
			sw_err("dnstap: ring of worker %u: %s", i, sw_strerror(rc));
			return rc;
		}
		rings[i] = s->workers[i]->dt.ring;
	}
	rc = dnstap_start(cfg, rings, s->nworkers, rte_get_tsc_hz());
	if (rc == 0)
		rc = dnstap_metrics_register(s->metrics);
	return rc;
}

void
stage_dnstap_fini(struct swerved *s)
{
	dnstap_stop();
	for (unsigned i = 0; i < s->nworkers; i++)
		worker_dnstap_fini(s->workers[i]);
}
