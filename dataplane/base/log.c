/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-path logging: one line per call to stderr (timestamped) or to syslog. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "swerve/log.h"

/*
 * The target is chosen once at start-up, before other threads exist; the
 * level may change at run time (control socket), so it is read and written
 * with relaxed atomics: a thread seeing the old level for one more line is
 * harmless.
 */
static int log_level = LOG_INFO;
static int log_to_syslog;

/* clang-format off */
static const char *const log_names[] = {
	[LOG_EMERG] = "emerg",
	[LOG_ALERT] = "alert",
	[LOG_CRIT] = "crit",
	[LOG_ERR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};
/* clang-format on */

int
sw_log_init(const char *target, int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return -EINVAL;
	if (target == NULL || strcmp(target, "stderr") == 0) {
		if (log_to_syslog)
			closelog();
		__atomic_store_n(&log_to_syslog, 0, __ATOMIC_RELAXED);
	} else if (strcmp(target, "syslog") == 0) {
		/* LOG_NDELAY: open the socket now, before a chroot or privilege drop prevents it.
		 */
		openlog("swerved", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		__atomic_store_n(&log_to_syslog, 1, __ATOMIC_RELAXED);
	} else {
		return -EINVAL;
	}
	sw_log_set_level(level);
	return 0;
}

void
sw_log_set_level(int level)
{
	if (level < LOG_EMERG)
		level = LOG_EMERG;
	if (level > LOG_DEBUG)
		level = LOG_DEBUG;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int
sw_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
sw_log_level_parse(const char *name)
{
	/* Only the five levels an operator is meant to choose; emerg..crit are for the code. */
	static const int choosable[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

	if (name == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(choosable) / sizeof(choosable[0]); i++)
		if (strcasecmp(name, log_names[choosable[i]]) == 0)
			return choosable[i];
	return -1;
}

const char *
sw_log_level_name(int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return "unknown";
	return log_names[level];
}

void
sw_log(int level, const char *fmt, ...)
{
	char msg[1024];
	char stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t len;

	if (level > sw_log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Callers may pass text that ends in a newline (strerror-style); one line is one record. */
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';

	if (__atomic_load_n(&log_to_syslog, __ATOMIC_RELAXED)) {
		syslog(level, "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	len = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + len, sizeof(stamp) - len, ".%03ld", ts.tv_nsec / 1000000);
	/* A single fprintf is atomic with respect to other stdio users (glibc locks the stream). */
	fprintf(stderr, "%s %s: %s\n", stamp, sw_log_level_name(level), msg);
}
