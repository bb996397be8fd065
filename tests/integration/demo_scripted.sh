#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the README run command's non-interactive mode (scripts/demo.sh --scripted) answers and exits 0.
# The lab gets unique names and a server namespace, so the example config's tap stays out of the root namespace.
set -u

top=${SWERVE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SWERVE_BUILDDIR:-$top/build}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip dig dnsperf; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

export SWERVE_LAB=dm$(($$ % 100000))
export SWERVE_SRV=$SWERVE_LAB-sv
export BUILD=$build
"$top/scripts/demo.sh" --scripted
rc=$?
# The demo must have removed its lab whatever happened.
if ip netns list | grep -qE "^($SWERVE_LAB-ns|$SWERVE_SRV)( |$)"; then
	echo "FAIL: the demo left its namespaces behind"
	"$top/scripts/lab.sh" down
	exit 1
fi
[ "$rc" -eq 0 ] && echo "ok: demo --scripted" || echo "FAIL: demo --scripted exited $rc"
exit "$rc"
