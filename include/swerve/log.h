/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-path logging to stderr or syslog, with levels. Never called per packet. */

#ifndef SWERVE_LOG_H
#define SWERVE_LOG_H

#include <syslog.h>

/* Levels are syslog's: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */

/* Log to stderr (@target "stderr") or syslog ("syslog"); messages above @level are dropped. */
int sw_log_init(const char *target, int level);
void sw_log_set_level(int level);
int sw_log_get_level(void);

/* "error", "warning", "notice", "info", "debug" -> level; -1 for anything else. */
int sw_log_level_parse(const char *name);
const char *sw_log_level_name(int level);

/* Thread-safe; one line per call, no trailing newline needed. */
void sw_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define sw_err(...)    sw_log(LOG_ERR, __VA_ARGS__)
#define sw_warn(...)   sw_log(LOG_WARNING, __VA_ARGS__)
#define sw_notice(...) sw_log(LOG_NOTICE, __VA_ARGS__)
#define sw_info(...)   sw_log(LOG_INFO, __VA_ARGS__)
#define sw_debug(...)  sw_log(LOG_DEBUG, __VA_ARGS__)

#endif /* SWERVE_LOG_H */
