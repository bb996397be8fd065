/* SPDX-License-Identifier: BSD-3-Clause */
/* swervectl: the operator's client for the control socket: one request, one readable reply. */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

#include "swervectl_print.h"

/* Exit codes: scripts test them, so they never change meaning. */
#define EXIT_OK	      0
#define EXIT_CMDFAIL  1
#define EXIT_USAGE    2
#define EXIT_COMMFAIL 3

#define DEFAULT_SOCKET	"/run/swerve/control.sock"
#define DEFAULT_TIMEOUT 60.0 /* A reload of a large zone takes seconds, not minutes. */

/* Replies larger than this are not from swerved (its own cap is 16 MiB). */
#define REPLY_MAX (32u * 1024 * 1024)

#define MAX_ARGS 3

enum arg_kind {
	ARG_STR,
	ARG_UINT,
};

struct arg_spec {
	const char *member; /* JSON member name. */
	const char *meta;   /* As shown in usage: "ZONE". */
	bool required;
	enum arg_kind kind;
	const char *const *choices; /* NULL-terminated allowed values, or NULL. */
};

struct cmd_spec {
	const char *name;
	struct arg_spec args[MAX_ARGS];
	const char *flag; /* A boolean --FLAG sent as "FLAG": true, or NULL. */
	const char *help;
};

static const char *const updown[] = {"up", "down", NULL};

/* clang-format off */
static const struct cmd_spec cmds[] = {
	{ "status", {}, NULL, "version, uptime, workers, ports, zones" },
	{ "stats", {}, "reset", "query and response counters (--reset: zero them)" },
	{ "reload", {}, "check",
	  "re-read swerve.yaml and apply what changed live (--check: only say what would change)" },
	{ "zone-list", {}, NULL, "configured zones: serial, load time, transfer state" },
	{ "zone-reload", { { "zone", "ZONE", false, ARG_STR, NULL } }, NULL,
	  "reload one zone, or all of them" },
	{ "zone-refresh", { { "zone", "ZONE", true, ARG_STR, NULL } }, NULL,
	  "secondary zone: ask its primaries now (SOA, then IXFR or AXFR)" },
	{ "zone-retransfer", { { "zone", "ZONE", true, ARG_STR, NULL } }, NULL,
	  "secondary zone: full AXFR now, whatever the serials" },
	{ "lookup", { { "name", "NAME", true, ARG_STR, NULL },
		      { "type", "TYPE", false, ARG_STR, NULL } }, NULL,
	  "what the live table answers for NAME TYPE (default A)" },
	{ "log-level", { { "level", "LEVEL", false, ARG_STR, NULL } }, NULL,
	  "show the log level, or set it: error, warning, notice, info, debug" },
	{ "stop", {}, NULL, "stop the daemon" },
	{ "help", {}, NULL, "the commands the daemon knows" },
	{ "metrics", {}, NULL, "the Prometheus exposition" },
	{ "failover-list", {}, NULL, "failover records and their active pool" },
	{ "failover-show", { { "name", "NAME[/TYPE]", true, ARG_STR, NULL } }, NULL,
	  "one failover record: pools, endpoints, health" },
	{ "endpoint-drain", { { "endpoint", "ENDPOINT", true, ARG_STR, NULL },
			      { "record", "RECORD", false, ARG_STR, NULL } }, NULL,
	  "take an endpoint out of service" },
	{ "endpoint-undrain", { { "endpoint", "ENDPOINT", true, ARG_STR, NULL },
				{ "record", "RECORD", false, ARG_STR, NULL } }, NULL,
	  "put a drained endpoint back" },
	{ "endpoint-set", { { "record", "RECORD", true, ARG_STR, NULL },
			    { "endpoint", "ENDPOINT", true, ARG_STR, NULL },
			    { "state", "up|down", true, ARG_STR, updown } }, NULL,
	  "set an endpoint of a manual check up or down" },
	{ "failover-force", { { "name", "NAME[/TYPE]", true, ARG_STR, NULL },
			      { "pool", "POOL", true, ARG_STR, NULL } }, NULL,
	  "pin a failover record to a pool" },
	{ "failover-auto", { { "name", "NAME[/TYPE]", true, ARG_STR, NULL } }, NULL,
	  "return a failover record to health-driven selection" },
	{ "events", { { "count", "COUNT", false, ARG_UINT, NULL },
		      { "record", "RECORD", false, ARG_STR, NULL } }, NULL,
	  "the latest failover events, of one record if given" },
};
/* clang-format on */

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const char *progname = "swervectl";

/* ---- usage ---- */

static void
cmd_synopsis(const struct cmd_spec *c, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "%s", c->name);
	int i;

	if (c->flag != NULL && off < len)
		off += (size_t)snprintf(buf + off, len - off, " [--%s]", c->flag);
	for (i = 0; i < MAX_ARGS && c->args[i].member != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, c->args[i].required ? " %s" : " [%s]",
					c->args[i].meta);
}

