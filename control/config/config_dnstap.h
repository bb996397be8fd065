/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_dnstap.c: the "dnstap:" section (docs/dnstap.md). Called by
 * config.c from inside config_load() only: the key table for its section
 * dispatch, the defaults, the checks across keys once the file is read, and
 * the free.
 */

#ifndef SWERVE_CONFIG_DNSTAP_H
#define SWERVE_CONFIG_DNSTAP_H

#include "config_yaml.h"

#define CFG_DNSTAP_NKEYS 7
extern const struct cfg_key cfg_dnstap_keys[CFG_DNSTAP_NKEYS];

/* Defaults of the keys that are not zero (cfg_defaults()). */
void cfg_dnstap_defaults(struct swerve_config *cfg);

/* After the whole file: ring a power of two, sample needs a sink, identity and version filled. */
int cfg_dnstap_finish(struct cfg_parse *p, const yaml_node_t *root);

void cfg_dnstap_free(struct swerve_config *cfg);

#endif /* SWERVE_CONFIG_DNSTAP_H */
