/* SPDX-License-Identifier: BSD-3-Clause */
/* Loads swerve.yaml with libyaml's document API and validates every key before anything starts. */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <libgen.h>
#include <net/if.h>

#include <yaml.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/log.h"

#include "config_int.h"

#define CFG_MEMBER(m)  offsetof(struct swerve_config, m), sizeof(((struct swerve_config *)0)->m)

static const struct cfg_key cfg_service_keys[] = {
	{"addresses", CFG_ADDRS, 0, 0, 0, 0},
};

static const struct cfg_key cfg_dns_keys[] = {
	/* 512 is the pre-EDNS floor; above 4096 fragments make large UDP answers unreliable. */
	{"edns-payload", CFG_UINT, CFG_MEMBER(edns_payload), 512, 4096},
	/* A TXT character-string holds at most 255 octets. */
	{"version", CFG_STR_NULL, CFG_MEMBER(version), 0, 255},
	{"identity", CFG_STR_NULL, CFG_MEMBER(identity), 0, 255},
};

static const struct cfg_key cfg_dataplane_keys[] = {
	/* Beyond a second, the first query after an idle spell would be answered far too late. */
	{"idle-backoff-us", CFG_UINT, CFG_MEMBER(idle_backoff_us), 0, 1000000},
	/* Below 64 descriptors most PMDs refuse the queue; 32768 is the largest any of ours take.
	 */
	{"rx-ring", CFG_UINT, CFG_MEMBER(rx_ring), 64, 32768},
	{"tx-ring", CFG_UINT, CFG_MEMBER(tx_ring), 64, 32768},
};

static const struct cfg_key cfg_exception_keys[] = {
	{"interface", CFG_STR_NULL, CFG_MEMBER(exception_ifname), 0, IFNAMSIZ - 1},
	{"rate-limit-pps", CFG_UINT, CFG_MEMBER(exception_pps), 1, 10000000},
};

static int cfg_cookie_secret(struct cfg_parse *p, const struct cfg_key *k,
			     const yaml_node_t *node, const char *path, void *base);

/* BIND's and Knot's RRL knobs, under the names operators know from BIND. */
static const struct cfg_key cfg_rrl_keys[] = {
	{"responses-per-second", CFG_UINT, CFG_MEMBER(rrl_rate), 0, 10000000},
	{"errors-per-second", CFG_UINT, CFG_MEMBER(rrl_errors), 0, 10000000},
	{"burst", CFG_UINT, CFG_MEMBER(rrl_burst), 0, 100000000},
	{"slip", CFG_UINT, CFG_MEMBER(rrl_slip), 0, 10},
	{"ipv4-prefix-length", CFG_UINT, CFG_MEMBER(rrl_ipv4_prefix), 8, 32},
	{"ipv6-prefix-length", CFG_UINT, CFG_MEMBER(rrl_ipv6_prefix), 16, 128},
	{"table-size", CFG_UINT, CFG_MEMBER(rrl_table_size), 1024, 16777216},
};

static const struct cfg_key cfg_cookie_keys[] = {
	{"enabled", CFG_BOOL, CFG_MEMBER(cookies_enabled), 0, 0},
	{"secret", CFG_CUSTOM, CFG_MEMBER(cookie_secret), 0, 0, NULL, cfg_cookie_secret},
	{"previous-secret", CFG_CUSTOM, CFG_MEMBER(cookie_previous), 0, 0, NULL,
	 cfg_cookie_secret},
};

static const struct cfg_key cfg_tcp_keys[] = {
	{"max-clients", CFG_UINT, CFG_MEMBER(tcp_max_clients), 1, 65535},
	/* RFC 7766 6.2.3 suggests idle timeouts of seconds; ten minutes is already generous. */
	{"idle-timeout-ms", CFG_UINT, CFG_MEMBER(tcp_idle_ms), 100, 600000},
};

static const struct cfg_key cfg_control_keys[] = {
	{"socket", CFG_STR, CFG_MEMBER(ctl_socket), 0,
	 sizeof(((struct sockaddr_un *)0)->sun_path) - 1},
	{"mode", CFG_MODE, CFG_MEMBER(ctl_mode), 0, 0777},
	/* Each client costs a descriptor and a line buffer; a thousand is far more than operators.
	 */
	{"max-clients", CFG_UINT, CFG_MEMBER(ctl_max_clients), 1, 1024},
	{"idle-timeout-ms", CFG_UINT, CFG_MEMBER(ctl_idle_ms), 100, 3600000},
};

