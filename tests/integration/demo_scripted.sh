#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the README run command's non-interactive mode (scripts/demo.sh --scripted) answers
# what the example zone holds, fails app.example.com over to the backup and back, and exits 0.
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
out=$("$top/scripts/demo.sh" --scripted 2>&1)
rc=$?
echo "$out"
# The demo checks its own answers; this checks them again from what it printed, so that a demo
# that stops checking is caught: the answers (records of the example zone) before the failover,
# then app.example.com on the primary, the backup (degraded TTL), the primary again, in order.
answers=$(echo "$out" | sed -n 's/^    answer: //p')
want_answers="A 198.18.0.80
AAAA 2001:2::80
A 198.18.0.80 | CNAME www.example.com.
A 198.18.0.90
-
-"
if [ "$answers" = "$want_answers" ]; then
	echo "ok: demo answers: $(echo "$answers" | paste -sd ';')"
else
	echo "FAIL: demo answers:"
	echo "$answers" | sed 's/^/    /'
	rc=1
fi
app=$(echo "$out" | sed -n 's/^    app.example.com: \(.*\) (after [0-9]* ms)$/\1/p' | paste -sd ';')
if [ "$app" = "198.18.1.10 ttl 30;198.18.1.20 ttl 10;198.18.1.10 ttl 30" ]; then
	echo "ok: app.example.com before, during and after the failover: $app"
else
	echo "FAIL: app.example.com before, during and after the failover: ${app:-nothing}"
	rc=1
fi
# The demo must have removed its lab whatever happened.
if ip netns list | grep -qE "^($SWERVE_NS|$SWERVE_SRV)( |$)"; then
	echo "FAIL: the demo left its namespaces behind"
	lab_down
	exit 1
fi
[ "$rc" -eq 0 ] && echo "ok: demo --scripted" || echo "FAIL: demo --scripted exited $rc"
exit "$rc"
