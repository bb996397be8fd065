#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: differential test of swerved against Knot DNS and NSD on the same zones.
#
# Per round (a set of zones), swerved runs in the lab's server namespace on
# net_af_packet (exception tap + TCP listener), knotd and nsd run in the client
# namespace on its loopback with configs written here (ports 5301 and 5302,
# no rate limiting). tests/conformance/difftest.py sends several thousand
# queries generated from the zones to all three over UDP and a subset over
# TCP, normalises the answers and fails on any difference that
# tests/conformance/ACCEPTED.md does not accept.
# Round 1: a generated real-world-shaped zone (tests/conformance/gen_zone.py)
# and the golden zones; round 2: tests/data/zones (example.com, the $INCLUDE
# zone). Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

top=${SWERVE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SWERVE_BUILDDIR:-$top/build}
lab=$top/scripts/lab.sh
conf=$top/tests/conformance
py=/usr/bin/python3
# The driver imports its helpers from the source tree: no __pycache__ left there.
export PYTHONDONTWRITEBYTECODE=1

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip dig knotd nsd $py; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$build/control/swerved" ] || { echo "FAIL: $build/control/swerved not built"; exit 1; }

export SWERVE_LAB=cf$(($$ % 100000))
export SWERVE_SRV=$SWERVE_LAB-sv
eval "$("$lab" env)"
tmp=$(mktemp -d /tmp/cfdiff.XXXXXX)
pids=()
failures=0
start_s=$SECONDS

