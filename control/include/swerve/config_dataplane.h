/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's own settings structs, filled in from the config (the dataplane never sees it). */

#ifndef SWERVE_CONFIG_DATAPLANE_H
#define SWERVE_CONFIG_DATAPLANE_H

struct exc_conf;
struct rrl_conf;
struct swerve_config;

/* @c from the config's rrl_* members (the seed is left 0: worker_rrl_init() draws one). */
void config_rrl_conf(const struct swerve_config *cfg, struct rrl_conf *c);

/*
 * @c from the config's exception: section and service addresses. @c points
 * into @cfg (the interface name, the address array): it is valid while @cfg is.
 */
void config_exc_conf(const struct swerve_config *cfg, struct exc_conf *c);

#endif /* SWERVE_CONFIG_DATAPLANE_H */
