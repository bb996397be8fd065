/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved: EAL, config, zones, ports, workers; then the main lcore waits for a signal. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/exception.h"
#include "swerve/log.h"
#include "swerve/pkt.h"
#include "swerve/port.h"
#include "swerve/rrt.h"
#include "swerve/stats.h"
#include "swerve/tcp.h"
#include "swerve/worker.h"
#include "swerve/zone.h"

/*
 * Mbufs set aside for the exception tap, per queue: its RX ring keeps a full
 * ring of buffers posted, and frames in flight between tap and port (a burst
 * each way) belong to nobody's ring for a while.
 */
#define SWERVED_EXC_MBUFS (EXC_RX_DESC + EXC_TX_DESC + 2 * WORKER_BURST)

/* How often the main lcore wakes to look at its flags: short enough for a prompt shutdown. */
#define SWERVED_TICK_MS 100

/* Everything the daemon owns. Written by the main lcore only. */
struct swerved {
	struct swerve_config *cfg;
	struct rrt_root root; /* read: workers and the TCP thread; write: main lcore. */
	struct dnsq_conf dconf;
	struct pkt_service svc;
	struct rte_mempool *mp;
	struct port ports[WORKER_MAX_PORTS];
	unsigned nports;
	struct worker *workers[RTE_MAX_LCORE];
	unsigned nworkers;
	bool launched;
	struct exc_queue *excq; /* One per worker, or NULL without an exception path. */
	bool tcp_on;
	size_t nzones;
	uint32_t nnames;
};

/* Set by the signal handler, read by the main loop. */
static volatile sig_atomic_t swerved_quit;
static volatile sig_atomic_t swerved_dump;

static void
swerved_signal(int sig)
{
	if (sig == SIGUSR1) {
		swerved_dump = 1;
		return;
	}
	swerved_quit = 1;
	worker_request_stop();
}

/* No SA_RESTART: the main loop's sleep returns early and sees the flag at once. */
static void
swerved_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = swerved_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

static void
swerved_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -c CONFIG [--check]\n"
		"  -c, --config FILE  the swerve.yaml to serve\n"
		"  --check            validate the config and zones, build the table, exit\n"
		"                     (0 when valid; needs no port and no EAL options)\n",
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

static void
swerved_diag(const struct sw_diag *d, int rc)
{
	const char *msg = d->msg[0] != '\0' ? d->msg : sw_strerror(rc);

	if (d->file[0] != '\0' && d->line != 0)
		sw_err("%s:%u: %s", d->file, d->line, msg);
	else if (d->file[0] != '\0')
		sw_err("%s: %s", d->file, msg);
	else
		sw_err("%s", msg);
}

/* Load the config and every zone and build the first snapshot (*@out may stay NULL: no zones). */
static int
swerved_load(struct swerved *s, const char *path, struct rrt **out)
{
	struct sw_diag d;
	struct zone **zones = NULL;
	size_t n = 0;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = config_load(path, &s->cfg, &d);
	if (rc < 0) {
		swerved_diag(&d, rc);
		return rc;
	}
	if (s->cfg->nzones == 0) {
		sw_warn("%s: no zones configured: every query is REFUSED", path);
		return 0;
	}
	zones = calloc(s->cfg->nzones, sizeof(*zones));
	if (zones == NULL)
		return -ENOMEM;
	for (n = 0; n < s->cfg->nzones; n++) {
		memset(&d, 0, sizeof(d));
		rc = zone_load(s->cfg->zones[n].name, s->cfg->zones[n].file, &zones[n], &d);
		if (rc < 0) {
			swerved_diag(&d, rc);
			goto out;
		}
	}
	memset(&d, 0, sizeof(d));
	rc = rrt_build((const struct zone *const *)zones, n, NULL, 0, out, &d);
	if (rc < 0) {
		swerved_diag(&d, rc);
		goto out;
	}
	s->nzones = n;
	s->nnames = (*out)->nnodes;
out:
	for (size_t i = 0; i < n; i++)
		zone_free(zones[i]);
	free(zones);
	return rc < 0 ? rc : 0;
}

/* One line per worker, "key=value" so scripts can read it until the control socket exists. */
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

