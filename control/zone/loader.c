/* SPDX-License-Identifier: BSD-3-Clause */
/* The zone loader thread: re-parses zone files and builds whole snapshots so the control loop never stalls. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"

enum loader_kind {
	LOADER_RELOAD,	/* Parse one zone (or all) and build a snapshot. */
	LOADER_RECLAIM, /* Wait for a grace period and free a replaced snapshot. */
};

/*
 * One request, and later its result: everything the answer needs is
 * allocated with the request on the control thread, so the loader thread
 * never fails to report, and the control thread turns a published result
 * into the reclaim request of the snapshot it replaced without allocating.
 */
struct loader_msg {
	struct loader_msg *next;
	enum loader_kind kind;
	struct rrt *table; /* Reload: the snapshot built; reclaim: the one to free. */
	struct loader_result res;
	struct loader_zone_info *info; /* Reload: the zones' state after it (nzones entries). */
	bool unload;		       /* Reload: drop the zone instead (a secondary's expiry). */
};

struct loader_queue {
	struct loader_msg *head, *tail;
};

struct loader {
	const struct swerve_config *cfg;
	struct rrt_slot *const *slots;
	size_t nslots;
	size_t nzones;

	/* Loader thread (or the caller of loader_new() before it starts). */
	struct zone **zones;		/* The parsed zones the served snapshot was built from;
					   NULL for a secondary zone not served (no copy yet, expired). */
	bool *dropped;			/* Unloaded (expired): a reload of every zone leaves it out. */
	struct loader_zone_info *tinfo; /* State as the loader thread knows it. */
	/* Scratch for one build: the zones served, their config index, the slots inside them. */
	const struct zone **bz;
	size_t *bmap;
	struct rrt_slot **bslots;

	/* Control thread. */
	struct loader_zone_info *cinfo; /* State of what is published. */
	struct evloop *loop;
	struct rrt_root *root;
	loader_done_fn done;
	void *done_arg;
	unsigned pending;
	uint64_t published; /* Reloads published, for metrics. */
	uint64_t refused;   /* Reloads refused. */
	int efd;	    /* eventfd: the loader thread has results. */
	/*
	 * Replaced snapshots handed over for reclamation and not yet freed, and
	 * the bytes they hold. write: both threads (relaxed atomics); read: any
	 * (the watchdog reports them; a stuck worker makes them grow).
	 */
	uint64_t held_n;
	uint64_t held_bytes;
	bool running;
	pthread_t thread;

	/* Shared between the two threads, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct loader_queue req;
	struct loader_queue res;
	bool stop;
};

static void
loader_queue_push(struct loader_queue *q, struct loader_msg *m)
{
	m->next = NULL;
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
}

static struct loader_msg *
loader_queue_pop(struct loader_queue *q)
{
	struct loader_msg *m = q->head;

	if (m != NULL) {
		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		m->next = NULL;
	}
	return m;
}

/* "file:line: reason", the form an operator can jump to. */
static void
loader_diag_text(const struct sw_diag *d, int rc, char *buf, size_t len)
{
	const char *msg = d->msg[0] != '\0' ? d->msg : sw_strerror(rc);

	if (d->file[0] != '\0' && d->line != 0)
		snprintf(buf, len, "%s:%u: %s", d->file, d->line, msg);
	else if (d->file[0] != '\0')
		snprintf(buf, len, "%s: %s", d->file, msg);
	else
		snprintf(buf, len, "%s", msg);
}

static double
loader_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Owner names per zone in @t (empty non-terminals and glue included); @map: table zone -> config. */
static void
loader_count_names(struct loader *l, const struct rrt *t, const size_t *map, size_t nmap)
{
	for (size_t i = 0; i < l->nzones; i++)
		l->tinfo[i].names = 0;
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->nnodes; i++)
		if (t->nodes[i].zone < nmap)
			l->tinfo[map[t->nodes[i].zone]].names++;
}

static bool
loader_secondary(const struct loader *l, size_t i)
{
	return l->cfg->zones[i].nprimaries > 0;
}

/*
 * Build from the zones of @next that are there (a secondary zone may have
 * none), binding only the failover slots that lie inside one of them: a
 * record of a zone not served is not served either.
 */
