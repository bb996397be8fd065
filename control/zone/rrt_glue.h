/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rrt_glue.c: node flags and referral glue. Called by rrt_build() once
 * every node exists, flags first, on the thread that builds the table.
 */

#ifndef SWERVE_RRT_GLUE_H
#define SWERVE_RRT_GLUE_H

#include "rrt_index.h"

/* Apex, delegation, CNAME and wildcard flags, then which nodes lie below a delegation. */
void bld_flags(struct bld *b);
/* Fill the glue pseudo-RRset of every delegation point, or drop it when there is none. */
int bld_glue(struct bld *b);

#endif /* SWERVE_RRT_GLUE_H */
