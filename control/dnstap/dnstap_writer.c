/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dnstap writer (docs/dnstap.md): one thread drains every producer's
 * ring (the workers' and the TCP thread's), turns each record into one or
 * two Dnstap messages and hands them to Frame Streams' I/O thread, which
 * writes the file or the socket. Neither thread is a worker or the control
 * thread, so a slow sink costs only records dropped at a full ring.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstrm.h>
#include <rte_cycles.h>

#include "swerve/config.h"
#include "swerve/dnstap.h"
#include "swerve/dnstap_log.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/metrics.h"

/* How long the thread sleeps when every ring was empty: the rings absorb what comes meanwhile. */
#define DT_IDLE_NS 1000000L

/* Records taken from one ring before the next ring gets its turn. */
#define DT_BATCH 256

/* Frames Frame Streams may hold for its I/O thread (its maximum). */
#define DT_FSTRM_QUEUE 16384

/* One producer's ring and what became of its records. */
struct dt_source {
	struct dnstap_ring *ring;
	char name[24];	    /* The metrics label: "worker<N>" or "tcp". */
	uint64_t written;   /* Messages Frame Streams took. Writer thread writes, control reads. */
	uint64_t sink_full; /* Messages its queue refused (or no memory). Same. */
	uint64_t bad;	    /* Records that did not parse (never expected). Same. */
};

/*
 * The writer. Set up by dnstap_start() on the main lcore before any
 * thread uses it; then the writer thread owns the sources' counters (the
 * control thread reads them with relaxed loads) and the TCP thread owns
 * tcp_tap. quit is the one flag written across threads.
 */
static struct {
	bool running;
	bool quit;
	pthread_t thread;
	struct fstrm_iothr *iothr;
	struct fstrm_iothr_queue *ioq;
	bool log_q, log_r;
	char *identity, *version;
	uint64_t hz;
	struct dt_source *src;
	unsigned nsrc;
	void *tcp_mem;
	struct dnstap_tap tcp_tap; /* The TCP thread's sampler; every == 0 while off. */
} dw;

bool
dnstap_enabled(const struct swerve_config *cfg)
{
	return cfg->dnstap_sink != NULL && cfg->dnstap_sample != 0;
}

uint32_t
dnstap_per_record(const struct swerve_config *cfg)
{
	return (uint32_t)cfg->dnstap_log_queries + (uint32_t)cfg->dnstap_log_responses;
}

static void
dt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* A TSC reading as Unix nanoseconds, against a (wall, TSC) pair read together just before. */
static uint64_t
dt_tsc_ns(uint64_t wall_ns, uint64_t now_tsc, uint64_t tsc)
{
	uint64_t d = now_tsc >= tsc ? now_tsc - tsc : tsc - now_tsc;
	uint64_t dns = d / dw.hz * 1000000000u + d % dw.hz * 1000000000u / dw.hz;

	return now_tsc >= tsc ? wall_ns - dns : wall_ns + dns;
}

static void
dt_submit(struct dt_source *s, const struct dnstap_fields *f, bool response, uint64_t qns,
	  uint64_t rns)
{
	size_t len = 0;
	uint8_t *buf = dnstap_encode(dw.identity, dw.version, f, response, qns, rns, &len);

	if (buf == NULL) {
		dt_add(&s->sink_full, 1);
		return;
	}
	/* Frame Streams frees the buffer once written; refused, it stays ours. */
	if (fstrm_iothr_submit(dw.iothr, dw.ioq, buf, len, fstrm_free_wrapper, NULL) !=
	    fstrm_res_success) {
		free(buf);
		dt_add(&s->sink_full, 1);
		return;
	}
	dt_add(&s->written, 1);
}

/* Encode and hand over up to DT_BATCH records of @s; returns how many were taken. */
static unsigned
dt_drain_one(struct dt_source *s, uint64_t wall_ns, uint64_t now_tsc)
{
	const struct dnstap_rec *r;
	struct dnstap_fields f;
	unsigned n = 0;

	while (n < DT_BATCH && (r = dnstap_ring_front(s->ring)) != NULL) {
		if (dnstap_rec_fields(r, &f) < 0) {
			dt_add(&s->bad, 1);
		} else {
			uint64_t qns = dt_tsc_ns(wall_ns, now_tsc, r->qtsc);
			uint64_t rns = dt_tsc_ns(wall_ns, now_tsc, r->rtsc);

			if (dw.log_q)
				dt_submit(s, &f, false, qns, rns);
			if (dw.log_r)
				dt_submit(s, &f, true, qns, rns);
		}
		dnstap_ring_pop(s->ring);
		n++;
	}
	return n;
}

