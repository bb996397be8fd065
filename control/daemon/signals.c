/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved's signals, taken on the control loop through a signalfd, and the counters they log. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <jansson.h>

#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/port.h"
#include "swerve/stats.h"
#include "swerve/worker.h"
#include "swerved.h"

/*
 * The signals the loop handles, blocked in every thread from the start (the
 * EAL's threads inherit the mask), so they wait for the signalfd instead of
 * interrupting whichever thread the kernel picks.
 */
void
swerved_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
}

/* One line per worker, "key=value" (SIGUSR1 and shutdown): scripts and old tests read it. */
static void
swerved_stats_log(const struct worker *w)
{
	const struct worker_stats *st = &w->stats;
	char drops[512];
	size_t off = 0;
	uint64_t ndrop = 0;

	drops[0] = '\0';
	for (unsigned i = 0; i < STATS_DROP_MAX; i++) {
		if (st->drop[i] == 0)
			continue;
		ndrop += st->drop[i];
		if (off < sizeof(drops))
			off += (size_t)snprintf(drops + off, sizeof(drops) - off, " %s=%lu",
						stats_drop_name((enum stats_drop)i),
						(unsigned long)st->drop[i]);
	}
	sw_info("stats: worker %u lcore %u: rx=%lu dns=%lu answered=%lu noerror=%lu formerr=%lu "
		"servfail=%lu nxdomain=%lu notimp=%lu refused=%lu badvers=%lu tc=%lu edns=%lu "
		"exc_to_kernel=%lu exc_limited=%lu exc_from_kernel=%lu ipv4_frag=%lu ipv6_ext=%lu "
		"tx=%lu tx_failed=%lu idle_sleeps=%lu dropped=%lu%s",
		w->index, w->lcore_id, (unsigned long)st->rx, (unsigned long)st->dns_queries,
		(unsigned long)st->answered, (unsigned long)st->rcode[0],
		(unsigned long)st->rcode[1], (unsigned long)st->rcode[2],
		(unsigned long)st->rcode[3], (unsigned long)st->rcode[4],
		(unsigned long)st->rcode[5], (unsigned long)st->rcode[STATS_RCODE_BADVERS],
		(unsigned long)st->truncated, (unsigned long)st->edns,
		(unsigned long)st->exc_to_kernel, (unsigned long)st->exc_limited,
		(unsigned long)st->exc_from_kernel, (unsigned long)st->ipv4_frag,
		(unsigned long)st->ipv6_ext, (unsigned long)st->tx_sent,
		(unsigned long)st->tx_failed, (unsigned long)st->idle_sleeps, (unsigned long)ndrop,
		drops);
}

void
swerved_stats_all(const struct swerved *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		swerved_stats_log(s->workers[i]);
	for (unsigned i = 0; i < s->nports; i++)
		port_stats_log(&s->ports[i]);
}

/* SIGINT/SIGTERM stop, SIGHUP reloads the configuration (and every zone), SIGUSR1 logs the counters. */
void
swerved_on_signal(void *arg, int fd, uint32_t events)
{
	struct swerved *s = arg;
	struct signalfd_siginfo si;
	json_t *reply;
	int rc;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			sw_notice("signal %u: stopping", si.ssi_signo);
			swerved_request_stop(s);
			break;
		case SIGHUP:
			/* As knotd: re-read the configuration, and with it every zone. */
			reply = json_object();
			rc = reply != NULL ? swerved_reconfig(s, SWERVED_COOKIE_SIGNAL, false, reply)
					   : -ENOMEM;
			if (rc == CTL_DEFERRED)
				sw_notice("SIGHUP: reloading the configuration and every zone");
			else if (rc < 0)
				sw_warn("SIGHUP: no reload: %s",
					reply != NULL && json_is_string(json_object_get(reply, "error"))
						? json_string_value(json_object_get(reply, "error"))
						: sw_strerror(rc));
			json_decref(reply);
			break;
		case SIGUSR1:
			swerved_stats_all(s);
			break;
		default:
			break;
		}
	}
}
