/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved: EAL, config, zones, ports, workers; then the main lcore runs the control thread's event loop. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <urcu-qsbr.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/ctl.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/exception.h"
#include "swerve/failover.h"
#include "swerve/loader.h"
#include "swerve/secondary.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/metrics_dataplane.h"
#include "swerve/pkt.h"
#include "swerve/port.h"
#include "swerve/rrl.h"
#include "swerve/rrt.h"
#include "swerve/stats.h"
#include "swerve/tcp.h"
#include "swerve/watchdog.h"
#include "swerve/worker.h"
#include "swerved.h"

/*
 * Mbufs set aside for the exception tap, per queue: its RX ring keeps a full
 * ring of buffers posted, and frames in flight between tap and port (a burst
 * each way) belong to nobody's ring for a while.
 */
#define SWERVED_EXC_MBUFS (EXC_RX_DESC + EXC_TX_DESC + 2 * WORKER_BURST)

/*
 * After "stop", how many short loop turns let queued control replies reach
 * their clients before the socket closes.
 */
#define SWERVED_DRAIN_TURNS 5
#define SWERVED_DRAIN_MS    10

double
swerved_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
swerved_request_stop(struct swerved *s)
{
	s->quit = true;
}

/*
 * The signals the loop handles, blocked in every thread from the start (the
 * EAL's threads inherit the mask), so they wait for the signalfd instead of
 * interrupting whichever thread the kernel picks.
 */
static void
swerved_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
}

static void
swerved_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL options] -- -c CONFIG [--check]\n"
		"  -c, --config FILE  the swerve.yaml to serve\n"
		"  --check            validate the config, zones and failover records, build the\n"
		"                     table, exit (0 when valid; needs no port and no EAL options)\n"
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

/* Owner names over every zone, for messages. */
static uint32_t
swerved_names(const struct loader *l)
{
	const struct loader_zone_info *zi;
	size_t n;
	uint32_t total = 0;

	zi = loader_zones(l, &n);
	for (size_t i = 0; i < n; i++)
		total += zi[i].names;
	return total;
}

/*
 * Config, failover records, zones and the first snapshot (*@out may stay
 * NULL: no zones). The failover slots exist before the first build so
 * every snapshot, this one included, binds them.
 */
