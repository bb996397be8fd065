/* SPDX-License-Identifier: BSD-3-Clause */
/* Fills the dataplane's settings structs from the config, so the dataplane never includes it. */

#include <string.h>

#include "swerve/config.h"
#include "swerve/config_dataplane.h"
#include "swerve/exception.h"
#include "swerve/rrl.h"

void
config_rrl_conf(const struct swerve_config *cfg, struct rrl_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rate = cfg->rrl_rate;
	c->errors = cfg->rrl_errors;
	c->burst = cfg->rrl_burst;
	c->slip = cfg->rrl_slip;
	c->ipv4_prefix = cfg->rrl_ipv4_prefix;
	c->ipv6_prefix = cfg->rrl_ipv6_prefix;
	c->table_size = cfg->rrl_table_size;
}

void
config_exc_conf(const struct swerve_config *cfg, struct exc_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ifname = cfg->exception_ifname;
	c->pps = cfg->exception_pps;
	c->neigh_pps = cfg->exception_neigh_pps;
	c->dns_pps = cfg->exception_dns_pps;
	c->addrs = cfg->addrs;
	c->naddrs = cfg->naddrs;
}