static void
swerved_stats_all(const struct swerved *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		swerved_stats_log(s->workers[i]);
}

/* Set up every port the EAL gave, with up to @nworkers queue pairs each. */
static int
swerved_ports(struct swerved *s, unsigned nworkers, bool exc)
{
	const struct swerve_config *cfg = s->cfg;
	uint16_t pid;
	unsigned avail = rte_eth_dev_count_avail(), extra = 0;
	int rc;

	if (avail == 0) {
		sw_err("no ports: give one with EAL options, e.g. --vdev net_af_xdp0,iface=sw-dp");
		return -ENODEV;
	}
	if (avail > WORKER_MAX_PORTS) {
		sw_err("%u ports, at most %u supported", avail, WORKER_MAX_PORTS);
		return -E2BIG;
	}
	if (exc)
		extra = nworkers * SWERVED_EXC_MBUFS;
	rc = port_pool_create(port_pool_size(avail, nworkers, cfg->rx_ring, cfg->tx_ring,
					     rte_lcore_count(), extra),
			      (int)rte_socket_id(), &s->mp);
	if (rc < 0)
		return rc;

	/* Enumerate before the tap exists: it is an ethdev too, but never a service port. */
	RTE_ETH_FOREACH_DEV(pid)
	{
		rc = port_setup(&s->ports[s->nports], pid, (uint16_t)nworkers, cfg->rx_ring,
				cfg->tx_ring, s->mp);
		s->nports++;
		if (rc < 0)
			return rc;
		port_log(&s->ports[s->nports - 1]);
		if (s->nports == avail)
			break;
	}
	return 0;
}

/*
 * One worker per worker lcore. The (port, queue) pairs are dealt out round
 * robin, so one port with N queues gives worker i queue i, and N one-queue
 * ports (say, af_xdp vdevs on the queues of one interface) give one each.
 */
static int
swerved_workers(struct swerved *s)
{
	unsigned lcore, k = 0;
	int rc;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct worker *w;

		w = rte_zmalloc_socket("swerve_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		worker_init(w, s->nworkers, lcore, &s->root, &s->dconf, &s->svc,
			    s->cfg->idle_backoff_us);
		s->workers[s->nworkers++] = w;
	}
	for (unsigned p = 0; p < s->nports; p++) {
		for (uint16_t q = 0; q < s->ports[p].nq; q++, k++) {
			rc = worker_add_port(s->workers[k % s->nworkers], s->ports[p].id, q,
					     s->ports[p].mac.addr_bytes, s->ports[p].mtu,
					     s->ports[p].offload);
			if (rc < 0)
				return rc;
		}
	}
	/* Workers past the number of queue pairs have nothing to poll. */
	while (s->nworkers > 0 && s->workers[s->nworkers - 1]->nports == 0) {
		struct worker *w = s->workers[--s->nworkers];

		sw_warn("lcore %u has no queue to poll: left idle (the ports have %u queue pairs)",
			w->lcore_id, k);
		rte_free(w);
	}
	return 0;
}

/* The exception tap, with the MAC of ports[0] and one queue pair per worker. */
static int
swerved_exception(struct swerved *s)
{
	int rc;

	s->excq = calloc(s->nworkers, sizeof(*s->excq));
	if (s->excq == NULL)
		return -ENOMEM;
	rc = exception_setup(s->cfg, s->ports[0].id, s->nworkers, s->mp, s->excq);
	if (rc < 0) {
		free(s->excq);
		s->excq = NULL;
		return rc;
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		s->workers[i]->exc = &s->excq[i];
	return 0;
}

static int
swerved_launch(struct swerved *s)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct worker *w = s->workers[i];
		int rc = rte_eal_remote_launch(worker_main, w, w->lcore_id);

		if (rc != 0) {
			sw_err("lcore %u: launch: %s", w->lcore_id, rte_strerror(-rc));
			return rc;
		}
		s->launched = true;
	}
	return 0;
}