static int
swerved_load(struct swerved *s, const char *path, struct rrt **out)
{
	struct rrt_slot *const *slots = NULL;
	struct sw_diag d;
	size_t nslots;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = config_load(path, &s->cfg, &d);
	if (rc < 0)
		goto out;
	if (s->cfg->nzones == 0)
		sw_warn("%s: no zones configured: every query is REFUSED", path);
	rc = failover_new(s->cfg, s->loop, &s->fo, &d);
	if (rc < 0)
		goto out;
	nslots = failover_slots(s->fo, &slots);
	rc = loader_new(s->cfg, slots, nslots, &s->loader, out, &d);
out:
	if (rc < 0)
		swerved_diag(&d, rc);
	return rc;
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

static void
swerved_stats_all(const struct swerved *s)
{
	for (unsigned i = 0; i < s->nworkers; i++)
		swerved_stats_log(s->workers[i]);
	for (unsigned i = 0; i < s->nports; i++)
		port_stats_log(&s->ports[i]);
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

/* Response rate limiting (rrl:), a table of its own per worker: nothing shared. */
static int
swerved_rrl(struct swerved *s)
{
	struct rrl_conf c;

	config_rrl_conf(s->cfg, &c);
	if (c.rate == 0)
		return 0;
	for (unsigned i = 0; i < s->nworkers; i++) {
		int rc = worker_rrl_init(s->workers[i], &c);

		if (rc < 0) {
			sw_err("rrl: worker %u: %s", i, sw_strerror(rc));
			return rc;
		}
	}
	sw_notice("rrl: on, %u responses/s (errors %u/s) per /%u or /%u and class, burst %u, "
		  "slip %u, %zu KiB per worker",
		  c.rate, c.errors != 0 ? c.errors : c.rate, c.ipv4_prefix, c.ipv6_prefix,
		  c.burst != 0 ? c.burst : c.rate, c.slip, rrl_table_bytes(&c) / 1024);
	return 0;
}

/*
 * Server cookies (cookies:). Without cookies.secret the secret is random and
 * this process's alone: cookies then neither survive a restart nor verify on
 * other nodes of a fleet.
 */
static int
swerved_cookies(struct swerved *s)
{
	struct dnsq_cookie_conf *cc = &s->dconf.cookie;

	cc->enabled = s->cfg->cookies_enabled;
	if (!cc->enabled)
		return 0;
	if (s->cfg->cookie_secret_set) {
		memcpy(cc->secret, s->cfg->cookie_secret, sizeof(cc->secret));
	} else if (getrandom(cc->secret, sizeof(cc->secret), 0) != (ssize_t)sizeof(cc->secret)) {
		sw_err("cookies: no random secret: %s", strerror(errno));
		return -EIO;
	}
	cc->has_previous = s->cfg->cookie_previous_set;
	if (cc->has_previous)
		memcpy(cc->previous, s->cfg->cookie_previous, sizeof(cc->previous));
	sw_notice("cookies: on, %s secret%s", s->cfg->cookie_secret_set ? "configured" : "random",
		  cc->has_previous ? ", previous secret still accepted" : "");
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
	return swerved_rrl(s);
}

/* The exception tap, with the MAC of ports[0] and one queue pair per worker. */
static int
swerved_exception(struct swerved *s)
{
	struct exc_conf ec;
	int rc;

	s->excq = calloc(s->nworkers, sizeof(*s->excq));
	if (s->excq == NULL)
		return -ENOMEM;
	config_exc_conf(s->cfg, &ec);
	rc = exception_setup(&ec, s->ports[0].id, s->nworkers, s->mp, s->excq);
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
		  "exception path %s, tcp %s; %zu failover record(s); control %s, metrics %s",
		  s->cfg->nzones, swerved_names(s->loader), addrs, s->nports, s->nworkers,
		  s->cfg->idle_backoff_us ? " with idle back-off" : "",
		  s->excq != NULL ? s->cfg->exception_ifname : "off", s->tcp_on ? "on" : "off",
		  s->cfg->nfailovers, s->cfg->ctl_socket,
		  s->cfg->metrics_listen != NULL ? s->cfg->metrics_listen : "off");
}

/* The daemon's metric sources: counters (metrics_dataplane.c); zones and failover add their own. */
static int
swerved_metrics_add(struct swerved *s)
{
	return metrics_dataplane_workers(s->metrics, s->workers, &s->nworkers, SWERVE_VERSION,
					s->start_wall);
}

/* The stuck-worker watchdog (watchdog.h): one per process, on the control loop. */
static struct watchdog *swerved_wd;

static uint64_t
swerved_pool_free(void *arg)
{
	return rte_mempool_avail_count(arg);
}

static uint64_t
swerved_pool_fail(void *arg)
{
	(void)arg;
	return port_pool_nombuf();
}

/* The loader's reclamation backlog, in the watchdog's callback shape. */
static void
swerved_reclaim_held(void *arg, uint64_t *snapshots, uint64_t *bytes)
{
	loader_reclaim_held(arg, snapshots, bytes);
}

static int
swerved_watchdog(struct swerved *s)
{
	int rc;

	rc = watchdog_new(s->loop, s->nworkers, 0, 0, &swerved_wd);
	for (unsigned i = 0; rc == 0 && i < s->nworkers; i++)
		rc = watchdog_watch(swerved_wd, i, &s->workers[i]->stats, s->workers[i]->lcore_id);
	if (rc == 0)
		watchdog_set_pool(swerved_wd, swerved_pool_free, swerved_pool_fail, s->mp,
				  s->mp->size, WORKER_BURST);
	if (rc == 0)
		watchdog_set_reclaim(swerved_wd, swerved_reclaim_held, s->loader);
	if (rc == 0 && s->metrics != NULL)
		rc = watchdog_metrics_register(swerved_wd, s->metrics);
	if (rc == 0 && s->metrics != NULL)
		rc = metrics_dataplane_ports(s->metrics, s->ports, &s->nports);
	if (rc == 0)
		rc = watchdog_ctl_register(swerved_wd, s->ctl);
	if (rc == 0)
		rc = watchdog_start(swerved_wd);
	if (rc == 0)
		s->wd = swerved_wd;
	if (rc < 0)
		sw_err("watchdog: %s", sw_strerror(rc));
	return rc;
}

/* Free memory at the top of a heap kept for reuse rather than returned at once (see main()). */
#define SWERVED_TRIM_THRESHOLD (64 << 20)

/* Queued reloads past which SIGHUP is ignored (each one re-parses every zone). */
#define SWERVED_MAX_HUP_RELOADS 4

/* SIGINT/SIGTERM stop, SIGHUP reloads every zone, SIGUSR1 logs the counters. */
static void
swerved_on_signal(void *arg, int fd, uint32_t events)
{
	struct swerved *s = arg;
	struct signalfd_siginfo si;
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
			/* A tool that signals after every file it writes must not queue without bound. */
			if (loader_pending(s->loader) >= SWERVED_MAX_HUP_RELOADS) {
				sw_warn("SIGHUP: %u reloads already queued; this one is dropped",
					loader_pending(s->loader));
				break;
			}
			rc = loader_reload(s->loader, -1, SWERVED_COOKIE_SIGNAL);
			if (rc < 0)
				sw_err("SIGHUP: cannot queue the reload: %s", sw_strerror(rc));
			else
				sw_notice("SIGHUP: reloading every zone");
			break;
		case SIGUSR1:
			swerved_stats_all(s);
			break;
		default:
			break;
		}
	}
}