static unsigned
dt_drain_all(void)
{
	struct timespec ts;
	uint64_t wall_ns, now_tsc;
	unsigned n = 0;

	/* One anchor per pass: the records are at most a pass old, so the TSC rate's error is nil. */
	clock_gettime(CLOCK_REALTIME, &ts);
	now_tsc = rte_rdtsc();
	wall_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < dw.nsrc; i++)
		n += dt_drain_one(&dw.src[i], wall_ns, now_tsc);
	return n;
}

static void *
dt_thread(void *arg)
{
	const struct timespec idle = {.tv_nsec = DT_IDLE_NS};

	(void)arg;
	while (!__atomic_load_n(&dw.quit, __ATOMIC_ACQUIRE)) {
		if (dt_drain_all() == 0)
			nanosleep(&idle, NULL);
	}
	/* The producers stopped before quit was set: this takes the last of their records. */
	while (dt_drain_all() != 0)
		;
	return NULL;
}

/* The sink: a Unix socket writer, or a file writer (the file is created and truncated). */
static struct fstrm_writer *
dt_sink(const struct swerve_config *cfg)
{
	struct fstrm_writer_options *wopt = fstrm_writer_options_init();
	struct fstrm_writer *w = NULL;

	fstrm_writer_options_add_content_type(wopt, DNSTAP_CONTENT_TYPE,
					      strlen(DNSTAP_CONTENT_TYPE));
	if (cfg->dnstap_unix) {
		struct fstrm_unix_writer_options *uopt = fstrm_unix_writer_options_init();

		fstrm_unix_writer_options_set_socket_path(uopt, cfg->dnstap_sink);
		w = fstrm_unix_writer_init(uopt, wopt);
		fstrm_unix_writer_options_destroy(&uopt);
	} else {
		struct fstrm_file_options *fopt = fstrm_file_options_init();

		fstrm_file_options_set_file_path(fopt, cfg->dnstap_sink);
		w = fstrm_file_writer_init(fopt, wopt);
		fstrm_file_options_destroy(&fopt);
	}
	fstrm_writer_options_destroy(&wopt);
	return w;
}

static int
dt_sources(struct dnstap_ring *const *rings, unsigned nrings, const struct swerve_config *cfg)
{
	struct dnstap_ring *tr;

	dw.src = calloc(nrings + 1, sizeof(*dw.src));
	if (dw.src == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < nrings; i++) {
		dw.src[i].ring = rings[i];
		snprintf(dw.src[i].name, sizeof(dw.src[i].name), "worker%u", i);
	}
	if (posix_memalign(&dw.tcp_mem, 64, dnstap_ring_bytes(cfg->dnstap_ring)) != 0) {
		dw.tcp_mem = NULL;
		return -ENOMEM;
	}
	tr = dnstap_ring_init(dw.tcp_mem, cfg->dnstap_ring);
	if (tr == NULL)
		return -EINVAL;
	dw.src[nrings].ring = tr;
	snprintf(dw.src[nrings].name, sizeof(dw.src[nrings].name), "tcp");
	dw.nsrc = nrings + 1;
	dnstap_tap_init(&dw.tcp_tap, tr, cfg->dnstap_sample, dnstap_per_record(cfg));
	return 0;
}

static void
dt_release(void)
{
	dnstap_tap_init(&dw.tcp_tap, NULL, 0, 0);
	if (dw.iothr != NULL)
		fstrm_iothr_destroy(&dw.iothr); /* Writes what is queued, then closes the sink. */
	dw.iothr = NULL;
	dw.ioq = NULL;
	dw.nsrc = 0;
	free(dw.src);
	dw.src = NULL;
	free(dw.tcp_mem);
	dw.tcp_mem = NULL;
	free(dw.identity);
	free(dw.version);
	dw.identity = dw.version = NULL;
}

