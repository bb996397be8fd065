/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixtures for the unit, fuzz, golden and stress tests and the benchmarks: tables, example zones.
 */

#include <stdarg.h>
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
