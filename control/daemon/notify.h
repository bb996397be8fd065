/* SPDX-License-Identifier: BSD-3-Clause */
/* Service notifications to systemd: readiness, stopping, status and the watchdog ping. */

#ifndef SWERVE_NOTIFY_H
#define SWERVE_NOTIFY_H

#include <stdint.h>

/*
 * swerved as a Type=notify service (docs/running.md, "Running under
 * systemd"). Every message goes through libsystemd's sd_notify(); without
 * NOTIFY_SOCKET in the environment (not started by systemd) each call does
 * nothing. A message that cannot be sent is logged once and otherwise
 * ignored: systemd's own timeouts deal with a daemon that goes silent.
 *
 * Thread: the control thread only; the state is one per process.
 */

/* READY=1 and STATUS=@fmt: start-up is complete and answers flow (after the last stage). */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * RELOADING=1: a configuration reload has begun; notify_ready() with the
 * new status ends it (applied or refused), as systemd expects.
 */
void notify_reloading(void);

/* STOPPING=1: shutdown has begun. */
void notify_stopping(void);

/*
 * From every periodic check of the stuck-worker watchdog (watchdog.h):
 * @stuck workers are stuck now, @now_ms is evloop_now_ms(). When systemd's
 * watchdog is on (WatchdogSec=, read with sd_watchdog_enabled() at the first
 * call) and no worker is stuck, WATCHDOG=1 is sent once half of systemd's
 * interval has passed since the last one. While any worker is stuck nothing
 * is sent, so systemd ends the service once its interval runs out and
 * restarts it (Restart=). Entering and leaving that state also updates
 * STATUS= and logs one line each.
 */
void notify_watchdog(unsigned stuck, uint64_t now_ms);

#endif /* SWERVE_NOTIFY_H */
