/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads the records of a zone file held in memory with ldns: the whole file or one chunk of it. */

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
 *   implemented; all three are handled here before ldns sees the line (the
 *   file an $INCLUDE names is read by zone_load.c, through p->include);
 * - RDATA that ldns accepts but our table cannot serve: a known type given
 *   in "\#" form shorter than the type's fields, meta types, TTLs with the
 *   top bit set (zone_records.c checks each record as it is added).
 */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "swerve/error.h"
#include "swerve/zone.h"

#include "zone_read.h"
#include "zone_records.h"

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

size_t
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

void
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

/* $ORIGIN, $TTL or $INCLUDE at buf[@start], on line @line; the line ends at @eol. */
int
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
		/* A chunk has none: zone_split.c reads a file with an $INCLUDE serially. */
		rc = p->include != NULL
			     ? p->include(p, tok[1], o != NULL ? o : src->origin, src, line)
			     : -ENOTSUP;
		ldns_rdf_deep_free(o);
	} else {
		rc = zl_fail(p, src, SW_EZONE_SYNTAX, line, line_text, line_len,
			     "unsupported directive");
	}
out:
	free(text);
	return rc;
}

/*
 * Read the records and directives that start in [src->from, src->to), the
 * whole file or one chunk of it (zone_split.c): directives are handled
 * here, records by ldns. On success src->next is where the first one at or
 * past src->to starts.
 */
int
zl_records(struct zl *p, struct zl_src *src)
{
	size_t at = src->from;

	if (fseek(src->fp, (long)src->from, SEEK_SET) < 0)
		return -errno;
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
		if (zl_cancelled(p))
			return -ECANCELED;
		start = zl_skip(src->buf, src->len, (size_t)pos);
		if (start >= src->to) {
			src->next = start;
			return 0;
		}
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
		/* Its RDATA went through getservbyname(), which is not thread-safe. */
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_WKS)
			p->wks = true;
		rc = zl_add(p, src, rr, line, src->buf + start, src->len - start);
		ldns_rr_free(rr);
		if (rc < 0)
			return rc;
	}
}