/*
 * The control socket, metrics and signals, all on the loop, before any port
 * starts: a control socket that cannot open stops the daemon early.
 */
static int
swerved_control(struct swerved *s)
{
	const struct swerve_config *cfg = s->cfg;
	sigset_t set;
	int rc;

	swerved_sigset(&set);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0) {
		rc = -errno;
		sw_err("signalfd: %s", sw_strerror(rc));
		return rc;
	}
	rc = evloop_add(s->loop, s->sigfd, EPOLLIN, swerved_on_signal, s);
	if (rc < 0)
		return rc;

	rc = ctl_open(s->loop, cfg->ctl_socket, cfg->ctl_mode,
		      cfg->ctl_max_clients != 0 ? cfg->ctl_max_clients : CTL_MAX_CLIENTS_DEFAULT,
		      cfg->ctl_idle_ms != 0 ? cfg->ctl_idle_ms : CTL_IDLE_MS_DEFAULT, &s->ctl);
	if (rc < 0) {
		sw_err("control socket %s: %s", cfg->ctl_socket, sw_strerror(rc));
		return rc;
	}
	rc = swerved_ctl_register(s);
	if (rc == 0)
		rc = failover_ctl_register(s->fo, s->ctl);
	if (rc < 0) {
		sw_err("control commands: %s", sw_strerror(rc));
		return rc;
	}

	if (cfg->metrics_listen != NULL) {
		rc = metrics_open(s->loop, cfg->metrics_listen, &s->metrics);
		if (rc < 0) {
			sw_err("metrics on %s: %s", cfg->metrics_listen, sw_strerror(rc));
			return rc;
		}
		rc = swerved_metrics_add(s);
		if (rc == 0)
			rc = loader_metrics_register(s->loader, s->metrics);
		if (rc == 0)
			rc = failover_metrics_register(s->fo, s->metrics);
		if (rc == 0)
			rc = secondary_metrics_register(s->sec, s->metrics);
		if (rc < 0) {
			sw_err("metrics sources: %s", sw_strerror(rc));
			return rc;
		}
	}
	return 0;
}

/* The TCP listener's NOTIFY hook: Knot 3 sends NOTIFY over TCP, not UDP. */
static size_t
swerved_tcp_notify(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
		   uint8_t *resp, size_t cap)
{
	return secondary_notify_input(arg, msg, len, from, resp, cap);
}

/* Whether any zone is a secondary: without one, NOTIFY over TCP stays NOTIMP. */
static bool
swerved_has_secondary(const struct swerve_config *cfg)
{
	for (size_t i = 0; i < cfg->nzones; i++)
		if (cfg->zones[i].nprimaries > 0)
			return true;
	return false;
}

/*
 * Teardown in dependency order: workers, TCP, the control plane, ports,
 * exception path, the last snapshot (reclaimed on the loader thread), RCU
 * callbacks, then the failover slots no snapshot refers to any more.
 */
