/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket: a Unix stream socket speaking one JSON object per line each way. */

#ifndef SWERVE_CTL_H
#define SWERVE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct evloop;

/*
 * Protocol (docs/swervectl.md ("Protocol")). A request is one line holding one JSON
 * object: {"cmd": "zone-reload", "zone": "example.com"}; arguments are the
 * other members, named after the command's long options. Every request gets
 * exactly one reply line, in order: {"ok": true, ...} or
 * {"ok": false, "error": "reason"}. A line longer than CTL_LINE_MAX, or a
 * connection that sends nothing for the idle timeout, is answered with an
 * error (when possible) and closed. Nothing is half-applied: a handler
 * validates every argument before it changes anything.
 */

/* Longest request line, newline included. */
#define CTL_LINE_MAX 65536

/* Default limits (control.max-clients, control.idle-timeout-ms in the config). */
#define CTL_MAX_CLIENTS_DEFAULT 16
#define CTL_IDLE_MS_DEFAULT	30000

/* Who sent a request: the peer's credentials (SO_PEERCRED) and its connection. */
struct ctl_req {
	const char *cmd;     /* The "cmd" member. */
	const json_t *args;  /* The whole request object (read the arguments from it). */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	uint64_t client;     /* Connection id, for ctl_reply_deferred(). */
};

/*
 * A command handler. On success it adds its results to @reply (an object)
 * and returns 0; the server adds "ok": true. On failure it calls
 * ctl_fail() and returns its result (negative); members it added to @reply
 * are discarded. A handler that cannot answer at once (a zone reload on the
 * loader thread) returns CTL_DEFERRED and later calls ctl_reply_deferred()
 * exactly once with req->client; requests the same client pipelines behind
 * it wait. @req and everything it points to live only during the call: a
 * deferred handler copies what it needs. Handlers must not call ctl_close().
 */
typedef int (*ctl_handler_fn)(void *ctx, const struct ctl_req *req, json_t *reply);

#define CTL_DEFERRED 1

struct ctl_cmd {
	const char *name;  /* "zone-reload". */
	ctl_handler_fn fn;
	void *ctx;
	bool mutating;     /* Changes state: logged with the peer's uid and pid. */
	const char *usage; /* "zone-reload [zone]", for the "help" command. */
};

struct ctl;

/*
 * Create the socket at @path (removing a stale socket file, never any other
 * kind of file; the parent directory is created 0750 when missing) under
 * umask 0177, then chmod it to @mode. Its events run on @loop.
 * Thread: the control thread.
 */
int ctl_open(struct evloop *loop, const char *path, unsigned mode, unsigned max_clients,
	     unsigned idle_ms, struct ctl **out);

/* Close every connection and the listening socket, and unlink the socket file. */
void ctl_close(struct ctl *c);

/*
 * Add commands (the array must outlive @c; names are unique). The server
 * itself answers "help" (the list of commands with their usage).
 */
int ctl_register(struct ctl *c, const struct ctl_cmd *cmds, size_t n);

/* Remove the @n commands of @cmds that ctl_register() added (a module being replaced). */
void ctl_unregister(struct ctl *c, const struct ctl_cmd *cmds, size_t n);

/* Set reply's error message; returns -EINVAL for the handler to return. */
int ctl_fail(json_t *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Complete a deferred request: @reply is consumed (its reference is
 * stolen); @ok says which of "ok": true/false to add (with false, @reply
 * should carry "error"). A client that went away meanwhile is skipped.
 */
void ctl_reply_deferred(struct ctl *c, uint64_t client, bool ok, json_t *reply);

/* Argument helpers: 0 and the value, or ctl_fail() with a message naming the argument. */
int ctl_arg_str(const struct ctl_req *req, json_t *reply, const char *name, bool required,
		const char **out);
int ctl_arg_bool(const struct ctl_req *req, json_t *reply, const char *name, bool *out);

#endif /* SWERVE_CTL_H */
