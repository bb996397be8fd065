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
 *   top bit set (zone_records.c checks each record as it is added).
 *
 * The whole file is read into memory and handed to ldns through fmemopen(),
 * so skipping ahead and quoting a bad line cost no system calls, which keeps
 * a million-record zone a matter of seconds.
 */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "swerve/error.h"
#include "swerve/zone.h"

#include "zone_records.h"

/*
 * The TTL of a record that gives none while no $TTL is in force. RFC 1035
 * says "the last explicitly stated value", RFC 2308 made $TTL the way to
 * say it and BIND then falls back to the SOA MINIMUM; we follow ldns, NSD
 * and Knot (default-ttl), which use 3600, because it does not depend on the
 * order of records and an operator who cares writes $TTL.
 */
#define ZL_DEFAULT_TTL 3600u

/* An $INCLUDE chain deeper than this is almost surely a file including itself. */
#define ZL_MAX_DEPTH 16

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

/* Read @path whole; its size and time of modification go to @id (the hash is the caller's). */
static int
zl_slurp(const char *path, char **buf, size_t *len, struct zone_source *id)
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
	id->size = n;
	id->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
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
	struct zone_source *id;
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
	id = &p->st->sources[src.file];
	rc = zl_slurp(src.path, &src.buf, &src.len, id);
	if (rc < 0) {
		if (from != NULL)
			return sw_diag_set(p->diag, rc, where, wline, "$INCLUDE %s: %s", src.path,
					   strerror(-rc));
		return sw_diag_set(p->diag, rc, src.path, 0, "cannot read the zone file: %s",
				   rc == -EINVAL ? "not a regular file" : strerror(-rc));
	}
	/* The identity a table image is checked against (docs/table-image.md). */
	if (EVP_Digest(src.buf, src.len, id->sha256, NULL, EVP_sha256(), NULL) != 1) {
		rc = sw_diag_set(p->diag, -EIO, src.path, 0, "cannot hash the zone file");
		goto out;
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
	z->sources = p.st->sources;
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
