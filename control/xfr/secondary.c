/* SPDX-License-Identifier: BSD-3-Clause */
/* Secondary zones: the per-zone refresh/retry/expire state machine on the control loop. */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/secondary.h"
#include "swerve/xfr.h"
#include "swerve/zone.h"

#include "secondary_core.h"
#include "secondary_xfr.h"

/* Defaults when a held zone's SOA cannot be read (never for a zone that loaded). */
#define SEC_DEF_REFRESH_S 3600
#define SEC_DEF_EXPIRE_S  604800

static const char *const sec_kind_names[] = {"uptodate", "axfr", "ixfr"};

double
sec_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A timer in seconds: the config's override, else the SOA's, else @def. */
static uint32_t
sec_timer_s(const struct sec_zone *z, uint32_t override, size_t field, uint32_t def)
{
	uint32_t v;

	if (override != 0)
		return override;
	if (sec_soa_field(z->current, field, &v) && v != 0)
		return v;
	return def;
}

static uint64_t
sec_ms(const struct sec_zone *z, uint32_t seconds)
{
	return (uint64_t)seconds * z->s->ops.ms_per_s;
}

static void
sec_arm_refresh(struct sec_zone *z, uint64_t delay_ms)
{
	z->next_ms = evloop_now_ms() + delay_ms;
	evloop_timer_arm(z->s->loop, &z->refresh_t, delay_ms);
}

/* Expiry counts from @last_ok (wall clock of the last successful refresh). */
static void
sec_arm_expire(struct sec_zone *z, double last_ok)
{
	uint64_t exp_ms = sec_ms(z, sec_timer_s(z, z->cz->expire_s, 5, SEC_DEF_EXPIRE_S));
	double age_ms = (sec_wall_now() - last_ok) * 1000.0;
	uint64_t left;

	if (age_ms < 0)
		age_ms = 0;
	/* A timer "second" is shorter in tests: scale the age the same way. */
	age_ms = age_ms * z->s->ops.ms_per_s / 1000.0;
	left = age_ms >= (double)exp_ms ? 0 : exp_ms - (uint64_t)age_ms;
	z->expire_ms = evloop_now_ms() + left;
	evloop_timer_arm(z->s->loop, &z->expire_t, left);
}

static void sec_error(struct sec_zone *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sec_error(struct sec_zone *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->last_error, sizeof(z->last_error), fmt, ap);
	va_end(ap);
	z->info.failures++;
	sw_warn("secondary zone %s: %s", z->apex, z->last_error);
}

static void
sec_primary_text(const struct xfr_primary *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (p->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&p->addr;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&p->addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		port = ntohs(sin6->sin6_port);
	}
	snprintf(buf, len, "%s#%u", a, port);
}

/* ---- the state machine (control thread) ---- */

static void
sec_next(struct sec_zone *z, bool ok)
{
	uint32_t sec;

	if (z->again) {
		bool axfr = z->again_axfr;

		z->again = z->again_axfr = false;
		sec_refresh(z, axfr);
		return;
	}
	if (!z->info.have_data)
		sec = z->cz->retry_s != 0 ? z->cz->retry_s : z->retry_boot;
	else if (ok)
		sec = sec_timer_s(z, z->cz->refresh_s, 3, SEC_DEF_REFRESH_S);
	else
		sec = sec_timer_s(z, z->cz->retry_s, 4, SEC_BOOT_RETRY_S);
	sec_arm_refresh(z, sec_ms(z, sec));
}

/* The zone is in the published snapshot. */
static bool
sec_served(const struct sec_zone *z)
{
	const struct loader_zone_info *li;
	size_t n;

	li = loader_zones(z->s->loader, &n);
	return (size_t)z->idx < n && li[z->idx].served;
}

/* Have the loader drop the zone, serve its local copy, or serve @parsed (taken over). */
static void
sec_load(struct sec_zone *z, enum sec_load what, struct zone *parsed)
{
	uint64_t cookie = ((uint64_t)z->idx + 1) << 1;
	int rc;

	if (what == SEC_LOAD_UNLOAD)
		rc = loader_unload(z->s->loader, z->idx, cookie);
	else if (parsed != NULL)
		rc = loader_install(z->s->loader, z->idx, parsed, cookie);
	else
		rc = loader_reload(z->s->loader, z->idx, cookie);
	if (rc < 0) {
		sec_error(z, "cannot queue the zone load: %s", sw_strerror(rc));
		ldns_rr_list_deep_free(z->pending);
		z->pending = NULL;
		z->busy = false;
		sec_next(z, false);
		return;
	}
	z->load = what;
	z->busy = true;
}

/* The outcome of a write of the local copy (a write-only job, or a retry in a refresh). */
static void
sec_write_done(struct sec_zone *z, const struct sec_job *j)
{
	if (!j->wrote)
		return;
	if (j->write_rc == 0) {
		if (z->copy_stale && z->copy_error[0] != '\0')
			sw_notice("secondary zone %s: local copy written again (serial %u)",
				  z->apex, z->info.serial);
		z->copy_stale = false;
		z->copy_error[0] = '\0';
		sec_soa_field(j->current, 2, &z->info.copy_serial);
		return;
	}
	z->info.write_failures++;
	snprintf(z->copy_error, sizeof(z->copy_error), "%s", j->write_err);
	sw_warn("secondary zone %s: serial %u is served from memory, the local copy (serial %u) "
		"could not be written: %s; retried every RETRY seconds, a restart would serve "
		"the older copy until a transfer",
		z->apex, z->info.serial, z->info.copy_serial, j->write_err);
}

