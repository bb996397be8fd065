/* SPDX-License-Identifier: BSD-3-Clause */
/* The secondary module's transfer thread and its job queues (secondary_xfr.c). */

#ifndef SWERVE_SECONDARY_XFR_H
#define SWERVE_SECONDARY_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "secondary_int.h"

/*
 * Callers: secondary.c (queueing jobs, taking results) and
 * secondary_setup.c (starting and stopping the thread, draining the
 * queues). The queues are used under s->mu, from either thread.
 */
void sec_queue_push(struct sec_queue *q, struct sec_job *j);
struct sec_job *sec_queue_pop(struct sec_queue *q);

/* The transfer thread's body (pthread_create() in secondary_start()); @arg is the secondary. */
void *sec_thread(void *arg);

/* The SOA's serial (2) or a timer (3 refresh, 4 retry, 5 expire) of @rrs. Any thread. */
bool sec_soa_field(const ldns_rr_list *rrs, size_t field, uint32_t *out);

#endif /* SWERVE_SECONDARY_XFR_H */
