/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the libFuzzer targets: the fixed answer table and an independent DNS response checker. */

#ifndef SWERVE_FUZZ_UTIL_H
#define SWERVE_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swerve/dnsq.h"

struct rrt;

/*
 * A broken invariant is a crash for libFuzzer: print what broke and abort,
 * so the input is saved as a crash-* file and reproduces under a debugger.
 */
#define FZ_CHECK(cond, ...)                                                                       \
	do {                                                                                      \
		if (!(cond))                                                                      \
			fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                          \
	} while (0)

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

/*
 * The table every packet-level target answers from, built once: two zones,
 * a nested zone, every answer class (positive, NODATA, NXDOMAIN, empty
 * non-terminal, CNAME chains and loops, wildcards, delegations with glue,
 * oversized RRsets) and failover slots (serving, and one serving nothing).
 */
const struct rrt *fz_table(void);

/*
 * The shared example zone signed (tests/common/zones/signed/): @which 0 its
 * NSEC version, 1 its NSEC3 opt-out version, for DO=1 answers.
 */
const struct rrt *fz_table_signed(unsigned which);

/* Answer settings the targets rotate through (index & 3). */
const struct dnsq_conf *fz_conf(unsigned idx);

/* What the checker needs to know about how a response was produced. */
struct fz_call {
	const uint8_t *query; /* The query as it was before the call (a copy for in-place calls). */
	size_t qlen;
	const uint8_t *resp;
	size_t n;   /* dnsq_answer()'s return value. */
	size_t cap;
	unsigned flags;
	const struct dnsq_conf *conf;
	const struct dnsq_info *info;
};

/*
 * Check every CONFORMANCE header rule and the structure of one response
 * (aborts on the first violation). Returns true when a response was written.
 */
bool fz_check_answer(const struct fz_call *c);

/* Lowercase wire name comparison of @a (at @aoff in @abuf) and @b (at @boff in @bbuf); names may be compressed. */
bool fz_name_equal(const uint8_t *abuf, size_t alen, size_t aoff, const uint8_t *bbuf, size_t blen,
		   size_t boff);

/* A private temporary directory (created once, removed at exit) and a file path in it. */
const char *fz_tmpdir(void);
void fz_write_file(const char *path, const uint8_t *data, size_t len);

/* FUZZ_VERBOSE set in the environment: the targets say what happened to each input. */
bool fz_verbose(void);


/* Quiet the control-path logger: fuzzing produces errors by the million. */
void fz_quiet_logs(void);

#endif /* SWERVE_FUZZ_UTIL_H */
