/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmarks failover: health decision to first changed answer, and throughput under flips. */

/*
 *   bench_failover [-d DECISIONS] [-s SECONDS] [-r RECORDS] [-f FLIPS_PER_S] [-R ROUNDS]
 *                  [-c READER_CPU] [-C CONTROL_CPU] [-L LOGLEVEL] [-N] [-S]
 *
 * One process, the real code: a swerve_config built here, failover_new(),
 * a zone loaded with zone_load() from a temporary file, rrt_build() with
 * failover_slots(), rrt_publish(). A reader thread plays a worker lcore: it
 * is a registered QSBR reader, online, pinned to its own CPU, and calls
 * rcu_quiescent_state() in every loop iteration. The main thread plays the
 * control thread: registered, kept offline, pinned to the other CPU, and it
 * applies health decisions through the functions swerved runs.
 *
 * 1. Latency. For each decision the reader is told which record to watch,
 *    answers it once to learn the current RDATA, then answers it in a tight
 *    loop. The control side takes CLOCK_MONOTONIC and applies the decision;
 *    the reader takes CLOCK_MONOTONIC when an answer first carries other
 *    RDATA. Two paths: a probe result (fo_endpoint_result(), what a finished
 *    tcp/http check calls; rise = fall = 1 so one result decides) and the
 *    endpoint-set control command's handler on a manual record (which
 *    persists the state file, fsync included, before it changes anything;
 *    -N runs without a state file, as "failover.state-file: ~").
 *    Decisions go round-robin over the records, spaced so that a record comes
 *    round only after FO_COALESCE_MS; a record that would come round sooner
 *    is waited for, and a decision that still armed the coalescing timer is
 *    counted as "deferred".
 * 2. Throughput. The reader answers a packed buffer of queries (half for
 *    the failover records, half for static names) in bursts of 32, fetching
 *    the snapshot once per burst as the worker does, for alternating phases
 *    without and with flips (probe results, spread round-robin over the
 *    records). The control thread wakes at the flip rate in both kinds of
 *    phase; only in a flip phase does it apply a decision.
 *
 * -S: the zone is signed (ldns-keygen and ldns-signzone, ECDSA P-256, NSEC,
 * a placeholder A RRset at every failover name) and the failover records
 * are signed online with its ZSK (zones[].dnssec.key-files): every decision
 * then signs the new RRset before the slot swap, as swerved does for a
 * signed zone (docs/dnssec.md).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/resource.h>

#include <jansson.h>
#include <urcu-qsbr.h>

#include "../control/failover/failover_core.h"
#include "../control/failover/failover_ctl.h"
#include "swerve/dname.h"
#include "swerve/dnsq.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/failover.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

#define TYPE_A 1

#define FB_ORIGIN  "fo.bench."
#define FB_STATIC  1000 /* Static A names in the zone. */
#define FB_BURST   32	/* Queries per snapshot fetch, as WORKER_BURST. */
#define FB_NQ	   8192 /* Distinct queries in the throughput buffer (a multiple of FB_BURST). */
#define FB_QMAX	   64	/* Room for one query without EDNS: header, name, type, class. */
#define FB_PHASES  16	/* Warm-up, 2 * rounds + 1 phases (rounds <= 6), the end marker. */
#define FB_TIMEOUT 1000000000LL /* A change not seen within 1 s counts as missed. */

enum fb_mode {
	FB_MODE_LATENCY = 0,
	FB_MODE_THROUGHPUT,
	FB_MODE_STOP,
};

/*
 * What the two threads share. Each side writes its own cache line, so the
 * reader's hot loop only ever reads lines the control side rarely writes.
 */
struct fb_shared {
	/* Written by the control side. */
	uint32_t mode __attribute__((aligned(64)));
	uint32_t phase;
	uint64_t seq;	/* A new record to watch. */
	uint32_t watch; /* Its index in fb.lat_q. */

	/* Written by the reader. */
	uint64_t ack __attribute__((aligned(64))); /* seq whose baseline RDATA is known. */
	uint64_t done;				   /* seq whose change was seen. */
	int64_t seen_ns;
	long seen_preempted; /* The reader was switched out between ack and seen_ns. */
	pid_t reader_tid;

	/* Throughput results, per phase; read by the control side after the join. */
	uint64_t answers[FB_PHASES] __attribute__((aligned(64)));
	uint64_t bad[FB_PHASES];
	int64_t start_ns[FB_PHASES];
	int64_t end_ns[FB_PHASES];
	int64_t cpu_ns[FB_PHASES]; /* The reader's own CPU time in the phase. */
	long preempted[FB_PHASES]; /* Involuntary context switches of the reader in the phase. */
};

/* Latency figures of one decision path. */
struct fb_lat {
	const char *name;
	double *lat_us;	  /* Decision to first changed answer. */
	double *call_us;  /* The decision call itself, on the control thread. */
	double *clean_us; /* lat_us of the decisions during which the reader ran throughout. */
	unsigned n, nclean, missed, deferred, waited;
};

