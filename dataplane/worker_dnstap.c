/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's dnstap ring: allocated on its lcore's socket before launch, freed after the join. */

#include <errno.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "swerve/dnstap.h"
#include "swerve/worker.h"

int
worker_dnstap_init(struct worker *w, uint32_t every, uint32_t nrec, uint32_t per_rec)
{
	void *mem;
	struct dnstap_ring *r;

	if (every == 0)
		return 0;
	mem = rte_zmalloc_socket("swerve_dnstap", dnstap_ring_bytes(nrec), RTE_CACHE_LINE_SIZE,
				 (int)rte_lcore_to_socket_id(w->lcore_id));
	if (mem == NULL)
		return -ENOMEM;
	r = dnstap_ring_init(mem, nrec);
	if (r == NULL) {
		rte_free(mem);
		return -EINVAL;
	}
	dnstap_tap_init(&w->dt, r, every, per_rec);
	return 0;
}

void
worker_dnstap_fini(struct worker *w)
{
	/* The ring is the start of its block (dnstap_ring_init()). */
	rte_free(w->dt.ring);
	dnstap_tap_init(&w->dt, NULL, 0, 0);
}