static const struct cfg_key cfg_metrics_keys[] = {
	{"listen", CFG_LISTEN, CFG_MEMBER(metrics_listen), 0, 0},
};

static const struct cfg_key cfg_log_keys[] = {
	{"level", CFG_LOGLEVEL, CFG_MEMBER(log_level), 0, 0},
	{"target", CFG_LOGTARGET, CFG_MEMBER(log_target), 0, 0},
};

struct cfg_section {
	const char *name;
	const struct cfg_key *keys;
	size_t nkeys;
};

/* "zones" and "keys" are not here: they are sequences, handled by cfg_zones() and
 * cfg_xfr_tsig_keys(). */
static const struct cfg_section cfg_sections[] = {
	{"service", cfg_service_keys, CFG_NKEYS(cfg_service_keys)},
	{"dns", cfg_dns_keys, CFG_NKEYS(cfg_dns_keys)},
	{"dataplane", cfg_dataplane_keys, CFG_NKEYS(cfg_dataplane_keys)},
	{"exception", cfg_exception_keys, CFG_NKEYS(cfg_exception_keys)},
	{"tcp", cfg_tcp_keys, CFG_NKEYS(cfg_tcp_keys)},
	{"control", cfg_control_keys, CFG_NKEYS(cfg_control_keys)},
	{"metrics", cfg_metrics_keys, CFG_NKEYS(cfg_metrics_keys)},
	{"log", cfg_log_keys, CFG_NKEYS(cfg_log_keys)},
	{"rrl", cfg_rrl_keys, CFG_NKEYS(cfg_rrl_keys)},
	{"cookies", cfg_cookie_keys, CFG_NKEYS(cfg_cookie_keys)},
	{"failover", cfg_failover_keys, CFG_NKEYS(cfg_failover_keys)},
	{"xfr", cfg_xfr_keys, CFG_NKEYS(cfg_xfr_keys)},
};

unsigned
cfg_line(const yaml_node_t *node)
{
	return node != NULL ? (unsigned)node->start_mark.line + 1 : 0;
}

