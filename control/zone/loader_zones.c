/* SPDX-License-Identifier: BSD-3-Clause */
/* The loader's zone bookkeeping: what a build parses, and the per-zone state and metrics. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/metrics.h"
#include "swerve/rrt.h"
#include "swerve/rrt_image.h"
#include "swerve/zone.h"

#include "loader_int.h"

double
loader_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
loader_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Owner names per zone in @t (empty non-terminals and glue included); @map: table zone -> config.
 */
void
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

bool
loader_secondary(const struct loader *l, size_t i)
{
	return l->cfg->zones[i].nprimaries > 0;
}

void
loader_image_save(struct loader *l)
{
	const char *path = l->cfg->table_image;
	const struct rrt *t = l->save;
	double start = loader_mono_now();
	uint16_t *cfg = NULL;
	char err[512];
	size_t k = 0;
	int rc;

	l->save = NULL;
	/* Even when stopping: a restart right after a reload should not have to parse. */
	if (path == NULL || t == NULL)
		goto out;
	/* An expired zone's state is not in its files: a restart parses, and serves the copy. */
	for (size_t i = 0; i < l->nzones; i++)
		if ((l->zones[i] != NULL && (l->zones[i]->expired || l->zones[i]->nfiles == 0)) ||
		    l->dropped[i]) {
			sw_debug("table image %s not written: zone %s is not what its files hold",
				 path, l->cfg->zones[i].name);
			goto out;
		}
	cfg = calloc(t->nzones + 1u, sizeof(*cfg));
	if (cfg == NULL) {
		sw_warn("table image %s not written: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < l->nzones; i++)
		if (l->zones[i] != NULL)
			cfg[k++] = (uint16_t)i;
	rc = rrt_image_write(path, t, l->bz, cfg, err, sizeof(err));
	if (rc < 0)
		sw_warn("table image not written: %s", err);
	else
		sw_info("table image %s written: %u names, %.1f MiB in %.2f s", path, t->nnodes,
			(double)rrt_bytes(t) / (1 << 20), loader_mono_now() - start);
out:
	free(cfg);
	__atomic_store_n(&l->saving, false, __ATOMIC_RELEASE);
}

/*
 * Build from the zones of @next that are there (a secondary zone may have
 * none), binding only the failover slots that lie inside one of them: a
 * record of a zone not served is not served either.
 */
int
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
	if (rc < 0)
		return rc;
	/* Held until the next build, which orders them again: 4 octets a record saved meanwhile. */
	for (size_t i = 0; i < l->nzones; i++)
		zone_drop_order(next[i]);
	loader_count_names(l, *out, l->bmap, nz);
	l->save = l->cfg->table_image != NULL ? *out : NULL;
	return 0;
}

void
loader_info_loaded(struct loader_zone_info *zi, const struct zone *z, double now)
{
	/* A name too long for its text form (escapes) shows as the configured one. */
	if (dname_text_canon(z->name, zi->apex, sizeof(zi->apex)) < 0)
		zi->apex[0] = '\0';
	zi->serial = z->serial;
	zi->sig_expire = zone_sig_expire(z);
	zi->records = z->nrrs;
	zi->load_time = now;
	zi->loads++;
	zi->last_error[0] = '\0';
}

bool
loader_served_first(const struct loader *l, size_t i)
{
	return !loader_secondary(l, i) || access(l->cfg->zones[i].file, F_OK) == 0;
}

int
loader_parse(struct loader *l, size_t i, bool first, struct zone **out, struct sw_diag *d,
	     char *err, size_t errlen)
{
	int rc = zone_load(l->cfg->zones[i].name, l->cfg->zones[i].file, out, d);

	if (rc == 0 || !first || !loader_secondary(l, i))
		return rc;
	/* A bad local copy must not keep the daemon down: a transfer replaces it. */
	sw_diag_format(d, rc, err, errlen);
	l->tinfo[i].failures++;
	snprintf(l->tinfo[i].last_error, sizeof(l->tinfo[i].last_error), "%s", err);
	sw_warn("secondary zone %s: local copy not served: %s", l->cfg->zones[i].name, err);
	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	return 0;
}

/*
 * Parse zone @zone (or every zone, -1) and build a snapshot from them and
 * the zones already held. On success the loader holds the new zones and
 * *@out is the snapshot; on failure nothing the loader holds has changed.
 * Thread: the loader thread, or the caller of loader_new().
 */
int
loader_build(struct loader *l, int zone, bool unload, bool initial, struct zone *given,
	     struct rrt **out, char *err, size_t errlen)
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
	for (i = first; i < last; i++) {
		next[i] = NULL;
		/*
		 * Unloading is what EXPIRE does to a secondary zone: the zone stays
		 * in the table as its apex alone, answered SERVFAIL (zone.expired),
		 * not dropped (which would answer REFUSED).
		 */
		if (unload && l->zones[i] != NULL && loader_secondary(l, i)) {
			next[i] = l->zones[i];
			next[i]->expired = true;
		}
	}
	for (i = first; i < last && !unload; i++) {
		failed = i;
		/*
		 * A secondary zone is served from its local copy at start when
		 * there is one; without one (before the first transfer) it is left
		 * out. Later reloads of every zone (SIGHUP) keep what it holds, or
		 * its absence once expired: its data comes from the primaries, and
		 * the copy may be missing or older (a write that failed).
		 */
		if (zone < 0 && loader_secondary(l, i) &&
		    (!initial || l->dropped[i] || !loader_served_first(l, i))) {
			next[i] = initial ? NULL : l->zones[i];
			continue;
		}
		if (given != NULL) {
			next[i] = given;
			given = NULL;
			fresh[i] = true;
			continue;
		}
		rc = loader_parse(l, i, initial, &next[i], &d, err, errlen);
		if (rc < 0)
			goto out;
		fresh[i] = next[i] != NULL;
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
		if (l->zones[i] != next[i])
			zone_free(l->zones[i]);
		if (fresh[i])
			loader_info_loaded(&l->tinfo[i], next[i], now);
		if (zone >= 0)
			l->dropped[i] = unload;
	}
	for (i = 0; i < l->nzones; i++)
		l->tinfo[i].served = next[i] != NULL && !next[i]->expired;
	free(l->zones);
	l->zones = next;
	next = NULL;
out:
	if (rc < 0) {
		sw_diag_format(&d, rc, err, errlen);
		if (next != NULL)
			for (i = first; i < last; i++) {
				if (fresh[i])
					zone_free(next[i]);
				else if (unload && next[i] != NULL)
					next[i]->expired = false; /* Still served as it was. */
			}
		if (failed < l->nzones) {
			l->tinfo[failed].failures++;
			snprintf(l->tinfo[failed].last_error, sizeof(l->tinfo[failed].last_error),
				 "%s", err);
		}
	}
	free(next);
	free(fresh);
	zone_free(given); /* Not taken: an unload, or a failure before it was looked at. */
	return rc;
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
	/* The most common DNSSEC outage is a signature left to expire: alert well before. */
	metrics_family(o, "swerve_zone_signature_expiry_seconds", "gauge",
		       "Expiration of the zone's earliest RRSIG (Unix time); signed zones only.");
	for (size_t i = 0; i < l->nzones; i++) {
		if (l->cinfo[i].sig_expire == 0)
			continue;
		loader_zone_label(&l->cinfo[i], zone, sizeof(zone));
		metrics_sample_u64(o, "swerve_zone_signature_expiry_seconds",
				   l->cinfo[i].sig_expire, "zone", zone, (char *)NULL);
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
