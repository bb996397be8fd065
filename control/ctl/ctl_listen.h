/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket's listening side (ctl_listen.c), for ctl.c. */

#ifndef SWERVE_CTL_LISTEN_H
#define SWERVE_CTL_LISTEN_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/*
 * Callers: ctl.c (ctl_open(), ctl_accept(), a new client). Thread: the
 * control thread, at start-up for ctl_listen_open() (it changes the
 * process umask around bind()).
 */

/*
 * Create @sa's directory when missing (one level, 0750), remove a stale
 * socket file (never another kind of file, nor a socket in use), bind,
 * chmod to @mode and listen. Returns the non-blocking listening fd and
 * the socket file's identity in *@dev, *@ino (so only that file is
 * unlinked at close), or a negative code (logged).
 */
int ctl_listen_open(const struct sockaddr_un *sa, unsigned mode, dev_t *dev, ino_t *ino);

/* The peer's credentials (SO_PEERCRED); uid/gid -1 and pid 0 when unknown. */
void ctl_listen_peer(int fd, struct ucred *cred);

/* Over the connection limit: log the peer, send one error line (best effort), close @fd. */
void ctl_listen_refuse(int fd, unsigned nclients);

#endif /* SWERVE_CTL_LISTEN_H */
