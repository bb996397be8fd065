#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The lab from the command line: a veth pair whose DPDK end is driven by swerved and whose client
# end sits in a client namespace. The implementation is tests/common/lab.sh (lab_up, lab_down ...),
# which the tests, the benchmarks and scripts/demo.sh source; this is its CLI.
#
# usage: lab.sh up [QUEUES] | down | exec CMD... | srv CMD... | status | env
#
#   up     create the veth pair (QUEUES rx/tx queues per end, default 1) and
#          the client namespace; idempotent (an existing lab is rebuilt).
#   down   remove everything; never fails, safe to call twice.
#   exec   run CMD inside the client namespace.
#   srv    run CMD where the DPDK side lives (SWERVE_SRV, or the root namespace).
#   env    print the names in effect as shell assignments (for eval).
#
# Names come from the environment (SWERVE_LAB, SWERVE_DP, SWERVE_CL, SWERVE_NS, SWERVE_SRV,
# SWERVE_NEIGH): see tests/common/lab.sh. The addresses are from the benchmarking ranges
# (RFC 2544 / RFC 5180): client 198.18.0.1/24 and 2001:2::1/64, service 198.18.0.53 and 2001:2::53.

set -u

# shellcheck source=tests/common/lab.sh
. "$(cd "$(dirname "$0")/.." && pwd)/tests/common/lab.sh"
lab_names

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
up)
	lab_up "$@" || exit 1
	echo "lab up: $SWERVE_DP (DPDK side${SWERVE_SRV:+ in netns $SWERVE_SRV}) <-> $SWERVE_CL in netns" \
		"$SWERVE_NS ($CLIENT4, $CLIENT6); service $SERVICE4, $SERVICE6"
	;;
down)
	lab_down
	;;
exec)
	[ $# -gt 0 ] || { echo "usage: lab.sh exec CMD..." >&2; exit 2; }
	exec ip netns exec "$SWERVE_NS" "$@"
	;;
srv)
	[ $# -gt 0 ] || { echo "usage: lab.sh srv CMD..." >&2; exit 2; }
	# exec all the way down, so the caller's $! is CMD's own PID (signals reach it).
	[ -n "$SWERVE_SRV" ] && exec ip netns exec "$SWERVE_SRV" "$@"
	exec "$@"
	;;
status)
	lab_srv ip -br link show dev "$SWERVE_DP" 2>/dev/null || { echo "lab is down"; exit 1; }
	ip -n "$SWERVE_NS" -br addr show dev "$SWERVE_CL"
	ip -n "$SWERVE_NS" neigh show dev "$SWERVE_CL"
	;;
env)
	echo "SWERVE_DP=$SWERVE_DP SWERVE_CL=$SWERVE_CL SWERVE_NS=$SWERVE_NS SWERVE_SRV=$SWERVE_SRV" \
		"SERVICE4=$SERVICE4 SERVICE6=$SERVICE6 CLIENT4=$CLIENT4 CLIENT6=$CLIENT6"
	;;
*)
	echo "usage: lab.sh up [QUEUES] | down | exec CMD... | srv CMD... | status | env" >&2
	exit 2
	;;
esac
