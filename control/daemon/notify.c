/* SPDX-License-Identifier: BSD-3-Clause */
/* Service notifications to systemd through libsystemd's sd_notify() (notify.h). */

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "swerve/log.h"
#include "swerve/watchdog.h"

#include "notify.h"

/* What READY=1 said ("serving ..."): STATUS= again once a stuck worker recovers. */
static char notify_serving[200];
static bool notify_failed; /* A send failed: logged once. */

/* systemd's watchdog: -1 not looked at yet, 0 off, 1 on. */
static int notify_wd = -1;
static uint64_t notify_wd_half_ms; /* Half of WatchdogSec=: the ping cadence. */
static uint64_t notify_wd_last_ms; /* evloop_now_ms() of the last WATCHDOG=1; 0: none yet. */
static unsigned notify_stuck;	   /* Stuck workers at the last check. */

static void
notify_send(const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0 && !notify_failed) {
		notify_failed = true;
		sw_warn("systemd: cannot send \"%.*s\" to NOTIFY_SOCKET: %s (further failures are "
			"not logged)",
			(int)strcspn(msg, "\n"), msg, strerror(-rc));
	}
}

static const char *
notify_serving_text(void)
{
	return notify_serving[0] != '\0' ? notify_serving : "starting";
}

void
notify_ready(const char *fmt, ...)
{
	char msg[sizeof(notify_serving) + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(notify_serving, sizeof(notify_serving), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", notify_serving);
	notify_send(msg);
}

void
notify_reloading(void)
{
	notify_send("RELOADING=1\nSTATUS=reloading the configuration");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}

/* systemd's watchdog interval, once: WATCHDOG_USEC (and WATCHDOG_PID when set) from systemd. */
static void
notify_wd_init(void)
{
	uint64_t usec = 0;
	int rc = sd_watchdog_enabled(0, &usec);

	notify_wd = 0;
	if (rc < 0) {
		sw_warn("systemd: watchdog settings unreadable (%s): no WATCHDOG=1 is sent",
			strerror(-rc));
		return;
	}
	if (rc == 0 || usec < 2000)
		return;
	notify_wd = 1;
	notify_wd_half_ms = usec / 2000;
	sw_notice("systemd: watchdog of %" PRIu64 " ms: WATCHDOG=1 every %" PRIu64
		  " ms while no worker is stuck",
		  usec / 1000, notify_wd_half_ms);
	/* A ping can only come with a check: at worst half the interval plus one check apart. */
	if (notify_wd_half_ms < WATCHDOG_PERIOD_MS)
		sw_warn("systemd: WatchdogSec= is shorter than two checks of the worker watchdog "
			"(%u ms each): pings may come too late; use a few seconds or more",
			WATCHDOG_PERIOD_MS);
}

void
notify_watchdog(unsigned stuck, uint64_t now_ms)
{
	char msg[sizeof(notify_serving) + 96];

	if (notify_wd < 0)
		notify_wd_init();
	if (stuck != notify_stuck) {
		if (stuck > 0)
			snprintf(msg, sizeof(msg), "STATUS=%s; %u worker(s) stuck%s",
				 notify_serving_text(), stuck,
				 notify_wd == 1 ? ", watchdog pings withheld" : "");
		else
			snprintf(msg, sizeof(msg), "STATUS=%s", notify_serving_text());
		notify_send(msg);
		if (notify_wd == 1 && notify_stuck == 0)
			sw_warn("systemd: %u worker(s) stuck: WATCHDOG=1 withheld; systemd restarts "
				"swerved unless every worker recovers within WatchdogSec=",
				stuck);
		else if (notify_wd == 1 && stuck == 0)
			sw_notice("systemd: every worker runs again: WATCHDOG=1 resumed");
		notify_stuck = stuck;
	}
	if (stuck > 0 || notify_wd != 1)
		return;
	if (notify_wd_last_ms == 0 || now_ms - notify_wd_last_ms >= notify_wd_half_ms) {
		notify_wd_last_ms = now_ms;
		notify_send("WATCHDOG=1");
	}
}
