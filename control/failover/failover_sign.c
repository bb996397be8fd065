/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover records in signed zones: the zones' signers, and signatures renewed before they expire. */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "failover_publish.h"
#include "failover_sign.h"
#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt.h"
#include "swerve/zone_sign.h"

/* The configured zone @r's name falls in: the longest apex that is a suffix, or -1. */
static int
fo_sign_zone_of(const struct failover *f, const struct fo_record *r)
{
	int best = -1;
	size_t best_len = 0;

	for (size_t i = 0; i < f->cfg->nzones; i++) {
		uint8_t apex[DNAME_MAXLEN];
		size_t len;

		if (dname_from_text(f->cfg->zones[i].name, apex, &len) < 0)
			continue;
		if (dname_is_below_or_at(r->wire, r->wire_len, apex, len) &&
		    (best < 0 || len > best_len)) {
			best = (int)i;
			best_len = len;
		}
	}
	return best;
}

int
fo_sign_init(struct failover *f, struct sw_diag *diag)
{
	int rc;

	f->signers = calloc(f->cfg->nzones + 1, sizeof(*f->signers));
	if (f->signers == NULL)
		return sw_diag_set(diag, -ENOMEM, f->cfg->path, 0, "out of memory");
	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];
		int z = fo_sign_zone_of(f, r);

		if (z < 0 || f->cfg->zones[z].nkey_files == 0)
			continue;
		if (f->signers[z] == NULL) {
			rc = zone_signer_new(&f->cfg->zones[z], &f->signers[z], diag);
			if (rc < 0)
				return rc;
		}
		r->signer = f->signers[z];
	}
	return 0;
}

void
fo_sign_slot(struct fo_record *r)
{
	if (r->signer == NULL)
		return;
	r->slot->nkeys = (uint8_t)zone_signer_keys(r->signer, r->slot->key_tag, r->slot->key_alg,
						   RRT_SLOT_MAX_KEYS);
	r->sig_expire = r->built_expire;
}

unsigned
fo_sign_renew(struct failover *f, time_t now)
{
	unsigned renewed = 0;

	for (size_t i = 0; i < f->nrecs; i++) {
		struct fo_record *r = &f->recs[i];
		int rc;

		if (r->signer == NULL || r->slot->cur == NULL ||
		    (int64_t)r->sig_expire - now > (int64_t)zone_signer_refresh(r->signer))
			continue;
		rc = fo_record_resign(r);
		if (rc < 0) {
			sw_err("failover %s: cannot renew its signatures (%s); they expire in "
			       "%lld s, retrying",
			       r->name, sw_strerror(rc), (long long)((int64_t)r->sig_expire - now));
			continue;
		}
		f->resigns++;
		renewed++;
		sw_info("failover %s: signatures renewed, valid until %u", r->name, r->sig_expire);
	}
	return renewed;
}

static void
fo_sign_timer(void *arg)
{
	struct failover *f = arg;

	fo_sign_renew(f, time(NULL));
	evloop_timer_arm(f->loop, &f->resign_timer, FO_RESIGN_CHECK_MS);
}

void
fo_sign_start(struct failover *f)
{
	for (size_t i = 0; i < f->nrecs; i++) {
		if (f->recs[i].signer != NULL) {
			evloop_timer_init(&f->resign_timer, fo_sign_timer, f);
			evloop_timer_arm(f->loop, &f->resign_timer, FO_RESIGN_CHECK_MS);
			return;
		}
	}
}

void
fo_sign_free(struct failover *f)
{
	if (f->signers == NULL)
		return;
	if (f->loop != NULL)
		evloop_timer_cancel(f->loop, &f->resign_timer);
	for (size_t i = 0; i < f->cfg->nzones; i++)
		zone_signer_free(f->signers[i]);
	free(f->signers);
	f->signers = NULL;
}
