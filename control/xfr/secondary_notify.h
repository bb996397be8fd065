/* SPDX-License-Identifier: BSD-3-Clause */
/* The NOTIFY sockets of secondary_notify.c, for the tear-down in secondary_setup.c. */

#ifndef SWERVE_SECONDARY_NOTIFY_H
#define SWERVE_SECONDARY_NOTIFY_H

#include "secondary_int.h"

/* Close the NOTIFY sockets (none open is fine). Caller: secondary_free(). Control thread. */
void sec_notify_close(struct secondary *s);

#endif /* SWERVE_SECONDARY_NOTIFY_H */
