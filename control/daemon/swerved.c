/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved: arguments, the EAL, the start-up stages (stages.c), then the control thread's event
 * loop. */

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerved.h"

/*
 * After "stop", how many short loop turns let queued control replies reach
 * their clients before the socket closes.
 */
#define SWERVED_DRAIN_TURNS 5
#define SWERVED_DRAIN_MS    10

static void
swerved_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -c CONFIG [--check]\n"
		"  -c, --config FILE  the swerve.yaml to serve\n"
		"  --check            validate the config, zones and failover records, build the\n"
		"                     table, exit (0 when valid; needs no port and no EAL "
		"options)\n"
		"signals: INT/TERM stop, HUP reloads every zone, USR1 logs the counters\n",
		prog);
}

/* Parse the application's arguments (after the EAL's); @argv[0] is the program name. */
static int
swerved_args(int argc, char **argv, const char **config, bool *check)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'k':
			*check = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || *config == NULL)
		return -EINVAL;
	return 0;
}

/* Free memory at the top of a heap kept for reuse rather than returned at once (see main()). */
#define SWERVED_TRIM_THRESHOLD (64 << 20)

/* --check: no EAL, no port; the application arguments follow "--" (or are all of them). */
static int
swerved_check(int argc, char **argv)
{
	struct swerved s;
	struct rrt *t = NULL;
	const char *config = NULL;
	bool check = false;
	int first = 0, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			first = i;
	argv[first] = argv[0];
	if (swerved_args(argc - first, argv + first, &config, &check) < 0) {
		swerved_usage(argv[0]);
		return 2;
	}
	memset(&s, 0, sizeof(s));
	rcu_register_thread();
	rcu_thread_offline();
	rc = evloop_new(&s.loop);
	s.config_path = config;
	if (rc == 0)
		rc = swerved_load(&s, true, &t);
	if (rc == 0)
		printf("%s: OK: %zu zone(s), %u names, %zu failover record(s)\n", config,
		       s.cfg->nzones, swerved_names(s.loader), s.cfg->nfailovers);
	rrt_free(t);
	loader_free(s.loader);
	if (s.fo != NULL)
		failover_free(s.fo);
	rcu_barrier();
	if (s.loop != NULL)
		evloop_free(s.loop);
	rcu_unregister_thread();
	config_free(s.cfg);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct swerved s;
	const char *config = NULL;
	sigset_t set;
	bool check = false;
	unsigned reached = 0;
	int rc, ret;

	sw_log_init("stderr", LOG_INFO);
	/*
	 * ldns allocates and frees a 64 KiB buffer for every record it reads.
	 * With glibc's default 128 KiB trim threshold each free gave the top of
	 * the heap back and the next record took it again: two brk() calls per
	 * record, 18 s to load 1M names instead of under 4 (perf/results/2026-11-journal.md,
	 * Scale). Freed memory above this much is still returned.
	 */
	mallopt(M_TRIM_THRESHOLD, SWERVED_TRIM_THRESHOLD);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--check") == 0)
			return swerved_check(argc, argv);

	/* Before the EAL creates its threads, so they inherit the mask (see swerved_sigset()). */
	swerved_sigset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&s, 0, sizeof(s));
	s.sigfd = -1;
	s.have_start_cpus = sched_getaffinity(0, sizeof(s.start_cpus), &s.start_cpus) == 0;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		sw_err("EAL: %s", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (swerved_args(argc, argv, &config, &check) < 0) {
		swerved_usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	s.config_path = config;
	s.start_ms = evloop_now_ms();
	s.start_wall = swerved_wall_now();
	s.stats_since = s.start_wall;

	/* The control thread reads the table only inside explicit online brackets. */
	rcu_register_thread();
	rcu_thread_offline();
	rc = swerved_start(&s, &reached);
	if (rc < 0)
		goto out;

	while (!s.quit) {
		rc = evloop_run_once(s.loop, -1);
		if (rc < 0) {
			sw_err("event loop: %s", sw_strerror(rc));
			goto out;
		}
	}
	rc = 0;
	for (int i = 0; i < SWERVED_DRAIN_TURNS; i++)
		evloop_run_once(s.loop, SWERVED_DRAIN_MS);
	sw_notice("shutting down");
out:
	swerved_stop(&s, reached);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
