#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: UDP DNS over a real DPDK port, once on net_af_packet and once on net_af_xdp.
#
# Each run brings up the lab (scripts/lab.sh, unique names, the DPDK end in a
# server namespace of its own) and checks from the client namespace, over
# IPv4 and IPv6: every CONFORMANCE answer class (exact, NODATA, empty
# non-terminal, NXDOMAIN, CNAME, wildcard, referral, REFUSED, EDNS, BADVERS,
# truncation then TCP retry); crafted bad frames (CONFORMANCE bad input
# 14-18, tests/integration/bad_frames.py) are dropped or answered as it says,
# the counters move and the server still answers; SIGINT exits 0.
# Then two workers on a two-queue veth (3 lcores on 2 CPUs, idle back-off)
# both answer; and when a sanitizer build exists (build-asan/, or
# $SWERVE_ASAN_BUILDDIR), one more run under it must exit 0 with no report.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "SKIP: python3-scapy missing"; exit 77; }
lab_test ua$(($$ % 100000)) dig kdig
asan_build=${SWERVE_ASAN_BUILDDIR:-$top/build-asan}
here=$top/tests/integration
nworkers=1
LAB_TAG=
# What fails the run: a sanitizer's ERROR line or a UBSan report.
LAB_SAN_RE='ERROR: (Address|Leak)Sanitizer|runtime error:'

# af_xdp's PMD leaves libxdp's UMEM bookkeeping behind at close (DPDK 22.11 with
# libxdp 1.3): not ours, so the sanitizer run ignores that one allocation site.
echo "leak:xsk_umem__create" >"$tmp/lsan.supp"
export LSAN_OPTIONS=suppressions=$tmp/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1

lab_zone 'www	IN AAAA 2001:db8::80' 'alias	IN CNAME www' '*.wild	IN A 192.0.2.99' \
	'a.b.ent	IN A 192.0.2.7' 'sub	IN NS ns.sub' 'ns.sub	IN A 192.0.2.53' >"$tmp/example.test.zone"
lab_zone_big >>"$tmp/example.test.zone"
lab_yaml "exception:
  interface: $EXC"

# start BINARY QUEUES LCORES VDEV...: lab up, swerved in the server namespace, wait for an answer.
start() {
	local bin=$1 queues=$2 lcores=$3 v vdevs=()
	shift 3
	for v in "$@"; do vdevs+=(-v "$v"); done
	lab_up "$queues" >/dev/null || { fail "lab up"; return 1; }
	lab_swerved_up -O "swerved answers" -B "$bin" -l "$lcores" "${vdevs[@]}" || { lab_down; return 1; }
}

# SIGINT: exit 0 within 15 s, nothing reported by a sanitizer.
shutdown() {
	if lab_stop_pid "$pid" 15 INT; then
		[ "$LAB_RC" -eq 0 ] && pass "SIGINT: exit 0" || fail "SIGINT: exit $LAB_RC"
	else
		fail "swerved did not stop on SIGINT"
	fi
	pid=
	lab_sanitizer_check
	lab_down
}

# stats: SIGUSR1, then print the latest per-worker counters summed, one key=value a line.
stats() {
	local before now

	before=$(grep -c 'stats: worker' "$log")
	kill -USR1 "$pid"
	for _ in $(seq 50); do
		now=$(grep -c 'stats: worker' "$log")
		[ $((now - before)) -ge "$nworkers" ] && break
		sleep 0.1
	done
	grep 'stats: worker' "$log" | tail -n "$nworkers" | tr ' ' '\n' | grep '^[a-z_0-9]*=[0-9]*$' |
		awk -F= '{ s[$1] += $2 } END { for (k in s) print k "=" s[k] }'
}
# get KEY FROM_STATS
get() { echo "$2" | awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }

# ---- answer classes ----
out=
dq() { out=$(ip netns exec "$SWERVE_NS" dig +norec +time=1 +tries=3 @"$srv" "$@" 2>&1); }
expect() {
	local what=$1 p
	shift
	for p in "$@"; do
		if ! grep -qE -- "$p" <<<"$out"; then
			fail "$what @$srv: no /$p/"
			sed 's/^/    | /' <<<"$out"
			return
		fi
	done
	pass "$what @$srv"
}
reject() {
	local what=$1 p
	shift
	for p in "$@"; do
		if grep -qE -- "$p" <<<"$out"; then
			fail "$what @$srv: unexpected /$p/"
			return
		fi
	done
}

