/* SPDX-License-Identifier: BSD-3-Clause */
/* swervectl's readable output (swervectl_print.c), for its main(). */

#ifndef SWERVE_SWERVECTL_PRINT_H
#define SWERVE_SWERVECTL_PRINT_H

#include <jansson.h>

/*
 * Print reply @obj to stdout for a person, indented by @indent spaces:
 * scalars as "key: value" lines, arrays of objects as tables, nested
 * objects and multi-line strings as indented blocks; "ok" at the top level
 * is left out. Caller: swervectl's main() (single-threaded), and itself.
 */
void swervectl_print_object(const json_t *obj, int indent);

#endif /* SWERVE_SWERVECTL_PRINT_H */
