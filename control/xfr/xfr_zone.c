/* SPDX-License-Identifier: BSD-3-Clause */
/* The on-disk copy of a transferred zone: written atomically, read back after a restart. */

/*
 * The file is plain RFC 1035, one record a line with absolute names (owner,
 * TTL, class, type, RDATA: the order zone_load() reads), so an operator can
 * read it and zone_load() serves it at start-up before the primary is
 * reachable.
 *
 * Names are written here, not by ldns_rr2str(): a label is any octets, and
 * ldns does not escape a label that starts with '$' (read back as a
 * directive) or holds '"' (read back as a quote). Every octet of a name
 * outside [A-Za-z0-9*_-] is written as \DDD (RFC 1035 5.1), in the owner and
 * in every name inside RDATA; other RDATA fields are ldns's text, which
 * escapes what its own reader needs.
 *
 * A copy is never trusted for having been written: xfr_zone_parse() reads the
 * exact text that is written with zone_load(), the loader swerved serves
 * from, before anything replaces the local copy.
 *
 * Crash safety is the classic sequence: write a temporary file in the same
 * directory (rename is atomic only within one file system), fsync it,
 * rename it over the old copy, fsync the directory so the rename itself is
 * on disk. At every point the path names a complete old or new file.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
#include "swerve/zone.h"
#include "xfr_serial.h"

static int
xfr_zerr(char *err, size_t errlen, int code, const char *path, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s: %s", path, what, sw_strerror(code));
	return code;
}

/* fsync the directory holding @path, so a rename into it survives a crash. */
static int
xfr_sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else if (fsync(fd) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

static bool
xfr_name_safe(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '*';
}

int
xfr_name_print(FILE *f, const uint8_t *wire, size_t len)
{
	size_t i = 0;

	if (len == 0 || wire[0] == 0)
		return fputc('.', f) == EOF ? -EIO : 0;
	while (i < len && wire[i] != 0) {
		uint8_t n = wire[i++];

		if (n > 63 || i + n > len)
			return -EINVAL;
		for (uint8_t k = 0; k < n; k++, i++) {
			if (xfr_name_safe(wire[i])) {
				if (fputc(wire[i], f) == EOF)
					return -EIO;
			} else if (fprintf(f, "\\%03u", wire[i]) < 0) {
				return -EIO;
			}
		}
		if (fputc('.', f) == EOF)
			return -EIO;
	}
	return 0;
}

static int
xfr_rdf_name(FILE *f, const ldns_rdf *rdf)
{
	return xfr_name_print(f, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
}

/* One record, one line: owner TTL IN TYPE RDATA. */
static int
xfr_write_rr(FILE *f, const ldns_rr *rr)
{
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));
	int ret;

	if (type == NULL)
		return -ENOMEM;
	ret = xfr_rdf_name(f, ldns_rr_owner(rr));
	if (ret == 0 && fprintf(f, "\t%" PRIu32 "\tIN\t%s", ldns_rr_ttl(rr), type) < 0)
		ret = -EIO;
	free(type);
	if (ret == 0 && ldns_rr_rd_count(rr) == 0 && fputs("\t\\# 0", f) == EOF)
		ret = -EIO;
	for (size_t i = 0; ret == 0 && i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *rdf = ldns_rr_rdf(rr, i);
		char *t;

		if (fputc(i == 0 ? '\t' : ' ', f) == EOF) {
			ret = -EIO;
			break;
		}
		if (ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_DNAME) {
			ret = xfr_rdf_name(f, rdf);
			continue;
		}
		t = ldns_rdf2str(rdf);
		if (t == NULL)
			return -ENOMEM;
		if (fputs(t, f) == EOF)
			ret = -EIO;
		free(t);
	}
	if (ret == 0 && fputc('\n', f) == EOF)
		ret = -EIO;
	return ret;
}

static int
xfr_write_rrs(FILE *f, const char *zone, const ldns_rr_list *rrs)
{
	size_t n = ldns_rr_list_rr_count(rrs);

	if (fprintf(f,
		    "; zone %s serial %" PRIu32 ", %zu records, written by swerve after a "
		    "transfer\n",
		    zone, xfr_soa_rr_serial(ldns_rr_list_rr(rrs, 0)), n) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		int r = xfr_write_rr(f, ldns_rr_list_rr(rrs, i));

		if (r < 0)
			return r;
	}
	return 0;
}

static bool
xfr_zone_ok(const ldns_rr_list *rrs)
{
	return rrs != NULL && ldns_rr_list_rr_count(rrs) > 0 &&
	       ldns_rr_get_type(ldns_rr_list_rr(rrs, 0)) == LDNS_RR_TYPE_SOA;
}

