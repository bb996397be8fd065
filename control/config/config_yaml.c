/* SPDX-License-Identifier: BSD-3-Clause */
/* Typed YAML node readers and the error reporting of the config parser, shared by every section. */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "swerve/config.h"
#include "swerve/error.h"
#include "swerve/log.h"

#include "config_syntax.h"
#include "config_yaml.h"

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

/* cfg_set_string(), with "out of memory" reported at @node as the parse's error. */
int
cfg_keep_string(struct cfg_parse *p, const yaml_node_t *node, const char *path, char **dst,
		const char *v)
{
	if (cfg_set_string(dst, v) < 0)
		return cfg_err(p, node, -ENOMEM, path, "out of memory");
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

/* @v resolved against the config file's directory into @full (PATH_MAX): its length, or an error.
 */
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
	return cfg_keep_string(p, node, path, dst, full);
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
	return cfg_keep_string(p, node, path, dst, full);
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

/* Store one value of a known key into @base (the config, or one zone). */
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
	return cfg_keep_string(p, node, path, dst, v);
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

/* A mapping for an item that must be one: null, a scalar or a sequence is an error. */
int
cfg_want_map(struct cfg_parse *p, const yaml_node_t *node, const char *path)
{
	char d[96];

	if (node->type == YAML_MAPPING_NODE)
		return 0;
	return cfg_err(p, node, SW_ECONFIG, path, "expected a mapping, got %s",
		       cfg_describe(node, d, sizeof(d)));
}