/* "path: reason" at the node's line. */
int
cfg_err(struct cfg_parse *p, const yaml_node_t *node, int code, const char *path, const char *fmt,
	...)
{
	char msg[sizeof(p->diag->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sw_diag_set(p->diag, code, p->cfg->path, cfg_line(node), "%s: %s", path, msg);
}

/* YAML 1.1/1.2 core schema nulls, which only count when not quoted. */
int
cfg_is_null(const yaml_node_t *node)
{
	const char *v;

	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)node->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What a node looks like, for "expected X, got Y" messages. */
const char *
cfg_describe(const yaml_node_t *node, char *buf, size_t len)
{
	if (node->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (node->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (cfg_is_null(node))
		return "null";
	snprintf(buf, len, "%s\"%.64s\"",
		 node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "quoted ",
		 (const char *)node->data.scalar.value);
	return buf;
}

/* The scalar's text in @out, or an error unless it is a string of 1..@max octets (0: no limit). */
int
cfg_string(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t max,
	   const char **out)
{
	const char *v;
	char d[96];

	if (node->type != YAML_SCALAR_NODE || cfg_is_null(node))
		return cfg_err(p, node, SW_ECONFIG, path, "expected a string, got %s",
			       cfg_describe(node, d, sizeof(d)));
	v = (const char *)node->data.scalar.value;
	if (strlen(v) != node->data.scalar.length)
		return cfg_err(p, node, SW_ECONFIG, path, "string contains a NUL character");
	if (node->data.scalar.length == 0 || (max != 0 && node->data.scalar.length > max))
		return cfg_err(p, node, SW_ECONFIG, path, "length %zu out of range 1..%zu",
			       node->data.scalar.length, max);
	*out = v;
	return 0;
}

int
cfg_set_string(char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Strictly decimal: no sign, no leading zero (YAML 1.1 would read it as octal), no suffix. */
int
cfg_uint(struct cfg_parse *p, const yaml_node_t *node, const char *path, const struct cfg_key *k,
	 void *dst)
{
	const char *v = NULL;
	unsigned long long n;
	char *end;
	char d[96];

	if (node->type == YAML_SCALAR_NODE && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		v = (const char *)node->data.scalar.value;
	if (v == NULL || !isdigit((unsigned char)v[0]) || (v[0] == '0' && v[1] != '\0'))
		return cfg_err(p, node, SW_ECONFIG, path, "expected a decimal integer, got %s",
			       cfg_describe(node, d, sizeof(d)));
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0')
		return cfg_err(p, node, SW_ECONFIG, path, "expected a decimal integer, got %s",
			       cfg_describe(node, d, sizeof(d)));
	if (errno == ERANGE || n < k->min || n > k->max)
		return cfg_err(p, node, SW_ECONFIG, path, "%s out of range %u..%u", v, k->min,
			       k->max);
	if (k->size == sizeof(uint8_t))
		*(uint8_t *)dst = (uint8_t)n;
	else if (k->size == sizeof(uint16_t))
		*(uint16_t *)dst = (uint16_t)n;
	else
		*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

/*
 * A mode is always read as octal digits, quoted or not: YAML 1.1 already
 * reads a plain 0660 as octal, and a quoted "0660" must not mean 660 decimal.
 */
static int
cfg_mode(struct cfg_parse *p, const yaml_node_t *node, const char *path, const struct cfg_key *k,
	 mode_t *dst)
{
	const char *v;
	const char *s;
	unsigned long n = 0;
	int rc;

	rc = cfg_string(p, node, path, 16, &v);
	if (rc < 0)
		return rc;
	s = strncmp(v, "0o", 2) == 0 ? v + 2 : v;
	if (*s == '\0')
		return cfg_err(p, node, SW_ECONFIG, path, "expected an octal mode, got \"%s\"", v);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			return cfg_err(p, node, SW_ECONFIG, path,
				       "expected an octal mode, got \"%s\"", v);
		n = n * 8 + (unsigned long)(*s - '0');
		if (n > k->max)
			return cfg_err(p, node, SW_ECONFIG, path, "%s out of range 0..0%o", v,
				       k->max);
	}
	*dst = (mode_t)n;
	return 0;
}

/* "198.18.0.53", "2001:2::53/64": a unicast address with an optional prefix length. */
int
cfg_parse_addr(const char *text, struct svc_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	char *end;
	unsigned long pfx;
	unsigned max;

	if (strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, &a->v4) == 1) {
		uint32_t h = ntohl(a->v4.s_addr);

		if (h == 0 || IN_MULTICAST(h) || h == INADDR_BROADCAST)
			return -1;
		a->family = AF_INET;
		a->prefix = 24;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->v6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a->v6) || IN6_IS_ADDR_MULTICAST(&a->v6))
			return -1;
		a->family = AF_INET6;
		a->prefix = 64;
		max = 128;
	} else {
		return -1;
	}
	if (slash == NULL)
		return 0;
	if (!isdigit((unsigned char)slash[0]) || (slash[0] == '0' && slash[1] != '\0'))
		return -1;
	pfx = strtoul(slash, &end, 10);
	if (*end != '\0' || pfx == 0 || pfx > max)
		return -1;
	a->prefix = (uint8_t)pfx;
	return 0;
}

static int
cfg_addrs(struct cfg_parse *p, const yaml_node_t *node, const char *path)
{
	struct swerve_config *cfg = p->cfg;
	char ipath[CFG_PATH_LEN + 24];
	char d[96];
	size_t n;

	if (cfg_is_null(node))
		return cfg_err(p, node, SW_ECONFIG, path, "no service address configured");
	if (node->type != YAML_SEQUENCE_NODE)
		return cfg_err(p, node, SW_ECONFIG, path, "expected a sequence, got %s",
			       cfg_describe(node, d, sizeof(d)));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, path, "no service address configured");
	free(cfg->addrs);
	cfg->naddrs = 0;
	cfg->addrs = calloc(n, sizeof(*cfg->addrs));
	if (cfg->addrs == NULL)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item =
			yaml_document_get_node(p->doc, node->data.sequence.items.start[i]);
		struct svc_addr *a = &cfg->addrs[i];
		const char *v;
		int rc;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		rc = cfg_string(p, item, ipath, 0, &v);
		if (rc < 0)
			return rc;
		if (cfg_parse_addr(v, a) < 0)
			return cfg_err(
				p, item, SW_ECONFIG, ipath,
				"bad address \"%s\" (expected a unicast IPv4 or IPv6 address, "
				"optionally /prefix)",
				v);
		for (size_t j = 0; j < i; j++)
			if (cfg->addrs[j].family == a->family &&
			    memcmp(&cfg->addrs[j].v6, &a->v6,
				   a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6)) == 0)
				return cfg_err(p, item, SW_ECONFIG, ipath,
					       "address \"%s\" listed twice", v);
		cfg->naddrs = i + 1;
	}
	return 0;
}

