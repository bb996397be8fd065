/* SPDX-License-Identifier: BSD-3-Clause */
/* The failover control commands and metrics (failover_ctl.c), for the unit test's direct calls. */

#ifndef SWERVE_FAILOVER_CTL_H
#define SWERVE_FAILOVER_CTL_H

#include <stddef.h>

#include "failover_int.h"

/*
 * Fill f->cmds and point *@cmds at them; returns how many. Callers:
 * failover_ctl_register() and the unit test (which calls the handlers
 * directly). Thread: the control thread.
 */
size_t fo_ctl_commands(struct failover *f, const struct ctl_cmd **cmds);

#endif /* SWERVE_FAILOVER_CTL_H */
