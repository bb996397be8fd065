/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_dnssec.c: a zone's "dnssec:" mapping (the keys that sign its
 * failover records online). Called by config_xfr.c's zone key table from
 * inside config_load(), and by config_xfr.c's cleanup.
 */

#ifndef SWERVE_CONFIG_DNSSEC_H
#define SWERVE_CONFIG_DNSSEC_H

#include <yaml.h>

#include "swerve/config.h"

#include "config_yaml.h"

/* Default lifetimes, Knot's for online signing: 14 days valid, renewed 7 days before the end. */
#define CFG_SIG_LIFETIME_DEFAULT (14 * 86400)
#define CFG_SIG_REFRESH_DEFAULT	 (7 * 86400)

/* The CFG_CUSTOM parser of zones[].dnssec; @base is the struct cfg_zone. */
int cfg_dnssec_zone(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		    const char *path, void *base);

/* Free what cfg_dnssec_zone() stored in @z. */
void cfg_dnssec_zone_free(struct cfg_zone *z);

#endif /* SWERVE_CONFIG_DNSSEC_H */