/* ADDRESS:PORT or [IPv6]:PORT, the form every HTTP listener option uses. */
static int
cfg_listen_ok(const char *v)
{
	char host[INET6_ADDRSTRLEN];
	unsigned char a[sizeof(struct in6_addr)];
	const char *port;
	const char *colon;
	int family;
	size_t hlen;
	char *end;
	unsigned long n;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return 0;
		hlen = (size_t)(close - v - 1);
		port = close + 2;
		v++;
		family = AF_INET6;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return 0;
		hlen = (size_t)(colon - v);
		port = colon + 1;
		family = AF_INET;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return 0;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (inet_pton(family, host, a) != 1)
		return 0;
	if (!isdigit((unsigned char)port[0]) || port[0] == '0')
		return 0;
	n = strtoul(port, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535;
}

/* Presentation-form zone name: labels of 1..63 printable octets, at most 253 without the root dot.
 */
int
cfg_zone_name_ok(const char *n)
{
	size_t len = strlen(n);
	size_t lab = 0;

	if (strcmp(n, ".") == 0)
		return 1;
	if (len > 0 && n[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];

		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		/* Escapes (\.) would change where labels end; no served zone needs them. */
		if (c <= ' ' || c >= 0x7f || c == '\\' || c == '"' || ++lab > 63)
			return 0;
	}
	return lab > 0;
}

bool
config_zone_name_eq(const char *a, const char *b)
{
	size_t la = strlen(a);
	size_t lb = strlen(b);

	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* @v resolved against the config file's directory into @full (PATH_MAX): its length, or an error. */
static int
cfg_resolve(struct cfg_parse *p, const yaml_node_t *node, const char *path, const char *v,
	    char *full)
{
	int n;

	if (v[0] == '/')
		n = snprintf(full, PATH_MAX, "%s", v);
	else
		n = snprintf(full, PATH_MAX, "%s/%s", p->dir, v);
	if (n < 0 || n >= PATH_MAX)
		return cfg_err(p, node, SW_ECONFIG, path, "path too long");
	return n;
}

int
cfg_file(struct cfg_parse *p, const yaml_node_t *node, const char *path, const char *v, char **dst)
{
	char full[PATH_MAX];
	struct stat st;
	int n;
	int fd;
	int err;

	n = cfg_resolve(p, node, path, v, full);
	if (n < 0)
		return n;
	/* O_NONBLOCK: a FIFO named by mistake must not hang start-up. */
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		return cfg_err(p, node, -err, path, "cannot read %s: %s", full, strerror(err));
	}
	err = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode);
	close(fd);
	if (err)
		return cfg_err(p, node, SW_ECONFIG, path, "%s is not a regular file", full);
	if (cfg_set_string(dst, full) < 0)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	return 0;
}

/* The index of @v in the key's word list, stored in a member of k->size octets. */
static int
cfg_enum(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	 const char *v, void *dst)
{
	char list[128] = "";
	size_t used = 0;
	unsigned i;

	for (i = 0; k->names[i] != NULL; i++)
		if (strcmp(k->names[i], v) == 0)
			break;
	if (k->names[i] == NULL) {
		for (unsigned j = 0; k->names[j] != NULL && used < sizeof(list); j++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 j > 0 ? ", " : "", k->names[j]);
		return cfg_err(p, node, SW_ECONFIG, path, "unknown value \"%s\" (%s)", v, list);
	}
	if (k->size == 1)
		*(uint8_t *)dst = (uint8_t)i;
	else if (k->size == 2)
		*(uint16_t *)dst = (uint16_t)i;
	else
		*(uint32_t *)dst = i;
	return 0;
}