static int
loader_build_table(struct loader *l, struct zone **next, struct rrt **out, struct sw_diag *d)
{
	size_t nz = 0, ns = 0;
	int rc;

	for (size_t i = 0; i < l->nzones; i++)
		if (next[i] != NULL) {
			l->bmap[nz] = i;
			l->bz[nz++] = next[i];
		}
	for (size_t s = 0; s < l->nslots; s++)
		for (size_t k = 0; k < nz; k++)
			if (dname_is_below_or_at(l->slots[s]->name, l->slots[s]->name_len,
						 l->bz[k]->apex, l->bz[k]->apex_len)) {
				l->bslots[ns++] = l->slots[s];
				break;
			}
	rc = rrt_build(l->bz, nz, l->bslots, ns, out, d);
	if (rc == 0)
		loader_count_names(l, *out, l->bmap, nz);
	return rc;
}

static void
loader_info_loaded(struct loader_zone_info *zi, const struct zone *z, double now)
{
	/* A name too long for its text form (escapes) shows as the configured one. */
	if (dname_text_canon(z->name, zi->apex, sizeof(zi->apex)) < 0)
		zi->apex[0] = '\0';
	zi->serial = z->serial;
	zi->records = z->nrrs;
	zi->load_time = now;
	zi->loads++;
	zi->last_error[0] = '\0';
}

/*
 * Parse zone @zone (or every zone, -1) and build a snapshot from them and
 * the zones already held. On success the loader holds the new zones and
 * *@out is the snapshot; on failure nothing the loader holds has changed.
 * Thread: the loader thread, or the caller of loader_new().
 */
