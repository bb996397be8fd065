/* SPDX-License-Identifier: BSD-3-Clause */
/* The one table that turns swerve error codes into text. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "swerve/error.h"

static const char *const sw_err_text[] = {
	[SW_EZONE_SYNTAX - SW_ERR_BASE] = "zone file syntax error",
	[SW_EZONE_NOSOA - SW_ERR_BASE] = "no SOA record at the zone apex",
	[SW_EZONE_MULTISOA - SW_ERR_BASE] = "more than one SOA record, or an SOA outside the apex",
	[SW_EZONE_NONS - SW_ERR_BASE] = "no NS records at the zone apex",
	[SW_EZONE_CNAME - SW_ERR_BASE] = "CNAME and other data at the same name",
	[SW_EZONE_OUTOFZONE - SW_ERR_BASE] = "record outside the zone",
	[SW_EZONE_DUP - SW_ERR_BASE] = "zone configured more than once",
	[SW_EZONE_CLASS - SW_ERR_BASE] = "record class is not IN",
	[SW_EZONE_TOOBIG - SW_ERR_BASE] = "RRset or name too large for a DNS message",
	[SW_ENAME - SW_ERR_BASE] = "malformed domain name",
	[SW_ETABLE_FULL - SW_ERR_BASE] = "record table exceeds its size limits",
	[SW_ESLOT - SW_ERR_BASE] = "failover slot does not match its record",
	[SW_ECONFIG - SW_ERR_BASE] = "invalid configuration",
	[SW_EXFR_RCODE - SW_ERR_BASE] = "zone transfer refused by the primary",
	[SW_EXFR_TSIG - SW_ERR_BASE] = "TSIG verification failed",
	[SW_EXFR_PROTO - SW_ERR_BASE] = "zone transfer protocol error",
	[SW_EZONE_DNSSEC - SW_ERR_BASE] = "signed zone data the server cannot serve",
};

const char *
sw_strerror(int code)
{
	if (code > SW_ERR_BASE && code < SW_ERR_LAST) {
		const char *s = sw_err_text[code - SW_ERR_BASE];

		return s != NULL ? s : "unknown swerve error";
	}
	/* errno values are small positive numbers; anything between them and
	 * our own range is not a code anyone returns. */
	if (code <= 0 && code > SW_ERR_LAST)
		return strerror(-code);
	return "unknown error";
}

int
sw_diag_set(struct sw_diag *d, int code, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return code;
	d->code = code;
	d->line = line;
	snprintf(d->file, sizeof(d->file), "%s", file != NULL ? file : "");
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
sw_diag_format(const struct sw_diag *d, int code, char *buf, size_t len)
{
	const char *msg = d->msg[0] != '\0' ? d->msg : sw_strerror(code);

	if (d->file[0] != '\0' && d->line != 0)
		snprintf(buf, len, "%s:%u: %s", d->file, d->line, msg);
	else if (d->file[0] != '\0')
		snprintf(buf, len, "%s: %s", d->file, msg);
	else
		snprintf(buf, len, "%s", msg);
}
