/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loader's use of the table image at start (docs/table-image.md):
 * served when it still matches the zone files, then the zones parsed in
 * the background, which the loader needs for every later build. Saving it
 * after a build is loader_zones.c's.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "swerve/config.h"
#include "swerve/dname.h"
#include "swerve/error.h"
#include "swerve/log.h"
#include "swerve/rrt_image.h"

#include "loader_int.h"
#include "rrt_dnssec.h"

static bool
img_same_source(const struct zone_source *a, const struct zone_source *b)
{
	return a->size == b->size && memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0;
}

/* Whether image zone @iz still matches its files as they are now; @err says which does not. */
static bool
img_zone_current(const struct loader *l, const struct rrt_image_zone *iz, char *err,
		 size_t errlen)
{
	const char *file = l->cfg->zones[iz->cfg].file;

	/*
	 * $INCLUDEd files are found relative to the zone file: with any, the
	 * zone file must be where it was (a transfer's is read from memory, and
	 * includes nothing, so its path is not compared).
	 */
	if (iz->nfiles > 1 && strcmp(iz->files[0].path, file) != 0) {
		snprintf(err, errlen, "zone %s was read from %s, now from %s", iz->name,
			 iz->files[0].path, file);
		return false;
	}
	for (unsigned f = 0; f < iz->nfiles; f++) {
		const char *path = f == 0 ? file : iz->files[f].path;
		struct zone_source now;
		int rc = rrt_image_identify(path, &now);

		if (rc < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, sw_strerror(rc));
			return false;
		}
		if (!img_same_source(&now, &iz->files[f].id)) {
			snprintf(err, errlen, "%s changed since it was written", path);
			return false;
		}
	}
	return true;
}

/*
 * Whether @im holds what the first build would make now: the same zones,
 * from files with the same contents, and the same failover records bound
 * into it (their slots then go into the table's slots[]).
 */
static bool
img_matches(struct loader *l, struct rrt_image *im, char *err, size_t errlen)
{
	struct rrt *t = im->table;
	size_t k = 0, ns = 0;

	for (size_t i = 0; i < l->nzones; i++) {
		if (!loader_served_first(l, i))
			continue;
		if (k == im->nzones || im->zones[k].cfg != i ||
		    !config_zone_name_eq(l->cfg->zones[i].name, im->zones[k].name)) {
			/* A secondary zone whose local copy did not load is left out of images. */
			snprintf(err, errlen,
				 "the zones configured are not those in it (zone %s is not in it%s)",
				 l->cfg->zones[i].name,
				 loader_secondary(l, i) ? ", or its local copy does not load" : "");
			return false;
		}
		if (!img_zone_current(l, &im->zones[k], err, errlen))
			return false;
		l->bmap[k++] = i;
	}
	if (k != im->nzones) {
		snprintf(err, errlen,
			 "the zones configured are not those in it (zone %s is not configured, or "
			 "has no local copy)",
			 im->zones[k].name);
		return false;
	}
	/* The slots bound are those inside a served zone, in their order (loader_build_table()). */
	for (size_t s = 0; s < l->nslots; s++)
		for (k = 0; k < t->nzones; k++) {
			const struct rrt_node *apex = &t->nodes[t->zones[k].apex];

			if (dname_is_below_or_at(l->slots[s]->name, l->slots[s]->name_len,
						 rrt_node_name(t, apex), apex->name_len)) {
				l->bslots[ns++] = l->slots[s];
				break;
			}
		}
	for (size_t s = 0; s < ns && ns == t->nslots; s++)
		if (!rrt_image_slot_is(&im->slots[s], l->bslots[s]))
			ns = SIZE_MAX;
	if (ns != t->nslots) {
		snprintf(err, errlen, "the failover records configured are not those in it");
		return false;
	}
	return true;
}

