/* SPDX-License-Identifier: BSD-3-Clause */
/* The zone commands of the control socket (zone-list, zone-reload, zone-refresh, zone-retransfer)
 * and zone state as JSON. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/loader.h"
#include "swerve/secondary.h"
#include "swerved.h"

/* More queued reloads than this is an operator script gone wrong, not a need. */
#define CTL_ZONE_MAX_RELOADS 64

/* Wall-clock seconds as "2024-05-01T12:00:00Z". */
json_t *
ctl_zone_time(double t)
{
	char buf[32];
	time_t sec = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&sec, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* A secondary zone's transfer state: what it holds, when it last heard from a primary, what next.
 */
static json_t *
ctl_zone_transfer(const struct secondary_info *si)
{
	json_t *o = json_object();

	if (o == NULL)
		return json_null();
	json_object_set_new(o, "serial",
			    si->have_data ? json_integer((json_int_t)si->serial) : json_null());
	json_object_set_new(o, "expired", json_boolean(si->expired));
	json_object_set_new(o, "busy", json_boolean(si->busy));
	json_object_set_new(o, "last_refresh", ctl_zone_time(si->last_refresh));
	json_object_set_new(o, "last_transfer", ctl_zone_time(si->last_transfer));
	json_object_set_new(o, "last_kind",
			    si->last_kind != NULL ? json_string(si->last_kind) : json_null());
	json_object_set_new(o, "primary",
			    si->primary[0] != '\0' ? json_string(si->primary) : json_null());
	json_object_set_new(o, "next_refresh", ctl_zone_time(si->next_refresh));
	json_object_set_new(o, "expires", ctl_zone_time(si->expires));
	json_object_set_new(o, "last_error",
			    si->last_error[0] != '\0' ? json_string(si->last_error) : json_null());
	json_object_set_new(o, "axfr", json_integer((json_int_t)si->transfers[0]));
	json_object_set_new(o, "ixfr", json_integer((json_int_t)si->transfers[1]));
	json_object_set_new(o, "failures", json_integer((json_int_t)si->failures));
	json_object_set_new(o, "notifies", json_integer((json_int_t)si->notifies));
	/* The local copy: stale while a write is under way or failed (disk full). */
	json_object_set_new(o, "copy_stale", json_boolean(si->copy_stale));
	json_object_set_new(o, "copy_serial", json_integer((json_int_t)si->copy_serial));
	json_object_set_new(o, "copy_error", si->copy_error != NULL && si->copy_error[0] != '\0'
						     ? json_string(si->copy_error)
						     : json_null());
	json_object_set_new(o, "write_failures", json_integer((json_int_t)si->write_failures));
	json_object_set_new(o, "limit_aborts", json_integer((json_int_t)si->limit_aborts));
	return o;
}

json_t *
ctl_zone_json(const struct swerved *s, size_t i, const struct loader_zone_info *zi, bool full)
{
	const struct secondary_info *si = secondary_zone_info(s->sec, (int)i);
	json_t *o =
		json_pack("{s:s, s:I, s:o, s:I}", "zone", zi->apex[0] != '\0' ? zi->apex : zi->name,
			  "serial", (json_int_t)zi->serial, "loaded", ctl_zone_time(zi->load_time),
			  "names", (json_int_t)zi->names);

	if (o != NULL) {
		json_object_set_new(o, "role", json_string(si != NULL ? "secondary" : "primary"));
		json_object_set_new(o, "served", json_boolean(zi->served));
		if (si != NULL)
			json_object_set_new(o, "transfer", ctl_zone_transfer(si));
	}
	if (o != NULL && full) {
		json_object_set_new(o, "file", json_string(zi->file));
		json_object_set_new(o, "load_time", json_real(zi->load_time));
		json_object_set_new(o, "records", json_integer((json_int_t)zi->records));
		json_object_set_new(o, "loads", json_integer((json_int_t)zi->loads));
		json_object_set_new(o, "failures", json_integer((json_int_t)zi->failures));
		json_object_set_new(o, "last_error",
				    zi->last_error[0] != '\0' ? json_string(zi->last_error)
							      : json_null());
	}
	return o;
}

json_t *
ctl_zone_all(const struct swerved *s, bool full)
{
	const struct loader_zone_info *zi;
	json_t *a = json_array();
	size_t n;

	zi = loader_zones(s->loader, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, ctl_zone_json(s, i, &zi[i], full));
	return a;
}

int
ctl_zone_list(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;

	(void)req;
	json_object_set_new(reply, "zones", ctl_zone_all(s, true));
	return 0;
}

int
ctl_zone_reload(void *ctx, const struct ctl_req *req, json_t *reply)
{
	struct swerved *s = ctx;
	const char *name = NULL;
	int zone = -1, rc;

	rc = ctl_arg_str(req, reply, "zone", false, &name);
	if (rc < 0)
		return rc;
	if (name != NULL) {
		zone = loader_zone_index(s->loader, name);
		if (zone < 0)
			return ctl_fail(reply, "unknown zone '%s'", name);
		/* Serving an expired copy again is the primary's call, through a refresh. */
		if (secondary_zone_info(s->sec, zone) != NULL &&
		    secondary_zone_info(s->sec, zone)->expired)
			return ctl_fail(reply,
					"zone '%s' has expired: zone-refresh asks its primaries",
					name);
	}
	if (loader_pending(s->loader) >= CTL_ZONE_MAX_RELOADS)
		return ctl_fail(reply, "%u reloads already queued", loader_pending(s->loader));
	rc = loader_reload(s->loader, zone, swerved_cookie(req->client));
	if (rc < 0)
		return ctl_fail(reply, "cannot queue the reload: %s", sw_strerror(rc));
	return CTL_DEFERRED;
}

/* zone-refresh ZONE / zone-retransfer ZONE: a secondary zone's refresh, now. */
static int
ctl_zone_refresh_common(struct swerved *s, const struct ctl_req *req, json_t *reply, bool axfr)
{
	const char *name = NULL;
	int zone, rc;

	rc = ctl_arg_str(req, reply, "zone", true, &name);
	if (rc < 0)
		return rc;
	zone = loader_zone_index(s->loader, name);
	if (zone < 0)
		return ctl_fail(reply, "unknown zone '%s'", name);
	if (secondary_zone_info(s->sec, zone) == NULL)
		return ctl_fail(reply, "zone '%s' has no primaries (zone-reload re-reads its file)",
				name);
	rc = secondary_refresh(s->sec, zone, axfr);
	if (rc < 0)
		return ctl_fail(reply, "cannot start the refresh: %s", sw_strerror(rc));
	json_object_set_new(reply, "zone", json_string(name));
	json_object_set_new(reply, "started", json_string(axfr ? "axfr" : "refresh"));
	return 0;
}

int
ctl_zone_refresh(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return ctl_zone_refresh_common(ctx, req, reply, false);
}

int
ctl_zone_retransfer(void *ctx, const struct ctl_req *req, json_t *reply)
{
	return ctl_zone_refresh_common(ctx, req, reply, true);
}
