/* SPDX-License-Identifier: BSD-3-Clause */
/* swerved's dnstap stage (swerved_dnstap.c): one ring per worker, then the writer (docs/dnstap.md). */

#ifndef SWERVE_SWERVED_DNSTAP_H
#define SWERVE_SWERVED_DNSTAP_H

struct swerved;

/*
 * After the workers exist and before they or the TCP listener start: give
 * each worker its ring and start the writer (nothing while dnstap is off).
 * The fini stops the writer once the workers and the TCP thread stopped
 * (it comes later in the reverse order) and frees the rings.
 * Thread: main lcore.
 */
int stage_dnstap_init(struct swerved *s);
void stage_dnstap_fini(struct swerved *s);

#endif /* SWERVE_SWERVED_DNSTAP_H */