stop_all() {
	local p
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -INT "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
	# nsd forks its server and xfrd children: whatever is left in our namespaces is ours.
	for p in $(ip netns pids "$SWERVE_NS" 2>/dev/null) $(ip netns pids "$SWERVE_SRV" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	"$lab" down
	rm -rf "/var/run/dpdk/$SWERVE_LAB"
}
cleanup() {
	stop_all
	[ -n "${DIFF_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

incl() { ip netns exec "$SWERVE_NS" "$@"; }

# wait_answer HOST PORT NAME: until a server answers NAME SOA (NOERROR) from the client namespace.
wait_answer() {
	local i
	for i in $(seq 100); do
		if incl dig +time=1 +tries=1 -p "$2" @"$1" "$3" SOA 2>/dev/null | grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# round NAME ORIGIN=FILE...: serve the zones from all three servers and compare.
round() {
	local name=$1 z origin file d
	shift
	d=$tmp/$name
	mkdir -p "$d/knot" "$d/nsd"
	# Zone files are copied with their includes (relative $INCLUDE paths resolve the same for all).
	{
		echo "service:"
		echo "  addresses: [198.18.0.53/24, 2001:2::53/64]"
		echo "zones:"
		for z in "$@"; do echo "  - name: ${z%%=*}"; echo "    file: ${z#*=}"; done
		echo "dataplane:"
		echo "  idle-backoff-us: 20"
		echo "exception:"
		echo "  interface: $SWERVE_LAB-x"
		echo "tcp:"
		echo "  max-clients: 64"
		echo "metrics:"
		echo "  listen: null"
		echo "failover:"
		echo "  state-file: ~"
		echo "control:"
		echo "  socket: $d/control.sock"
	} >"$d/swerve.yaml"
	{
		echo "server:"
		echo "    rundir: $d/knot"
		echo "    listen: [ 127.0.0.1@5301, ::1@5301 ]"
		echo "    udp-workers: 1"
		echo "    tcp-workers: 1"
		echo "    background-workers: 1"
		echo "log:"
		echo "  - target: stderr"
		echo "    any: warning"
		echo "database:"
		echo "    storage: $d/knot"
		echo "acl:"
		echo "  - id: local-xfr"
		echo "    address: [ 127.0.0.0/8, ::1 ]"
		echo "    action: transfer"
		echo "template:"
		echo "  - id: default"
		echo "    storage: $d/knot"
		echo "    journal-content: none"
		echo "    zonefile-sync: -1"
		echo "    zonefile-load: whole"
		echo "    acl: local-xfr"
		echo "zone:"
		for z in "$@"; do echo "  - domain: ${z%%=*}"; echo "    file: ${z#*=}"; done
	} >"$d/knot.conf"
	{
		echo "server:"
		echo "    ip-address: 127.0.0.1@5302"
		echo "    ip-address: ::1@5302"
		echo "    server-count: 1"
		echo "    username: \"\""
		echo "    chroot: \"\""
		echo "    zonesdir: \"${nsd_zonesdir:-$tmp}\""
		echo "    database: \"\""
		echo "    zonelistfile: \"$d/nsd/zone.list\""
		echo "    xfrdfile: \"$d/nsd/xfrd.state\""
		echo "    xfrdir: \"$d/nsd\""
		echo "    pidfile: \"$d/nsd/nsd.pid\""
		echo "    logfile: \"$d/nsd.log\""
		echo "    verbosity: 1"
		echo "    rrl-ratelimit: 0"
		echo "    rrl-whitelist-ratelimit: 0"
		echo "    minimal-responses: yes"
		echo "remote-control:"
		echo "    control-enable: no"
		for z in "$@"; do
			echo "zone:"
			echo "    name: ${z%%=*}"
			echo "    zonefile: \"${z#*=}\""
		done
	} >"$d/nsd.conf"

	"$lab" up >/dev/null || { echo "FAIL: lab up"; failures=$((failures + 1)); return; }
	(cd "$tmp" && exec "$lab" srv "$build/control/swerved" --lcores 0@0,1@1 --no-pci --no-huge -m 512 \
		--file-prefix "$SWERVE_LAB" --vdev "net_af_packet0,iface=$SWERVE_DP" -- \
		-c "$d/swerve.yaml" >"$d/swerved.log" 2>&1) &
	pids+=($!)
	(cd "$tmp" && exec ip netns exec "$SWERVE_NS" knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1) &
	pids+=($!)
	(cd "$tmp" && exec ip netns exec "$SWERVE_NS" nsd -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1) &
	pids+=($!)
	local first=${1%%=*}
	wait_answer 198.18.0.53 53 "$first" || { echo "FAIL: swerved not answering"; tail "$d/swerved.log"; }
	wait_answer 127.0.0.1 5301 "$first" || { echo "FAIL: knotd not answering"; tail "$d/knot.log"; }
	wait_answer 127.0.0.1 5302 "$first" || { echo "FAIL: nsd not answering"; tail "$d/nsd.out" "$d/nsd.log"; }
	local zargs=()
	for z in "$@"; do zargs+=(--zone "${z%%=*}."); done
	if incl $py "$conf/difftest.py" --label "[$name] " --server swerve=198.18.0.53:53 \
		--server knot=127.0.0.1:5301 --server nsd=127.0.0.1:5302 --axfr 127.0.0.1:5301 \
		--accepted "${DIFF_ACCEPTED:-$conf/ACCEPTED.md}" ${DIFF_ARGS:-} "${zargs[@]}"; then
		echo "ok: round $name: no unaccepted difference"
	else
		echo "FAIL: round $name"
		failures=$((failures + 1))
	fi
	stop_all
}

# Round 1: the generated zone and the golden zones.
$py "$conf/gen_zone.py" "$tmp/big.test.zone" || exit 1
cp "$top/tests/golden/zones/example.com.zone" "$tmp/golden-example.com.zone"
cp "$top/tests/golden/zones/example.net.zone" "$tmp/golden-example.net.zone"
round gen big.test="$tmp/big.test.zone" example.com="$tmp/golden-example.com.zone" \
	example.net="$tmp/golden-example.net.zone"

# Round 2: tests/data/zones (the $INCLUDE zone's parts are found relative to its directory).
mkdir -p "$tmp/data"
cp -r "$top/tests/data/zones/." "$tmp/data/"
# Knot takes only an absolute origin in $INCLUDE: the same data, the origin written out.
sed -i 's/^\$INCLUDE "part.zone" sub$/$INCLUDE part.zone sub.inc.example./' "$tmp/data/include/main.zone"
# NSD finds an included file relative to its zonesdir, not to the including file: a copy of the
# innermost file where NSD looks for it keeps the data the same for all three.
cp "$tmp/data/include/sub/leaf.zone" "$tmp/data/include/leaf.zone"
nsd_zonesdir=$tmp/data/include round data example.com="$tmp/data/example.com.zone" inc.example="$tmp/data/include/main.zone"

echo "differential: $((SECONDS - start_s)) s"
if [ "$failures" -ne 0 ]; then
	echo "differential: $failures round(s) failed"
	exit 1
fi
echo "differential: all passed"
exit 0