/* A file the daemon writes later: resolved like a zone file, but it need not exist yet. */
static int
cfg_path(struct cfg_parse *p, const yaml_node_t *node, const char *path, const char *v, char **dst)
{
	char full[PATH_MAX];
	int n;

	n = cfg_resolve(p, node, path, v, full);
	if (n < 0)
		return n;
	if (full[n - 1] == '/')
		return cfg_err(p, node, SW_ECONFIG, path, "\"%s\" names a directory, not a file",
			       v);
	if (cfg_set_string(dst, full) < 0)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	return 0;
}

/* The items of a sequence; null counts as empty. */
int
cfg_seq(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t *n)
{
	char d[96];

	*n = 0;
	if (cfg_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return cfg_err(p, node, SW_ECONFIG, path, "expected a sequence, got %s",
			       cfg_describe(node, d, sizeof(d)));
	*n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	return 0;
}

yaml_node_t *
cfg_seq_item(struct cfg_parse *p, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(p->doc, seq->data.sequence.items.start[i]);
}

/* Store one value of a known key into @base (the config, or one zone). */
static int
cfg_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* YAML 1.1's booleans, in the spellings operators write; anything else is an error. */
static int
cfg_bool(struct cfg_parse *p, const yaml_node_t *node, const char *path, bool *dst)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	const char *v = NULL;
	char d[96];

	if (node->type == YAML_SCALAR_NODE && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		v = (const char *)node->data.scalar.value;
	for (size_t i = 0; v != NULL && i < CFG_NKEYS(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*dst = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*dst = false;
			return 0;
		}
	}
	return cfg_err(p, node, SW_ECONFIG, path, "expected true or false, got %s",
		       cfg_describe(node, d, sizeof(d)));
}

/*
 * cookies.secret / previous-secret: exactly 32 hex digits (128 bits, the
 * SipHash-2-4 key of RFC 9018), as "openssl rand -hex 16" prints them. A
 * shorter secret would silently weaken every node of the fleet, so there
 * is no padding.
 */
static int
cfg_cookie_secret(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		  const char *path, void *base)
{
	struct swerve_config *cfg = base;
	uint8_t *dst = (uint8_t *)base + k->off;
	const char *v;
	int rc;

	rc = cfg_string(p, node, path, 64, &v);
	if (rc < 0)
		return rc;
	if (strlen(v) != 2 * sizeof(cfg->cookie_secret))
		return cfg_err(p, node, SW_ECONFIG, path,
			       "expected 32 hex digits (openssl rand -hex 16), got %zu characters",
			       strlen(v));
	for (size_t i = 0; i < sizeof(cfg->cookie_secret); i++) {
		int hi = cfg_hexval(v[2 * i]), lo = cfg_hexval(v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "expected 32 hex digits, got \"%c%c\" at offset %zu", v[2 * i],
				       v[2 * i + 1], 2 * i);
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	if (dst == cfg->cookie_secret)
		cfg->cookie_secret_set = true;
	else
		cfg->cookie_previous_set = true;
	return 0;
}

static int
cfg_value(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node, const char *path,
	  void *base)
{
	void *dst = (char *)base + k->off;
	const char *v;
	int level;
	int rc;

	switch (k->kind) {
	case CFG_UINT:
		return cfg_uint(p, node, path, k, dst);
	case CFG_MODE:
		return cfg_mode(p, node, path, k, dst);
	case CFG_BOOL:
		return cfg_bool(p, node, path, dst);
	case CFG_ADDRS:
		return cfg_addrs(p, node, path);
	case CFG_CUSTOM:
		return k->fn(p, k, node, path, base);
	case CFG_STR_NULL:
	case CFG_LISTEN:
	case CFG_PATH_NULL:
		if (cfg_is_null(node)) {
			free(*(char **)dst);
			*(char **)dst = NULL;
			return 0;
		}
		break;
	default:
		break;
	}

	rc = cfg_string(p, node, path,
			k->kind == CFG_FILE || k->kind == CFG_PATH_NULL ? PATH_MAX - 1 : k->max,
			&v);
	if (rc < 0)
		return rc;
	switch (k->kind) {
	case CFG_ENUM:
		return cfg_enum(p, k, node, path, v, dst);
	case CFG_PATH_NULL:
		return cfg_path(p, node, path, v, dst);
	case CFG_LOGLEVEL:
		level = sw_log_level_parse(v);
		if (level < 0)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "unknown level \"%s\" (error, warning, notice, info, debug)",
				       v);
		*(int *)dst = level;
		return 0;
	case CFG_LOGTARGET:
		if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0)
			return cfg_err(p, node, SW_ECONFIG, path,
				       "unknown target \"%s\" (stderr, syslog)", v);
		break;
	case CFG_LISTEN:
		if (!cfg_listen_ok(v))
			return cfg_err(p, node, SW_ECONFIG, path,
				       "bad address \"%s\" (expected ADDRESS:PORT or [IPv6]:PORT)",
				       v);
		break;
	case CFG_ZONENAME:
		if (!cfg_zone_name_ok(v))
			return cfg_err(p, node, SW_ECONFIG, path, "bad zone name \"%s\"", v);
		break;
	case CFG_FILE:
		return cfg_file(p, node, path, v, dst);
	default:
		break;
	}
	if (cfg_set_string(dst, v) < 0)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
	return 0;
}

