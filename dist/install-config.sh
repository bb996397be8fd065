#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# meson install script (dist/meson.build): install-config.sh DIR FILE...
# Copies each FILE into DIR (an absolute path under the prefix, below DESTDIR
# when set) unless a file of that name is already there, so that installing a
# new version never overwrites an operator's swerve.yaml. The examples are
# always installed under the documentation directory as well. The installed
# swerve.yaml keeps failover overrides and the table image in /var/lib/swerve (StateDirectory=).
set -eu
dir=${DESTDIR:+$DESTDIR}$1
shift
mkdir -p "$dir"
for f in "$@"; do
	name=$(basename "$f")
	if [ -e "$dir/$name" ]; then
		echo "swerve: keeping the existing $dir/$name"
	else
		install -m 0644 "$f" "$dir/$name"
		if [ "$name" = swerve.yaml ]; then
			# The example keeps failover overrides under /run for the demo; an installed
			# node keeps them in the unit's StateDirectory, which survives a restart.
			sed -i -e 's#^\( *state-file:\) /run/swerve/failover.json#\1 /var/lib/swerve/failover.json#' \
				-e 's#^\( *image:\) /run/swerve/table.img#\1 /var/lib/swerve/table.img#' \
				"$dir/$name"
		fi
		echo "swerve: installed $dir/$name"
	fi
done
