#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The DESIGN.md section 8 lab: a veth pair whose sw-dp end is driven by DPDK and whose sw-cl end sits in a client namespace.
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
# Names come from the environment so concurrent tests do not collide:
#   SWERVE_LAB       a prefix: sets <prefix>-dp, <prefix>-cl and <prefix>-ns
#                    (keep it short: interface names hold 15 characters)
#   SWERVE_DP        the DPDK side (default sw-dp), root namespace, no address
#   SWERVE_CL        the client side (default sw-cl), inside SWERVE_NS
#   SWERVE_NS        the client namespace (default swerve-client)
#   SWERVE_SRV       when set, a server namespace of that name that the
#                    DPDK side is moved into (swerved then runs there with
#                    "lab.sh srv CMD", its exception tap too), so nothing of
#                    the lab touches the root namespace
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
SRV=${SWERVE_SRV:-}

CLIENT4=198.18.0.1
CLIENT6=2001:2::1
SERVICE4=198.18.0.53
SERVICE6=2001:2::53

# Run "$@" where the DPDK side lives.
in_srv()
{
	if [ -n "$SRV" ]; then
		ip netns exec "$SRV" "$@"
	else
		"$@"
	fi
}

lab_down()
{
	# Deleting one end of a veth deletes the pair, wherever the peer lives.
	in_srv ip link del "$DP" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "$SRV" ] && ip netns del "$SRV" 2>/dev/null
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
	mac=$(cat "/sys/class/net/$DP/address")
	if [ -n "$SRV" ]; then
		ip netns add "$SRV" || { lab_down; return 1; }
		ip link set "$DP" netns "$SRV" || { lab_down; return 1; }
		ip -n "$SRV" link set lo up
	fi

	# The kernel must leave the DPDK side alone (af_packet hands it a copy
	# of every frame; af_xdp does not): no ARP, no IPv6 (so no router
	# solicitations or MLD reports either), and strict reverse-path
	# filtering so a query to a service address that the exception tap
	# holds is not also taken by the kernel, which would answer ICMP port
	# unreachable. (Strict only if net.ipv4.conf.all.rp_filter is not 2.)
	in_srv ip link set "$DP" arp off
	in_srv sysctl -qw "net.ipv6.conf.$DP.disable_ipv6=1" "net.ipv4.conf.$DP.rp_filter=1" \
		>/dev/null 2>&1
	in_srv ip link set "$DP" up || { lab_down; return 1; }

	ip -n "$NS" link set lo up
	ip -n "$NS" addr add "$CLIENT4/24" dev "$CL" || { lab_down; return 1; }
	ip -n "$NS" addr add "$CLIENT6/64" dev "$CL" nodad || { lab_down; return 1; }
	ip -n "$NS" link set "$CL" up || { lab_down; return 1; }

	if [ "$NEIGH" = static ]; then
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
	echo "lab up: $DP (DPDK side${SRV:+ in netns $SRV}) <-> $CL in netns $NS ($CLIENT4, $CLIENT6);" \
		"service $SERVICE4, $SERVICE6"
	;;
down)
	lab_down
	;;
exec)
	[ $# -gt 0 ] || { echo "usage: lab.sh exec CMD..." >&2; exit 2; }
	exec ip netns exec "$NS" "$@"
	;;
srv)
	[ $# -gt 0 ] || { echo "usage: lab.sh srv CMD..." >&2; exit 2; }
	# exec all the way down, so the caller's $! is CMD's own PID (signals reach it).
	[ -n "$SRV" ] && exec ip netns exec "$SRV" "$@"
	exec "$@"
	;;
status)
	in_srv ip -br link show dev "$DP" 2>/dev/null || { echo "lab is down"; exit 1; }
	ip -n "$NS" -br addr show dev "$CL"
	ip -n "$NS" neigh show dev "$CL"
	;;
env)
	echo "SWERVE_DP=$DP SWERVE_CL=$CL SWERVE_NS=$NS SWERVE_SRV=$SRV SERVICE4=$SERVICE4 SERVICE6=$SERVICE6" \
		"CLIENT4=$CLIENT4 CLIENT6=$CLIENT6"
	;;
*)
	echo "usage: lab.sh up [QUEUES] | down | exec CMD... | srv CMD... | status | env" >&2
	exit 2
	;;
esac