static int
loader_build(struct loader *l, int zone, bool unload, bool initial, struct rrt **out, char *err,
	     size_t errlen)
{
	struct zone **next = NULL;
	bool *fresh = NULL;
	struct sw_diag d;
	size_t first = zone < 0 ? 0 : (size_t)zone;
	size_t last = zone < 0 ? l->nzones : (size_t)zone + 1;
	size_t i, failed = first;
	double now;
	int rc = 0;

	*out = NULL;
	memset(&d, 0, sizeof(d));
	if (l->nzones == 0)
		return 0;
	next = calloc(l->nzones, sizeof(*next));
	fresh = calloc(l->nzones, sizeof(*fresh));
	if (next == NULL || fresh == NULL) {
		rc = sw_diag_set(&d, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	memcpy(next, l->zones, l->nzones * sizeof(*next));
	for (i = first; i < last; i++)
		next[i] = NULL;
	for (i = first; i < last && !unload; i++) {
		failed = i;
		/*
		 * A secondary zone is served from its local copy when there is
		 * one; without one (before the first transfer) or once expired
		 * it is simply left out of a reload of every zone.
		 */
		if (zone < 0 && loader_secondary(l, i) &&
		    (l->dropped[i] || access(l->cfg->zones[i].file, F_OK) < 0))
			continue;
		rc = zone_load(l->cfg->zones[i].name, l->cfg->zones[i].file, &next[i], &d);
		if (rc < 0 && initial && loader_secondary(l, i)) {
			/* A bad local copy must not keep the daemon down: a transfer replaces it. */
			loader_diag_text(&d, rc, err, errlen);
			l->tinfo[i].failures++;
			snprintf(l->tinfo[i].last_error, sizeof(l->tinfo[i].last_error), "%s", err);
			sw_warn("secondary zone %s: local copy not served: %s",
				l->cfg->zones[i].name, err);
			memset(&d, 0, sizeof(d));
			err[0] = '\0';
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto out;
		fresh[i] = true;
	}
	/*
	 * A build failure (a failover slot colliding with zone data, a table
	 * limit) belongs to the zone being reloaded; after a reload of every
	 * zone it belongs to none in particular, and the reply carries it.
	 */
	failed = zone < 0 ? l->nzones : (size_t)zone;
	rc = loader_build_table(l, next, out, &d);
	if (rc < 0)
		goto out;

	now = loader_wall_now();
	for (i = first; i < last; i++) {
		if (!fresh[i] && !unload)
			continue;
		zone_free(l->zones[i]);
		if (fresh[i])
			loader_info_loaded(&l->tinfo[i], next[i], now);
		if (zone >= 0)
			l->dropped[i] = unload;
	}
	for (i = 0; i < l->nzones; i++)
		l->tinfo[i].served = next[i] != NULL;
	free(l->zones);
	l->zones = next;
	next = NULL;
out:
	if (rc < 0) {
		loader_diag_text(&d, rc, err, errlen);
		if (next != NULL)
			for (i = first; i < last; i++)
				if (fresh[i])
					zone_free(next[i]);
		if (failed < l->nzones) {
			l->tinfo[failed].failures++;
			snprintf(l->tinfo[failed].last_error, sizeof(l->tinfo[failed].last_error),
				 "%s", err);
		}
	}
	free(next);
	free(fresh);
	return rc;
}

/* What a snapshot holds: the table, its arrays and its arena. */
static uint64_t
loader_rrt_bytes(const struct rrt *t)
{
	if (t == NULL)
		return 0;
	return sizeof(*t) + ((uint64_t)t->mask + 1) * sizeof(*t->buckets) +
	       (uint64_t)t->nnodes * sizeof(*t->nodes) + (uint64_t)t->nzones * sizeof(*t->zones) +
	       (uint64_t)t->nslots * sizeof(*t->slots) + t->arena_len;
}

/* @t enters (@sign 1) or leaves (@sign -1) the reclamation backlog. */
static void
loader_held(struct loader *l, const struct rrt *t, int sign)
{
	uint64_t b = loader_rrt_bytes(t);

	if (t == NULL)
		return;
	if (sign > 0) {
		__atomic_add_fetch(&l->held_n, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&l->held_bytes, b, __ATOMIC_RELAXED);
	} else {
		__atomic_sub_fetch(&l->held_n, 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&l->held_bytes, b, __ATOMIC_RELAXED);
	}
}

void
loader_reclaim_held(const struct loader *l, uint64_t *snapshots, uint64_t *bytes)
{
	*snapshots = l != NULL ? __atomic_load_n(&l->held_n, __ATOMIC_RELAXED) : 0;
	*bytes = l != NULL ? __atomic_load_n(&l->held_bytes, __ATOMIC_RELAXED) : 0;
}

static void *
loader_thread(void *arg)
{
	struct loader *l = arg;
	struct loader_msg *m;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&l->mu);
		while (l->req.head == NULL && !l->stop)
			pthread_cond_wait(&l->cv, &l->mu);
		m = loader_queue_pop(&l->req);
		/* Stopping drops reloads but finishes reclaims: a snapshot must not leak. */
		while (m != NULL && l->stop && m->kind == LOADER_RELOAD) {
			free(m);
			m = loader_queue_pop(&l->req);
		}
		pthread_mutex_unlock(&l->mu);
		if (m == NULL)
			break;

		if (m->kind == LOADER_RECLAIM) {
			struct rrt *t = m->table;
			uint64_t b = loader_rrt_bytes(t);

			rrt_reclaim(t);
			if (t != NULL) {
				__atomic_sub_fetch(&l->held_n, 1, __ATOMIC_RELAXED);
				__atomic_sub_fetch(&l->held_bytes, b, __ATOMIC_RELAXED);
			}
			free(m);
			continue;
		}
		m->res.rc = loader_build(l, m->res.zone, m->unload, false, &m->table, m->res.error,
					 sizeof(m->res.error));
		memcpy(m->info, l->tinfo, l->nzones * sizeof(*m->info));
		pthread_mutex_lock(&l->mu);
		loader_queue_push(&l->res, m);
		pthread_mutex_unlock(&l->mu);
		if (write(l->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow in practice; the result is still queued. */
		}
	}
	return NULL;
}

/* Results are ready: publish each success, report each outcome. Thread: the control thread. */
static void
loader_on_results(void *arg, int fd, uint32_t events)
{
	struct loader *l = arg;
	struct loader_queue done;
	struct loader_msg *m;
	uint64_t cnt;

	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: a previous callback already took everything. */
	}
	pthread_mutex_lock(&l->mu);
	done = l->res;
	l->res.head = l->res.tail = NULL;
	pthread_mutex_unlock(&l->mu);

	while ((m = loader_queue_pop(&done)) != NULL) {
		struct loader_result res = m->res;

		memcpy(l->cinfo, m->info, l->nzones * sizeof(*l->cinfo));
		if (res.rc == 0) {
			struct rrt *old = rrt_publish(l->root, m->table);

			res.generation = m->table != NULL ? m->table->generation : 0;
			l->published++;
			/* The message becomes the reclaim request of the snapshot just replaced. */
			m->kind = LOADER_RECLAIM;
			m->table = old;
			loader_held(l, old, 1);
			pthread_mutex_lock(&l->mu);
			loader_queue_push(&l->req, m);
			pthread_cond_signal(&l->cv);
			pthread_mutex_unlock(&l->mu);
		} else {
			l->refused++;
			free(m);
		}
		l->pending--;
		if (l->done != NULL)
			l->done(l->done_arg, &res);
	}
}

int
loader_new(const struct swerve_config *cfg, struct rrt_slot *const *slots, size_t nslots,
	   struct loader **out, struct rrt **table, struct sw_diag *diag)
{
	struct loader *l;
	char err[sizeof(((struct loader_result *)0)->error)];
	int rc;

	*out = NULL;
	*table = NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return sw_diag_set(diag, -ENOMEM, NULL, 0, "out of memory");
	l->cfg = cfg;
	l->slots = slots;
	l->nslots = nslots;
	l->nzones = cfg->nzones;
	l->efd = -1;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	/* calloc(0) may return NULL: allocate one entry at least. */
	l->zones = calloc(l->nzones + 1, sizeof(*l->zones));
	l->tinfo = calloc(l->nzones + 1, sizeof(*l->tinfo));
	l->cinfo = calloc(l->nzones + 1, sizeof(*l->cinfo));
	l->dropped = calloc(l->nzones + 1, sizeof(*l->dropped));
	l->bz = calloc(l->nzones + 1, sizeof(*l->bz));
	l->bmap = calloc(l->nzones + 1, sizeof(*l->bmap));
	l->bslots = calloc(l->nslots + 1, sizeof(*l->bslots));
	if (l->zones == NULL || l->tinfo == NULL || l->cinfo == NULL || l->dropped == NULL ||
	    l->bz == NULL || l->bmap == NULL || l->bslots == NULL) {
		rc = sw_diag_set(diag, -ENOMEM, NULL, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < l->nzones; i++) {
		l->tinfo[i].name = cfg->zones[i].name;
		l->tinfo[i].file = cfg->zones[i].file;
	}
	err[0] = '\0';
	rc = loader_build(l, -1, false, true, table, err, sizeof(err));
	if (rc < 0) {
		/* loader_build() formatted it; keep the parts for callers that print them. */
		sw_diag_set(diag, rc, NULL, 0, "%s", err);
		goto fail;
	}
	memcpy(l->cinfo, l->tinfo, l->nzones * sizeof(*l->cinfo));
	*out = l;
	return 0;
fail:
	loader_free(l);
	return rc;
}

int
loader_start(struct loader *l, struct evloop *loop, struct rrt_root *root, loader_done_fn done,
	     void *arg)
{
	sigset_t all, old;
	int rc;

	l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->efd < 0)
		return -errno;
	l->loop = loop;
	l->root = root;
	l->done = done;
	l->done_arg = arg;
	rc = evloop_add(loop, l->efd, EPOLLIN, loader_on_results, l);
	if (rc < 0)
		goto fail;
	/* Signals belong to the control thread's loop, never to this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&l->thread, NULL, loader_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		evloop_del(loop, l->efd);
		goto fail;
	}
	pthread_setname_np(l->thread, "swerve-loader");
	l->running = true;
	return 0;
fail:
	close(l->efd);
	l->efd = -1;
	l->loop = NULL;
	return rc;
}

static int
loader_queue_build(struct loader *l, int zone, bool unload, uint64_t cookie)
{
	struct loader_msg *m;

	if (!l->running)
		return -ESHUTDOWN;
	if (zone < -1 || (zone >= 0 && (size_t)zone >= l->nzones))
		return -ERANGE;
	m = calloc(1, sizeof(*m) + (l->nzones + 1) * sizeof(*m->info));
	if (m == NULL)
		return -ENOMEM;
	m->kind = LOADER_RELOAD;
	m->unload = unload;
	m->info = (struct loader_zone_info *)(void *)(m + 1);
	m->res.cookie = cookie;
	m->res.zone = zone;
	pthread_mutex_lock(&l->mu);
	loader_queue_push(&l->req, m);
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	l->pending++;
	return 0;
}

int
loader_reload(struct loader *l, int zone, uint64_t cookie)
{
	return loader_queue_build(l, zone, false, cookie);
}

int
loader_unload(struct loader *l, int zone, uint64_t cookie)
{
	if (zone < 0)
		return -ERANGE;
	return loader_queue_build(l, zone, true, cookie);
}

int
loader_zone_index(const struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nzones; i++)
		if (config_zone_name_eq(l->cfg->zones[i].name, name) ||
		    (l->cinfo[i].apex[0] != '\0' && config_zone_name_eq(l->cinfo[i].apex, name)))
			return (int)i;
	return -1;
}

const struct loader_zone_info *
loader_zones(const struct loader *l, size_t *n)
{
	*n = l->nzones;
	return l->cinfo;
}

unsigned
loader_pending(const struct loader *l)
{
	return l->pending;
}

void
loader_reclaim(struct loader *l, struct rrt *old)
{
	struct loader_msg *m;

	if (old == NULL)
		return;
	m = l != NULL && l->running ? calloc(1, sizeof(*m)) : NULL;
	if (m == NULL) {
		/* No thread (or no memory for the request): wait here, as the contract allows. */
		rrt_reclaim(old);
		return;
	}
	m->kind = LOADER_RECLAIM;
	m->table = old;
	loader_held(l, old, 1);
	pthread_mutex_lock(&l->mu);
	loader_queue_push(&l->req, m);
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* The zone label: the apex without its trailing dot, as operators write zone names. */
static void
loader_zone_label(const struct loader_zone_info *zi, char *buf, size_t len)
{
	const char *src = zi->apex[0] != '\0' ? zi->apex : zi->name;
	size_t n = strlen(src);

	if (n > 1 && src[n - 1] == '.')
		n--;
	snprintf(buf, len, "%.*s", (int)n, src);
}

static void
loader_metrics(void *ctx, struct metrics_out *o)
{
	struct loader *l = ctx;
	char zone[256];

	metrics_family(o, "swerve_zone_serial", "gauge", "SOA serial of the zone being served.");
	for (size_t i = 0; i < l->nzones; i++) {
		loader_zone_label(&l->cinfo[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_zone_serial", l->cinfo[i].serial, "zone", zone,
				   (char *)NULL);
	}
	metrics_family(o, "swerve_zone_load_timestamp_seconds", "gauge",
		       "Wall-clock time of the zone's last successful load.");
	for (size_t i = 0; i < l->nzones; i++) {
		loader_zone_label(&l->cinfo[i], zone, sizeof(zone));
		metrics_sample_double(o, "swerve_zone_load_timestamp_seconds",
				      l->cinfo[i].load_time, "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_zone_names", "gauge", "Owner names of the zone in the table.");
	for (size_t i = 0; i < l->nzones; i++) {
		loader_zone_label(&l->cinfo[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_zone_names", l->cinfo[i].names, "zone", zone,
				   (char *)NULL);
	}
	metrics_family(o, "swerve_zone_reload_failures_total", "counter",
		       "Reloads of the zone refused (the previous version kept serving).");
	for (size_t i = 0; i < l->nzones; i++) {
		loader_zone_label(&l->cinfo[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_zone_reload_failures_total", l->cinfo[i].failures,
				   "zone", zone, (char *)NULL);
	}
	metrics_family(o, "swerve_zone_reloads_total", "counter",
		       "Reload requests completed, by result.");
	metrics_sample_u64(o, "swerve_zone_reloads_total", l->published, "result", "published",
			   (char *)NULL);
	metrics_sample_u64(o, "swerve_zone_reloads_total", l->refused, "result", "refused",
			   (char *)NULL);
}

int
loader_metrics_register(struct loader *l, struct metrics *m)
{
	return metrics_add_source(m, loader_metrics, l);
}

void
loader_free(struct loader *l)
{
	struct loader_msg *m;

	if (l == NULL)
		return;
	if (l->running) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
		l->running = false;
	}
	/* Built but never published: no reader ever saw them. */
	while ((m = loader_queue_pop(&l->res)) != NULL) {
		rrt_free(m->table);
		free(m);
	}
	while ((m = loader_queue_pop(&l->req)) != NULL) {
		if (m->kind == LOADER_RECLAIM) {
			loader_held(l, m->table, -1);
			rrt_reclaim(m->table);
		}
		free(m);
	}
	if (l->efd >= 0) {
		if (l->loop != NULL)
			evloop_del(l->loop, l->efd);
		close(l->efd);
	}
	if (l->zones != NULL)
		for (size_t i = 0; i < l->nzones; i++)
			zone_free(l->zones[i]);
	free(l->zones);
	free(l->tinfo);
	free(l->cinfo);
	free(l->dropped);
	free(l->bz);
	free(l->bmap);
	free(l->bslots);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