int
dnstap_start(const struct swerve_config *cfg, struct dnstap_ring *const *rings, unsigned nrings,
	     uint64_t tsc_hz)
{
	struct fstrm_iothr_options *iopt;
	struct fstrm_writer *w;
	sigset_t all, old;
	int rc, fd;

	if (dw.running)
		return -EALREADY;
	if (!dnstap_enabled(cfg))
		return 0;
	if (tsc_hz == 0)
		return -EINVAL;
	for (unsigned i = 0; i < nrings; i++)
		if (rings[i] == NULL)
			return -EINVAL;
	/* Frame Streams opens the file on its own thread; find an unwritable one here instead. */
	if (!cfg->dnstap_unix) {
		fd = open(cfg->dnstap_sink, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
		if (fd < 0) {
			rc = -errno;
			sw_err("dnstap: cannot write %s: %s", cfg->dnstap_sink, strerror(-rc));
			return rc;
		}
		close(fd);
	}
	dw.hz = tsc_hz;
	dw.log_q = cfg->dnstap_log_queries;
	dw.log_r = cfg->dnstap_log_responses;
	dw.quit = false;
	dw.identity = cfg->dnstap_identity != NULL ? strdup(cfg->dnstap_identity) : NULL;
	dw.version = cfg->dnstap_version != NULL ? strdup(cfg->dnstap_version) : NULL;
	if ((cfg->dnstap_identity != NULL && dw.identity == NULL) ||
	    (cfg->dnstap_version != NULL && dw.version == NULL)) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = dt_sources(rings, nrings, cfg);
	if (rc < 0)
		goto fail;

	/* Frame Streams' thread inherits a mask blocking every signal, as ours does. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w = dt_sink(cfg);
	iopt = fstrm_iothr_options_init();
	fstrm_iothr_options_set_queue_model(iopt, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	fstrm_iothr_options_set_input_queue_size(iopt, DT_FSTRM_QUEUE);
	dw.iothr = w != NULL ? fstrm_iothr_init(iopt, &w) : NULL;
	fstrm_iothr_options_destroy(&iopt);
	/* fstrm_iothr_init() takes the writer over; it is ours only when that failed. */
	if (dw.iothr == NULL && w != NULL)
		fstrm_writer_destroy(&w);
	if (dw.iothr != NULL)
		dw.ioq = fstrm_iothr_get_input_queue(dw.iothr);
	rc = dw.iothr == NULL || dw.ioq == NULL ? -EIO : -pthread_create(&dw.thread, NULL,
									  dt_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		sw_err("dnstap: cannot start the writer for %s: %s", cfg->dnstap_sink,
		       sw_strerror(rc));
		goto fail;
	}
	pthread_setname_np(dw.thread, "swerve-dnstap");
	dw.running = true;
	sw_notice("dnstap: 1 in %u answered queries to %s%s (%s%s%s), %u rings of %u records",
		  cfg->dnstap_sample, cfg->dnstap_unix ? "unix:" : "", cfg->dnstap_sink,
		  dw.log_q ? "queries" : "", dw.log_q && dw.log_r ? " and " : "",
		  dw.log_r ? "responses" : "", dw.nsrc, cfg->dnstap_ring);
	return 0;

fail:
	dt_release();
	return rc;
}

void
dnstap_stop(void)
{
	uint64_t written = 0, dropped = 0;

	if (!dw.running)
		return;
	__atomic_store_n(&dw.quit, true, __ATOMIC_RELEASE);
	pthread_join(dw.thread, NULL);
	dw.running = false;
	for (unsigned i = 0; i < dw.nsrc; i++) {
		written += dw.src[i].written;
		dropped += dnstap_ring_dropped(dw.src[i].ring) + dw.src[i].sink_full;
	}
	sw_info("dnstap: %llu messages written, %llu dropped", (unsigned long long)written,
		(unsigned long long)dropped);
	dt_release();
}

static void
dt_metrics(void *ctx, struct metrics_out *o)
{
	(void)ctx;
	if (dw.nsrc == 0)
		return;
	metrics_family(o, "swerve_dnstap_written_total", "counter",
		       "dnstap messages handed to the sink, by producer");
	for (unsigned i = 0; i < dw.nsrc; i++)
		metrics_sample_u64(o, "swerve_dnstap_written_total",
				   __atomic_load_n(&dw.src[i].written, __ATOMIC_RELAXED), "source",
				   dw.src[i].name, NULL);
	metrics_family(o, "swerve_dnstap_dropped_total", "counter",
		       "dnstap messages lost: ring_full (the producer's ring), sink_full (the "
		       "sink's queue), unparsed (a record that did not parse)");
	for (unsigned i = 0; i < dw.nsrc; i++) {
		metrics_sample_u64(o, "swerve_dnstap_dropped_total",
				   dnstap_ring_dropped(dw.src[i].ring), "source", dw.src[i].name,
				   "reason", "ring_full", NULL);
		metrics_sample_u64(o, "swerve_dnstap_dropped_total",
				   __atomic_load_n(&dw.src[i].sink_full, __ATOMIC_RELAXED),
				   "source", dw.src[i].name, "reason", "sink_full", NULL);
		metrics_sample_u64(o, "swerve_dnstap_dropped_total",
				   __atomic_load_n(&dw.src[i].bad, __ATOMIC_RELAXED), "source",
				   dw.src[i].name, "reason", "unparsed", NULL);
	}
}

int
dnstap_metrics_register(struct metrics *m)
{
	if (!dw.running || m == NULL)
		return 0;
	return metrics_add_source(m, dt_metrics, NULL);
}

/* The connection's two ends, IPv4-mapped addresses as IPv4. False when unknown. */
static bool
dt_tcp_ends(int fd, struct dnstap_rec *rec)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct sockaddr_storage ss[2];
	socklen_t len;

	for (int i = 0; i < 2; i++) {
		uint8_t *addr = i == 0 ? rec->qaddr : rec->raddr;
		uint16_t port;
		uint8_t fam;

		len = sizeof(ss[i]);
		if ((i == 0 ? getpeername(fd, (struct sockaddr *)&ss[i], &len)
			    : getsockname(fd, (struct sockaddr *)&ss[i], &len)) < 0)
			return false;
		if (ss[i].ss_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss[i];

			memcpy(addr, &sin->sin_addr, 4);
			port = ntohs(sin->sin_port);
			fam = 4;
		} else if (ss[i].ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss[i];
			const uint8_t *a = sin6->sin6_addr.s6_addr;

			if (memcmp(a, mapped, sizeof(mapped)) == 0) {
				memcpy(addr, a + 12, 4);
				fam = 4;
			} else {
				memcpy(addr, a, 16);
				fam = 6;
			}
			port = ntohs(sin6->sin6_port);
		} else {
			return false;
		}
		if (i == 0) {
			rec->family = fam;
			rec->qport = port;
		} else if (fam != rec->family) {
			return false;
		} else {
			rec->rport = port;
		}
	}
	return true;
}

void
dnstap_tcp(int fd, const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	struct dnstap_tap *t = &dw.tcp_tap;
	struct dnstap_rec *rec;

	if (t->every == 0 || rlen == 0)
		return;
	if (t->left > 1) {
		t->left--;
		return;
	}
	t->left = t->every;
	rec = dnstap_ring_reserve(t->ring);
	if (rec == NULL) {
		dnstap_ring_drop(t->ring, t->per_rec);
		return;
	}
	rec->kind = DNSTAP_REC_TCP;
	if (!dt_tcp_ends(fd, rec))
		return;
	/* The answer took microseconds: one reading serves as both times. */
	rec->qtsc = rec->rtsc = rte_rdtsc();
	rec->qfull = (uint32_t)qlen;
	rec->qlen = (uint16_t)(qlen < DNSTAP_ROOM ? qlen : DNSTAP_ROOM);
	memcpy(rec->q, q, rec->qlen);
	rec->rfull = (uint32_t)rlen;
	rec->rlen = (uint16_t)(rlen < DNSTAP_ROOM ? rlen : DNSTAP_ROOM);
	memcpy(rec->r, r, rec->rlen);
	dnstap_ring_commit(t->ring);
}