static void
usage(FILE *f)
{
	char syn[96];
	size_t i;

	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Send one command to a running swerved over its control socket and print the "
		"reply.\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH    control socket (default: $SWERVE_CONTROL_SOCKET,\n"
		"                       else " DEFAULT_SOCKET ")\n"
		"  -j, --json           print the raw JSON reply line\n"
		"  -t, --timeout SECS   give up after SECS seconds (default %.0f; 0: never)\n"
		"  -h, --help           show this text\n"
		"\n"
		"Commands:\n",
		progname, DEFAULT_TIMEOUT);
	for (i = 0; i < NCMDS; i++) {
		cmd_synopsis(&cmds[i], syn, sizeof(syn));
		fprintf(f, "  %-40s %s\n", syn, cmds[i].help);
	}
	fprintf(f,
		"\n"
		"Any other command is sent as is (\"%s help\" lists what the daemon knows);\n"
		"KEY=VALUE arguments become JSON members (true/false and integers are typed).\n"
		"\n"
		"Exit status: 0 success, 1 the command failed, 2 usage error,\n"
		"3 cannot connect, timeout or malformed reply.\n",
		progname);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", progname);
	return EXIT_USAGE;
}

/* ---- building the request ---- */

static const struct cmd_spec *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* "key=value" with a plain key: a named argument rather than a positional one. */
static bool
is_keyval(const char *s)
{
	const char *p = s;

	if (!islower((unsigned char)*p))
		return false;
	while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_')
		p++;
	return *p == '=';
}

static bool
parse_uint(const char *s, json_int_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > (unsigned long long)LLONG_MAX)
		return false;
	*out = (json_int_t)v;
	return true;
}

/* A KEY=VALUE value: booleans and integers typed, anything else a string. */
static json_t *
typed_value(const char *v)
{
	json_int_t n;

	if (strcmp(v, "true") == 0)
		return json_true();
	if (strcmp(v, "false") == 0)
		return json_false();
	if (v[0] == '-' && parse_uint(v + 1, &n))
		return json_integer(-n);
	if (parse_uint(v, &n))
		return json_integer(n);
	return json_string(v);
}

/* Set a member; strings must be UTF-8, which a command-line argument may not be. */
static int
set_member(json_t *req, const char *key, json_t *v)
{
	if (v == NULL)
		return usage_error("argument for \"%s\" is not valid UTF-8", key);
	if (json_object_get(req, key) != NULL) {
		json_decref(v);
		return usage_error("argument \"%s\" given twice", key);
	}
	json_object_set_new(req, key, v);
	return 0;
}

static int
build_request(int argc, char **argv, bool *json_out, json_t **out)
{
	const struct cmd_spec *spec = cmd_find(argv[0]);
	json_t *req = json_object();
	int npos = 0, i, rc;

	rc = set_member(req, "cmd", json_string(argv[0]));
	if (rc != 0)
		goto fail;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0) {
			*json_out = true;
		} else if (a[0] == '-' && a[1] == '-' && spec != NULL && spec->flag != NULL &&
			   strcmp(a + 2, spec->flag) == 0) {
			rc = set_member(req, spec->flag, json_true());
			if (rc != 0)
				goto fail;
		} else if (a[0] == '-' && a[1] != '\0' && !isdigit((unsigned char)a[1])) {
			rc = usage_error("%s: unknown option %s", argv[0], a);
			goto fail;
		} else if (is_keyval(a)) {
			const char *eq = strchr(a, '=');
			char key[64];

			if ((size_t)(eq - a) >= sizeof(key)) {
				rc = usage_error("argument name too long: %s", a);
				goto fail;
			}
			memcpy(key, a, (size_t)(eq - a));
			key[eq - a] = '\0';
			rc = set_member(req, key, typed_value(eq + 1));
			if (rc != 0)
				goto fail;
		} else {
			const struct arg_spec *as;
			json_int_t n;

			if (spec == NULL || npos >= MAX_ARGS || spec->args[npos].member == NULL) {
				rc = usage_error("%s: unexpected argument \"%s\"", argv[0], a);
				goto fail;
			}
			as = &spec->args[npos++];
			if (as->choices != NULL) {
				const char *const *ch = as->choices;

				while (*ch != NULL && strcmp(*ch, a) != 0)
					ch++;
				if (*ch == NULL) {
					rc = usage_error("%s: %s must be %s, not \"%s\"", argv[0],
							 as->member, as->meta, a);
					goto fail;
				}
			}
			if (as->kind == ARG_UINT) {
				if (!parse_uint(a, &n)) {
					rc = usage_error("%s: %s must be a non-negative integer",
							 argv[0], as->meta);
					goto fail;
				}
				rc = set_member(req, as->member, json_integer(n));
			} else {
				rc = set_member(req, as->member, json_string(a));
			}
			if (rc != 0)
				goto fail;
		}
	}
	if (spec != NULL) {
		for (i = 0; i < MAX_ARGS && spec->args[i].member != NULL; i++) {
			char syn[96];

			if (!spec->args[i].required ||
			    json_object_get(req, spec->args[i].member) != NULL)
				continue;
			cmd_synopsis(spec, syn, sizeof(syn));
			rc = usage_error("%s: missing %s (usage: %s)", argv[0], spec->args[i].meta,
					 syn);
			goto fail;
		}
	}
	*out = req;
	return 0;
