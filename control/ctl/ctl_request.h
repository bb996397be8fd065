/* SPDX-License-Identifier: BSD-3-Clause */
/* The command table and one request's JSON (ctl_request.c), for the connection code in ctl.c. */

#ifndef SWERVE_CTL_REQUEST_H
#define SWERVE_CTL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "swerve/ctl.h"

/*
 * Callers: ctl.c only (ctl_register(), a client's request line, its
 * reply). Thread: the control thread. The argument helpers ctl_fail(),
 * ctl_arg_str() and ctl_arg_bool() are defined here too; they are
 * public, in swerve/ctl.h.
 */

/* The registered commands ("help" is built in and never stored). */
struct ctl_table {
	const struct ctl_cmd **cmds;
	size_t ncmds;
};

/* Add @cmds (which must outlive the table); -EINVAL, -EEXIST for a name taken, -ENOMEM. */
int ctl_table_add(struct ctl_table *t, const struct ctl_cmd *cmds, size_t n);
/* Drop the entries pointing into @cmds[0..@n). */
void ctl_table_remove(struct ctl_table *t, const struct ctl_cmd *cmds, size_t n);
void ctl_table_free(struct ctl_table *t);

/*
 * Parse request line @line, find its command and run it with @r (the
 * caller fills uid, gid, pid and client; cmd is set here, args only for
 * the handler's call). A mutating command is logged first. Returns the
 * handler's result (CTL_DEFERRED included), or ctl_fail()'s with the
 * reason in @reply for a line that is not a request for a known command.
 */
int ctl_table_run(const struct ctl_table *t, const char *line, size_t len, struct ctl_req *r,
		  json_t *reply);

/*
 * The reply line without its newline: "ok" first, then the handler's
 * members on success, or only "error" on failure (a failed handler's
 * partial results are dropped). Consumes @reply; NULL when the line
 * cannot be built (the caller sends a fixed error line instead).
 */
char *ctl_reply_encode(bool ok, int rc, json_t *reply);

#endif /* SWERVE_CTL_REQUEST_H */
