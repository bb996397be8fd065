#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The DESIGN.md section 8 lab: a veth pair whose sw-dp end is driven by DPDK and whose sw-cl end sits in a client namespace.
#
# usage: lab.sh up [QUEUES] | down | exec CMD... | status | env
#
#   up     create the veth pair (QUEUES rx/tx queues per end, default 1) and
#          the client namespace; idempotent (an existing lab is rebuilt).
#   down   remove everything; never fails, safe to call twice.
#   exec   run CMD inside the client namespace.
#   env    print the names in effect as shell assignments (for eval).
#
# Names come from the environment so concurrent tests do not collide:
#   SWERVE_LAB       a prefix: sets <prefix>-dp, <prefix>-cl and <prefix>-ns
#                    (keep it short: interface names hold 15 characters)
#   SWERVE_DP        the DPDK side (default sw-dp), root namespace, no address
#   SWERVE_CL        the client side (default sw-cl), inside SWERVE_NS
#   SWERVE_NS        the client namespace (default swerve-client)
#   SWERVE_NEIGH     "static" (default): the client gets permanent neighbour
#                    entries for the service addresses pointing at sw-dp's
#                    MAC, so queries flow even without the exception path;
#                    "dynamic": none, ARP/ND must be answered by swerved.
#
# The addresses are from the benchmarking ranges (RFC 2544 / RFC 5180):
# client 198.18.0.1/24 and 2001:2::1/64, service 198.18.0.53 and 2001:2::53.

set -u

if [ -n "${SWERVE_LAB:-}" ]; then
	: "${SWERVE_DP:=${SWERVE_LAB}-dp}"
	: "${SWERVE_CL:=${SWERVE_LAB}-cl}"
	: "${SWERVE_NS:=${SWERVE_LAB}-ns}"
fi
DP=${SWERVE_DP:-sw-dp}
CL=${SWERVE_CL:-sw-cl}
NS=${SWERVE_NS:-swerve-client}
NEIGH=${SWERVE_NEIGH:-static}

CLIENT4=198.18.0.1
CLIENT6=2001:2::1
SERVICE4=198.18.0.53
SERVICE6=2001:2::53

lab_down()
{
	# Deleting one end of a veth deletes the pair, wherever the peer lives.
	ip link del "$DP" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	return 0
}

lab_up()
{
	q=${1:-1}

	case "$q" in
	'' | *[!0-9]*) echo "lab.sh: queue count must be a number" >&2; return 2 ;;
	esac
	lab_down
	ip netns add "$NS" || return 1
	ip link add "$DP" numtxqueues "$q" numrxqueues "$q" type veth \
		peer name "$CL" numtxqueues "$q" numrxqueues "$q" || { lab_down; return 1; }
	ip link set "$CL" netns "$NS" || { lab_down; return 1; }

	# The DPDK side must not answer anything itself: no IPv6 either, so
	# the kernel sends no router solicitations or MLD reports of its own.
	sysctl -qw "net.ipv6.conf.$DP.disable_ipv6=1" 2>/dev/null
	ip link set "$DP" up || { lab_down; return 1; }

	ip -n "$NS" link set lo up
	ip -n "$NS" addr add "$CLIENT4/24" dev "$CL" || { lab_down; return 1; }
	ip -n "$NS" addr add "$CLIENT6/64" dev "$CL" nodad || { lab_down; return 1; }
	ip -n "$NS" link set "$CL" up || { lab_down; return 1; }

	if [ "$NEIGH" = static ]; then
		mac=$(cat "/sys/class/net/$DP/address")
		ip -n "$NS" neigh replace "$SERVICE4" lladdr "$mac" dev "$CL" nud permanent
		ip -n "$NS" neigh replace "$SERVICE6" lladdr "$mac" dev "$CL" nud permanent
	fi
	return 0
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
up)
	lab_up "$@" || exit 1
	echo "lab up: $DP (DPDK side) <-> $CL in netns $NS ($CLIENT4, $CLIENT6);" \
		"service $SERVICE4, $SERVICE6"
	;;
down)
	lab_down
	;;
exec)
	[ $# -gt 0 ] || { echo "usage: lab.sh exec CMD..." >&2; exit 2; }
	exec ip netns exec "$NS" "$@"
	;;
status)
	ip -br link show dev "$DP" 2>/dev/null || { echo "lab is down"; exit 1; }
	ip -n "$NS" -br addr show dev "$CL"
	ip -n "$NS" neigh show dev "$CL"
	;;
env)
	echo "SWERVE_DP=$DP SWERVE_CL=$CL SWERVE_NS=$NS SERVICE4=$SERVICE4 SERVICE6=$SERVICE6" \
		"CLIENT4=$CLIENT4 CLIENT6=$CLIENT6"
	;;
*)
	echo "usage: lab.sh up [QUEUES] | down | exec CMD... | status | env" >&2
	exit 2
	;;
esac
