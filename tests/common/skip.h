/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Skips that count. cmocka's skip() marks one test skipped, but
 * cmocka_run_group_tests() returns only the number of failures, so a binary
 * whose tests skipped exits 0 and meson counts it as passed. Here:
 *
 *   TU_SKIP(why)   skips the current test and remembers it; under CI
 *                  (CI=true in the environment) it fails the test instead,
 *                  naming @why: CI runs as root on a machine set up for the
 *                  suite, where no test has a reason to skip.
 *   tu_skip_exit() wraps the group's result: failures as they are, else 77
 *                  (meson's "skipped") when a test skipped, else 0.
 *
 * Header-only: each test binary is one translation unit.
 */
#ifndef SWERVE_TEST_SKIP_H
#define SWERVE_TEST_SKIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tu_nskipped;

static inline int
tu_under_ci(void)
{
	const char *ci = getenv("CI");

	return ci != NULL && (strcmp(ci, "true") == 0 || strcmp(ci, "1") == 0);
}

#define TU_SKIP(why)                                                                               \
	do {                                                                                       \
		if (tu_under_ci())                                                                 \
			fail_msg("skipped under CI (CI=%s), which must not happen: %s",            \
				 getenv("CI"), (why));                                             \
		printf("[ SKIP     ] %s: %s\n", __func__, (why));                                \
		tu_nskipped++;                                                                     \
		skip();                                                                            \
	} while (0)

static inline int
tu_skip_exit(int failed)
{
	if (failed != 0)
		return failed;
	if (tu_nskipped != 0) {
		printf("%u test(s) skipped: exit 77 (meson: SKIP)\n", tu_nskipped);
		return 77;
	}
	return 0;
}

#endif
