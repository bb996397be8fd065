/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads an RFC 1035 zone file with ldns into the wire-form records of a struct zone. */

/*
 * ldns does the record syntax (every type it knows, RFC 3597 "\#" for the
 * rest, parentheses, quoting, escapes); this file does what ldns's zone
 * reader gets wrong or leaves out:
 *
 * - line numbers: ldns counts lines it consumed, including the comments and
 *   blank lines before a record, so the line of a record is found here by
 *   skipping those ourselves in the file's bytes;
 * - directives: ldns's $ORIGIN takes a relative name as absolute, its $TTL
 *   accepts garbage as 0 (and 0 then means "3600"), and $INCLUDE is not
 *   implemented; all three are handled here before ldns sees the line;
 * - RDATA that ldns accepts but our table cannot serve: a known type given
 *   in "\#" form shorter than the type's fields, meta types, TTLs with the
 *   top bit set.
 *
 * The whole file is read into memory and handed to ldns through fmemopen(),
 * so skipping ahead and quoting a bad line cost no system calls, which keeps
 * a million-record zone a matter of seconds.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/zone.h"

/*
 * The TTL of a record that gives none while no $TTL is in force. RFC 1035
 * says "the last explicitly stated value", RFC 2308 made $TTL the way to
 * say it and BIND then falls back to the SOA MINIMUM; we follow ldns, NSD
 * and Knot (default-ttl), which use 3600, because it does not depend on the
 * order of records and an operator who cares writes $TTL.
 */
#define ZL_DEFAULT_TTL 3600u

/*
 * What we hand ldns as "the default TTL" so a record without one can be told
 * apart afterwards. The price: an explicit TTL of 4294967295, which
 * ZL_TTL_MAX would refuse, is taken as no TTL.
 */
#define ZL_TTL_UNSET UINT32_MAX

/* RFC 2181 section 8: a TTL is an unsigned 31-bit number. */
#define ZL_TTL_MAX 0x7fffffffu

/* An $INCLUDE chain deeper than this is almost surely a file including itself. */
#define ZL_MAX_DEPTH 16

/* zone_rr.file is one octet. */
#define ZL_MAX_FILES 256

/*
 * Names and RDATA go to chunks of this size: one malloc per ~20000 records
 * instead of two per record, and zone_free() is a walk of a short list.
 */
#define ZL_CHUNK (1u << 20)

/* How much of a bad line an error message quotes. */
#define ZL_QUOTE 64

struct zl_chunk {
	struct zl_chunk *next;
	size_t used;
	size_t cap;
	uint8_t data[];
};

/* What zone.storage points to. */
struct zl_store {
	struct zl_chunk *chunks;
	char *files[ZL_MAX_FILES];
};

/* The loader: one per zone_load() call. */
struct zl {
	struct zone *z;
	struct zl_store *st;
	size_t cap;	/* Entries allocated in z->rrs and keys[]. */
	uint64_t *keys; /* Per record: hash of owner, type and canonical RDATA (dedupe). */
	struct sw_diag *diag;
	const uint8_t *last_owner; /* Consecutive records mostly share an owner: store it once. */
};

/* One file being read: the main zone file or an $INCLUDEd one. */
struct zl_src {
	const char *path;
	uint8_t file;	/* Index in zone.files. */
	unsigned depth; /* 0 for the zone file itself. */
	char *buf;
	size_t len;
	FILE *fp;
	ldns_rdf *origin;
	ldns_rdf *prev; /* Owner of the previous record, for lines that omit it. */
	uint32_t ttl;	/* $TTL in force, or ZL_DEFAULT_TTL. */
	int line;	/* Newlines before the read position: counted here, not by ldns. */
};

