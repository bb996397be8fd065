/* SPDX-License-Identifier: BSD-3-Clause */
/* rrt_image_check.c: what rrt_image.c checks of a table read from an image before it is served. */

#ifndef SWERVE_RRT_IMAGE_INT_H
#define SWERVE_RRT_IMAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swerve/rrt.h"
#include "swerve/rrt_image.h"

/* Whether @name is a wire name of exactly @len octets: labels of at most 63, the root last. */
bool rrt_image_name_ok(const uint8_t *name, size_t len);

/*
 * Check that every index and offset a lookup or an answer follows in @t
 * stays inside its array, that every RRset has records adding up to its
 * length, that the names the answer engine walks (owners, CNAME and NS
 * targets, glue owners) are wire names, that each node lies in its zone,
 * below its cut and above its wildcard, that failover references are the
 * A or AAAA of their record (@slots: t->nslots), that an expired zone is
 * its apex alone, and that the index has an empty bucket to end a probe.
 * Returns 0, or -EBADMSG with @err naming the first problem.
 */
int rrt_image_check(const struct rrt *t, const struct rrt_image_slot *slots, char *err,
		    size_t errlen);

#endif /* SWERVE_RRT_IMAGE_INT_H */