static void
sec_job_done(struct sec_zone *z, struct sec_job *j)
{
	char prim[64] = "";

	z->busy = false;
	sec_write_done(z, j);
	if (j->write_only) {
		sec_next(z, !z->copy_stale);
		return;
	}
	if (j->primary >= 0)
		sec_primary_text(&z->prims[j->primary], prim, sizeof(prim));
	if (j->read_local) {
		z->started = true;
		if (j->read != NULL && z->info.have_data) {
			z->current = j->read;
			j->read = NULL;
			sec_soa_field(z->current, 2, &z->info.serial);
			z->info.last_refresh = j->mtime;
			sec_arm_expire(z, j->mtime);
		}
	}
	if (j->rc < 0) {
		if (j->rc == -EFBIG)
			z->info.limit_aborts++;
		sec_error(z, "refresh failed: %s", j->err[0] != '\0' ? j->err : sw_strerror(j->rc));
		/* Expiry came while this refresh ran; it failed, so the zone goes now. */
		if (z->info.expired && sec_served(z)) {
			sec_load(z, SEC_LOAD_UNLOAD, NULL);
			return;
		}
		sec_next(z, false);
		return;
	}
	z->last_error[0] = '\0';
	if (j->uptodate) {
		z->info.last_refresh = sec_wall_now();
		if (z->info.have_data)
			sec_arm_expire(z, z->info.last_refresh);
		if (z->info.expired && z->current != NULL) {
			/* The primary is back with the version held: serve it again, from the
			   copy when the copy holds it, else from a new transfer. */
			if (z->copy_stale) {
				sec_refresh(z, true);
				return;
			}
			sec_load(z, SEC_LOAD_RELOAD, NULL);
			return;
		}
		sec_next(z, !z->copy_stale);
		return;
	}
	/* Parsed; served once the loader has rebuilt the snapshot with it, then written. */
	z->pending = j->res.rrs;
	z->pending_kind = j->res.kind;
	z->pending_primary = j->primary;
	z->pending_at = sec_wall_now();
	snprintf(z->info.primary, sizeof(z->info.primary), "%s", prim);
	sw_info("secondary zone %s: %s of serial %u from %s (%u messages, %llu octets)%s", z->apex,
		sec_kind_names[j->res.kind], j->res.serial, prim, j->res.messages,
		(unsigned long long)j->res.bytes, j->res.ixfr_fallback ? ", IXFR fell back" : "");
	j->res.rrs = NULL;
	sec_load(z, SEC_LOAD_RELOAD, j->parsed);
	j->parsed = NULL;
}

/* Hand @j for zone @z to the transfer thread; the zone is busy until its result comes back. */
static void
sec_submit(struct secondary *s, struct sec_zone *z, struct sec_job *j)
{
	z->busy = true;
	pthread_mutex_lock(&s->mu);
	sec_queue_push(&s->req, j);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Write what is served to the local copy, on the transfer thread. */
static void
sec_write_copy(struct sec_zone *z)
{
	struct secondary *s = z->s;
	struct sec_job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		sec_next(z, false); /* The refresh retries the write. */
		return;
	}
	j->z = z;
	j->write_only = true;
	j->current = z->current;
	sec_submit(s, z, j);
}

void
sec_refresh_post(struct sec_zone *z)
{
	struct secondary *s = z->s;
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	z->notified = true;
	pthread_mutex_unlock(&s->mu);
	/* Before secondary_start() there is no eventfd: the start refreshes every zone anyway. */
	if (s->efd >= 0 && write(s->efd, &one, sizeof(one)) < 0) {
		/* Cannot overflow in practice. */
	}
}

