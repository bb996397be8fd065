/* SPDX-License-Identifier: BSD-3-Clause */
/* secondary.c's functions for the other secondary files: refreshes, the clock, loop callbacks. */

#ifndef SWERVE_SECONDARY_CORE_H
#define SWERVE_SECONDARY_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "secondary_int.h"

/* Start a refresh of @z (or remember one for after the running one). Control thread. */
void sec_refresh(struct sec_zone *z, bool axfr);

/* From any thread (a NOTIFY over TCP), have the control thread refresh @z soon. */
void sec_refresh_post(struct sec_zone *z);

/* Wall clock now, seconds. Any thread. */
double sec_wall_now(void);

/*
 * Event loop callbacks, installed by secondary_setup.c on the control
 * thread's loop: the transfer thread's results are ready (the eventfd),
 * a zone's refresh timer and its expiry timer (@arg is the sec_zone).
 */
void sec_on_results(void *arg, int fd, uint32_t events);
void sec_on_refresh(void *arg);
void sec_on_expire(void *arg);

#endif /* SWERVE_SECONDARY_CORE_H */
