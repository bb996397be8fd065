/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes the loader's completions: to the secondary module, to the log, and to the control client
 * waiting on a zone-reload; and the helpers the start-up stages and the configuration reload
 * share. */

#include <inttypes.h>
#include <stddef.h>

#include <jansson.h>

#include "swerve/config.h"
#include "swerve/ctl.h"
#include "swerve/loader.h"
#include "swerve/log.h"
#include "swerve/secondary.h"
#include "notify.h"
#include "swerved.h"

void
swerved_reload_done(void *arg, const struct loader_result *res)
{
	struct swerved *s = arg;
	const struct loader_zone_info *zi;
	const char *what;
	json_t *reply, *zones;
	size_t n;

	if (secondary_cookie_is(res->cookie)) {
		/* A transfer being published, or an expired zone dropped: the module logs it. */
		secondary_loader_done(s->sec, res);
		return;
	}
	if (res->image) {
		/* The parse that follows a start from the table image (the loader logs its time). */
		if (res->rc < 0)
			sw_err("the zones do not load after the start from the table image, whose table "
			       "keeps serving; every reload parses them first: %s",
			       res->error);
		else if (res->generation != 0)
			sw_notice("a zone file changed since the start: its table serves (generation "
				  "%" PRIu64 ")",
				  res->generation);
		return;
	}
	zi = loader_zones(s->loader, &n);
	what = res->zone < 0		       ? "all zones"
	       : zi[res->zone].apex[0] != '\0' ? zi[res->zone].apex
					       : zi[res->zone].name;
	if (res->rc < 0)
		sw_err("zone reload of %s refused, the previous version keeps serving: %s", what,
		       res->error);
	else if (res->zone >= 0)
		sw_notice("zone %s reloaded: serial %u, %u names (generation %" PRIu64 ")", what,
			  zi[res->zone].serial, zi[res->zone].names, res->generation);
	else
		sw_notice("all %zu zone(s) reloaded (generation %" PRIu64 ")", n, res->generation);

	if (res->cookie == SWERVED_COOKIE_SIGNAL || s->ctl == NULL)
		return;
	reply = json_object();
	if (reply == NULL)
		return;
	if (res->rc < 0) {
		json_object_set_new(reply, "error", json_string(res->error));
		ctl_reply_deferred(s->ctl, res->cookie >> 1, false, reply);
		return;
	}
	zones = json_array();
	for (size_t i = 0; i < n; i++)
		if (res->zone < 0 || (size_t)res->zone == i)
			json_array_append_new(zones, ctl_zone_json(s, i, &zi[i], false));
	json_object_set_new(reply, "zones", zones);
	json_object_set_new(reply, "generation", json_integer((json_int_t)res->generation));
	ctl_reply_deferred(s->ctl, res->cookie >> 1, true, reply);
}

/* Owner names over every zone, for messages. */
uint32_t
swerved_names(const struct loader *l)
{
	const struct loader_zone_info *zi;
	size_t n;
	uint32_t total = 0;

	zi = loader_zones(l, &n);
	for (size_t i = 0; i < n; i++)
		total += zi[i].names;
	return total;
}

void
swerved_notify_ready(const struct swerved *s)
{
	notify_ready("serving %zu zone(s), %u names; %u worker(s) on %u port(s)", s->cfg->nzones,
		     swerved_names(s->loader), s->nworkers, s->nports);
}

/* The TCP listener's NOTIFY hook: Knot 3 sends NOTIFY over TCP, not UDP. */
size_t
swerved_tcp_notify(void *arg, const uint8_t *msg, size_t len, const struct sockaddr *from,
		   uint8_t *resp, size_t cap)
{
	return secondary_notify_input(arg, msg, len, from, resp, cap);
}

/* Whether any zone is a secondary: without one, NOTIFY over TCP stays NOTIMP. */
bool
swerved_has_secondary(const struct swerve_config *cfg)
{
	for (size_t i = 0; i < cfg->nzones; i++)
		if (cfg->zones[i].nprimaries > 0)
			return true;
	return false;
}