/* Walk one mapping against its key table; @seen gets a bit per key index found. */
int
cfg_map(struct cfg_parse *p, const yaml_node_t *node, const char *path, const struct cfg_key *keys,
	size_t nkeys, void *base, uint32_t *seen)
{
	const yaml_node_pair_t *pair;
	char kpath[CFG_PATH_LEN];
	char d[96];
	int rc;

	*seen = 0;
	/* "dns:" with nothing under it is an empty section: every default applies. */
	if (cfg_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return cfg_err(p, node, SW_ECONFIG, path, "expected a mapping, got %s",
			       cfg_describe(node, d, sizeof(d)));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		size_t i;

		if (kn->type != YAML_SCALAR_NODE)
			return cfg_err(p, kn, SW_ECONFIG, path, "keys must be strings, got %s",
				       cfg_describe(kn, d, sizeof(d)));
		snprintf(kpath, sizeof(kpath), "%s.%s", path, (const char *)kn->data.scalar.value);
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i].name, (const char *)kn->data.scalar.value) == 0)
				break;
		if (i == nkeys)
			return cfg_err(p, kn, SW_ECONFIG, kpath, "unknown key");
		if (*seen & (1u << i))
			return cfg_err(p, kn, SW_ECONFIG, kpath, "duplicate key");
		*seen |= 1u << i;
		rc = cfg_value(p, &keys[i], vn, kpath, base);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The value of @key in mapping @map, or @map itself when absent (for its line). */
const yaml_node_t *
cfg_map_get(struct cfg_parse *p, const yaml_node_t *map, const char *key)
{
	const yaml_node_pair_t *pair;

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);

		if (kn->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)kn->data.scalar.value, key) == 0)
			return yaml_document_get_node(p->doc, pair->value);
	}
	return map;
}

