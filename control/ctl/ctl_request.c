/* SPDX-License-Identifier: BSD-3-Clause */
/* Control requests in JSON: argument helpers, the command table, running one line, the reply line.
 */

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swerve/ctl.h"
#include "swerve/error.h"
#include "swerve/log.h"

#include "ctl_request.h"

/* Longest request text copied into a log line. */
#define CTL_LOG_REQ_MAX 300

/* A JSON string from text that may not be valid UTF-8 (a truncated message, a peer's bytes). */
static json_t *
ctl_json_text(const char *s)
{
	json_t *j = json_string(s);
	char *copy;
	size_t i;

	if (j != NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (i = 0; copy[i] != '\0'; i++)
		if ((unsigned char)copy[i] >= 0x80 || (unsigned char)copy[i] < 0x20)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

int
ctl_fail(json_t *reply, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(reply, "error", ctl_json_text(msg));
	return -EINVAL;
}

int
ctl_arg_str(const struct ctl_req *req, json_t *reply, const char *name, bool required,
	    const char **out)
{
	const json_t *v = json_object_get(req->args, name);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return ctl_fail(reply, "%s: missing argument \"%s\"", req->cmd, name);
		return 0;
	}
	if (!json_is_string(v))
		return ctl_fail(reply, "%s: argument \"%s\" must be a string", req->cmd, name);
	*out = json_string_value(v);
	return 0;
}

int
ctl_arg_bool(const struct ctl_req *req, json_t *reply, const char *name, bool *out)
{
	const json_t *v = json_object_get(req->args, name);

	*out = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return ctl_fail(reply, "%s: argument \"%s\" must be true or false", req->cmd, name);
	*out = json_is_true(v);
	return 0;
}

static const struct ctl_cmd *
ctl_table_find(const struct ctl_table *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i]->name, name) == 0)
			return c->cmds[i];
	return NULL;
}

static int
ctl_table_help(const struct ctl_table *c, json_t *reply)
{
	json_t *list = json_array();
	json_t *e;
	size_t i;

	if (list == NULL)
		return -ENOMEM;
	e = json_pack("{s:s, s:b, s:s}", "name", "help", "mutating", 0, "usage", "help");
	json_array_append_new(list, e);
	for (i = 0; i < c->ncmds; i++) {
		const struct ctl_cmd *cmd = c->cmds[i];

		e = json_pack("{s:s, s:b, s:s}", "name", cmd->name, "mutating", cmd->mutating,
			      "usage", cmd->usage != NULL ? cmd->usage : cmd->name);
		json_array_append_new(list, e);
	}
	json_object_set_new(reply, "commands", list);
	return 0;
}

static void
ctl_log_mutation(const struct ctl_req *r, const json_t *req)
{
	char *text = json_dumps(req, JSON_COMPACT);
	size_t len;

	if (text == NULL)
		return;
	len = strlen(text);
	sw_notice("control: uid %u pid %d: %.*s%s", (unsigned)r->uid, (int)r->pid,
		  (int)(len > CTL_LOG_REQ_MAX ? CTL_LOG_REQ_MAX : len), text,
		  len > CTL_LOG_REQ_MAX ? "..." : "");
	free(text);
}

int
ctl_table_add(struct ctl_table *c, const struct ctl_cmd *cmds, size_t n)
{
	const struct ctl_cmd **p;
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (cmds[i].name == NULL || cmds[i].fn == NULL)
			return -EINVAL;
		if (strcmp(cmds[i].name, "help") == 0 || ctl_table_find(c, cmds[i].name) != NULL)
			return -EEXIST;
		for (j = 0; j < i; j++)
			if (strcmp(cmds[i].name, cmds[j].name) == 0)
				return -EEXIST;
	}
	p = realloc(c->cmds, (c->ncmds + n) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	c->cmds = p;
	for (i = 0; i < n; i++)
		c->cmds[c->ncmds++] = &cmds[i];
	return 0;
}

void
ctl_table_remove(struct ctl_table *c, const struct ctl_cmd *cmds, size_t n)
{
	uintptr_t lo = (uintptr_t)cmds, hi = (uintptr_t)(cmds + n);
	size_t k = 0;

	/* Compared as integers: the table's entries point into other arrays too. */
	for (size_t i = 0; i < c->ncmds; i++)
		if ((uintptr_t)c->cmds[i] < lo || (uintptr_t)c->cmds[i] >= hi)
			c->cmds[k++] = c->cmds[i];
	c->ncmds = k;
}

void
ctl_table_free(struct ctl_table *c)
{
	free(c->cmds);
	c->cmds = NULL;
	c->ncmds = 0;
}

int
ctl_table_run(const struct ctl_table *c, const char *line, size_t len, struct ctl_req *r,
	      json_t *reply)
{
	const struct ctl_cmd *cmd;
	json_error_t jerr;
	json_t *req, *name;
	int rc;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (req == NULL) {
		rc = ctl_fail(reply, "invalid JSON at column %d: %s", jerr.column, jerr.text);
		goto done;
	}
	if (!json_is_object(req)) {
		rc = ctl_fail(reply, "a request must be a JSON object");
		goto done;
	}
	name = json_object_get(req, "cmd");
	if (name == NULL) {
		rc = ctl_fail(reply, "missing \"cmd\" member (try {\"cmd\":\"help\"})");
		goto done;
	}
	if (!json_is_string(name)) {
		rc = ctl_fail(reply, "\"cmd\" must be a string");
		goto done;
	}
	if (strcmp(json_string_value(name), "help") == 0) {
		rc = ctl_table_help(c, reply);
		goto done;
	}
	cmd = ctl_table_find(c, json_string_value(name));
	if (cmd == NULL) {
		rc = ctl_fail(reply, "unknown command \"%.64s\" (try \"help\")",
			      json_string_value(name));
		goto done;
	}
	if (cmd->mutating)
		ctl_log_mutation(r, req);
	r->cmd = cmd->name;
	r->args = req;
	rc = cmd->fn(cmd->ctx, r, reply);
	r->args = NULL;
done:
	json_decref(req);
	return rc;
}

char *
ctl_reply_encode(bool ok, int rc, json_t *reply)
{
	json_t *msg = json_object();
	char *text = NULL;

	if (msg == NULL)
		goto out;
	json_object_set_new(msg, "ok", json_boolean(ok));
	if (ok && reply != NULL) {
		json_object_del(reply, "ok");
		json_object_update(msg, reply);
	} else if (!ok) {
		json_t *err = reply == NULL ? NULL : json_object_get(reply, "error");

		if (json_is_string(err))
			json_object_set(msg, "error", err);
		else
			json_object_set_new(
				msg, "error",
				json_string(rc < 0 ? sw_strerror(rc) : "command failed"));
	}
	text = json_dumps(msg, JSON_COMPACT);
out:
	json_decref(msg);
	json_decref(reply);
	return text;
}