int
loader_image_open(struct loader *l, struct rrt **out)
{
	const char *path = l->cfg->table_image;
	double start = loader_mono_now(), now;
	struct rrt_image *im = NULL;
	char err[512];
	struct rrt *t;
	int rc;

	*out = NULL;
	if (path == NULL)
		return 0;
	rc = rrt_image_read(path, &im, err, sizeof(err));
	if (rc == -ENOENT) {
		sw_info("table image %s: none yet, parsing the zones", path);
		return 0;
	}
	if (rc < 0) {
		sw_warn("table image %s not used, parsing the zones: %s", path, err);
		return 0;
	}
	if (!img_matches(l, im, err, sizeof(err))) {
		sw_notice("table image %s is stale, parsing the zones: %s", path, err);
		rrt_image_free(im);
		return 0;
	}
	t = im->table;
	im->table = NULL;
	memcpy(t->slots, l->bslots, t->nslots * sizeof(*t->slots));
	now = loader_wall_now();
	for (uint16_t k = 0; k < t->nzones; k++) {
		struct loader_zone_info *zi = &l->tinfo[l->bmap[k]];

		if (dname_text_canon(im->zones[k].name, zi->apex, sizeof(zi->apex)) < 0)
			zi->apex[0] = '\0';
		zi->serial = t->zones[k].serial;
		zi->sig_expire = t->zones[k].sig_expire;
		bld_sig_warn(im->zones[k].name, zi->sig_expire, (time_t)now);
		zi->records = im->zones[k].records;
		zi->load_time = now;
		zi->loads++;
		zi->served = true;
	}
	loader_count_names(l, t, l->bmap, t->nzones);
	l->image = im;
	l->unparsed = true;
	sw_notice("table image %s: %u names in %u zone(s) served without parsing, read in %.2f s; "
		  "the zones are parsed in the background",
		  path, t->nnodes, t->nzones, loader_mono_now() - start);
	*out = t;
	return 1;
}

/* Whether the zones just parsed (@next) are exactly those the image was compiled from. */
static bool
img_parsed_same(const struct loader *l, struct zone *const *next)
{
	const struct rrt_image *im = l->image;
	size_t k = 0;

	for (size_t i = 0; i < l->nzones; i++) {
		const struct rrt_image_zone *iz = k < im->nzones ? &im->zones[k] : NULL;

		if (next[i] == NULL)
			continue;
		if (iz == NULL || iz->cfg != i || iz->nfiles != next[i]->nfiles)
			return false;
		for (unsigned f = 0; f < iz->nfiles; f++)
			if (!img_same_source(&iz->files[f].id, &next[i]->sources[f]))
				return false;
		k++;
	}
	return k == im->nzones;
}

int
loader_image_parse(struct loader *l, struct rrt **out, char *err, size_t errlen)
{
	double start = loader_mono_now(), now;
	bool rebuilt = false;
	struct sw_diag d;
	int rc = 0;

	if (out != NULL)
		*out = NULL;
	memset(&d, 0, sizeof(d));
	/*
	 * Into l->zones as they load: after a failure the next request parses
	 * only what is missing. Nothing can be built before every zone is held
	 * (a build takes them all), so until then the image's table serves.
	 */
	for (size_t i = 0; i < l->nzones && rc == 0; i++) {
		if (l->zones[i] != NULL || !loader_served_first(l, i))
			continue;
		if (__atomic_load_n(&l->stop, __ATOMIC_RELAXED)) {
			snprintf(err, errlen, "stopping");
			return -ECANCELED;
		}
		rc = loader_parse(l, i, true, &l->zones[i], &d, err, errlen);
	}
	if (rc == 0 && !img_parsed_same(l, l->zones)) {
		/* A file changed since the image was read: serve what it holds now, as a reload. */
		rebuilt = true;
		if (out != NULL)
			rc = loader_build_table(l, l->zones, out, &d);
		now = loader_wall_now();
		for (size_t i = 0; i < l->nzones && rc == 0; i++) {
			if (l->zones[i] != NULL)
				loader_info_loaded(&l->tinfo[i], l->zones[i], now);
			l->tinfo[i].served = l->zones[i] != NULL;
		}
	}
	if (rc < 0) {
		sw_diag_format(&d, rc, err, errlen);
		return rc;
	}
	l->unparsed = false;
	rrt_image_free(l->image);
	l->image = NULL;
	sw_info("zones parsed in %.1f s after the start from the table image%s",
		loader_mono_now() - start, rebuilt ? ": a file had changed since the start" : "");
	return 0;
}
