/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_xfr.c: the zone-transfer parts of swerve.yaml. Called by config.c
 * from inside config_load() (and config_free()), on the thread that calls
 * those.
 */

#ifndef SWERVE_CONFIG_XFR_H
#define SWERVE_CONFIG_XFR_H

#include <stdint.h>

#include <yaml.h>

#include "swerve/config.h"

#include "config_yaml.h"

/*
 * zones[] keys: name, file, then primaries, refresh, retry, expire, ixfr
 * (secondary zones: indices CFG_XFR_SECONDARY_FIRST up to
 * CFG_XFR_SECONDARY_END), then dnssec (any zone).
 */
#define CFG_XFR_NZONE_KEYS     8
#define CFG_XFR_SECONDARY_FIRST 3
#define CFG_XFR_SECONDARY_END   7
extern const struct cfg_key cfg_xfr_zone_keys[CFG_XFR_NZONE_KEYS];
/* The "xfr:" section: timeout-ms, max-size, max-records. */
extern const struct cfg_key cfg_xfr_keys[3];
/* After a zone's mapping (@seen its key bits): a primary zone's file must exist, a secondary's
 * directory must be writable, timers only on secondaries. */
int cfg_xfr_zone_check(struct cfg_parse *p, const yaml_node_t *item, const char *ipath,
		       struct cfg_zone *z, uint32_t seen);
/* The top-level "keys:" sequence (TSIG keys). */
int cfg_xfr_tsig_keys(struct cfg_parse *p, const yaml_node_t *node);
/* Checks that need the whole file (every primaries[].key names a key of keys[]). */
int cfg_xfr_finish(struct cfg_parse *p, const yaml_node_t *root);
void cfg_xfr_free(struct swerve_config *cfg);

#endif /* SWERVE_CONFIG_XFR_H */
