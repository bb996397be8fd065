/* SPDX-License-Identifier: BSD-3-Clause */
/* Failover memory: the persisted operator overrides (JSON state file) and the event history. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "failover_lookup.h"
#include "failover_state.h"
#include "swerve/error.h"
#include "swerve/log.h"

#define FO_STATE_VERSION 1

int
fo_events_init(struct fo_events *ev)
{
	ev->ring = calloc(FO_EVENTS_MAX, sizeof(*ev->ring));
	ev->next_seq = 1;
	return ev->ring == NULL ? -ENOMEM : 0;
}

void
fo_events_fini(struct fo_events *ev)
{
	free(ev->ring);
	ev->ring = NULL;
}

/* The oldest entry is overwritten: the history is for "what just happened", logs keep the rest. */
void
fo_event_add(struct failover *f, const struct fo_record *r, const char *endpoint, const char *from,
	     const char *to, const char *reason)
{
	struct fo_events *ev = &f->events;
	struct fo_event *e = &ev->ring[(ev->next_seq - 1) % FO_EVENTS_MAX];

	e->seq = ev->next_seq++;
	e->time_ms = fo_realtime_ms();
	e->record = r->name;
	e->type = r->cfg->type;
	snprintf(e->endpoint, sizeof(e->endpoint), "%s", endpoint != NULL ? endpoint : "");
	snprintf(e->from, sizeof(e->from), "%s", from);
	snprintf(e->to, sizeof(e->to), "%s", to);
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

size_t
fo_events_count(const struct fo_events *ev)
{
	uint64_t n = ev->next_seq - 1;

	return n < FO_EVENTS_MAX ? (size_t)n : FO_EVENTS_MAX;
}

const struct fo_event *
fo_events_get(const struct fo_events *ev, size_t n, size_t i)
{
	uint64_t seq = ev->next_seq - n + i;

	return &ev->ring[(seq - 1) % FO_EVENTS_MAX];
}

/* Only what differs from the defaults is stored, so a config change does not fight stale data. */
static json_t *
fo_state_json(const struct failover *f)
{
	json_t *root = json_object(), *recs = json_array();

	/* The _new setters take the reference even when they fail: nothing to release twice. */
	if (json_object_set_new(root, "version", json_integer(FO_STATE_VERSION)) < 0 ||
	    json_object_set_new(root, "records", recs) < 0)
		goto fail;
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct fo_record *r = &f->recs[i];
		bool manual = r->cfg->check.kind == CFG_CHECK_MANUAL;
		json_t *jr, *eps = json_array();
		char pb[32];

		jr = json_pack("{s:s, s:s, s:s}", "name", r->name, "type",
			       fo_type_name(r->cfg->type), "mode",
			       r->forced >= 0 ? "forced" : "auto");
		if (json_array_append_new(recs, jr) < 0) {
			json_decref(eps);
			goto fail;
		}
		if (r->forced >= 0 &&
		    json_object_set_new(
			    jr, "pool",
			    json_string(fo_serving_name(r, r->forced, pb, sizeof(pb)))) < 0) {
			json_decref(eps);
			goto fail;
		}
		if (json_object_set_new(jr, "endpoints", eps) < 0)
			goto fail;
		for (size_t e = 0; e < r->neps; e++) {
			const struct fo_endpoint *ep = &r->eps[e];
			json_t *je;

			if (!ep->drained && !manual)
				continue;
			je = json_pack("{s:s, s:b}", "name", ep->name, "drained", ep->drained);
			if (json_array_append_new(eps, je) < 0)
				goto fail;
			if (manual && json_object_set_new(je, "state",
							  json_string(ep->up ? "up" : "down")) < 0)
				goto fail;
		}
		if (r->forced < 0 && json_array_size(eps) == 0)
			json_array_remove(recs, json_array_size(recs) - 1);
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

/* A crash at any point leaves either the old file or the new one, never a torn one. */
static int
fo_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *slash;
	int fd = -1, rc = 0;
	size_t off = 0;

	/* A name of its own (mkstemp: O_CREAT | O_EXCL), so no symlink planted there is followed. */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0640) < 0) {
		rc = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		rc = -errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	/* The rename itself is durable only once the directory is synced. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int
fo_state_save(const struct failover *f)
{
	const char *path = f->cfg->failover_state_file;
	json_t *root;
	char *text = NULL;
	int rc;

	if (path == NULL)
		return 0;
	root = fo_state_json(f);
	if (root != NULL)
		text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		return -ENOMEM;
	rc = fo_write_atomic(path, text, strlen(text));
	free(text);
	if (rc < 0)
		sw_err("failover: cannot write state file %s: %s", path, sw_strerror(rc));
	return rc;
}

/* The whole file's shape is checked before anything is applied: a bad file changes nothing. */
static const char *
fo_state_check(const json_t *root)
{
	const json_t *recs = json_object_get(root, "records");
	const json_t *jr;
	size_t i;

	if (!json_is_object(root))
		return "not a JSON object";
	if (json_integer_value(json_object_get(root, "version")) != FO_STATE_VERSION)
		return "unknown version";
	if (!json_is_array(recs))
		return "\"records\" is not an array";
	json_array_foreach(recs, i, jr)
	{
		const json_t *mode = json_object_get(jr, "mode"),
			     *eps = json_object_get(jr, "endpoints");
		const json_t *je;
		size_t k;

		if (!json_is_string(json_object_get(jr, "name")) ||
		    !json_is_string(json_object_get(jr, "type")) || !json_is_string(mode))
			return "a record lacks name, type or mode";
		if (strcmp(json_string_value(mode), "forced") == 0) {
			if (!json_is_string(json_object_get(jr, "pool")))
				return "a forced record has no pool";
		} else if (strcmp(json_string_value(mode), "auto") != 0) {
			return "mode is neither auto nor forced";
		}
		if (eps != NULL && !json_is_array(eps))
			return "\"endpoints\" is not an array";
		json_array_foreach(eps, k, je)
		{
			const json_t *st = json_object_get(je, "state");
			const json_t *dr = json_object_get(je, "drained");

			if (!json_is_string(json_object_get(je, "name")))
				return "an endpoint has no name";
			if (dr != NULL && !json_is_boolean(dr))
				return "\"drained\" is not a boolean";
			if (st != NULL &&
			    (!json_is_string(st) || (strcmp(json_string_value(st), "up") != 0 &&
						     strcmp(json_string_value(st), "down") != 0)))
				return "\"state\" is neither up nor down";
		}
	}
	return NULL;
}

static void
fo_state_apply_record(struct failover *f, const char *path, const json_t *jr)
{
	const char *name = json_string_value(json_object_get(jr, "name"));
	const char *type = json_string_value(json_object_get(jr, "type"));
	const char *pool = json_string_value(json_object_get(jr, "pool"));
	const json_t *je;
	struct fo_record *r;
	size_t nmatch, k;
	int p;

	if (strcasecmp(type, "A") != 0 && strcasecmp(type, "AAAA") != 0) {
		sw_warn("failover: state file %s: record %s has type \"%s\" (not A or AAAA), "
			"dropped",
			path, name, type);
		return;
	}
	r = fo_record_find(f, name, strcasecmp(type, "AAAA") == 0 ? FO_TYPE_AAAA : FO_TYPE_A,
			   &nmatch);
	if (r == NULL) {
		sw_warn("failover: state file %s: record %s %s is not configured, dropped", path,
			name, type);
		return;
	}
	if (strcmp(json_string_value(json_object_get(jr, "mode")), "forced") == 0) {
		p = fo_pool_find(r, pool);
		if (p < 0) {
			sw_warn("failover: state file %s: %s has no pool %s, force dropped", path,
				r->name, pool);
		} else {
			r->forced = p;
			sw_notice("failover %s %s: pool %s forced (restored from %s)", r->name,
				  type, pool, path);
			fo_event_add(f, r, NULL, "auto", pool, "restored from the state file");
		}
	}
	json_array_foreach(json_object_get(jr, "endpoints"), k, je)
	{
		const char *en = json_string_value(json_object_get(je, "name"));
		const json_t *st = json_object_get(je, "state");
		struct fo_endpoint *ep = fo_endpoint_find(r, en);

		if (ep == NULL) {
			sw_warn("failover: state file %s: %s has no endpoint %s, dropped", path,
				r->name, en);
			continue;
		}
		if (json_is_true(json_object_get(je, "drained"))) {
			ep->drained = true;
			sw_notice("failover %s %s: endpoint %s drained (restored from %s)", r->name,
				  type, ep->name, path);
			fo_event_add(f, r, ep->name, "active", "drained",
				     "restored from the state file");
		}
		if (st != NULL && r->cfg->check.kind == CFG_CHECK_MANUAL) {
			ep->up = strcmp(json_string_value(st), "up") == 0;
			ep->checked = true;
			ep->last_ok = ep->up;
			snprintf(ep->last_reason, sizeof(ep->last_reason),
				 "set %s (restored from the state file)", ep->up ? "up" : "down");
		}
	}
}

void
fo_state_load(struct failover *f)
{
	const char *path = f->cfg->failover_state_file;
	const char *bad;
	json_error_t err;
	json_t *root, *jr;
	size_t i;

	if (path == NULL)
		return;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		sw_info("failover: no state file %s yet: no overrides", path);
		return;
	}
	/* Never through a symlink: the file is ours, a link in its place is someone else's. */
	{
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;

		if (fp == NULL) {
			sw_warn("failover: state file %s: %s; ignored, no overrides restored", path,
				strerror(errno));
			if (fd >= 0)
				close(fd);
			return;
		}
		root = json_loadf(fp, JSON_REJECT_DUPLICATES, &err);
		fclose(fp);
	}
	if (root == NULL) {
		sw_warn("failover: state file %s:%d: %s; ignored, no overrides restored", path,
			err.line, err.text);
		return;
	}
	bad = fo_state_check(root);
	if (bad != NULL) {
		sw_warn("failover: state file %s: %s; ignored, no overrides restored", path, bad);
		json_decref(root);
		return;
	}
	json_array_foreach(json_object_get(root, "records"), i, jr)
		fo_state_apply_record(f, path, jr);
	json_decref(root);
}