struct fb {
	unsigned nrec; /* Failover records per kind: p<i> (tcp checks) and m<i> (manual). */
	unsigned decisions;
	double phase_s;
	unsigned rounds;
	unsigned rate;
	int reader_cpu, control_cpu;
	int log_level;
	bool no_state; /* failover.state-file: ~ (endpoint-set then persists nothing). */
	bool sign;     /* -S: a signed zone, failover answers signed online. */
	char dir[64];

	struct swerve_config cfg;
	struct evloop *loop;
	struct failover *f;
	struct zone *z;
	struct rrt_root root;
	struct dnsq_conf conf;

	uint8_t (*lat_q)[FB_QMAX]; /* One query per failover record, p first, then m. */
	uint8_t *lat_qlen;
	uint8_t *tp_q; /* FB_NQ queries packed, each after its length octet. */

	struct fb_shared *sh;
	FILE *out_err; /* The terminal's stderr; fd 2 goes to the log file. */
};

static int64_t
fb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The calling thread's CPU time and involuntary switches: what other tenants took from it. */
static int64_t
fb_thread_cpu_ns(long *nivcsw)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	*nivcsw = getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nivcsw : 0;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
fb_sleep_until(int64_t t)
{
	struct timespec ts = {.tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void
fb_sleep_ns(int64_t ns)
{
	fb_sleep_until(fb_now_ns() + ns);
}

static uint64_t
fb_rand(uint64_t *s)
{
	/* xorshift64*: deterministic, so every run asks the same queries. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void fb_die(struct fb *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void
fb_die(struct fb *b, const char *fmt, ...)
{
	FILE *err = b->out_err != NULL ? b->out_err : stderr;
	va_list ap;

	va_start(ap, fmt);
	fprintf(err, "bench_failover: ");
	vfprintf(err, fmt, ap);
	fprintf(err, "\n");
	va_end(ap);
	exit(1);
}

static void *
fb_alloc(struct fb *b, size_t n)
{
	void *p = calloc(1, n);

	if (p == NULL)
		fb_die(b, "out of memory");
	return p;
}

/* Removed at exit, also when fb_die() ends the run early. */
/* A copy of the scratch directory's name: the atexit() handler runs after main()'s frame is gone. */
static char fb_tmpdir[64];

static void
fb_cleanup(void)
{
	char cmd[160];

	if (fb_tmpdir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fb_tmpdir);
	if (system(cmd) != 0)
		fprintf(stdout, "bench_failover: could not remove %s\n", fb_tmpdir);
}

static int
fb_pin(pthread_t th, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(th, sizeof(set), &set);
}

/* The address a record or static name serves: @net 18 or 19, from @base upwards. */
static void
fb_addr(struct svc_addr *a, unsigned net, unsigned base, unsigned i)
{
	char text[32];

	snprintf(text, sizeof(text), "198.%u.%u.%u", net, base + i / 256, i % 256);
	a->family = AF_INET;
	a->prefix = 32;
	inet_pton(AF_INET, text, &a->v4);
}

/* Record @name: pool "primary" with endpoint "a", pool "backup" with endpoint "b". */
static void
fb_cfg_record(struct fb *b, struct cfg_failover *r, const char *name, enum cfg_check_kind kind,
	      unsigned i)
{
	r->name = strdup(name);
	r->type = TYPE_A;
	r->ttl = 30;
	r->degraded_ttl = 10;
	r->initial_up = true;
	r->all_down = CFG_ALL_DOWN_FIRST_POOL;
	r->check.kind = kind;
	/* Never run: failover_start() is not called, decisions come from the bench. */
	r->check.interval_ms = 5000;
	r->check.timeout_ms = 2000;
	r->check.rise = 1;
	r->check.fall = 1;
	r->check.port = kind == CFG_CHECK_TCP ? 9 : 0;
	r->npools = 2;
	r->pools = fb_alloc(b, 2 * sizeof(*r->pools));
	for (unsigned p = 0; p < 2; p++) {
		struct cfg_pool *pool = &r->pools[p];

		pool->name = strdup(p == 0 ? "primary" : "backup");
		pool->nendpoints = 1;
		pool->endpoints = fb_alloc(b, sizeof(*pool->endpoints));
		pool->endpoints[0].name = strdup(p == 0 ? "a" : "b");
		fb_addr(&pool->endpoints[0].addr, 18 + p, 16 + (kind == CFG_CHECK_MANUAL ? 16 : 0),
			i);
	}
	if (r->name == NULL || r->pools[0].name == NULL || r->pools[1].name == NULL ||
	    r->pools[0].endpoints[0].name == NULL || r->pools[1].endpoints[0].name == NULL)
		fb_die(b, "out of memory");
}

static void
fb_cfg_free(struct swerve_config *cfg)
{
	for (size_t i = 0; i < cfg->nfailovers; i++) {
		struct cfg_failover *r = &cfg->failovers[i];

		for (size_t p = 0; p < r->npools; p++) {
			free(r->pools[p].endpoints[0].name);
			free(r->pools[p].endpoints);
			free(r->pools[p].name);
		}
		free(r->pools);
		free(r->name);
	}
	free(cfg->failovers);
	free(cfg->failover_state_file);
}

/* A query for @name (absolute presentation form, no escapes) into @q; returns its length. */
static size_t
fb_query(uint8_t *q, uint16_t id, const char *name)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1;
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot != NULL ? (size_t)(dot - name) : strlen(name);

		q[n++] = (uint8_t)l;
		memcpy(q + n, name, l);
		n += l;
		name += l + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = TYPE_A;
	q[n++] = 0;
	q[n++] = 1;
	return n;
}

/*
 * -S: keys for the zone (KSK and ZSK, ECDSA P-256) in @b->dir, the zone file
 * at @path signed in place (NSEC), and a zones[] entry naming the ZSK.
 */
static void
fb_sign(struct fb *b, const char *path)
{
	char cmd[1024], zsk[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && ldns-keygen -a ECDSAP256SHA256 -k " FB_ORIGIN " >/dev/null && "
		 "ldns-keygen -a ECDSAP256SHA256 " FB_ORIGIN " && "
		 "ldns-signzone -f '%s.signed' '%s' $(ls K*.key | sed 's/\\.key$//') && "
		 "mv '%s.signed' '%s'",
		 b->dir, path, path, path, path);
	p = popen(cmd, "r");
	/* The second ldns-keygen prints the ZSK's base name. */
	if (p == NULL || fgets(zsk, sizeof(zsk), p) == NULL || pclose(p) != 0)
		fb_die(b, "signing the zone with ldns-keygen and ldns-signzone failed");
	zsk[strcspn(zsk, "\n")] = '\0';
	b->cfg.nzones = 1;
	b->cfg.zones = fb_alloc(b, sizeof(*b->cfg.zones));
	b->cfg.zones[0].name = strdup(FB_ORIGIN);
	b->cfg.zones[0].key_files = fb_alloc(b, sizeof(char *));
	b->cfg.zones[0].key_files[0] = fb_alloc(b, strlen(b->dir) + strlen(zsk) + 16);
	sprintf(b->cfg.zones[0].key_files[0], "%s/%s.private", b->dir, zsk);
	b->cfg.zones[0].nkey_files = 1;
	b->cfg.zones[0].sig_lifetime_s = 14 * 86400;
	b->cfg.zones[0].sig_refresh_s = 7 * 86400;
}

/* Config, zone file, failover object, snapshot in @b->dir: the setup swerved does. */
static void
fb_setup(struct fb *b)
{
	struct rrt_slot *const *slots;
	struct sw_diag d = {0};
	char path[128], name[64];
	size_t nslots;
	struct rrt *t = NULL;
	FILE *zf;

	b->cfg.path = "bench_failover";
	snprintf(path, sizeof(path), "%s/failover.json", b->dir);
	if (!b->no_state)
		b->cfg.failover_state_file = strdup(path);
	b->cfg.nfailovers = 2 * (size_t)b->nrec;
	b->cfg.failovers = fb_alloc(b, b->cfg.nfailovers * sizeof(*b->cfg.failovers));
	for (unsigned i = 0; i < b->nrec; i++) {
		snprintf(name, sizeof(name), "p%u." FB_ORIGIN, i);
		fb_cfg_record(b, &b->cfg.failovers[i], name, CFG_CHECK_TCP, i);
		snprintf(name, sizeof(name), "m%u." FB_ORIGIN, i);
		fb_cfg_record(b, &b->cfg.failovers[b->nrec + i], name, CFG_CHECK_MANUAL, i);
	}

	snprintf(path, sizeof(path), "%s/bench.zone", b->dir);
	zf = fopen(path, "w");
	if (zf == NULL)
		fb_die(b, "zone file: %s", strerror(errno));
	fprintf(zf, "$ORIGIN " FB_ORIGIN "\n$TTL 3600\n"
		    "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\nns1 A 198.18.0.1\n");
	for (unsigned i = 0; i < FB_STATIC; i++)
		fprintf(zf, "s%u A 198.18.%u.%u\n", i, 128 + i / 256, i % 256);
	/* Signed: a placeholder at every failover name keeps type A in the NSEC chain. */
	for (unsigned i = 0; b->sign && i < b->nrec; i++)
		fprintf(zf, "p%u A 198.18.255.1\nm%u A 198.18.255.1\n", i, i);
	if (fclose(zf) != 0)
		fb_die(b, "zone file: %s", strerror(errno));
	if (b->sign)
		fb_sign(b, path);
	if (zone_load(FB_ORIGIN, path, &b->z, &d) < 0)
		fb_die(b, "zone_load: %s", d.msg);

	if (evloop_new(&b->loop) < 0)
		fb_die(b, "evloop_new failed");
	if (failover_new(&b->cfg, b->loop, &b->f, &d) < 0)
		fb_die(b, "failover_new: %s", d.msg);
	nslots = failover_slots(b->f, &slots);
	if (rrt_build((const struct zone *const *)&b->z, 1, slots, nslots, &t, &d) < 0)
		fb_die(b, "rrt_build: %s", d.msg);
	rrt_reclaim(rrt_publish(&b->root, t));
	b->conf.edns_payload = DNSQ_EDNS_PAYLOAD_DEFAULT;

	b->lat_q = fb_alloc(b, 2 * (size_t)b->nrec * FB_QMAX);
	b->lat_qlen = fb_alloc(b, 2 * (size_t)b->nrec);
	for (unsigned i = 0; i < 2 * b->nrec; i++)
		b->lat_qlen[i] = (uint8_t)fb_query(b->lat_q[i], (uint16_t)i, b->f->recs[i].name);
}

/* Half the queries for the p records, half for static names, shuffled deterministically. */
static void
fb_build_mix(struct fb *b)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t *q;
	char name[64];

	b->tp_q = fb_alloc(b, (size_t)FB_NQ * (FB_QMAX + 1));
	q = b->tp_q;
	for (unsigned i = 0; i < FB_NQ; i++) {
		uint64_t r = fb_rand(&seed);

		if (r & 1)
			snprintf(name, sizeof(name), "p%u." FB_ORIGIN,
				 (unsigned)((r >> 1) % b->nrec));
		else
			snprintf(name, sizeof(name), "s%u." FB_ORIGIN,
				 (unsigned)((r >> 1) % FB_STATIC));
		q[0] = (uint8_t)fb_query(q + 1, (uint16_t)i, name);
		q += 1 + q[0];
	}
}

/* The first answer RDATA (A) of the response, or 0 for anything but one positive answer. */
static uint32_t
fb_rdata(const uint8_t *resp, size_t len, size_t qlen)
{
	uint32_t v;

	if (len < qlen + 16 || (resp[3] & 0x0f) != 0 || resp[7] == 0)
		return 0;
	memcpy(&v, resp + qlen + 2 + RRT_RR_FIXED, 4);
	return v;
}

/* The reader's part of the latency test: answer the watched record until its RDATA moves. */
static void
fb_reader_latency(struct fb *b)
{
	struct fb_shared *sh = b->sh;
	uint8_t resp[512];
	struct dnsq_info info;
	uint64_t cur = 0;
	uint32_t base = 0;
	bool armed = false;
	long csw0 = 0, csw;
	const uint8_t *q = b->lat_q[0];
	size_t qlen = b->lat_qlen[0];

	while (__atomic_load_n(&sh->mode, __ATOMIC_RELAXED) == FB_MODE_LATENCY) {
		const struct rrt *t;
		uint64_t s;
		size_t len;
		uint32_t v;

		rcu_quiescent_state();
		t = rrt_current(&b->root);
		s = __atomic_load_n(&sh->seq, __ATOMIC_ACQUIRE);
		if (s != cur) {
			q = b->lat_q[sh->watch];
			qlen = b->lat_qlen[sh->watch];
			len = dnsq_answer(t, &b->conf, NULL, q, qlen, resp, sizeof(resp), 0, &info);
			base = fb_rdata(resp, len, qlen);
			cur = s;
			armed = true;
			fb_thread_cpu_ns(&csw0);
			__atomic_store_n(&sh->ack, s, __ATOMIC_RELEASE);
			continue;
		}
		len = dnsq_answer(t, &b->conf, NULL, q, qlen, resp, sizeof(resp), 0, &info);
		v = fb_rdata(resp, len, qlen);
		if (armed && v != base) {
			sh->seen_ns = fb_now_ns();
			fb_thread_cpu_ns(&csw);
			sh->seen_preempted = csw - csw0;
			__atomic_store_n(&sh->done, s, __ATOMIC_RELEASE);
			armed = false;
		}
	}
}

/* The reader's part of the throughput test: the worker's loop shape, counting per phase. */
static void
fb_reader_throughput(struct fb *b)
{
	struct fb_shared *sh = b->sh;
	uint8_t resp[512];
	struct dnsq_info info;
	const uint8_t *q = b->tp_q;
	uint32_t ph = __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
	uint64_t answers = 0, bad = 0;
	unsigned i = 0;
	long csw0, csw;
	int64_t cpu0 = fb_thread_cpu_ns(&csw0), cpu;

	sh->start_ns[ph] = fb_now_ns();
	while (__atomic_load_n(&sh->mode, __ATOMIC_RELAXED) == FB_MODE_THROUGHPUT) {
		const struct rrt *t;
		uint32_t p;

		rcu_quiescent_state();
		t = rrt_current(&b->root);
		for (unsigned k = 0; k < FB_BURST; k++) {
			dnsq_answer(t, &b->conf, NULL, q + 1, q[0], resp, sizeof(resp), 0, &info);
			bad += info.rclass != DNSQ_CLASS_ANSWER || info.rcode != 0;
			q += 1 + q[0];
		}
		answers += FB_BURST;
		i += FB_BURST;
		if (i == FB_NQ) {
			i = 0;
			q = b->tp_q;
		}
		p = __atomic_load_n(&sh->phase, __ATOMIC_RELAXED);
		if (caa_unlikely(p != ph)) {
			int64_t now = fb_now_ns();

			cpu = fb_thread_cpu_ns(&csw);
			sh->end_ns[ph] = now;
			sh->cpu_ns[ph] = cpu - cpu0;
			sh->preempted[ph] = csw - csw0;
			cpu0 = cpu;
			csw0 = csw;
			sh->answers[ph] = answers;
			sh->bad[ph] = bad;
			ph = p < FB_PHASES ? p : FB_PHASES - 1;
			sh->start_ns[ph] = now;
			answers = 0;
			bad = 0;
		}
	}
}

static void *
fb_reader(void *arg)
{
	struct fb *b = arg;

	/* A QSBR reader is online from registration on, as a worker lcore. */
	b->sh->reader_tid = gettid();
	rcu_register_thread();
	fb_reader_latency(b);
	fb_reader_throughput(b);
	rcu_thread_offline();
	rcu_unregister_thread();
	return NULL;
}

/* The record's primary endpoint goes the other way through the probe-result path. */
static int
fb_flip_probe(struct fo_record *r)
{
	fo_endpoint_result(&r->eps[0], !r->eps[0].up, 250, "bench decision");
	return 0;
}

/* The same through the endpoint-set command handler, as the control socket calls it. */
static int
fb_flip_ctl(const struct ctl_cmd *cmd, json_t *args)
{
	struct ctl_req req = {.cmd = cmd->name,
			      .args = args,
			      .uid = getuid(),
			      .gid = getgid(),
			      .pid = getpid(),
			      .client = 1};
	json_t *reply = json_object();
	int rc;

	rc = cmd->fn(cmd->ctx, &req, reply);
	json_decref(reply);
	return rc;
}

static int
fb_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v. */
static double
fb_pct(const double *v, unsigned n, double p)
{
	unsigned k = (unsigned)(p / 100.0 * n + 0.999999);

	if (n == 0)
		return 0;
	return v[k == 0 ? 0 : k - 1];
}

/* @decisions decisions on records [@first, @first + nrec), @ctl: through endpoint-set. */
static void
fb_latency(struct fb *b, struct fb_lat *L, unsigned first, bool ctl)
{
	struct fb_shared *sh = b->sh;
	const struct ctl_cmd *cmds, *set = NULL;
	size_t ncmds = fo_ctl_commands(b->f, &cmds);
	/* Round-robin pace: a record comes round after the coalescing window, never sooner. */
	int64_t gap = ((int64_t)FO_COALESCE_MS + 5) * 1000000LL / b->nrec;

	if (gap < 1000000)
		gap = 1000000;
	for (size_t i = 0; i < ncmds; i++)
		if (strcmp(cmds[i].name, "endpoint-set") == 0)
			set = &cmds[i];
	if (ctl && set == NULL)
		fb_die(b, "no endpoint-set command");
	L->lat_us = fb_alloc(b, b->decisions * sizeof(double));
	L->call_us = fb_alloc(b, b->decisions * sizeof(double));
	L->clean_us = fb_alloc(b, b->decisions * sizeof(double));

	for (unsigned i = 0; i < b->decisions; i++) {
		struct fo_record *r = &b->f->recs[first + i % b->nrec];
		uint64_t seq = sh->seq + 1, pubs = r->publishes;
		json_t *args = NULL;
		int64_t t0, t1, deadline;
		int rc;

		fb_sleep_ns(gap);
		if (evloop_now_ms() < r->last_pub_ms + FO_COALESCE_MS + 1 ||
		    evloop_timer_armed(&r->pub_timer))
			L->waited++;
		while (evloop_now_ms() < r->last_pub_ms + FO_COALESCE_MS + 1 ||
		       evloop_timer_armed(&r->pub_timer))
			evloop_run_once(b->loop, 1);
		if (ctl)
			args = json_pack("{s:s, s:s, s:s}", "record", r->name, "endpoint", "a",
					 "state", r->eps[0].up ? "down" : "up");
		sh->watch = first + i % b->nrec;
		__atomic_store_n(&sh->seq, seq, __ATOMIC_RELEASE);
		while (__atomic_load_n(&sh->ack, __ATOMIC_ACQUIRE) != seq)
			caa_cpu_relax();

		t0 = fb_now_ns();
		rc = ctl ? fb_flip_ctl(set, args) : fb_flip_probe(r);
		t1 = fb_now_ns();
		json_decref(args);
		if (rc < 0)
			fb_die(b, "the decision failed");
		if (evloop_timer_armed(&r->pub_timer) || r->publishes == pubs)
			L->deferred++;

		/* Polled gently: the reader's own clock reading is the measurement. */
		deadline = t0 + FB_TIMEOUT;
		while (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) != seq &&
		       fb_now_ns() < deadline)
			fb_sleep_ns(20000);
		if (__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) != seq) {
			L->missed++;
			evloop_run_once(b->loop, 0);
			continue;
		}
		L->lat_us[L->n] = (double)(sh->seen_ns - t0) / 1e3;
		L->call_us[L->n] = (double)(t1 - t0) / 1e3;
		if (sh->seen_preempted == 0)
			L->clean_us[L->nclean++] = L->lat_us[L->n];
		L->n++;
	}
	qsort(L->lat_us, L->n, sizeof(double), fb_cmp_double);
	qsort(L->call_us, L->n, sizeof(double), fb_cmp_double);
	qsort(L->clean_us, L->nclean, sizeof(double), fb_cmp_double);
}

