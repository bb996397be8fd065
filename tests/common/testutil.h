/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the unit, golden and stress tests: tables from zone text, queries by hand. */

#ifndef SWERVE_TESTUTIL_H
#define SWERVE_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

struct rrt;
struct zone;

/* Presentation name ("www.example.com." or "www.example.com") to wire form; returns its length. */
size_t tu_name(const char *text, uint8_t *out);

/* Write @text to a new temporary file and return its path (static storage, overwritten per call). */
const char *tu_write_temp(const char *text);

/* Load @text as zone @origin; aborts the test on failure. */
struct zone *tu_zone(const char *origin, const char *text);

/* A snapshot of the given zones (NULL-terminated origin/text pairs); aborts on failure. */
struct rrt *tu_table(const char *origin, const char *text, ...);

/* Query options for tu_query(). */
struct tu_qopt {
	uint16_t id;
	uint16_t qclass;  /* 0 means IN. */
	uint8_t opcode;
	uint8_t rd, cd;
	int edns;         /* 1: add an OPT record. */
	uint16_t payload; /* OPT class, 0 means 1232. */
	uint8_t version;
	uint8_t do_bit;
	uint16_t ext_flags;    /* Further OPT flag bits (other than DO), to test they are not echoed. */
	const uint8_t *opts;   /* Raw OPT RDATA. */
	uint16_t opts_len;
};

/* Build a query for @qname/@qtype into @buf; returns its length. @o may be NULL. */
size_t tu_query(uint8_t *buf, size_t cap, const char *qname, uint16_t qtype, const struct tu_qopt *o);

#endif /* SWERVE_TESTUTIL_H */