answer_classes() {
	local s=$'[ \t]+'

	for srv in 198.18.0.53 2001:2::53; do
		dq www.example.test A
		expect "exact (1)" "status: NOERROR" "flags: qr aa;" \
			"^www\.example\.test\.${s}300${s}IN${s}A${s}192\.0\.2\.80"
		dq www.example.test AAAA
		expect "exact AAAA (1)" "^www\.example\.test\..*AAAA${s}2001:db8::80"
		dq www.example.test MX
		expect "NODATA (2)" "status: NOERROR" "flags: qr aa;" "ANSWER: 0, AUTHORITY: 1" \
			"^example\.test\.${s}60${s}IN${s}SOA"
		dq b.ent.example.test A
		expect "empty non-terminal (4)" "status: NOERROR" "ANSWER: 0, AUTHORITY: 1"
		dq nothere.example.test A
		expect "NXDOMAIN (3)" "status: NXDOMAIN" "flags: qr aa;" "IN${s}SOA"
		dq www.example.test TYPE666
		expect "unknown type (5)" "status: NOERROR" "ANSWER: 0, AUTHORITY: 1"
		dq alias.example.test A
		expect "CNAME (6)" "status: NOERROR" \
			"^alias\.example\.test\..*CNAME${s}www\.example\.test\." \
			"^www\.example\.test\..*A${s}192\.0\.2\.80"
		dq foo.wild.example.test A
		expect "wildcard (7)" "status: NOERROR" "flags: qr aa;" \
			"^foo\.wild\.example\.test\.${s}300${s}IN${s}A${s}192\.0\.2\.99"
		dq x.sub.example.test A
		expect "referral (8)" "status: NOERROR" "flags: qr;" \
			"^sub\.example\.test\..*NS${s}ns\.sub\.example\.test\." \
			"^ns\.sub\.example\.test\..*A${s}192\.0\.2\.53"
		dq www.example.org A
		expect "REFUSED (9)" "status: REFUSED" "flags: qr;"
		dq www.example.test A +edns=0
		expect "EDNS 0 (14)" "status: NOERROR" "EDNS: version: 0, flags:; udp: 1232"
		dq www.example.test A +noedns
		reject "no EDNS without EDNS" "OPT PSEUDOSECTION"
		dq www.example.test A +edns=1 +noednsneg
		expect "EDNS 1 is BADVERS (15)" "status: BADVERS" "EDNS: version: 0" "ANSWER: 0"
		dq big.example.test TXT +ignore +bufsize=1232
		expect "truncated over UDP (20)" "flags: qr aa tc;"
		dq big.example.test TXT +noedns +ignore
		expect "truncated at 512 without EDNS (20)" "flags: qr aa tc;"
		dq big.example.test TXT +bufsize=1232
		expect "TCP retry gets the whole answer (20, 21)" "ANSWER: 30," "\(TCP\)"
		local k
		k=$(ip netns exec "$SWERVE_NS" kdig +short +timeout=2 @"$srv" www.example.test A 2>&1)
		[ "$k" = 192.0.2.80 ] && pass "kdig @$srv" || fail "kdig @$srv: '$k'"
	done
}

bad_frames() {
	local before after dpmac d

	dpmac=$(lab_dp_mac)
	before=$(stats)
	ip netns exec "$SWERVE_NS" /usr/bin/python3 "$here/bad_frames.py" "$SWERVE_CL" "$dpmac" \
		frames "$drv" >"$tmp/frames" 2>&1
	while read -r line; do
		case "$line" in
		ok:*) pass "${line#ok: }" ;;
		note:*) echo "$line [$LAB_TAG]" ;;
		FAIL:*) fail "${line#FAIL: }" ;;
		*) fail "bad_frames.py: $line" ;;
		esac
	done <"$tmp/frames"
	ip netns exec "$SWERVE_NS" /usr/bin/python3 "$here/bad_frames.py" "$SWERVE_CL" "$dpmac" \
		flood >"$tmp/flood" 2>&1 || { fail "error-answer flood:"; sed 's/^/    | /' "$tmp/flood"; }
	grep '^flood:' "$tmp/flood" | sed 's/^/    /'
	after=$(stats)
	# Each counter must have moved by at least this much (see bad_frames.py for the frames).
	# With af_packet the kernel reassembles fragments and drops a cut 802.1Q tag itself.
	local frag=2 tag_cut=1
	[ "$drv" = af_packet ] && frag=0 tag_cut=0
	for want in src_port=2 src_ip=3 src_mac=1 ipv4_frag=$frag ipv6_ext=1 ip_length=2 \
		udp_length=3 trunc_l2=$tag_cut trunc_l3=3 trunc_l4=1 dns_short=1 \
		error_rate_limit=1 formerr=1 answered=3; do
		d=$(($(get "${want%=*}" "$after") - $(get "${want%=*}" "$before")))
		if [ "$d" -ge "${want#*=}" ]; then
			pass "counter ${want%=*} moved by $d"
		else
			fail "counter ${want%=*} moved by $d, expected at least ${want#*=}"
		fi
	done
	dq www.example.test A
	expect "still answering after the bad frames" "status: NOERROR" "192\.0\.2\.80"
}

