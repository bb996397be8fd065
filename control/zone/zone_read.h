/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone_read.c: the records and directives of a zone file held in memory,
 * read with ldns into a struct zl. Used by zone_load.c (a whole file) and
 * zone_split.c (one chunk of a file per thread).
 */

#ifndef SWERVE_ZONE_READ_H
#define SWERVE_ZONE_READ_H

#include <stddef.h>

#include "zone_records.h"

/*
 * Read the records and directives that start in [src->from, src->to):
 * directives here, records by ldns through src->fp. 0 with src->next set
 * to where the first one at or past src->to starts, or a negative code
 * with p->diag set (-ECANCELED, unset, when an earlier chunk failed).
 */
int zl_records(struct zl *p, struct zl_src *src);

/* $ORIGIN, $TTL or $INCLUDE at buf[@start] of @src, on line @line; the line ends at @eol. */
int zl_directive(struct zl *p, struct zl_src *src, size_t start, size_t eol, int line);

/* From @pos, skip blanks, blank lines and comments: to where a record or directive starts. */
size_t zl_skip(const char *buf, size_t len, size_t pos);

/* Count the newlines from *@at up to @pos into src->line; *@at becomes @pos (never smaller). */
void zl_advance(struct zl_src *src, size_t *at, size_t pos);

#endif /* SWERVE_ZONE_READ_H */
