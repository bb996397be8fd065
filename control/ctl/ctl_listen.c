/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's listening side: creating the socket file safely, and refusing peers. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "swerve/log.h"

#include "ctl_listen.h"

static const char ctl_refusal[] = "{\"ok\":false,\"error\":\"too many control connections\"}\n";

/* Create the socket's directory (one level, 0750) when it is missing. */
static int
ctl_make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL || slash == path)
		return 0;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			sw_err("control: %s is not a directory", dir);
			return -ENOTDIR;
		}
		return 0;
	}
	if (errno != ENOENT || mkdir(dir, 0750) < 0 || chmod(dir, 0750) < 0) {
		int rc = -errno;

		sw_err("control: cannot create directory %s: %s", dir, strerror(errno));
		return rc;
	}
	return 0;
}

/*
 * Remove a socket file left by a previous run. Another kind of file is an
 * operator's mistake we must not paper over; a socket someone still listens
 * on belongs to a running daemon.
 */
static int
ctl_remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		sw_err("control: %s exists and is not a socket; refusing to replace it",
		       sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno == EAGAIN) {
		close(fd);
		sw_err("control: %s is in use by a running process", sa->sun_path);
		return -EADDRINUSE;
	}
	rc = errno;
	close(fd);
	if (rc != ECONNREFUSED) {
		sw_err("control: cannot probe %s: %s", sa->sun_path, strerror(rc));
		return -rc;
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	sw_info("control: removed stale socket %s", sa->sun_path);
	return 0;
}

int
ctl_listen_open(const struct sockaddr_un *sa, unsigned mode, dev_t *dev, ino_t *ino)
{
	const char *path = sa->sun_path;
	struct stat st;
	mode_t old;
	int fd, rc;

	rc = ctl_make_parent(path);
	if (rc < 0)
		return rc;
	rc = ctl_remove_stale(sa);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * The file is born 0600 so that no one can connect between bind()
	 * and chmod(). umask is per process: this runs at start-up, before
	 * other threads create files.
	 */
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		sw_err("control: cannot bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, mode) < 0 || lstat(path, &st) < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		sw_err("control: cannot set up %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
fail:
	close(fd);
	return rc;
}

void
ctl_listen_peer(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0) {
		/* Unknown peer: log it as nobody rather than as root. */
		cred->uid = (uid_t)-1;
		cred->gid = (gid_t)-1;
		cred->pid = 0;
	}
}

void
ctl_listen_refuse(int fd, unsigned nclients)
{
	struct ucred cred;

	ctl_listen_peer(fd, &cred);
	sw_warn("control: refusing connection from uid %u pid %d: %u connections open",
		(unsigned)cred.uid, (int)cred.pid, nclients);
	/* Best effort: a fresh socket's buffer takes this line unless the peer is gone. */
	if (send(fd, ctl_refusal, sizeof(ctl_refusal) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		sw_debug("control: refusal not sent: %s", strerror(errno));
	close(fd);
}
