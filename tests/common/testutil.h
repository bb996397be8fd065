/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixtures for the unit, fuzz, golden and stress tests and the benchmarks: tables, example zones.
 */

#ifndef SWERVE_TESTUTIL_H
#define SWERVE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct rrt;
struct zone;

/* Write @text to a new temporary file and return its path (static storage, overwritten per call).
 */
const char *tu_write_temp(const char *text);

/* Load @text as zone @origin; aborts the test on failure. */
struct zone *tu_zone(const char *origin, const char *text);

/* A snapshot of the given zones (NULL-terminated origin/text pairs); aborts on failure. */
struct rrt *tu_table(const char *origin, const char *text, ...);

/*
 * Where zones @a and @b differ, as a message in @why (@len octets), or NULL
 * when they are the same: name, files and their hashes, serial, and every
 * record in order, field by field (owner, type, TTL, RDATA, line, file).
 */
const char *tu_zone_diff(const struct zone *a, const struct zone *b, char *why, size_t len);

/*
 * The example zones every test kind shares (tests/common/zones/): the golden
 * answers are written against them. tu_fixture_path() is the path of file
 * @name there; tu_fixture_text() its contents (malloc'ed, NUL-terminated;
 * aborts when it cannot be read).
 */
const char *tu_fixture_path(const char *name);
char *tu_fixture_text(const char *name);

#endif /* SWERVE_TESTUTIL_H */