# ---- --check: no EAL, no port; errors name file and line ----
LAB_TAG=check
if out=$("$build/control/swerved" -- -c "$tmp/swerve.yaml" --check 2>&1); then
	pass "--check accepts the test config"
else
	fail "--check rejects the test config: $out"
fi
sed 's/^www\tIN A 192.0.2.80$/www\tIN A 192.0.2.800/' "$tmp/example.test.zone" >"$tmp/broken.zone"
sed 's/example.test.zone/broken.zone/' "$tmp/swerve.yaml" >"$tmp/broken.yaml"
if out=$("$build/control/swerved" --check -c "$tmp/broken.yaml" 2>&1); then
	fail "--check accepts a broken zone"
elif grep -q "broken.zone:6:" <<<"$out"; then
	pass "--check rejects a broken zone with file:line"
else
	fail "--check error does not name broken.zone:6: $out"
fi

# ---- one worker per driver: answer classes, bad frames, shutdown ----
nworkers=1
for drv in af_packet af_xdp; do
	LAB_TAG=$drv
	case "$drv" in
	af_packet) vdev="net_af_packet0,iface=$SWERVE_DP" ;;
	af_xdp) vdev="net_af_xdp0,iface=$SWERVE_DP" ;;
	esac
	start "$build/control/swerved" 1 0@0,1@1 "$vdev" || continue
	answer_classes
	bad_frames
	shutdown
done

# ---- two workers on a two-queue veth: 3 lcores on 2 CPUs, idle back-off ----
nworkers=2
for drv in af_packet af_xdp; do
	LAB_TAG="$drv, 2 workers"
	if [ "$drv" = af_packet ]; then
		start "$build/control/swerved" 2 0@0,1@0,2@1 "net_af_packet0,iface=$SWERVE_DP,qpairs=2" ||
			continue
	else
		# af_xdp takes one vdev per queue of a veth (which has no combined channels).
		start "$build/control/swerved" 2 0@0,1@0,2@1 \
			"net_af_xdp0,iface=$SWERVE_DP,start_queue=0" \
			"net_af_xdp1,iface=$SWERVE_DP,start_queue=1" || continue
	fi
	srv=198.18.0.53
	for i in $(seq 40); do
		ip netns exec "$SWERVE_NS" dig +short +time=1 +tries=2 @$srv "n$i.wild.example.test" A
	done | grep -c '^192\.0\.2\.99$' >"$tmp/n"
	[ "$(cat "$tmp/n")" -eq 40 ] && pass "40 of 40 answered" || fail "$(cat "$tmp/n") of 40 answered"
	kill -USR1 "$pid"
	sleep 0.5
	busy=$(grep 'stats: worker' "$log" | tail -n 2 | grep -cv ' dns=0 ')
	[ "$busy" -eq 2 ] && pass "both workers answered" ||
		{ fail "only $busy worker(s) answered:"; grep 'stats: worker' "$log" | tail -n 2; }
	grep -q 'idle_sleeps=[1-9]' "$log" && pass "idle back-off sleeps" || fail "no idle sleeps"
	# What an operator checks on a multi-queue port (docs/real-nic.md): one queue per worker.
	q=$(timeout 10 "$swervectl" -s "$tmp/control.sock" --json status | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(" ".join(sorted(w["queues"] for w in r["workers"])))' 2>&1)
	want="port0/q0 port0/q1"
	[ "$drv" = af_xdp ] && want="port0/q0 port1/q0"
	[ "$q" = "$want" ] && pass "swervectl status: one queue per worker ($q)" ||
		fail "swervectl status: worker queues '$q', expected '$want'"
	shutdown
done

# ---- the sanitizer build ----
if [ -x "$asan_build/control/swerved" ]; then
	nworkers=1
	for drv in af_packet af_xdp; do
		LAB_TAG="$drv, sanitizer build"
		case "$drv" in
		af_packet) vdev="net_af_packet0,iface=$SWERVE_DP" ;;
		af_xdp) vdev="net_af_xdp0,iface=$SWERVE_DP" ;;
		esac
		start "$asan_build/control/swerved" 1 0@0,1@1 "$vdev" || continue
		srv=198.18.0.53
		dq alias.example.test A
		expect "CNAME" "status: NOERROR"
		bad_frames
		shutdown
	done
else
	echo "note: no sanitizer build at $asan_build, leak check skipped"
fi

LAB_TAG=all
lab_verdict udp_answers
