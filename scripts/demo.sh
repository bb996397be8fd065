#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The README run command: bring up the lab, serve the example zone on net_af_xdp (or net_af_packet) until Ctrl-C.
#
# usage: demo.sh [--scripted] [--driver af_xdp|af_packet]
#
# First runs scripts/setup.sh (installs missing Debian packages, builds
# build/; quick when nothing is missing), unless $BUILD names a tree built
# already (the test suite does that). Brings up the lab of DESIGN.md section 8 with scripts/lab.sh,
# starts swerved on net_af_xdp on the lab's DPDK side (net_af_packet when
# af_xdp cannot start), serving control/example/swerve.yaml, and prints the
# dig/kdig/dnsperf commands to try from the client namespace. It stays in the
# foreground until Ctrl-C; whatever happens, swerved is stopped (by PID) and
# the lab removed.
#
# --scripted: instead of waiting, run a few queries and a 10 s dnsperf, print
# the results, and exit 0 when everything answered (for the test suite).
#
# Environment: BUILD (build directory), SWERVE_CONFIG (another config),
# SWERVE_LAB / SWERVE_NS / SWERVE_SRV ... (lab names, see scripts/lab.sh),
# SWERVE_DEMO_LCORES (EAL lcore map, default "0@0,1@1": main lcore on CPU 0,
# one worker on CPU 1).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
swerved=$build/control/swerved
lab=$top/scripts/lab.sh
config=${SWERVE_CONFIG:-$top/control/example/swerve.yaml}
lcores=${SWERVE_DEMO_LCORES:-0@0,1@1}

scripted=0
driver=auto
while [ $# -gt 0 ]; do
	case "$1" in
	--scripted) scripted=1 ;;
	--driver)
		driver=${2:-}
		shift
		;;
	*)
		echo "usage: $0 [--scripted] [--driver af_xdp|af_packet]" >&2
		exit 2
		;;
	esac
	shift
done
case "$driver" in
auto | af_xdp | af_packet) ;;
*) echo "demo: unknown driver '$driver'" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (network namespaces, DPDK)" >&2
	exit 2
fi
if [ -z "${BUILD:-}" ]; then
	"$top/scripts/setup.sh" || { echo "demo: setup failed" >&2; exit 1; }
fi
if [ ! -x "$swerved" ]; then
	echo "demo: $swerved not found: build first (scripts/setup.sh), or set BUILD" >&2
	exit 2
fi

eval "$("$lab" env)"
tmp=$(mktemp -d /tmp/swerve-demo.XXXXXX)
log=$tmp/swerved.log
pid=
prefix=swerve-demo-$$

cleanup()
{
	trap - EXIT INT TERM
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid"
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		# Ctrl-C also stopped the log follower: show how swerved ended.
		[ "$scripted" -eq 0 ] && sed -n '/shutting down/,$p' "$log"
	fi
	"$lab" down
	rm -rf "$tmp" "/var/run/dpdk/$prefix"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

incl() { ip netns exec "$SWERVE_NS" "$@"; }

# Start swerved on one driver and wait until it answers; returns non-zero if it does not.
start()
{
	local vdev

	case "$1" in
	af_xdp) vdev="net_af_xdp0,iface=$SWERVE_DP" ;;
	af_packet) vdev="net_af_packet0,iface=$SWERVE_DP" ;;
	esac
	echo "demo: starting swerved on $1 ($SWERVE_DP)"
	"$lab" srv "$swerved" --lcores "$lcores" --no-pci --no-huge -m 512 \
		--file-prefix "$prefix" --vdev "$vdev" -- -c "$config" >"$log" 2>&1 &
	pid=$!
	if [ "$scripted" -eq 0 ]; then
		tail -n +1 -f "$log" --pid "$pid" &
	fi
	for _ in $(seq 40); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			pid=
			return 1
		fi
		if incl dig +short +time=1 +tries=1 @"$SERVICE4" example.com SOA 2>/dev/null |
			grep -q .; then
			return 0
		fi
		sleep 0.5
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	return 1
}

"$lab" up >/dev/null || { echo "demo: cannot bring up the lab" >&2; exit 1; }
used=
for d in af_xdp af_packet; do
	[ "$driver" = auto ] || [ "$driver" = "$d" ] || continue
	if start "$d"; then
		used=$d
		break
	fi
	echo "demo: swerved did not come up on $d; its log:"
	sed 's/^/  | /' "$log"
done
if [ -z "$used" ]; then
	echo "demo: swerved did not start" >&2
	exit 1
fi

cat >"$tmp/queries.txt" <<EOF
www.example.com A
www.example.com AAAA
example.com MX
example.com NS
ftp.example.com A
api.example.com A
acme.customers.example.com A
shop.customers.example.com A
nothere.example.com A
_sip._tcp.example.com SRV
EOF

if [ "$scripted" -eq 0 ]; then
	cat <<EOF

swerved is serving example.com on $used ($SWERVE_DP), service $SERVICE4 and $SERVICE6.
Try, from another terminal (as root):

  ip netns exec $SWERVE_NS dig @$SERVICE4 www.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE6 www.example.com AAAA
  ip netns exec $SWERVE_NS dig @$SERVICE4 nothere.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE4 shop.customers.example.com
  ip netns exec $SWERVE_NS dig @$SERVICE4 www.example.com +tcp
  ip netns exec $SWERVE_NS kdig @$SERVICE4 example.com MX
  ip netns exec $SWERVE_NS ping -c 3 $SERVICE4
  ip netns exec $SWERVE_NS dnsperf -s $SERVICE4 -d $tmp/queries.txt -l 10
  kill -USR1 $pid      # per-worker counters to this log

Ctrl-C stops swerved and removes the lab.
EOF
	wait "$pid"
	rc=$?
	pid=
	exit "$rc"
fi

# --scripted: a short show, then the verdict.
failures=0
show()
{
	local want=$1
	shift
	local out

	echo "\$ dig $*"
	out=$(incl dig +time=2 +tries=2 "$@" 2>&1)
	echo "$out" | grep -E 'status:|flags:|^[^;].*IN' | sed 's/^/    /'
	if ! echo "$out" | grep -q "status: $want"; then
		echo "    FAIL: expected $want"
		failures=$((failures + 1))
	fi
}
show NOERROR @"$SERVICE4" www.example.com A
show NOERROR @"$SERVICE6" www.example.com AAAA
show NOERROR @"$SERVICE4" ftp.example.com A
show NOERROR @"$SERVICE4" shop.customers.example.com A
show NXDOMAIN @"$SERVICE4" nothere.example.com A
show REFUSED @"$SERVICE4" www.example.org A
echo "\$ dnsperf -s $SERVICE4 -l 10"
out=$(incl dnsperf -s "$SERVICE4" -d "$tmp/queries.txt" -l 10 -c 4 -q 64 2>&1)
echo "$out" | grep -E 'Queries (sent|completed|lost)|Queries per second|Average Latency' |
	sed 's/^/    /'
completed=$(echo "$out" | awk '/Queries completed:/ {print $3}')
if [ -z "$completed" ] || [ "$completed" -eq 0 ]; then
	echo "    FAIL: dnsperf got no answers"
	echo "$out" | sed 's/^/    | /'
	failures=$((failures + 1))
fi
kill -USR1 "$pid" 2>/dev/null
sleep 0.5
grep 'stats:' "$log" | tail -n 4 | sed 's/^/    /'
if [ "$failures" -eq 0 ]; then
	echo "demo: all answered (swerved on $used)"
	exit 0
fi
echo "demo: $failures check(s) failed; swerved log:"
sed 's/^/  | /' "$log"
exit 1