static void *
zl_alloc(struct zl_store *st, size_t n)
{
	struct zl_chunk *c = st->chunks;
	void *p;

	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > ZL_CHUNK ? n : ZL_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = st->chunks;
		st->chunks = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static char *
zl_strdup(struct zl_store *st, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = zl_alloc(st, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

static void
zl_store_free(struct zl_store *st)
{
	struct zl_chunk *c, *next;

	if (st == NULL)
		return;
	for (c = st->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(st);
}

/* The first line of @text (at most ZL_QUOTE characters), for an error message. */
static const char *
zl_quote(const char *text, size_t len, char out[ZL_QUOTE + 4])
{
	size_t n = 0;

	while (n < len && n < ZL_QUOTE && text[n] != '\n' && text[n] != '\r')
		n++;
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	memcpy(out, text, n);
	if (n == ZL_QUOTE && n < len && text[n] != '\n') {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Fail with @code at @line of @src: "<reason>: <the line as written>". */
static int zl_fail(struct zl *p, const struct zl_src *src, int code, int line, const char *text,
		   size_t len, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int
zl_fail(struct zl *p, const struct zl_src *src, int code, int line, const char *text, size_t len,
	const char *fmt, ...)
{
	char quote[ZL_QUOTE + 4];
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return sw_diag_set(p->diag, code, src->path, (unsigned)line, "%s: %s", reason,
			   zl_quote(text, len, quote));
}

/*
 * True when the parentheses and double quotes of a record's text pair up:
 * ldns takes a "(" left open at the end of the file, or a stray ")", without
 * a word.
 */
static bool
zl_balanced(const char *s, size_t n)
{
	bool quoted = false;
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\') {
			i++;
		} else if (quoted) {
			quoted = c != '"';
		} else if (c == '"') {
			quoted = true;
		} else if (c == ';') {
			while (i + 1 < n && s[i + 1] != '\n')
				i++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth < 0) {
			return false;
		}
	}
	return depth == 0 && !quoted;
}

/* From @pos, skip blanks, blank lines and comments: to where a record or directive starts. */
static size_t
zl_skip(const char *buf, size_t len, size_t pos)
{
	while (pos < len) {
		char c = buf[pos];

		if (c == ';') {
			while (pos < len && buf[pos] != '\n')
				pos++;
			continue;
		}
		if (c != '\n' && c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
			break;
		pos++;
	}
	return pos;
}

static int
zl_slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct stat sb;
	char *b = NULL;
	size_t n;
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fstat(fileno(f), &sb) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	n = fread(b, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		rc = -EIO;
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	fclose(f);
	return rc;
}

/*
 * Split a directive line into at most @max tokens in place: blanks separate,
 * double quotes group (for file names), a semicolon outside quotes ends the
 * line. Returns the count, or -1 when there are more than @max.
 */
static int
zl_tokens(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == ';')
			return n;
		if (n == max)
			return -1;
		if (*s == '"') {
			tok[n++] = ++s;
			while (*s != '\0' && *s != '"')
				s++;
		} else {
			tok[n++] = s;
			while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r' && *s != ';')
				s++;
		}
		if (*s == ';') {
			*s = '\0';
			return n;
		}
		if (*s != '\0')
			*s++ = '\0';
	}
}

/* An absolute name from @text, relative to @origin unless it ends in a dot; NULL if invalid. */
static ldns_rdf *
zl_name(const char *text, const ldns_rdf *origin)
{
	ldns_rdf *n;

	if (strcmp(text, "@") == 0)
		return ldns_rdf_clone(origin);
	n = ldns_dname_new_frm_str(text);
	if (n == NULL)
		return NULL;
	if (!ldns_dname_str_absolute(text) && ldns_dname_cat(n, origin) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(n);
		return NULL;
	}
	return n;
}

static int zl_file(struct zl *p, const char *path, const ldns_rdf *origin, uint32_t ttl,
		   unsigned depth, const struct zl_src *from, int from_line);

/* $ORIGIN, $TTL or $INCLUDE at buf[@start], on line @line; the line ends at @eol. */
static int
zl_directive(struct zl *p, struct zl_src *src, size_t start, size_t eol, int line)
{
	const char *line_text = src->buf + start;
	size_t line_len = eol - start;
	char *text, *tok[4];
	int ntok, rc = 0;

	text = strndup(src->buf + start, eol - start);
	if (text == NULL)
		return -ENOMEM;
	ntok = zl_tokens(text, tok, 4);
	if (strcasecmp(tok[0], "$ORIGIN") == 0) {
		ldns_rdf *o = ntok == 2 ? zl_name(tok[1], src->origin) : NULL;

		if (o == NULL) {
			rc = zl_fail(p, src, SW_EZONE_SYNTAX, line, line_text, line_len,
				     "bad $ORIGIN, expected one domain name");
			goto out;
		}
		ldns_rdf_deep_free(src->origin);
		src->origin = o;
	} else if (strcasecmp(tok[0], "$TTL") == 0) {
		const char *end = "";
		uint64_t ttl = UINT64_MAX;

		/*
		 * ldns_str2period() reads units ("1h30m") but wraps silently on
		 * overflow: plain numbers are read here, unit forms kept short.
		 */
		if (ntok == 2 && strspn(tok[1], "0123456789") == strlen(tok[1]))
			ttl = strlen(tok[1]) <= 10 ? strtoull(tok[1], NULL, 10) : UINT64_MAX;
		else if (ntok == 2 && isdigit((unsigned char)tok[1][0]) && strlen(tok[1]) <= 8)
			ttl = ldns_str2period(tok[1], &end);
		if (ttl > ZL_TTL_MAX || *end != '\0') {
			rc = zl_fail(p, src, SW_EZONE_SYNTAX, line, line_text, line_len,
				     "bad $TTL, expected a TTL up to 2147483647");
			goto out;
		}
		src->ttl = (uint32_t)ttl;
	} else if (strcasecmp(tok[0], "$INCLUDE") == 0) {
		ldns_rdf *o = NULL;

		if (ntok < 2 || ntok > 3 || tok[1][0] == '\0' ||
		    (ntok == 3 && (o = zl_name(tok[2], src->origin)) == NULL)) {
			rc = zl_fail(p, src, SW_EZONE_SYNTAX, line, line_text, line_len,
				     "bad $INCLUDE, expected a file and an optional origin");
			goto out;
		}
		/* RFC 1035: it starts at the given origin (or ours); ours comes back after. */
		rc = zl_file(p, tok[1], o != NULL ? o : src->origin, src->ttl, src->depth + 1, src,
			     line);
		ldns_rdf_deep_free(o);
	} else {
		rc = zl_fail(p, src, SW_EZONE_SYNTAX, line, line_text, line_len,
			     "unsupported directive");
	}
out:
	free(text);
	return rc;
}

static int
zl_grow(struct zl *p)
{
	size_t cap = p->cap != 0 ? p->cap * 2 : 1024;
	struct zone_rr *rrs;
	uint64_t *keys;

	rrs = realloc(p->z->rrs, cap * sizeof(*rrs));
	if (rrs == NULL)
		return -ENOMEM;
	p->z->rrs = rrs;
	keys = realloc(p->keys, cap * sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	p->keys = keys;
	p->cap = cap;
	return 0;
}

/* FNV-1a: load-time only, over RDATA of any shape. */
static uint64_t
zl_fnv(uint64_t h, const uint8_t *d, size_t n, bool lower)
{
	for (size_t i = 0; i < n; i++) {
		h ^= lower ? dname_lower_octet(d[i]) : d[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Types that never belong in a zone: 0, OPT and the query/meta range (RFC 6895 section 3.1). */
static bool
zl_meta_type(uint16_t type)
{
	return type == 0 || type == LDNS_RR_TYPE_OPT || (type >= 128 && type <= 255);
}

/* Append @rr, read from @src at @line, to the zone. */
static int
zl_add(struct zl *p, const struct zl_src *src, const ldns_rr *rr, int line, const char *text,
       size_t text_len)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	const ldns_rr_descriptor *desc;
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	size_t nrdf = ldns_rr_rd_count(rr);
	size_t olen = ldns_rdf_size(owner);
	uint32_t ttl = ldns_rr_ttl(rr);
	struct zone_rr *zr;
	size_t rdlen = 0;
	uint64_t canon = 0xcbf29ce484222325ull;
	uint8_t *o, *d;
	int rc;

	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		const ldns_lookup_table *c =
			ldns_lookup_by_id(ldns_rr_classes, (int)ldns_rr_get_class(rr));
		char cls[16];

		if (c != NULL)
			snprintf(cls, sizeof(cls), "%s", c->name);
		else
			snprintf(cls, sizeof(cls), "CLASS%u", ldns_rr_get_class(rr));
		return zl_fail(p, src, SW_EZONE_CLASS, line, text, text_len,
			       "class %s, only IN is served", cls);
	}
	if (zl_meta_type(type))
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "type %u cannot appear in a zone", type);
	desc = ldns_rr_descript(type);
	/* ldns fills a known type from "\#" data field by field and stops when data runs out. */
	if (desc != NULL && nrdf < ldns_rr_descriptor_minimum(desc))
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "RDATA too short for its type");
	if (ttl == ZL_TTL_UNSET)
		ttl = src->ttl;
	else if (ttl > ZL_TTL_MAX)
		return zl_fail(p, src, SW_EZONE_SYNTAX, line, text, text_len,
			       "TTL over 2147483647 (RFC 2181 section 8)");
	if (olen > DNAME_MAXLEN)
		return zl_fail(p, src, SW_EZONE_TOOBIG, line, text, text_len,
			       "owner name longer than 255 octets");
	for (size_t i = 0; i < nrdf; i++)
		rdlen += ldns_rdf_size(ldns_rr_rdf(rr, i));
	if (rdlen > UINT16_MAX)
		return zl_fail(p, src, SW_EZONE_TOOBIG, line, text, text_len,
			       "RDATA of %zu octets, over 65535", rdlen);
	if (p->z->nrrs == p->cap) {
		rc = zl_grow(p);
		if (rc < 0)
			return rc;
	}

	/* Reuse the stored owner when this record repeats the previous record's name. */
	o = (uint8_t *)p->last_owner;
	if (o != NULL && dname_len(o) == olen) {
		const uint8_t *w = ldns_rdf_data(owner);
		size_t i;

		for (i = 0; i < olen && o[i] == dname_lower_octet(w[i]); i++)
			;
		if (i != olen)
			o = NULL;
	} else {
		o = NULL;
	}
	if (o == NULL) {
		const uint8_t *w = ldns_rdf_data(owner);

		o = zl_alloc(p->st, olen);
		if (o == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < olen; i++)
			o[i] = dname_lower_octet(w[i]);
		p->last_owner = o;
	}

	d = zl_alloc(p->st, rdlen != 0 ? rdlen : 1);
	if (d == NULL)
		return -ENOMEM;
	rdlen = 0;
	for (size_t i = 0; i < nrdf; i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t n = ldns_rdf_size(f);

		/* ldns keeps every field in wire form and names uncompressed, case as written. */
		memcpy(d + rdlen, ldns_rdf_data(f), n);
		canon = zl_fnv(canon, d + rdlen, n, ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME);
		rdlen += n;
	}

	zr = &p->z->rrs[p->z->nrrs];
	*zr = (struct zone_rr){
		.owner = o,
		.rdata = d,
		.ttl = ttl,
		.line = (uint32_t)line,
		.type = type,
		.rdlen = (uint16_t)rdlen,
		.owner_len = (uint8_t)olen,
		.file = src->file,
	};
	canon ^= dname_hash(o, olen);
	canon = (canon ^ type) * 0x9e3779b97f4a7c15ull;
	p->keys[p->z->nrrs++] = canon ^ (canon >> 29);
	return 0;
}

/* Count the newlines up to @pos: the caller's line number is then src->line + 1. */
static void
zl_advance(struct zl_src *src, size_t *at, size_t pos)
{
	const char *b = src->buf + *at;
	const char *e = src->buf + pos;

	/* Positions only move forward: each record is read from where the last one ended. */
	while (b < e && (b = memchr(b, '\n', (size_t)(e - b))) != NULL) {
		src->line++;
		b++;
	}
	*at = pos;
}

/* Read records until the end of @src; directives are handled here, records by ldns. */
static int
zl_records(struct zl *p, struct zl_src *src)
{
	size_t at = 0;

	for (;;) {
		long pos = ftell(src->fp), end;
		size_t start, bol, eol;
		uint32_t ttl = ZL_TTL_UNSET;
		ldns_rr *rr = NULL;
		ldns_status s;
		int line, unused = 0, rc;

		if (pos < 0)
			return -errno;
		zl_advance(src, &at, (size_t)pos);
		start = zl_skip(src->buf, src->len, (size_t)pos);
		if (start >= src->len)
			return 0;
		/*
		 * Hand ldns the record's line from its first column: the comments
		 * are already skipped, and a leading blank (owner omitted) is kept.
		 */
		bol = start;
		while (bol > (size_t)pos && src->buf[bol - 1] != '\n')
			bol--;
		zl_advance(src, &at, bol);
		line = src->line + 1;
		if (src->buf[start] == '$') {
			eol = start;
			while (eol < src->len && src->buf[eol] != '\n')
				eol++;
			rc = zl_directive(p, src, start, eol, line);
			if (rc < 0)
				return rc;
			if (fseek(src->fp, (long)eol, SEEK_SET) < 0)
				return -errno;
			continue;
		}
		/* Only when comments came first: a seek refills the stream's buffer. */
		if (bol != (size_t)pos && fseek(src->fp, (long)bol, SEEK_SET) < 0)
			return -errno;
		s = ldns_rr_new_frm_fp_l(&rr, src->fp, &ttl, &src->origin, &src->prev, &unused);
		if (s == LDNS_STATUS_SYNTAX_EMPTY && ftell(src->fp) > pos)
			continue;
		if (s != LDNS_STATUS_OK) {
			ldns_rr_free(rr);
			return zl_fail(p, src, SW_EZONE_SYNTAX, line, src->buf + start,
				       src->len - start, "%s", ldns_get_errorstr_by_id(s));
		}
		end = ftell(src->fp);
		if (end < 0 || !zl_balanced(src->buf + bol, (size_t)end - bol)) {
			ldns_rr_free(rr);
			return zl_fail(p, src, SW_EZONE_SYNTAX, line, src->buf + start,
				       src->len - start, "unbalanced parentheses or quotes");
		}
		rc = zl_add(p, src, rr, line, src->buf + start, src->len - start);
		ldns_rr_free(rr);
		if (rc < 0)
			return rc;
	}
}

/*
 * @path taken relative to the directory of the file that includes it, as Knot
 * does: the daemon's working directory means nothing to whoever wrote the zone.
 */
static char *
zl_include_path(const char *path, const struct zl_src *from)
{
	const char *slash = from != NULL ? strrchr(from->path, '/') : NULL;
	char *full = NULL;

	if (path[0] == '/' || slash == NULL)
		return strdup(path);
	if (asprintf(&full, "%.*s/%s", (int)(slash - from->path), from->path, path) < 0)
		return NULL;
	return full;
}

/*
 * Read the zone file @path (or, with @from set, a file that @from includes
 * on line @from_line) starting at @origin with $TTL @ttl.
 */
static int
zl_file(struct zl *p, const char *path, const ldns_rdf *origin, uint32_t ttl, unsigned depth,
	const struct zl_src *from, int from_line)
{
	const char *where = from != NULL ? from->path : path;
	unsigned wline = (unsigned)from_line;
	struct zl_src src = {.depth = depth, .ttl = ttl};
	char *full = NULL;
	const char *nul;
	int rc;

	if (depth > ZL_MAX_DEPTH)
		return sw_diag_set(p->diag, SW_EZONE_SYNTAX, where, wline,
				   "$INCLUDE nested more than %d deep (a file including itself?)",
				   ZL_MAX_DEPTH);
	if (p->z->nfiles == ZL_MAX_FILES)
		return sw_diag_set(p->diag, SW_EZONE_SYNTAX, where, wline,
				   "more than %d files included", ZL_MAX_FILES - 1);
	full = zl_include_path(path, from);
	if (full == NULL)
		return -ENOMEM;
	src.path = p->st->files[p->z->nfiles] = zl_strdup(p->st, full);
	free(full);
	if (src.path == NULL)
		return -ENOMEM;
	src.file = (uint8_t)p->z->nfiles++;
	if (depth == 0)
		p->z->file = p->st->files[0];
	rc = zl_slurp(src.path, &src.buf, &src.len);
	if (rc < 0) {
		if (from != NULL)
			return sw_diag_set(p->diag, rc, where, wline, "$INCLUDE %s: %s", src.path,
					   strerror(-rc));
		return sw_diag_set(p->diag, rc, src.path, 0, "cannot read the zone file: %s",
				   rc == -EINVAL ? "not a regular file" : strerror(-rc));
	}
	nul = memchr(src.buf, '\0', src.len);
	if (nul != NULL) {
		int line = 0;

		for (const char *c = src.buf; c < nul; c++)
			line += *c == '\n';
		rc = sw_diag_set(p->diag, SW_EZONE_SYNTAX, src.path, (unsigned)line + 1,
				 "NUL octet in the file");
		goto out;
	}
	rc = -ENOMEM;
	src.origin = ldns_rdf_clone(origin);
	if (src.origin == NULL)
		goto out;
	if (src.len == 0) {
		rc = 0;
		goto out;
	}
	src.fp = fmemopen(src.buf, src.len, "r");
	if (src.fp == NULL) {
		rc = -errno;
		goto out;
	}
	/* ldns reads with getc(): one thread owns this stream, so skip the per-character lock. */
	__fsetlocking(src.fp, FSETLOCKING_BYCALLER);
	rc = zl_records(p, &src);
out:
	if (src.fp != NULL)
		fclose(src.fp);
	if (src.origin != NULL)
		ldns_rdf_deep_free(src.origin);
	if (src.prev != NULL)
		ldns_rdf_deep_free(src.prev);
	free(src.buf);
	return rc;
}

struct zl_key {
	uint64_t key;
	size_t idx;
};

static int
zl_key_cmp(const void *pa, const void *pb)
{
	const struct zl_key *a = pa;
	const struct zl_key *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Same owner, type and RDATA; names in RDATA compare without case (the key already did exactly). */
static bool
zl_same(const struct zone_rr *a, const struct zone_rr *b)
{
	if (a->type != b->type || a->owner_len != b->owner_len || a->rdlen != b->rdlen ||
	    memcmp(a->owner, b->owner, a->owner_len) != 0)
		return false;
	for (size_t i = 0; i < a->rdlen; i++)
		if (dname_lower_octet(a->rdata[i]) != dname_lower_octet(b->rdata[i]))
			return false;
	return true;
}

/*
 * Drop exact duplicates, keeping the first in file order: sort an index by
 * the per-record key, then compare within runs of equal keys, which are
 * duplicates but for a 64-bit collision.
 */
static int
zl_dedupe(struct zl *p)
{
	struct zone *z = p->z;
	struct zl_key *k;
	uint8_t *drop;
	size_t n = z->nrrs, w = 0;

	if (n < 2)
		return 0;
	k = malloc(n * sizeof(*k));
	drop = calloc(n, 1);
	if (k == NULL || drop == NULL) {
		free(k);
		free(drop);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		k[i] = (struct zl_key){.key = p->keys[i], .idx = i};
	qsort(k, n, sizeof(*k), zl_key_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && k[j].key == k[i].key; j++)
			;
		for (size_t m = i + 1; m < j; m++)
			for (size_t l = i; l < m; l++)
				if (!drop[k[l].idx] &&
				    zl_same(&z->rrs[k[l].idx], &z->rrs[k[m].idx])) {
					drop[k[m].idx] = 1;
					break;
				}
	}
	for (size_t i = 0; i < n; i++)
		if (!drop[i])
			z->rrs[w++] = z->rrs[i];
	z->nrrs = w;
	free(k);
	free(drop);
	return 0;
}

/* SERIAL of the first SOA at the apex: after MNAME and RNAME. zone_check() judges the rest. */
static uint32_t
zl_serial(const struct zone *z)
{
	for (size_t i = 0; i < z->nrrs; i++) {
		const struct zone_rr *rr = &z->rrs[i];
		size_t off;

		if (rr->type != LDNS_RR_TYPE_SOA || rr->owner_len != z->apex_len ||
		    memcmp(rr->owner, z->apex, z->apex_len) != 0)
			continue;
		off = dname_len(rr->rdata);
		off += dname_len(rr->rdata + off);
		if (off + 20 > rr->rdlen)
			return 0;
		return (uint32_t)rr->rdata[off] << 24 | (uint32_t)rr->rdata[off + 1] << 16 |
		       (uint32_t)rr->rdata[off + 2] << 8 | rr->rdata[off + 3];
	}
	return 0;
}

int
zone_load(const char *origin, const char *path, struct zone **out, struct sw_diag *diag)
{
	struct zl p = {.diag = diag};
	ldns_rdf *apex = NULL;
	struct zone *z = NULL;
	char *text = NULL;
	int rc = -ENOMEM;

	*out = NULL;
	if (origin == NULL || path == NULL)
		return sw_diag_set(diag, -EINVAL, path, 0, "no zone name or file");
	/* ldns takes "example.com" as absolute too: the trailing dot is optional. */
	apex = origin[0] != '\0' ? ldns_dname_new_frm_str(origin) : NULL;
	if (apex == NULL || ldns_rdf_size(apex) > DNAME_MAXLEN) {
		rc = sw_diag_set(diag, SW_ENAME, path, 0, "bad zone name \"%s\"", origin);
		goto fail;
	}
	ldns_dname2canonical(apex);
	z = calloc(1, sizeof(*z));
	p.st = calloc(1, sizeof(*p.st));
	if (z == NULL || p.st == NULL) {
		free(p.st);
		goto fail;
	}
	p.z = z;
	z->storage = p.st;
	z->files = p.st->files;
	z->apex_len = (uint8_t)ldns_rdf_size(apex);
	memcpy(z->apex, ldns_rdf_data(apex), z->apex_len);
	text = ldns_rdf2str(apex);
	if (text == NULL || (z->name = zl_strdup(p.st, text)) == NULL)
		goto fail;
	rc = zl_file(&p, path, apex, ZL_DEFAULT_TTL, 0, NULL, 0);
	if (rc < 0)
		goto fail;
	rc = zl_dedupe(&p);
	if (rc < 0)
		goto fail;
	z->serial = zl_serial(z);
	rc = zone_check(z, diag);
	if (rc < 0)
		goto fail;
	free(p.keys);
	free(text);
	ldns_rdf_deep_free(apex);
	*out = z;
	return 0;
fail:
	if (rc == -ENOMEM)
		sw_diag_set(diag, rc, path, 0, "out of memory loading the zone");
	free(p.keys);
	free(text);
	if (apex != NULL)
		ldns_rdf_deep_free(apex);
	zone_free(z);
	return rc;
}

void
zone_free(struct zone *z)
{
	if (z == NULL)
		return;
	free(z->rrs);
	zl_store_free(z->storage);
	free(z);
}
