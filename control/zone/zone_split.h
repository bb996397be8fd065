/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone_split.c: a large zone file read in chunks on threads, with the same
 * result as reading it in one go. Internal to control/zone/ (and its tests).
 */

#ifndef SWERVE_ZONE_SPLIT_H
#define SWERVE_ZONE_SPLIT_H

#include <stddef.h>

#include "zone_records.h"

/* What zl_parallel() returns when the file is better read serially. */
#define ZL_SERIAL 1

/*
 * Read the records of the zone file @src (whole in memory, no $INCLUDE
 * read yet) into @p in chunks on threads, when it is large enough and the
 * calling thread may run on more than one CPU. 0, a negative code with
 * p->diag set as the serial read would have set it, or ZL_SERIAL: nothing
 * was added to @p, read it with zl_records().
 */
int zl_parallel(struct zl *p, struct zl_src *src);

/*
 * Tests only: read every zone file in up to @chunks chunks of at least
 * @min_size octets, whatever its size and the CPUs (1: serially). 0, 0
 * restores the default: chunks of at least 1 MiB, a few per CPU, for files
 * of 4 MiB or more. Not for use while another thread loads a zone.
 */
void zone_load_set_split(unsigned chunks, size_t min_size);

/*
 * Tests only: in how many chunks the calling thread's last zone_load() read
 * its file (its records, or its first error), or 0: serially.
 */
unsigned zone_load_split_used(void);

#endif /* SWERVE_ZONE_SPLIT_H */
