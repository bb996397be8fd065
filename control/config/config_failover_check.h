/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_failover_check.c: a failover record's "check:" mapping. Both are
 * CFG_CUSTOM parsers named in config_failover.c's key tables, so they run
 * inside config_load(), on the thread that calls it.
 */

#ifndef SWERVE_CONFIG_FAILOVER_CHECK_H
#define SWERVE_CONFIG_FAILOVER_CHECK_H

#include <yaml.h>

#include "config_yaml.h"

/* A record's check: @base is its struct cfg_failover; defaults applied, then cross-key checks. */
int cfg_fo_check(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		 const char *path, void *base);
/* A host name or an address literal (check.host, endpoints[].check-host) into the char * at k->off.
 */
int cfg_fo_host(struct cfg_parse *p, const struct cfg_key *k, const yaml_node_t *node,
		const char *path, void *base);

#endif /* SWERVE_CONFIG_FAILOVER_CHECK_H */
