/* SPDX-License-Identifier: BSD-3-Clause */
/* Secondary zones' life cycle: zones and primaries from the config, the start, the tear-down. */

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/evloop.h"
#include "swerve/loader.h"
#include "swerve/secondary.h"
#include "swerve/xfr.h"
#include "swerve/zone.h"

#include "secondary_core.h"
#include "secondary_notify.h"
#include "secondary_xfr.h"

static int
sec_zone_init(struct secondary *s, struct sec_zone *z, int idx)
{
	const struct cfg_zone *cz = &s->cfg->zones[idx];
	int rc;

	z->s = s;
	z->idx = idx;
	z->cz = cz;
	z->retry_boot = SEC_BOOT_RETRY_S;
	rc = dname_text_canon(cz->name, z->apex, sizeof(z->apex));
	if (rc < 0)
		return rc;
	z->prims = calloc(cz->nprimaries, sizeof(*z->prims));
	z->tsigs = calloc(cz->nprimaries, sizeof(*z->tsigs));
	if (z->prims == NULL || z->tsigs == NULL)
		return -ENOMEM;
	z->nprims = cz->nprimaries;
	for (size_t i = 0; i < cz->nprimaries; i++) {
		const struct cfg_primary *cp = &cz->primaries[i];
		struct xfr_primary *p = &z->prims[i];

		if (cp->addr.family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;

			sin->sin_family = AF_INET;
			sin->sin_addr = cp->addr.v4;
			sin->sin_port = htons(cp->port);
			p->addrlen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p->addr;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = cp->addr.v6;
			sin6->sin6_port = htons(cp->port);
			p->addrlen = sizeof(*sin6);
		}
		p->max_size = s->cfg->xfr_max_size != 0 ? s->cfg->xfr_max_size
							  : CFG_XFR_MAX_SIZE_DEF;
		p->max_records = s->cfg->xfr_max_records != 0 ? s->cfg->xfr_max_records
							       : CFG_XFR_MAX_RECORDS_DEF;
		if (cp->key >= 0) {
			const struct cfg_tsig_key *k = &s->cfg->keys[cp->key];

			z->tsigs[i] = (struct xfr_tsig){k->name, k->algorithm, k->secret};
			p->tsig = &z->tsigs[i];
		}
	}
	evloop_timer_init(&z->refresh_t, sec_on_refresh, z);
	evloop_timer_init(&z->expire_t, sec_on_expire, z);
	return 0;
}

int
secondary_new(const struct swerve_config *cfg, struct loader *l, struct evloop *loop,
	      const struct secondary_ops *ops, struct secondary **out)
{
	struct secondary *s;
	size_t n = 0;
	int rc = -ENOMEM;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->cfg = cfg;
	s->loader = l;
	s->loop = loop;
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (ops != NULL)
		s->ops = *ops;
	if (s->ops.soa_serial == NULL)
		s->ops.soa_serial = xfr_soa_serial;
	if (s->ops.transfer == NULL)
		s->ops.transfer = xfr_transfer;
	if (s->ops.zone_write == NULL)
		s->ops.zone_write = xfr_zone_write;
	if (s->ops.zone_read == NULL)
		s->ops.zone_read = xfr_zone_read;
	if (s->ops.zone_parse == NULL)
		s->ops.zone_parse = xfr_zone_parse;
	if (s->ops.ms_per_s == 0)
		s->ops.ms_per_s = 1000;
	for (size_t i = 0; i < cfg->nzones; i++)
		n += cfg->zones[i].nprimaries > 0;
	s->by_cfg = calloc(cfg->nzones + 1, sizeof(*s->by_cfg));
	s->zones = calloc(n + 1, sizeof(*s->zones));
	if (s->by_cfg == NULL || s->zones == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->nzones; i++) {
		s->by_cfg[i] = -1;
		if (cfg->zones[i].nprimaries == 0)
			continue;
		s->by_cfg[i] = (int)s->nzones;
		rc = sec_zone_init(s, &s->zones[s->nzones++], (int)i);
		if (rc < 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	secondary_free(s);
	return rc;
}

int
secondary_start(struct secondary *s)
{
	const struct loader_zone_info *li;
	sigset_t all, old;
	size_t n;
	int rc;

	if (s->nzones == 0)
		return 0;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0)
		return -errno;
	rc = evloop_add(s->loop, s->efd, EPOLLIN, sec_on_results, s);
	if (rc < 0)
		goto fail;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&s->thread, NULL, sec_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		evloop_del(s->loop, s->efd);
		goto fail;
	}
	pthread_setname_np(s->thread, "swerve-xfr");
	s->running = true;
	li = loader_zones(s->loader, &n);
	for (size_t i = 0; i < s->nzones; i++) {
		struct sec_zone *z = &s->zones[i];

		/* A local copy the loader served at start: its records are read back first. */
		z->info.have_data = (size_t)z->idx < n && li[z->idx].served;
		z->info.serial = z->info.have_data ? li[z->idx].serial : 0;
		z->info.copy_serial = z->info.serial;
		sec_refresh(z, false);
	}
	return 0;
fail:
	close(s->efd);
	s->efd = -1;
	return rc;
}

void
secondary_free(struct secondary *s)
{
	struct sec_job *j;

	if (s == NULL)
		return;
	sec_notify_close(s);
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	while ((j = sec_queue_pop(&s->req)) != NULL)
		free(j);
	while ((j = sec_queue_pop(&s->res)) != NULL) {
		xfr_result_clear(&j->res);
		zone_free(j->parsed);
		ldns_rr_list_deep_free(j->read);
		free(j);
	}
	if (s->efd >= 0) {
		evloop_del(s->loop, s->efd);
		close(s->efd);
	}
	for (size_t i = 0; i < s->nzones; i++) {
		struct sec_zone *z = &s->zones[i];

		evloop_timer_cancel(s->loop, &z->refresh_t);
		evloop_timer_cancel(s->loop, &z->expire_t);
		ldns_rr_list_deep_free(z->current);
		ldns_rr_list_deep_free(z->pending);
		free(z->prims);
		free(z->tsigs);
	}
	free(s->zones);
	free(s->by_cfg);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