static int
cfg_zones(struct cfg_parse *p, const yaml_node_t *node)
{
	struct swerve_config *cfg = p->cfg;
	char ipath[64];
	char d[96];
	size_t n;
	uint32_t seen;
	int rc;

	if (cfg_is_null(node))
		return cfg_err(p, node, SW_ECONFIG, "zones", "no zones configured");
	if (node->type != YAML_SEQUENCE_NODE)
		return cfg_err(p, node, SW_ECONFIG, "zones", "expected a sequence, got %s",
			       cfg_describe(node, d, sizeof(d)));
	n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (n == 0)
		return cfg_err(p, node, SW_ECONFIG, "zones", "no zones configured");
	cfg->zones = calloc(n, sizeof(*cfg->zones));
	if (cfg->zones == NULL)
		return cfg_err(p, node, -ENOMEM, "zones", "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item =
			yaml_document_get_node(p->doc, node->data.sequence.items.start[i]);
		struct cfg_zone *z = &cfg->zones[i];

		cfg->nzones = i + 1;
		snprintf(ipath, sizeof(ipath), "zones[%zu]", i);
		if (cfg_is_null(item) || item->type != YAML_MAPPING_NODE)
			return cfg_err(p, item, SW_ECONFIG, ipath, "expected a mapping, got %s",
				       cfg_describe(item, d, sizeof(d)));
		z->ixfr = true;
		rc = cfg_map(p, item, ipath, cfg_xfr_zone_keys, CFG_XFR_NZONE_KEYS, z, &seen);
		if (rc < 0)
			return rc;
		/* name and file are required; the rest are a secondary zone's. */
		for (size_t k = 0; k < 2; k++)
			if (!(seen & (1u << k)))
				return cfg_err(p, item, SW_ECONFIG, ipath, "missing key \"%s\"",
					       cfg_xfr_zone_keys[k].name);
		rc = cfg_xfr_zone_check(p, item, ipath, z, seen);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (config_zone_name_eq(cfg->zones[j].name, z->name))
				return sw_diag_set(p->diag, SW_EZONE_DUP, cfg->path,
						   cfg_line(cfg_map_get(p, item, "name")),
						   "zones[%zu].name: zone \"%s\" configured twice "
						   "(also zones[%zu])",
						   i, z->name, j);
	}
	return 0;
}