fail:
	json_decref(req);
	return rc;
}

/* ---- talking to the daemon ---- */

/* Milliseconds left before @deadline (0 = none): -1 for poll's "forever". */
static int
ms_left(double deadline)
{
	struct timespec ts;
	double now, left;

	if (deadline == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	left = (deadline - now) * 1000.0;
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left + 1;
}

static int
wait_fd(int fd, short events, double deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	int rc;

	do {
		rc = poll(&p, 1, ms_left(deadline));
	} while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		fprintf(stderr, "%s: timed out waiting for the daemon\n", progname);
		return -1;
	}
	return rc < 0 ? -1 : 0;
}

/* Send @line, return the reply line (malloc'ed, without its newline) or NULL. */
static char *
exchange(const char *path, const char *line, double timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(line), off = 0, cap = 4096, have = 0;
	double deadline = 0;
	char *buf = NULL;
	int fd = -1;

	if (timeout_s > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + timeout_s;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", progname, path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", progname, path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ? " (is swerved running?)" : "");
		goto fail;
	}
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				goto fail;
			continue;
		}
		if (n < 0) {
			/* The daemon may have refused us with a reply already waiting: read it. */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			fprintf(stderr, "%s: send: %s\n", progname, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	buf = malloc(cap);
	if (buf == NULL)
		goto fail;
	for (;;) {
		char *nl = have > 0 ? memchr(buf, '\n', have) : NULL;
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			close(fd);
			return buf;
		}
		if (have == cap) {
			char *p;

			if (cap >= REPLY_MAX) {
				fprintf(stderr, "%s: reply too large\n", progname);
				goto fail;
			}
			p = realloc(buf, cap * 2);
			if (p == NULL)
				goto fail;
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + have, cap - have, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				goto fail;
			continue;
		}
		if (n <= 0) {
			fprintf(stderr,
				"%s: the daemon closed the connection without a reply%s%s\n",
				progname, n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			goto fail;
		}
		have += (size_t)n;
	}
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* ---- main ---- */

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = getenv("SWERVE_CONTROL_SOCKET");
	double timeout_s = DEFAULT_TIMEOUT;
	bool raw = false;
	char *text = NULL, *reply_line = NULL, *end;
	json_t *req = NULL, *reply = NULL;
	json_error_t jerr;
	int opt, rc;

	if (argv[0] != NULL && strrchr(argv[0], '/') != NULL)
		progname = strrchr(argv[0], '/') + 1;
	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* '+': options stop at the command, whose own arguments may look like options. */
	while ((opt = getopt_long(argc, argv, "+s:jt:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			raw = true;
			break;
		case 't':
			errno = 0;
			timeout_s = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || timeout_s < 0 ||
			    timeout_s > 1e6)
				return usage_error("bad timeout \"%s\" (seconds, 0 for none)",
						   optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help'.\n", progname);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	rc = build_request(argc - optind, argv + optind, &raw, &req);
	if (rc != 0)
		return rc;
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (text == NULL)
		return EXIT_COMMFAIL;
	/* The request line: compact JSON has no raw newline, so appending one frames it. */
	end = realloc(text, strlen(text) + 2);
	if (end == NULL) {
		free(text);
		return EXIT_COMMFAIL;
	}
	text = end;
	strcat(text, "\n");
	reply_line = exchange(path, text, timeout_s);
	free(text);
	if (reply_line == NULL)
		return EXIT_COMMFAIL;
	reply = json_loads(reply_line, JSON_REJECT_DUPLICATES, &jerr);
	if (reply == NULL || !json_is_object(reply) ||
	    !json_is_boolean(json_object_get(reply, "ok"))) {
		fprintf(stderr, "%s: malformed reply from the daemon: %.200s\n", progname,
			reply_line);
		rc = EXIT_COMMFAIL;
		goto out;
	}
	rc = json_is_true(json_object_get(reply, "ok")) ? EXIT_OK : EXIT_CMDFAIL;
	if (raw) {
		printf("%s\n", reply_line);
	} else if (rc == EXIT_OK) {
		/* Nothing but "ok" (stop, log-level): say so, like knotc. */
		if (json_object_size(reply) == 1)
			printf("OK\n");
		else
			swervectl_print_object(reply, 0);
	} else {
		const char *msg = json_string_value(json_object_get(reply, "error"));

		fprintf(stderr, "error: %s\n", msg != NULL ? msg : "command failed");
	}
	if (fflush(stdout) != 0)
		rc = rc == EXIT_OK ? EXIT_COMMFAIL : rc;
out:
	json_decref(reply);
	free(reply_line);
	return rc;
}
