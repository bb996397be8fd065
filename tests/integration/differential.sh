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
# zone); round 3: signed zones (DNSSEC), served from the same signed files by all
# three: the ldns-signzone fixtures of tests/common/zones/signed (NSEC, NSEC3,
# NSEC3 opt-out) and two zones signed here by Knot's own signer (NSEC, and NSEC3
# opt-out, which leaves unsigned delegations out of the chain); every query of
# that round is asked with DO=1 as well (difftest.py --dnssec).
# DIFF_ROUNDS="gen data signed" (default all) runs only the rounds named.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
py=/usr/bin/python3
lab_test cf$(($$ % 100000)) dig knotd nsd $py
conf=$top/tests/conformance
# The driver imports its helpers from the source tree: no __pycache__ left there.
export PYTHONDONTWRITEBYTECODE=1
[ -n "${DIFF_KEEP:-}" ] && LAB_KEEP=1
LAB_KILL_NS=1 # nsd's children, also at exit
start_s=$SECONDS

# Stop the round's servers (swerved on SIGINT, knotd and nsd on SIGTERM), nsd's children, the lab.
stop_all() {
	lab_stop_all INT TERM
	pid=
	lab_kill_ns
	lab_down
}

incl() { ip netns exec "$SWERVE_NS" "$@"; }

# wait_answer HOST PORT NAME: until a server answers NAME SOA from the client namespace.
wait_answer() { lab_wait_answer -P -n 100 -i 0.2 -s "$1" -o "$2" "$3" SOA; }

# round NAME ORIGIN=FILE...: serve the zones from all three servers and compare (round_args:
# more difftest.py arguments for this round).
round() {
	local name=$1 z origin file d
	shift
	case " ${DIFF_ROUNDS:-$name} " in
	*" $name "*) ;;
	*) return 0 ;;
	esac
	d=$tmp/$name
	mkdir -p "$d/knot" "$d/nsd"
	# Zone files are copied with their includes (relative $INCLUDE paths resolve the same for all).
	local zs=()
	for z in "$@"; do zs+=(-z "$z"); done
	lab_yaml -o "$d/swerve.yaml" "${zs[@]}" -b 20 -c "$d/control.sock" "exception:
  interface: $EXC" "tcp:
  max-clients: 64" "failover:
  state-file: ~"
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

	lab_up >/dev/null || { echo "FAIL: lab up"; failures=$((failures + 1)); return; }
	lab_swerved_start -C "$tmp" -c "$d/swerve.yaml" -L "$d/swerved.log"
	lab_track "$pid"
	(cd "$tmp" && exec ip netns exec "$SWERVE_NS" knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1) &
	lab_track $!
	(cd "$tmp" && exec ip netns exec "$SWERVE_NS" nsd -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1) &
	lab_track $!
	local first=${1%%=*}
	wait_answer 198.18.0.53 53 "$first" || { echo "FAIL: swerved not answering"; tail "$d/swerved.log"; }
	wait_answer 127.0.0.1 5301 "$first" || { echo "FAIL: knotd not answering"; tail "$d/knot.log"; }
	wait_answer 127.0.0.1 5302 "$first" || { echo "FAIL: nsd not answering"; tail "$d/nsd.out" "$d/nsd.log"; }
	local zargs=()
	for z in "$@"; do zargs+=(--zone "${z%%=*}."); done
	if incl $py "$conf/difftest.py" --label "[$name] " --round "$name" --server swerve=198.18.0.53:53 \
		--server knot=127.0.0.1:5301 --server nsd=127.0.0.1:5302 --axfr 127.0.0.1:5301 \
		--accepted "${DIFF_ACCEPTED:-$conf/ACCEPTED.md}" ${DIFF_ARGS:-} ${round_args:-} "${zargs[@]}"; then
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

# Round 3: signed zones. The lab set of tests/common/zones/signed (one template signed by
# ldns-signzone three ways) and the same template signed by knotd (knot-sign.sh, new keys
# each run): all three servers load the very same signed files, so every RRSIG must match.
signed=$top/tests/common/zones/signed
mkdir -p "$tmp/signed"
sz=()
for z in nsec.example nsec3.example optout.example; do
	cp "$signed/$z.zone" "$tmp/signed/$z.zone"
	sz+=("$z=$tmp/signed/$z.zone")
done
for spec in nsec-knot.example:nsec optout-knot.example:optout; do
	z=${spec%%:*}
	grep -v '^;' "$top/tests/common/zones/example.com.zone" | sed "s/example\.com\./$z./g" \
		>"$tmp/signed/$z.unsigned"
	if "$signed/knot-sign.sh" "$z" "$tmp/signed/$z.unsigned" "$tmp/signed/$z.zone" "${spec#*:}"; then
		sz+=("$z=$tmp/signed/$z.zone")
	else
		echo "FAIL: knot-sign $z"
		failures=$((failures + 1))
	fi
done
round_args=--dnssec round signed "${sz[@]}"

echo "differential: $((SECONDS - start_s)) s"
lab_verdict differential
