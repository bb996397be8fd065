/* SPDX-License-Identifier: BSD-3-Clause */
/* The zone loader thread: re-parses zone files and builds whole snapshots off the control loop. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/rrt_image.h"
#include "swerve/zone.h"

#include "loader_int.h"

enum loader_kind {
	LOADER_RELOAD,	/* Parse one zone (or all) and build a snapshot. */
	LOADER_IMAGE,	/* Parse the zones of the image's table (loader_image_parse()). */
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
	struct zone *given;	       /* Reload: serve this parsed zone, not the file (owned). */
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

	/* The first snapshot's image: loader_new() built it; whoever started us publishes it. */
	if (l->save != NULL)
		loader_image_save(l);
	for (;;) {
		pthread_mutex_lock(&l->mu);
		while (l->req.head == NULL && !l->stop)
			pthread_cond_wait(&l->cv, &l->mu);
		m = loader_queue_pop(&l->req);
		/* Stopping drops reloads but finishes reclaims: a snapshot must not leak. */
		while (m != NULL && l->stop && m->kind != LOADER_RECLAIM) {
			zone_free(m->given);
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
		m->res.rc = 0;
		if (l->unparsed) {
			/* A request after it builds from what it parses: no table of its own then. */
			m->res.rc = loader_image_parse(l, m->kind == LOADER_IMAGE ? &m->table : NULL,
						       m->res.error, sizeof(m->res.error));
		}
		if (m->kind == LOADER_RELOAD && m->res.rc == 0) {
			m->res.rc = loader_build(l, m->res.zone, m->unload, false, m->given,
						 &m->table, m->res.error, sizeof(m->res.error));
			m->given = NULL; /* loader_build() took it. */
		}
		zone_free(m->given); /* Refused before it was looked at. */
		m->given = NULL;
		memcpy(m->info, l->tinfo, l->nzones * sizeof(*m->info));
		/* Before the hand-over, which ends what loader_pending() counts of the request. */
		if (l->save != NULL)
			__atomic_store_n(&l->saving, true, __ATOMIC_RELEASE);
		pthread_mutex_lock(&l->mu);
		loader_queue_push(&l->res, m);
		pthread_mutex_unlock(&l->mu);
		if (write(l->efd, &one, sizeof(one)) < 0) {
			/* The counter cannot overflow in practice; the result is still queued. */
		}
		if (l->save != NULL)
			loader_image_save(l);
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
		if (res.rc == 0 && m->kind == LOADER_IMAGE && m->table == NULL) {
			free(m); /* The image's table is what the files hold: it serves on. */
		} else if (res.rc == 0) {
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
	   unsigned flags, struct loader **out, struct rrt **table, struct sw_diag *diag)
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
	rc = (flags & LOADER_FROM_IMAGE) && loader_image_open(l, table) == 1
		     ? 0
		     : loader_build(l, -1, false, true, NULL, table, err, sizeof(err));
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

/* Queue a request of @kind for the loader thread; the result comes back with @cookie. */
static int
loader_queue(struct loader *l, enum loader_kind kind, int zone, bool unload, struct zone *given,
	     uint64_t cookie)
{
	struct loader_msg *m;

	if (!l->running)
		return -ESHUTDOWN;
	if (zone < -1 || (zone >= 0 && (size_t)zone >= l->nzones))
		return -ERANGE;
	m = calloc(1, sizeof(*m) + (l->nzones + 1) * sizeof(*m->info));
	if (m == NULL)
		return -ENOMEM;
	m->kind = kind;
	m->res.image = kind == LOADER_IMAGE;
	m->unload = unload;
	m->given = given;
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
	__atomic_store_n(&l->saving, l->save != NULL, __ATOMIC_RELEASE);
	rc = -pthread_create(&l->thread, NULL, loader_thread, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		evloop_del(loop, l->efd);
		goto fail;
	}
	pthread_setname_np(l->thread, "swerve-loader");
	l->running = true;
	/* Started from the image: parsing the zones is the thread's first job. */
	if (l->unparsed && (rc = loader_queue(l, LOADER_IMAGE, -1, false, NULL, 0)) < 0)
		sw_err("the zones cannot be parsed after the start from the table image (%s): "
		       "the first reload parses them",
		       sw_strerror(rc));
	return 0;
fail:
	close(l->efd);
	l->efd = -1;
	l->loop = NULL;
	return rc;
}


int
loader_reload(struct loader *l, int zone, uint64_t cookie)
{
	return loader_queue(l, LOADER_RELOAD, zone, false, NULL, cookie);
}

int
loader_install(struct loader *l, int zone, struct zone *z, uint64_t cookie)
{
	int rc;

	if (zone < 0 || z == NULL)
		rc = -ERANGE;
	else
		rc = loader_queue(l, LOADER_RELOAD, zone, false, z, cookie);
	if (rc < 0)
		zone_free(z);
	return rc;
}

int
loader_unload(struct loader *l, int zone, uint64_t cookie)
{
	if (zone < 0)
		return -ERANGE;
	return loader_queue(l, LOADER_RELOAD, zone, true, NULL, cookie);
}

unsigned
loader_pending(const struct loader *l)
{
	return l->pending + __atomic_load_n(&l->saving, __ATOMIC_ACQUIRE);
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

struct zone *
loader_take_zone(struct loader *l, int zone)
{
	struct zone *z;

	if (l == NULL || zone < 0 || (size_t)zone >= l->nzones || l->pending != 0)
		return NULL;
	z = l->zones[zone];
	l->zones[zone] = NULL;
	return z;
}

void
loader_detach(struct loader *l)
{
	if (l == NULL || l->loop == NULL)
		return;
	if (l->efd >= 0)
		evloop_del(l->loop, l->efd);
	l->loop = NULL;
	l->done = NULL;
}

void
loader_free(struct loader *l)
{
	struct loader_msg *m;

	if (l == NULL)
		return;
	if (l->running) {
		pthread_mutex_lock(&l->mu);
		/* Read without the lock too, between the zones of a long parse (loader_image.c). */
		__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
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
		} else {
			zone_free(m->given);
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
	rrt_image_free(l->image);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