/*
 * Phases without and with flips, alternating and starting and ending without:
 * every flip phase sits between two without, so a slow drift of the
 * machine's speed during the run weighs on both kinds alike. Returns the
 * flips made in each phase.
 */
static void
fb_throughput(struct fb *b, unsigned *flips, unsigned *deferred)
{
	struct fb_shared *sh = b->sh;
	int64_t tick = 1000000000LL / b->rate, next;
	unsigned nphases = 2 * b->rounds + 1, k = 0;

	__atomic_store_n(&sh->phase, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&sh->mode, FB_MODE_THROUGHPUT, __ATOMIC_RELEASE);
	/* Warm-up: caches, branch predictors, the CPU's clock. */
	fb_sleep_ns(500000000LL);
	next = fb_now_ns();
	for (unsigned ph = 1; ph <= nphases; ph++) {
		bool flip = ph % 2 == 0;
		int64_t end = fb_now_ns() + (int64_t)(b->phase_s * 1e9);

		__atomic_store_n(&sh->phase, ph, __ATOMIC_RELEASE);
		flips[ph] = 0;
		deferred[ph] = 0;
		while (next < end) {
			next += tick;
			fb_sleep_until(next);
			if (flip) {
				struct fo_record *r = &b->f->recs[k++ % b->nrec];
				uint64_t pubs = r->publishes;

				fb_flip_probe(r);
				flips[ph]++;
				if (r->publishes == pubs)
					deferred[ph]++;
			}
			/* Both kinds of phase run the loop, so they differ only by the flip. */
			evloop_run_once(b->loop, 0);
		}
	}
	__atomic_store_n(&sh->phase, nphases + 1, __ATOMIC_RELEASE);
	fb_sleep_ns(1000000);
}