int
xfr_zone_render(const char *zone, const ldns_rr_list *rrs, char **buf, size_t *len)
{
	FILE *f;
	int ret;

	*buf = NULL;
	*len = 0;
	if (zone == NULL || !xfr_zone_ok(rrs))
		return -EINVAL;
	f = open_memstream(buf, len);
	if (f == NULL)
		return -ENOMEM;
	ret = xfr_write_rrs(f, zone, rrs);
	if (fclose(f) != 0 && ret == 0)
		ret = -ENOMEM;
	if (ret < 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return ret;
}

static int
xfr_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
xfr_zone_parse(const char *zone, const ldns_rr_list *rrs, struct zone **out, char *err,
	       size_t errlen)
{
	struct sw_diag d;
	char *buf = NULL, path[64];
	size_t len = 0;
	int fd = -1, ret;

	*out = NULL;
	memset(&d, 0, sizeof(d));
	ret = xfr_zone_render(zone, rrs, &buf, &len);
	if (ret < 0)
		return xfr_zerr(err, errlen, ret, zone != NULL ? zone : "?", "render the zone");
	/* zone_load() reads a path: an anonymous file in memory has one under /proc. */
	fd = memfd_create("swerve-xfr", MFD_CLOEXEC);
	if (fd < 0) {
		ret = xfr_zerr(err, errlen, -errno, zone, "memfd");
		goto out;
	}
	ret = xfr_write_all(fd, buf, len);
	if (ret < 0) {
		xfr_zerr(err, errlen, ret, zone, "memfd write");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = zone_load(zone, path, out, &d);
	if (ret < 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "the zone as it would be written does not load: line %u: %s",
			 d.line, d.msg[0] != '\0' ? d.msg : sw_strerror(ret));
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int
xfr_zone_write(const char *path, const char *zone, const ldns_rr_list *rrs, char *err,
	       size_t errlen)
{
	char *tmp = NULL, *buf = NULL;
	size_t len = 0;
	int fd = -1, ret;

	if (path == NULL || zone == NULL || !xfr_zone_ok(rrs))
		return xfr_zerr(err, errlen, -EINVAL, path != NULL ? path : "?",
				"no zone (SOA first) to write");
	ret = xfr_zone_render(zone, rrs, &buf, &len);
	if (ret < 0)
		return xfr_zerr(err, errlen, ret, path, "render");
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		ret = xfr_zerr(err, errlen, -ENOMEM, path, "write");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = xfr_zerr(err, errlen, -errno, tmp, "create");
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkostemp() makes 0600; the copy holds public zone data. */
	(void)fchmod(fd, 0644);
	ret = xfr_write_all(fd, buf, len);
	if (ret == 0 && fsync(fd) != 0)
		ret = -errno;
	if (ret < 0) {
		xfr_zerr(err, errlen, ret, tmp, "write");
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		ret = xfr_zerr(err, errlen, -errno, tmp, "close");
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = xfr_zerr(err, errlen, -errno, path, "rename");
		goto out;
	}
	free(tmp);
	tmp = NULL;
	ret = xfr_sync_dir(path);
	if (ret < 0)
		xfr_zerr(err, errlen, ret, path, "sync directory");
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(buf);
	return ret;
}

static int
xfr_push_clone(ldns_rr_list *l, const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);

	if (c == NULL || !ldns_rr_list_push_rr(l, c)) {
		ldns_rr_free(c);
		return -ENOMEM;
	}
	return 0;
}

int
xfr_zone_read(const char *path, const char *zone, ldns_rr_list **out, char *err, size_t errlen)
{
	ldns_rdf *origin = NULL;
	ldns_zone *z = NULL;
	ldns_rr_list *l = NULL;
	ldns_rr *soa;
	ldns_status s;
	int line = 0, ret = 0;
	FILE *f;

	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL)
		return xfr_zerr(err, errlen, -errno, path, "open");
	if (ldns_str2rdf_dname(&origin, zone) != LDNS_STATUS_OK) {
		ret = xfr_zerr(err, errlen, SW_ENAME, path, zone);
		goto out;
	}
	s = ldns_zone_new_frm_fp_l(&z, f, origin, 3600, LDNS_RR_CLASS_IN, &line);
	if (s != LDNS_STATUS_OK) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:%d: %s", path, line, ldns_get_errorstr_by_id(s));
		ret = SW_EZONE_SYNTAX;
		goto out;
	}
	soa = ldns_zone_soa(z);
	if (soa == NULL || ldns_dname_compare(ldns_rr_owner(soa), origin) != 0) {
		ret = xfr_zerr(err, errlen, SW_EZONE_NOSOA, path, "read");
		goto out;
	}
	l = ldns_rr_list_new();
	ret = l != NULL ? xfr_push_clone(l, soa) : -ENOMEM;
	for (size_t i = 0; ret == 0 && i < ldns_rr_list_rr_count(ldns_zone_rrs(z)); i++)
		ret = xfr_push_clone(l, ldns_rr_list_rr(ldns_zone_rrs(z), i));
	if (ret < 0) {
		xfr_zerr(err, errlen, ret, path, "read");
		goto out;
	}
	*out = l;
	l = NULL;
out:
	ldns_rr_list_deep_free(l);
	ldns_zone_deep_free(z);
	ldns_rdf_deep_free(origin);
	fclose(f);
	return ret;
}
