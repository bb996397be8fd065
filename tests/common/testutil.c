/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixtures for the unit, fuzz, golden and stress tests and the benchmarks: tables, example zones.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/rrt.h"
#include "swerve/zone.h"
#include "testutil.h"

const char *
tu_write_temp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/swerve-test-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("tu_write_temp");
		abort();
	}
	close(fd);
	return path;
}

/* NULL when @a and @b are the same record, else the first field that differs. */
static const char *
tu_rr_diff(const struct zone_rr *a, const struct zone_rr *b)
{
	bool owner = a->owner_len == b->owner_len && memcmp(a->owner, b->owner, a->owner_len) == 0;
	bool rdata = a->rdlen == b->rdlen && memcmp(a->rdata, b->rdata, a->rdlen) == 0;

	return !owner		    ? "owner"
	       : a->type != b->type ? "type"
	       : a->ttl != b->ttl   ? "TTL"
	       : !rdata		    ? "RDATA"
	       : a->line != b->line ? "line"
	       : a->file != b->file ? "file"
				    : NULL;
}

const char *
tu_zone_diff(const struct zone *a, const struct zone *b, char *why, size_t len)
{
	if (strcmp(a->name, b->name) != 0 || a->apex_len != b->apex_len ||
	    memcmp(a->apex, b->apex, a->apex_len) != 0)
		snprintf(why, len, "zone name %s / %s", a->name, b->name);
	else if (a->serial != b->serial)
		snprintf(why, len, "serial %u / %u", a->serial, b->serial);
	else if (a->nfiles != b->nfiles)
		snprintf(why, len, "%u / %u files", a->nfiles, b->nfiles);
	else if (a->nrrs != b->nrrs)
		snprintf(why, len, "%zu / %zu records", a->nrrs, b->nrrs);
	else
		why[0] = '\0';
	for (unsigned i = 0; why[0] == '\0' && i < a->nfiles; i++)
		if (strcmp(a->files[i], b->files[i]) != 0 ||
		    a->sources[i].size != b->sources[i].size ||
		    memcmp(a->sources[i].sha256, b->sources[i].sha256, 32) != 0)
			snprintf(why, len, "file %u: %s / %s", i, a->files[i], b->files[i]);
	for (size_t i = 0; why[0] == '\0' && i < a->nrrs; i++) {
		const char *field = tu_rr_diff(&a->rrs[i], &b->rrs[i]);

		if (field != NULL)
			snprintf(why, len, "record %zu (line %u / %u): %s", i, a->rrs[i].line,
				 b->rrs[i].line, field);
	}
	return why[0] != '\0' ? why : NULL;
}

struct zone *
tu_zone(const char *origin, const char *text)
{
	struct sw_diag d = {0};
	struct zone *z = NULL;
	const char *path = tu_write_temp(text);
	int rc = zone_load(origin, path, &z, &d);

	unlink(path);
	if (rc < 0) {
		fprintf(stderr, "tu_zone(%s): %s:%u: %s\n", origin, d.file, d.line, d.msg);
		abort();
	}
	return z;
}

struct rrt *
tu_table(const char *origin, const char *text, ...)
{
	struct zone *zones[16];
	size_t n = 0;
	struct sw_diag d = {0};
	struct rrt *t = NULL;
	va_list ap;

	va_start(ap, text);
	while (origin != NULL && n < 16) {
		zones[n++] = tu_zone(origin, text);
		origin = va_arg(ap, const char *);
		if (origin != NULL)
			text = va_arg(ap, const char *);
	}
	va_end(ap);
	if (rrt_build((const struct zone *const *)zones, n, NULL, 0, &t, &d) < 0) {
		fprintf(stderr, "tu_table: %s\n", d.msg);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		zone_free(zones[i]);
	return t;
}

const char *
tu_fixture_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", TU_FIXTURES_DIR, name);
	return path;
}

char *
tu_fixture_text(const char *name)
{
	const char *path = tu_fixture_path(name);
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (text = malloc((size_t)len + 1)) == NULL ||
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		abort();
	}
	text[len] = '\0';
	fclose(f);
	return text;
}