static void
swerved_summary(const struct swerved *s)
{
	char addrs[256];
	size_t off = 0;

	addrs[0] = '\0';
	for (size_t i = 0; i < s->cfg->naddrs && off < sizeof(addrs); i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(s->cfg->addrs[i].family, &s->cfg->addrs[i].v6, a, sizeof(a));
		off += (size_t)snprintf(addrs + off, sizeof(addrs) - off, "%s%s", i ? " " : "", a);
	}
	sw_notice("swerved: serving %zu zone(s), %u names on %s; %u port(s), %u worker(s)%s; "
		  "exception path %s, tcp %s",
		  s->nzones, s->nnames, addrs, s->nports, s->nworkers,
		  s->cfg->idle_backoff_us ? " with idle back-off" : "",
		  s->excq != NULL ? s->cfg->exception_ifname : "off", s->tcp_on ? "on" : "off");
}

/* Teardown in dependency order: workers, TCP, ports, exception path, table, RCU callbacks. */
static void
swerved_teardown(struct swerved *s)
{
	struct rrt *old;

	worker_request_stop();
	if (s->launched)
		rte_eal_mp_wait_lcore();
	if (s->tcp_on)
		tcp_listener_stop();
	if (s->nworkers != 0)
		swerved_stats_all(s);
	for (unsigned i = 0; i < s->nports; i++)
		port_close(&s->ports[i]);
	if (s->excq != NULL)
		exception_close(s->excq[0].tap_port);
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_fini(s->workers[i]);
		rte_free(s->workers[i]);
	}
	old = rrt_publish(&s->root, NULL);
	rrt_reclaim(old);
	/* Failover slots free their RRsets with call_rcu: wait for those callbacks too. */
	rcu_barrier();
	free(s->excq);
	rte_mempool_free(s->mp);
	config_free(s->cfg);
	s->cfg = NULL;
}

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
	rc = swerved_load(&s, config, &t);
	if (rc == 0)
		printf("%s: OK: %zu zone(s), %u names\n", config, s.nzones, s.nnames);
	rrt_free(t);
	config_free(s.cfg);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct swerved s;
	struct rrt *t = NULL;
	const char *config = NULL;
	struct timespec tick = {0, SWERVED_TICK_MS * 1000000L};
	bool check = false, exc;
	int rc, ret;

	sw_log_init("stderr", LOG_INFO);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--check") == 0)
			return swerved_check(argc, argv);

	memset(&s, 0, sizeof(s));
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

	rc = swerved_load(&s, config, &t);
	if (rc < 0)
		goto out;
	sw_log_init(s.cfg->log_target, s.cfg->log_level);
	rrt_publish(&s.root, t);
	s.dconf.edns_payload = s.cfg->edns_payload;
	s.dconf.version = s.cfg->version;
	s.dconf.identity = s.cfg->identity;
	rc = pkt_service_init(&s.svc, s.cfg->addrs, s.cfg->naddrs);
	if (rc < 0) {
		sw_err("%s: at most %u service addresses per family", config, PKT_MAX_SERVICE);
		goto out;
	}
	if (rte_lcore_count() < 2) {
		sw_err("no worker lcore: give two lcores or more (-l 0-1, --lcores 0@0,1@1)");
		rc = -EINVAL;
		goto out;
	}

	swerved_signals();

	exc = s.cfg->exception_ifname != NULL && s.cfg->exception_ifname[0] != '\0';
	rc = swerved_ports(&s, rte_lcore_count() - 1, exc);
	if (rc < 0)
		goto out;
	rc = swerved_workers(&s);
	if (rc < 0)
		goto out;
	if (exc) {
		rc = swerved_exception(&s);
		if (rc < 0)
			goto out;
		/* TCP reaches the kernel only through the exception path, so it needs it. */
		rc = tcp_listener_start(s.cfg, &s.root, &s.dconf);
		if (rc < 0) {
			sw_err("tcp listener: %s", sw_strerror(rc));
			goto out;
		}
		s.tcp_on = true;
	}
	rc = swerved_launch(&s);
	if (rc < 0)
		goto out;
	swerved_summary(&s);

	/* The control socket of a later issue lives here; for now the main lcore only waits. */
	while (!swerved_quit) {
		nanosleep(&tick, NULL);
		if (swerved_dump) {
			swerved_dump = 0;
			swerved_stats_all(&s);
		}
	}
	sw_notice("shutting down");
out:
	swerved_teardown(&s);
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