/* Which CPUs each thread of the process may run on, as the kernel sees it. */
static void
fb_print_threads(pid_t reader)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (d == NULL)
		return;
	printf("threads    ");
	while ((e = readdir(d)) != NULL) {
		char path[300], line[256], cpus[64] = "?";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "Cpus_allowed_list:", 18) == 0)
				sscanf(line + 18, "%63s", cpus);
		}
		fclose(f);
		printf("%s=cpu%s ",
		       atoi(e->d_name) == getpid() ? "control"
		       : atoi(e->d_name) == reader ? "reader"
						   : "other(call_rcu)",
		       cpus);
	}
	printf("\n");
	closedir(d);
}

static unsigned
fb_count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void
fb_usage(void)
{
	fprintf(stderr, "usage: bench_failover [-d DECISIONS] [-s PHASE_SECONDS] [-r RECORDS] "
			"[-f FLIPS_PER_S] [-R ROUNDS] [-c READER_CPU] [-C CONTROL_CPU] "
			"[-L LOGLEVEL] [-N] [-S]\n");
	exit(2);
}

static void
fb_print_lat(const struct fb_lat *L)
{
	printf("%-30s %5u %8.1f %8.1f %8.1f %8.1f %8.1f %8u %6u\n", L->name, L->n,
	       fb_pct(L->lat_us, L->n, 50), fb_pct(L->lat_us, L->n, 99),
	       L->n != 0 ? L->lat_us[L->n - 1] : 0.0, fb_pct(L->call_us, L->n, 50),
	       fb_pct(L->call_us, L->n, 99), L->deferred, L->missed);
	printf("%-30s %5u %8.1f %8.1f %8.1f\n", "  reader not preempted meanwhile", L->nclean,
	       fb_pct(L->clean_us, L->nclean, 50), fb_pct(L->clean_us, L->nclean, 99),
	       L->nclean != 0 ? L->clean_us[L->nclean - 1] : 0.0);
}

