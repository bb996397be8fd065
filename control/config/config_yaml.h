/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_yaml.c: the schema tables every section is written in, the parse in
 * progress, and the typed YAML node readers with the parser's error
 * reporting. Called by config.c, config_failover*.c and config_xfr.c, only
 * from inside config_load(), on whichever thread calls it (swerved's control
 * thread, at start-up and on a reload). Every reader returns 0, or a negative
 * code after recording "path: reason" at the node's line in the parse's diag.
 */

#ifndef SWERVE_CONFIG_YAML_H
#define SWERVE_CONFIG_YAML_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "swerve/config.h"

/*
 * The schema is a table per mapping: adding a key is one line in a table
 * plus, for a new kind of value, one case in cfg_value() or a CFG_CUSTOM
 * parser. Anything not in a table is an error, so a typo can never silently
 * fall back to a default.
 */
enum cfg_kind {
	CFG_UINT, /* Decimal integer in [min, max], stored in a uint8_t, uint16_t or uint32_t. */
	CFG_STR,  /* Non-empty string of at most max octets. */
	CFG_STR_NULL,  /* As CFG_STR, or YAML null for "off" / "hidden" (stored as NULL). */
	CFG_MODE,      /* File mode as octal digits (0660, "0660", 0o660), at most 0777. */
	CFG_LOGLEVEL,  /* error, warning, notice, info, debug. */
	CFG_LOGTARGET, /* stderr or syslog. */
	CFG_LISTEN,    /* ADDRESS:PORT or [IPv6]:PORT, or null for off. */
	CFG_ADDRS,     /* Sequence of service addresses with optional /prefix. */
	CFG_ZONENAME,  /* A zone's domain name (struct cfg_zone). */
	CFG_FILE, /* A file resolved against the config's directory and checked to be readable. */
	CFG_PATH_NULL, /* A path resolved against the config's directory (need not exist), or null.
			*/
	CFG_ENUM,      /* One of names[], stored as its index in a member of size 1, 2 or 4. */
	CFG_BOOL,      /* true/false, yes/no, on/off (plain scalars), stored in a bool. */
	CFG_CUSTOM,    /* Parsed by the key's own function. */
};

struct cfg_parse;
struct cfg_key;

/* A CFG_CUSTOM parser: store @node's value for key @k into @base (the structure being filled). */
typedef int (*cfg_custom_fn)(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
			     const char *path, void *base);

struct cfg_key {
	const char *name;
	enum cfg_kind kind;
	size_t off;  /* Offset of the member in the structure being filled. */
	size_t size; /* sizeof that member, for CFG_UINT and CFG_ENUM. */
	uint32_t min, max;
	const char *const *names; /* CFG_ENUM: the accepted words, NULL-terminated. */
	cfg_custom_fn fn;	  /* CFG_CUSTOM. */
};

#define CFG_NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* Room for a key path such as "failover.records[12].pools[3].endpoints[10].check-address". */
#define CFG_PATH_LEN 256

/* One parse in progress. */
struct cfg_parse {
	yaml_document_t *doc;
	struct swerve_config *cfg;
	struct sw_diag *diag;
	char dir[PATH_MAX];    /* The config file's directory, absolute, for relative paths. */
	unsigned service_line; /* Line of "service:", for "no service address"; 0 when absent. */
	unsigned zones_line;   /* Line of "zones:", for "no zones"; 0 when absent. */
};

unsigned cfg_line(const yaml_node_t *node);
int cfg_err(struct cfg_parse *p, const yaml_node_t *node, int code, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int cfg_is_null(const yaml_node_t *node);
const char *cfg_describe(const yaml_node_t *node, char *buf, size_t len);
int cfg_string(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t max,
	       const char **out);
int cfg_set_string(char **dst, const char *v);
/* cfg_set_string(), with "out of memory" reported at @node. */
int cfg_keep_string(struct cfg_parse *p, const yaml_node_t *node, const char *path, char **dst,
		    const char *v);
int cfg_uint(struct cfg_parse *p, const yaml_node_t *node, const char *path,
	     const struct cfg_key *k, void *dst);
/* @v resolved against the config's directory; an error unless a readable regular file. */
int cfg_file(struct cfg_parse *p, const yaml_node_t *node, const char *path, const char *v,
	     char **dst);
int cfg_map(struct cfg_parse *p, const yaml_node_t *node, const char *path,
	    const struct cfg_key *keys, size_t nkeys, void *base, uint32_t *seen);
const yaml_node_t *cfg_map_get(struct cfg_parse *p, const yaml_node_t *map, const char *key);
/* The items of a sequence node (count in @n), or an error naming @path. */
int cfg_seq(struct cfg_parse *p, const yaml_node_t *node, const char *path, size_t *n);
yaml_node_t *cfg_seq_item(struct cfg_parse *p, const yaml_node_t *seq, size_t i);
/* 0 when @node is a mapping; otherwise an error naming @path (null counts as not one). */
int cfg_want_map(struct cfg_parse *p, const yaml_node_t *node, const char *path);

#endif /* SWERVE_CONFIG_YAML_H */
