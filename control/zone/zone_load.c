/* SPDX-License-Identifier: BSD-3-Clause */
/* Reads an RFC 1035 zone file with ldns into the wire-form records of a struct zone. */

/*
 * The whole file is read into memory and handed to ldns through fmemopen()
 * (zone_read.c reads its records), so skipping ahead and quoting a bad line
 * cost no system calls, which keeps a million-record zone a matter of
 * seconds. A large file is read in chunks on threads by the same record
 * loop (zone_split.c).
 */

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

#include "zone_read.h"
#include "zone_records.h"
#include "zone_split.h"

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
	src.to = src.len;
	/* A large zone file is read in chunks on threads; an $INCLUDEd one never is. */
	rc = depth == 0 ? zl_parallel(p, &src) : ZL_SERIAL;
	if (rc == ZL_SERIAL)
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

/* An $INCLUDE in @from: RFC 1035 has it start at @origin and our $TTL, in a file of its own. */
static int
zl_include(struct zl *p, const char *path, const ldns_rdf *origin, const struct zl_src *from,
	   int line)
{
	return zl_file(p, path, origin, from->ttl, from->depth + 1, from, line);
}

int
zone_load(const char *origin, const char *path, struct zone **out, struct sw_diag *diag)
{
	struct zl p = {.diag = diag, .include = zl_include};
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
	rc = zone_order(z, &z->order);
	if (rc == -EFBIG)
		rc = sw_diag_set(diag, SW_EZONE_TOOBIG, path, 0, "%zu records, too many", z->nrrs);
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
	free(z->order);
	zl_store_free(z->storage);
	free(z);
}
