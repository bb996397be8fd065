/* SPDX-License-Identifier: BSD-3-Clause */
/* The on-disk copy of a transferred zone: written atomically, read back after a restart. */

/*
 * The file is plain RFC 1035, one record a line with absolute names, as
 * ldns prints them (owner, TTL, class, type, RDATA: the order zone_load()
 * reads), so an operator can read it and zone_load() serves it at start-up
 * before the primary is reachable.
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
#include <sys/stat.h>
#include <unistd.h>

#include "swerve/error.h"
#include "swerve/xfr.h"
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
		char *t = ldns_rr2str(ldns_rr_list_rr(rrs, i));
		int r;

		if (t == NULL)
			return -ENOMEM;
		r = fputs(t, f);
		free(t);
		if (r < 0)
			return -EIO;
	}
	return 0;
}

int
xfr_zone_write(const char *path, const char *zone, const ldns_rr_list *rrs, char *err,
	       size_t errlen)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, ret;

	if (path == NULL || zone == NULL || rrs == NULL || ldns_rr_list_rr_count(rrs) == 0 ||
	    ldns_rr_get_type(ldns_rr_list_rr(rrs, 0)) != LDNS_RR_TYPE_SOA)
		return xfr_zerr(err, errlen, -EINVAL, path != NULL ? path : "?",
				"no zone (SOA first) to write");
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
	f = fdopen(fd, "w");
	if (f == NULL) {
		ret = xfr_zerr(err, errlen, -errno, tmp, "open");
		goto out;
	}
	fd = -1;
	ret = xfr_write_rrs(f, zone, rrs);
	if (ret == 0 && fflush(f) != 0)
		ret = -errno;
	if (ret == 0 && fsync(fileno(f)) != 0)
		ret = -errno;
	if (ret < 0) {
		xfr_zerr(err, errlen, ret, tmp, "write");
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		ret = xfr_zerr(err, errlen, -errno, tmp, "close");
		goto out;
	}
	f = NULL;
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
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
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
