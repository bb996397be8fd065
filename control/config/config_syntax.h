/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_syntax.c: text forms checked without YAML or a parse in progress
 * (pure functions, any thread). Called by config_yaml.c for the typed kinds
 * and by config_failover*.c and config_xfr.c for their custom keys.
 */

#ifndef SWERVE_CONFIG_SYNTAX_H
#define SWERVE_CONFIG_SYNTAX_H

#include "swerve/config.h"

/* Unicast address with an optional "/prefix" into @a; -1 when it is not one. */
int cfg_parse_addr(const char *text, struct svc_addr *a);
/* ADDRESS:PORT or [IPv6]:PORT; 1 when well formed. */
int cfg_listen_ok(const char *v);
/* Presentation-form domain name without escapes; 1 when well formed. */
int cfg_zone_name_ok(const char *n);

#endif /* SWERVE_CONFIG_SYNTAX_H */