static int
cfg_root(struct cfg_parse *p, const yaml_node_t *root)
{
	const yaml_node_pair_t *pair;
	uint32_t seen = 0;
	uint32_t kseen;
	char d[96];
	int rc;

	/* An empty file is an empty mapping; the checks after this report what is missing. */
	if (root == NULL || cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return cfg_err(p, root, SW_ECONFIG, "(top level)", "expected a mapping, got %s",
			       cfg_describe(root, d, sizeof(d)));
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *key;
		size_t i;

		if (kn->type != YAML_SCALAR_NODE)
			return cfg_err(p, kn, SW_ECONFIG, "(top level)",
				       "keys must be strings, got %s",
				       cfg_describe(kn, d, sizeof(d)));
		key = (const char *)kn->data.scalar.value;
		for (i = 0; i < CFG_NKEYS(cfg_sections); i++)
			if (strcmp(cfg_sections[i].name, key) == 0)
				break;
		/* The two sequences take the indexes after the sections'. */
		if (i == CFG_NKEYS(cfg_sections) && strcmp(key, "keys") == 0)
			i++;
		else if (i == CFG_NKEYS(cfg_sections) && strcmp(key, "zones") != 0)
			return cfg_err(p, kn, SW_ECONFIG, key, "unknown key");
		if (seen & (1u << i))
			return cfg_err(p, kn, SW_ECONFIG, key, "duplicate key");
		seen |= 1u << i;
		if (i == CFG_NKEYS(cfg_sections)) {
			p->zones_line = cfg_line(kn);
			rc = cfg_zones(p, vn);
		} else if (i == CFG_NKEYS(cfg_sections) + 1) {
			rc = cfg_xfr_tsig_keys(p, vn);
		} else {
			if (strcmp(key, "service") == 0)
				p->service_line = cfg_line(kn);
			rc = cfg_map(p, vn, key, cfg_sections[i].keys, cfg_sections[i].nkeys,
				     p->cfg, &kseen);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static struct swerve_config *
cfg_defaults(const char *path)
{
	struct swerve_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->edns_payload = 1232;
	cfg->idle_backoff_us = 0;
	cfg->rx_ring = 1024;
	cfg->tx_ring = 1024;
	cfg->exception_pps = 10000;
	cfg->tcp_max_clients = 256;
	cfg->tcp_idle_ms = 10000;
	cfg->ctl_mode = 0660;
	cfg->ctl_max_clients = 16;
	cfg->ctl_idle_ms = 30000;
	cfg->rrl_slip = 2;
	cfg->rrl_ipv4_prefix = 24;
	cfg->rrl_ipv6_prefix = 56;
	cfg->rrl_table_size = 65536;
	cfg->xfr_timeout_ms = 30000;
	cfg->log_level = LOG_INFO;
	cfg->path = strdup(path);
	cfg->exception_ifname = strdup("swerve0");
	cfg->ctl_socket = strdup("/run/swerve/control.sock");
	cfg->metrics_listen = strdup("127.0.0.1:9153");
	cfg->log_target = strdup("stderr");
	cfg->failover_state_file = strdup("/var/lib/swerve/failover.json");
	if (cfg->path == NULL || cfg->exception_ifname == NULL || cfg->ctl_socket == NULL ||
	    cfg->metrics_listen == NULL || cfg->log_target == NULL ||
	    cfg->failover_state_file == NULL) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int
cfg_yaml_err(struct cfg_parse *p, const yaml_parser_t *y)
{
	const char *path = p->cfg->path;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		return sw_diag_set(p->diag, -ENOMEM, path, 0, "out of memory");
	case YAML_READER_ERROR:
		return sw_diag_set(p->diag, SW_ECONFIG, path, 0, "YAML: %s at octet %zu",
				   y->problem != NULL ? y->problem : "read error",
				   y->problem_offset);
	default:
		return sw_diag_set(p->diag, SW_ECONFIG, path, (unsigned)y->problem_mark.line + 1,
				   "YAML: %s%s%s", y->problem != NULL ? y->problem : "syntax error",
				   y->context != NULL ? " " : "",
				   y->context != NULL ? y->context : "");
	}
}

int
config_load(const char *path, struct swerve_config **out, struct sw_diag *diag)
{
	struct cfg_parse p = {.diag = diag};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_document_t extra;
	int parser_ok = 0;
	int doc_ok = 0;
	FILE *f = NULL;
	char tmp[PATH_MAX];
	int rc;

	*out = NULL;
	p.cfg = cfg_defaults(path);
	if (p.cfg == NULL)
		return sw_diag_set(diag, -ENOMEM, path, 0, "out of memory");
	f = fopen(path, "re");
	if (f == NULL) {
		rc = -errno;
		sw_diag_set(diag, rc, path, 0, "cannot open: %s", strerror(-rc));
		goto out;
	}
	/* Zone files are relative to the config file, not to wherever the daemon was started. */
	snprintf(tmp, sizeof(tmp), "%s", path);
	if (realpath(dirname(tmp), p.dir) == NULL) {
		rc = -errno;
		sw_diag_set(diag, rc, path, 0, "cannot resolve its directory: %s", strerror(-rc));
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = sw_diag_set(diag, -ENOMEM, path, 0, "out of memory");
		goto out;
	}
	parser_ok = 1;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = cfg_yaml_err(&p, &parser);
		goto out;
	}
	doc_ok = 1;
	p.doc = &doc;
	rc = cfg_root(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;

	/* A second document would be silently ignored by most readers; refuse it. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = cfg_yaml_err(&p, &parser);
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		rc = sw_diag_set(diag, SW_ECONFIG, path,
				 cfg_line(yaml_document_get_root_node(&extra)),
				 "more than one YAML document");
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);

	if (p.cfg->naddrs == 0) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, p.service_line,
				 "service.addresses: no service address configured");
		goto out;
	}
	if (p.cfg->nzones == 0) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, p.zones_line,
				 "zones: no zones configured");
		goto out;
	}
	if (p.cfg->cookie_previous_set && !p.cfg->cookie_secret_set) {
		rc = sw_diag_set(diag, SW_ECONFIG, path, 0,
				 "cookies.previous-secret: needs cookies.secret (a rollover is "
				 "from one shared secret to another)");
		goto out;
	}
	/* After the zones: "failover:" may come first in the file. */
	rc = cfg_failover_finish(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;
	rc = cfg_xfr_finish(&p, yaml_document_get_root_node(&doc));
	if (rc < 0)
		goto out;
	*out = p.cfg;
	p.cfg = NULL;
	rc = 0;
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	if (f != NULL)
		fclose(f);
	config_free(p.cfg);
	return rc;
}

void
config_free(struct swerve_config *cfg)
{
	if (cfg == NULL)
		return;
	cfg_xfr_free(cfg);
	for (size_t i = 0; i < cfg->nzones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].file);
	}
	free(cfg->zones);
	free(cfg->addrs);
	free(cfg->version);
	free(cfg->identity);
	free(cfg->exception_ifname);
	free(cfg->ctl_socket);
	free(cfg->metrics_listen);
	free(cfg->log_target);
	cfg_failover_free(cfg);
	free(cfg->path);
	free(cfg);
}