int
main(int argc, char **argv)
{
	struct fb b = {.nrec = 100,
		       .decisions = 1000,
		       .phase_s = 2.0,
		       .rounds = 3,
		       .rate = 100,
		       .reader_cpu = 1,
		       .control_cpu = 0,
		       .log_level = LOG_INFO};
	struct fb_lat probe = {.name = "probe result (tcp check)"};
	struct fb_lat ctl = {.name = "endpoint-set (manual)"};
	unsigned flips[FB_PHASES] = {0}, deferred[FB_PHASES] = {0};
	double sum[2] = {0}, secs[2] = {0}, cpus[2] = {0}, lo = 1e300, hi = 0;
	double rate[FB_PHASES] = {0}, crate[FB_PHASES] = {0};
	char logpath[128];
	pthread_t reader;
	pthread_attr_t attr;
	cpu_set_t set;
	int opt, fd, saved;
	double ratio, cratio;

	while ((opt = getopt(argc, argv, "d:s:r:f:R:c:C:L:NS")) != -1) {
		switch (opt) {
		case 'd':
			b.decisions = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			b.phase_s = atof(optarg);
			break;
		case 'r':
			b.nrec = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			b.rate = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			b.rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			b.reader_cpu = atoi(optarg);
			break;
		case 'C':
			b.control_cpu = atoi(optarg);
			break;
		case 'L':
			b.log_level = sw_log_level_parse(optarg);
			break;
		case 'N':
			b.no_state = true;
			break;
		case 'S':
			b.sign = true;
			break;
		default:
			fb_usage();
		}
	}
	if (b.nrec == 0 || b.nrec > 4096 || b.decisions == 0 || b.rate == 0 || b.rounds == 0 ||
	    2 * b.rounds + 3 > FB_PHASES || b.phase_s <= 0 || b.log_level < 0 || optind != argc)
		fb_usage();

	/* The control thread's CPU first: threads made from here on (call_rcu's) inherit it. */
	if (fb_pin(pthread_self(), b.control_cpu) != 0)
		fb_die(&b, "cannot pin the control thread to cpu %d", b.control_cpu);
	rcu_register_thread();
	rcu_thread_offline();
	if (posix_memalign((void **)&b.sh, 64, sizeof(*b.sh)) != 0)
		fb_die(&b, "out of memory");
	memset(b.sh, 0, sizeof(*b.sh));

	snprintf(b.dir, sizeof(b.dir), "/tmp/swerve-fobench-XXXXXX");
	if (mkdtemp(b.dir) == NULL)
		fb_die(&b, "mkdtemp: %s", strerror(errno));
	snprintf(fb_tmpdir, sizeof(fb_tmpdir), "%s", b.dir);
	atexit(fb_cleanup);
	/*
	 * Transitions are logged at notice and info, as swerved logs them (its
	 * default level is info). The lines go to a file, as under a supervisor
	 * that collects stderr, and the cost of writing them is in the figures.
	 */
	snprintf(logpath, sizeof(logpath), "%s/swerve.log", b.dir);
	saved = dup(2);
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (saved < 0 || fd < 0 || dup2(fd, 2) < 0)
		fb_die(&b, "log file: %s", strerror(errno));
	close(fd);
	b.out_err = fdopen(saved, "w");
	sw_log_init("stderr", b.log_level);
	fb_setup(&b);
	fb_build_mix(&b);

	printf("setup      %u failover records with tcp checks (p*), %u manual (m*), %u static "
	       "names; reader cpu %d, control cpu %d; log level %s; state file %s\n",
	       b.nrec, b.nrec, FB_STATIC, b.reader_cpu, b.control_cpu,
	       sw_log_level_name(b.log_level), b.no_state ? "none (-N)" : "in /tmp");
	fflush(stdout);
	/* Pinned from its first instruction, so it registers and runs only on its own CPU. */
	CPU_ZERO(&set);
	CPU_SET(b.reader_cpu, &set);
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setaffinity_np(&attr, sizeof(set), &set) != 0 ||
	    pthread_create(&reader, &attr, fb_reader, &b) != 0)
		fb_die(&b, "cannot start the reader thread on cpu %d", b.reader_cpu);
	pthread_attr_destroy(&attr);

	fb_latency(&b, &probe, 0, false);
	fb_latency(&b, &ctl, b.nrec, true);
	fb_throughput(&b, flips, deferred);
	fb_print_threads(b.sh->reader_tid);
	__atomic_store_n(&b.sh->mode, FB_MODE_STOP, __ATOMIC_RELEASE);
	pthread_join(reader, NULL);

	printf("log        %u lines written during the run\n\n", fb_count_lines(logpath));

	printf("1. decision to first changed answer, microseconds (round-robin over %u records, "
	       ">= %d ms between flips of one record)\n\n",
	       b.nrec, FO_COALESCE_MS);
	printf("%-30s %5s %8s %8s %8s %8s %8s %8s %6s\n", "path", "n", "p50", "p99", "max",
	       "call p50", "call p99", "deferred", "missed");
	fb_print_lat(&probe);
	fb_print_lat(&ctl);
	if (probe.waited + ctl.waited != 0)
		printf("(%u decisions waited for their record's coalescing window to end first)\n",
		       probe.waited + ctl.waited);
	printf("\ngoal: p99 of the probe path < 1000 us: %s over all decisions, %s over those "
	       "the reader ran throughout\n\n",
	       probe.missed == 0 && probe.n > 0 && fb_pct(probe.lat_us, probe.n, 99) < 1000
		       ? "met"
		       : "NOT met",
	       probe.nclean > 0 && fb_pct(probe.clean_us, probe.nclean, 99) < 1000 ? "met"
										   : "NOT met");
	printf("2. answers per second, 50 %% failover names / 50 %% static, %.1f s phases\n\n",
	       b.phase_s);
	printf("%-6s %-6s %7s %11s %7s %11s %7s %11s %7s %4s\n", "phase", "flips", "flips/s",
	       "answers", "wall s", "answers/s", "cpu s", "per cpu-s", "preempt", "bad");
	for (unsigned ph = 1; ph <= 2 * b.rounds + 1; ph++) {
		double s = (double)(b.sh->end_ns[ph] - b.sh->start_ns[ph]) / 1e9;
		double c = (double)b.sh->cpu_ns[ph] / 1e9;
		bool flip = ph % 2 == 0;

		rate[ph] = (double)b.sh->answers[ph] / s;
		crate[ph] = (double)b.sh->answers[ph] / c;
		printf("%-6u %-6s %7.1f %11llu %7.3f %11.0f %7.3f %11.0f %7ld %4llu\n", ph,
		       flip ? "yes" : "no", flips[ph] / s, (unsigned long long)b.sh->answers[ph], s,
		       rate[ph], c, crate[ph], b.sh->preempted[ph],
		       (unsigned long long)b.sh->bad[ph]);
		sum[flip] += (double)b.sh->answers[ph];
		secs[flip] += s;
		cpus[flip] += c;
		if (deferred[ph] != 0)
			printf("       (%u flips of this phase were coalesced)\n", deferred[ph]);
		if (!flip) {
			lo = lo < crate[ph] ? lo : crate[ph];
			hi = hi > crate[ph] ? hi : crate[ph];
		}
	}
	ratio = (sum[1] / secs[1]) / (sum[0] / secs[0]);
	cratio = (sum[1] / cpus[1]) / (sum[0] / cpus[0]);
	printf("\n%-34s %12s %12s %8s  %s\n", "", "no flips", "flips", "ratio",
	       "per flip phase, vs its neighbours");
	printf("%-34s %12.0f %12.0f %8.4f ", "answers per wall second", sum[0] / secs[0],
	       sum[1] / secs[1], ratio);
	for (unsigned k = 1; k <= b.rounds; k++)
		printf(" %.4f", 2 * rate[2 * k] / (rate[2 * k - 1] + rate[2 * k + 1]));
	printf("\n%-34s %12.0f %12.0f %8.4f ", "answers per reader CPU second", sum[0] / cpus[0],
	       sum[1] / cpus[1], cratio);
	for (unsigned k = 1; k <= b.rounds; k++)
		printf(" %.4f", 2 * crate[2 * k] / (crate[2 * k - 1] + crate[2 * k + 1]));
	/* Without flips the phases differ only by noise: the yardstick for the ratio. */
	printf("\nnoise: the no-flip phases spread over %.2f %% of their mean (per CPU second)\n",
	       100.0 * (hi - lo) / (sum[0] / cpus[0]));
	printf("goal: within 2 %%: %s per wall second, %s per reader CPU second\n",
	       ratio >= 0.98 ? "met" : "NOT met", cratio >= 0.98 ? "met" : "NOT met");

	rrt_reclaim(rrt_publish(&b.root, NULL));
	failover_free(b.f);
	rcu_barrier();
	evloop_free(b.loop);
	zone_free(b.z);
	fb_cfg_free(&b.cfg);
	free(b.lat_q);
	free(b.lat_qlen);
	free(b.tp_q);
	free(probe.lat_us);
	free(probe.call_us);
	free(ctl.lat_us);
	free(ctl.call_us);
	free(probe.clean_us);
	free(ctl.clean_us);
	free(b.sh);
	rcu_unregister_thread();
	return 0;
}
