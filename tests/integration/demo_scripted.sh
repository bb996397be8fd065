#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the README run command's non-interactive mode (scripts/demo.sh --scripted) answers and exits 0.
# The lab gets unique names and a server namespace, so the example config's tap stays out of the root namespace.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_need_root
lab_need ip dig dnsperf

export SWERVE_LAB=dm$(($$ % 100000))
export SWERVE_SRV=$SWERVE_LAB-sv
lab_names
export BUILD=$build
"$top/scripts/demo.sh" --scripted
rc=$?
# The demo must have removed its lab whatever happened.
if ip netns list | grep -qE "^($SWERVE_NS|$SWERVE_SRV)( |$)"; then
	echo "FAIL: the demo left its namespaces behind"
	lab_down
	exit 1
fi
[ "$rc" -eq 0 ] && echo "ok: demo --scripted" || echo "FAIL: demo --scripted exited $rc"
exit "$rc"