static void
swerved_teardown(struct swerved *s)
{
	worker_request_stop();
	if (s->launched)
		rte_eal_mp_wait_lcore();
	if (s->tcp_on)
		tcp_listener_stop();
	if (s->nworkers != 0)
		swerved_stats_all(s);
	if (s->metrics != NULL)
		metrics_close(s->metrics);
	s->metrics = NULL;
	if (s->ctl != NULL)
		ctl_close(s->ctl);
	s->ctl = NULL;
	/* Before the loader: a transfer in flight ends in a reload request. */
	secondary_free(s->sec);
	s->sec = NULL;
	s->wd = NULL;
	watchdog_free(swerved_wd);
	swerved_wd = NULL;
	for (unsigned i = 0; i < s->nports; i++)
		port_close(&s->ports[i]);
	if (s->excq != NULL)
		exception_close(s->excq[0].tap_port);
	for (unsigned i = 0; i < s->nworkers; i++) {
		worker_fini(s->workers[i]);
		rte_free(s->workers[i]);
	}
	loader_reclaim(s->loader, rrt_publish(&s->root, NULL));
	loader_free(s->loader);
	s->loader = NULL;
	/* Failover slots free their RRsets with call_rcu: wait for those callbacks first. */
	rcu_barrier();
	if (s->fo != NULL)
		failover_free(s->fo);
	s->fo = NULL;
	rcu_barrier();
	if (s->sigfd >= 0) {
		evloop_del(s->loop, s->sigfd);
		close(s->sigfd);
	}
	if (s->loop != NULL)
		evloop_free(s->loop);
	s->loop = NULL;
	free(s->stats_base);
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
	rcu_register_thread();
	rcu_thread_offline();
	rc = evloop_new(&s.loop);
	if (rc == 0)
		rc = swerved_load(&s, config, &t);
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
	struct rrt *t = NULL;
	const char *config = NULL;
	sigset_t set;
	bool check = false, exc;
	int rc, ret;

	sw_log_init("stderr", LOG_INFO);
	/*
	 * ldns allocates and frees a 64 KiB buffer for every record it reads.
	 * With glibc's default 128 KiB trim threshold each free gave the top of
	 * the heap back and the next record took it again: two brk() calls per
	 * record, 18 s to load 1M names instead of under 4 (perf/README.md,
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
	s.start_ms = evloop_now_ms();
	s.start_wall = swerved_wall_now();
	s.stats_since = s.start_wall;

	/* The control thread reads the table only inside explicit online brackets. */
	rcu_register_thread();
	rcu_thread_offline();
	rc = evloop_new(&s.loop);
	if (rc < 0) {
		sw_err("event loop: %s", sw_strerror(rc));
		goto out;
	}
	rc = swerved_load(&s, config, &t);
	if (rc < 0)
		goto out;
	sw_log_init(s.cfg->log_target, s.cfg->log_level);
	rrt_publish(&s.root, t);
	s.dconf.edns_payload = s.cfg->edns_payload;
	s.dconf.version = s.cfg->version;
	s.dconf.identity = s.cfg->identity;
	rc = swerved_cookies(&s);
	if (rc < 0)
		goto out;
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
	rc = loader_start(s.loader, s.loop, &s.root, swerved_reload_done, &s);
	if (rc < 0) {
		sw_err("loader thread: %s", sw_strerror(rc));
		goto out;
	}
	rc = secondary_new(s.cfg, s.loader, s.loop, NULL, &s.sec);
	if (rc < 0) {
		sw_err("secondary zones: %s", sw_strerror(rc));
		goto out;
	}
	rc = swerved_control(&s);
	if (rc < 0)
		goto out;

	exc = s.cfg->exception_ifname != NULL && s.cfg->exception_ifname[0] != '\0';
	rc = swerved_ports(&s, rte_lcore_count() - 1, exc);
	if (rc < 0)
		goto out;
	rc = swerved_workers(&s);
	if (rc < 0)
		goto out;
	s.stats_base = calloc(s.nworkers + 1, sizeof(*s.stats_base));
	if (s.stats_base == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (exc) {
		rc = swerved_exception(&s);
		if (rc < 0)
			goto out;
		/* TCP reaches the kernel only through the exception path, so it needs it. */
		if (s.sec != NULL && swerved_has_secondary(s.cfg))
			tcp_listener_set_notify(swerved_tcp_notify, s.sec);
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
	rc = failover_start(s.fo);
	if (rc < 0) {
		sw_err("failover checks: %s", sw_strerror(rc));
		goto out;
	}
	/* NOTIFY reaches the kernel side (where the service addresses live) by the exception path. */
	rc = exc ? secondary_notify_open(s.sec, 53) : 0;
	if (rc < 0) {
		sw_err("NOTIFY sockets on port 53: %s", sw_strerror(rc));
		goto out;
	}
	rc = secondary_start(s.sec);
	if (rc < 0) {
		sw_err("secondary zones: %s", sw_strerror(rc));
		goto out;
	}
	rc = swerved_watchdog(&s);
	if (rc < 0)
		goto out;
	swerved_summary(&s);

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
	swerved_teardown(&s);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
