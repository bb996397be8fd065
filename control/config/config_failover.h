/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_failover.c: the "failover:" section. Called by config.c from inside
 * config_load() (and config_free()), on the thread that calls those.
 */

#ifndef SWERVE_CONFIG_FAILOVER_H
#define SWERVE_CONFIG_FAILOVER_H

#include <yaml.h>

#include "swerve/config.h"

#include "config_yaml.h"

/* The "failover:" section: state-file and records. */
extern const struct cfg_key cfg_failover_keys[2];
/* Checks that need the whole file (every record inside a configured zone). */
int cfg_failover_finish(struct cfg_parse *p, const yaml_node_t *root);
void cfg_failover_free(struct swerve_config *cfg);

#endif /* SWERVE_CONFIG_FAILOVER_H */