void
sec_on_results(void *arg, int fd, uint32_t events)
{
	struct secondary *s = arg;
	struct sec_queue done;
	struct sec_job *j;
	uint64_t cnt;

	(void)events;
	if (read(fd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: an earlier call took everything. */
	}
	pthread_mutex_lock(&s->mu);
	done = s->res;
	s->res.head = s->res.tail = NULL;
	for (size_t i = 0; i < s->nzones; i++) {
		s->zones[i].again |= s->zones[i].notified;
		s->zones[i].notified = false;
	}
	pthread_mutex_unlock(&s->mu);
	/* Notified zones: a refresh now, or right after the one running. */
	for (size_t i = 0; i < s->nzones; i++)
		if (s->zones[i].again && !s->zones[i].busy) {
			s->zones[i].again = false;
			sec_refresh(&s->zones[i], s->zones[i].again_axfr);
			s->zones[i].again_axfr = false;
		}
	while ((j = sec_queue_pop(&done)) != NULL) {
		sec_job_done(j->z, j);
		xfr_result_clear(&j->res);
		zone_free(j->parsed);
		ldns_rr_list_deep_free(j->read);
		free(j);
	}
}

void
secondary_loader_done(struct secondary *s, const struct loader_result *res)
{
	size_t zi = (size_t)(res->cookie >> 1) - 1;
	struct sec_zone *z;
	int k;

	if (s == NULL || zi >= s->cfg->nzones || (k = s->by_cfg[zi]) < 0)
		return;
	z = &s->zones[k];
	if (z->load == SEC_LOAD_UNLOAD) {
		z->load = SEC_LOAD_NONE;
		z->busy = false;
		if (res->rc < 0)
			sec_error(z, "cannot drop the expired zone: %s", res->error);
		/* Keep asking: the retry timer, or the refresh asked for meanwhile. */
		if (z->again || !evloop_timer_armed(&z->refresh_t))
			sec_next(z, false);
		return;
	}
	z->load = SEC_LOAD_NONE;
	z->busy = false;
	if (res->rc < 0) {
		/* Nothing was written (the copy is written once served); the next refresh retries. */
		sec_error(z, "transferred zone not served: %s", res->error);
		ldns_rr_list_deep_free(z->pending);
		z->pending = NULL;
		sec_next(z, false);
		return;
	}
	if (z->info.expired)
		sw_notice("secondary zone %s: served again", z->apex);
	z->info.have_data = true;
	z->info.expired = false;
	if (z->pending != NULL) {
		ldns_rr_list_deep_free(z->current);
		z->current = z->pending;
		z->pending = NULL;
		sec_soa_field(z->current, 2, &z->info.serial);
		z->info.transfers[z->pending_kind == XFR_IXFR]++;
		z->info.last_transfer = sec_wall_now();
		z->info.last_kind = z->pending_kind == XFR_IXFR ? "ixfr" : "axfr";
		/* The refresh counts as done only now that its zone is served. */
		z->info.last_refresh = z->pending_at;
		sw_notice("secondary zone %s: serial %u served", z->apex, z->info.serial);
		sec_arm_expire(z, z->info.last_refresh);
		/* Served from memory; now the local copy, off this thread. */
		z->copy_stale = true;
		sec_write_copy(z);
		return;
	}
	sec_arm_expire(z, z->info.last_refresh);
	sec_next(z, true);
}

void
sec_refresh(struct sec_zone *z, bool axfr)
{
	struct secondary *s = z->s;
	struct sec_job *j;

	if (z->busy || !s->running) {
		z->again = true;
		z->again_axfr |= axfr;
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		sec_error(z, "out of memory");
		sec_next(z, false);
		return;
	}
	evloop_timer_cancel(s->loop, &z->refresh_t);
	z->next_ms = 0;
	j->z = z;
	j->axfr = axfr;
	j->read_local = !z->started;
	j->rewrite = z->copy_stale;
	j->current = z->current;
	sec_submit(s, z, j);
}

void
sec_on_refresh(void *arg)
{
	struct sec_zone *z = arg;

	z->next_ms = 0;
	sec_refresh(z, false);
}

void
sec_on_expire(void *arg)
{
	struct sec_zone *z = arg;

	z->expire_ms = 0;
	if (!z->info.have_data || z->info.expired)
		return;
	z->info.expired = true;
	sw_err("secondary zone %s expired: no successful refresh for %u s; its names are "
	       "answered SERVFAIL until a primary answers",
	       z->apex, sec_timer_s(z, z->cz->expire_s, 5, SEC_DEF_EXPIRE_S));
	/* A refresh or load in flight decides: success serves it, failure drops it. */
	if (z->busy)
		return;
	sec_load(z, SEC_LOAD_UNLOAD, NULL);
}

int
secondary_refresh(struct secondary *s, int zone, bool axfr)
{
	if (s == NULL || zone < 0 || (size_t)zone >= s->cfg->nzones || s->by_cfg[zone] < 0)
		return -EINVAL;
	sec_refresh(&s->zones[s->by_cfg[zone]], axfr);
	return 0;
}

const struct secondary_info *
secondary_zone_info(const struct secondary *s, int zone)
{
	struct sec_zone *z;
	double now_wall;
	uint64_t now;

	if (s == NULL || zone < 0 || (size_t)zone >= s->cfg->nzones || s->by_cfg[zone] < 0)
		return NULL;
	z = &s->zones[s->by_cfg[zone]];
	now = evloop_now_ms();
	now_wall = sec_wall_now();
	z->info.busy = z->busy;
	z->info.last_error = z->last_error;
	z->info.copy_stale = z->copy_stale;
	z->info.copy_error = z->copy_error;
	/* Deadlines are monotonic; show them as wall clock (in real seconds). */
	z->info.next_refresh =
		z->next_ms != 0 ? now_wall + (double)(z->next_ms > now ? z->next_ms - now : 0) /
						     z->s->ops.ms_per_s
				: 0;
	z->info.expires =
		z->expire_ms != 0 && !z->info.expired
			? now_wall + (double)(z->expire_ms > now ? z->expire_ms - now : 0) /
					     z->s->ops.ms_per_s
			: 0;
	return &z->info;
}
