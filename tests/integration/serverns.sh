# SPDX-License-Identifier: BSD-3-Clause
# Sourced by integration tests: the lab with its DPDK end in a server namespace (lab.sh's
# SWERVE_SRV) where swerved runs on net_af_packet with the exception tap, so the tap, its
# addresses and the TCP listener cannot collide with anything else on the host.
#
# The caller sets SWERVE_LAB (a short unique prefix) and may set SWERVE_NEIGH, then calls
# srv_start with extra YAML for swerve.yaml; srv_stop (also run by the EXIT trap) removes all.
# After srv_start: $SRV (server namespace), $EXC (tap name), $SWERVE_NS / $SWERVE_CL (client
# side), $dpmac (the port's MAC), $pid (swerved), $tmp (scratch directory, swerved.log).

top=${SWERVE_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${SWERVE_BUILDDIR:-$top/build}
swerved=$build/control/swerved
lab=$top/scripts/lab.sh

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip ping dig python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$swerved" ] || { echo "FAIL: $swerved not built"; exit 1; }

export SWERVE_SRV=$SWERVE_LAB-sv
eval "$("$lab" env)"
SRV=$SWERVE_SRV
EXC=$SWERVE_LAB-x
tmp=$(mktemp -d)
pid=
dpmac=

failures=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

srv_stop() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null
	fi
	pid=
	"$lab" down
	# The EAL's runtime directory for our --file-prefix (config, memseg maps, mp socket).
	rm -rf "$tmp" "/var/run/dpdk/$SWERVE_LAB"
}
trap srv_stop EXIT
trap 'exit 1' INT TERM

# The test zone: a few names and a TXT RRset far larger than a UDP answer may be.
srv_zone() {
	{
		echo '$ORIGIN example.test.'
		echo '$TTL 300'
		echo '@	IN SOA ns1 hostmaster 1 3600 600 86400 60'
		echo '	IN NS ns1'
		echo 'ns1	IN A 198.18.0.53'
		echo 'www	IN A 192.0.2.80'
		echo 'www	IN AAAA 2001:db8::80'
		for i in $(seq -w 1 30); do
			printf 'big	IN TXT "%s-%0200d"\n' "$i" 0
		done
	} >"$tmp/example.test.zone"
}

# Query from the client namespace.
qdig() { ip netns exec "$SWERVE_NS" dig +time=1 +tries=3 +short "$@"; }

# srv_start EXTRA_YAML: bring everything up and wait until swerved answers over UDP.
# srv_pre_start, when the caller defines it, runs after the lab is up and before swerved.
srv_start() {
	srv_zone
	cat >"$tmp/swerve.yaml" <<EOF
service:
  addresses: [198.18.0.53/24, 2001:2::53/64]
zones:
  - name: example.test
    file: example.test.zone
dataplane:
  idle-backoff-us: 50
metrics:
  listen: null
control:
  socket: $tmp/control.sock
$1
EOF
	# lab.sh moves the DPDK end into $SRV and keeps that namespace's kernel off it (no ARP, no
	# IPv6, strict reverse path): the tap there holds the service addresses.
	"$lab" up >/dev/null || { echo "FAIL: lab up"; exit 1; }
	dpmac=$(ip netns exec "$SRV" cat "/sys/class/net/$SWERVE_DP/address")
	# A test that needs something running beside swerved (health-check targets) defines this.
	if declare -F srv_pre_start >/dev/null; then
		srv_pre_start
	fi

	ip netns exec "$SRV" "$swerved" --no-pci --no-huge -m 512 --file-prefix "$SWERVE_LAB" \
		-l 0,1 --vdev="net_af_packet0,iface=$SWERVE_DP" -- -c "$tmp/swerve.yaml" \
		>"$tmp/swerved.log" 2>&1 &
	pid=$!
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		if [ "$(qdig @198.18.0.53 www.example.test A 2>/dev/null)" = 192.0.2.80 ]; then
			pass "swerved answers over UDP"
			return 0
		fi
		sleep 0.5
	done
	echo "FAIL: swerved did not answer; its log:"
	cat "$tmp/swerved.log"
	exit 1
}

# Stop swerved with SIGINT and check it exits 0 and removes the tap.
srv_shutdown() {
	local rc
	kill -INT "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$pid" 2>/dev/null; then
		fail "swerved did not stop on SIGINT"
		return
	fi
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" -eq 0 ] && pass "swerved exited 0" || fail "swerved exited $rc"
	# A sanitizer build reports undefined behaviour without changing the exit status.
	if grep -qE 'runtime error:|AddressSanitizer|LeakSanitizer' "$tmp/swerved.log"; then
		fail "sanitizer report in the log"
	fi
	if ip -n "$SRV" link show "$EXC" >/dev/null 2>&1; then
		fail "tap $EXC still exists after exit"
	else
		pass "tap removed at exit"
	fi
}

# Exit with the verdict, showing swerved's log on failure.
srv_verdict() {
	if [ "$failures" -ne 0 ]; then
		echo "--- swerved log"
		cat "$tmp/swerved.log"
		exit 1
	fi
	exit 0
}
