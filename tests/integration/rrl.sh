#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: response rate limiting over a real DPDK port (net_af_packet) in the lab.
#
# swerved runs with rrl on (20 responses/s, slip 2) and cookies on. From the
# client namespace: a flood from one source is limited (most answers
# dropped, every 2nd limited one a TC=1 slip with the question only), the
# counters move (metrics: swerve_rrl_limited_total, swerve_rrl_slipped_total,
# swerve_drops_total{reason="rate_limit"}); a source in another /24 is still
# answered meanwhile; the same source with a valid server cookie is not
# limited at all. Then swerved again with rrl off: the same flood is answered
# in full and nothing is counted as limited.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

top=${SWERVE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SWERVE_BUILDDIR:-$top/build}
lab=$top/scripts/lab.sh
client=$top/tests/integration/abuse_dns.py

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip dig curl python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$build/control/swerved" ] || { echo "FAIL: $build/control/swerved not built"; exit 1; }

export SWERVE_LAB=ab$(($$ % 100000))
export SWERVE_SRV=$SWERVE_LAB-sv
eval "$("$lab" env)"
EXC=$SWERVE_LAB-x
OTHER4=198.18.1.1 # Another /24 than the client's 198.18.0.1.
tmp=$(mktemp -d)
log=$tmp/swerved.log
port=$((19000 + $$ % 1000))
pid=
failures=0

pass() { echo "ok: $*"; }
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

stop_swerved() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid"
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null
	fi
	pid=
	# With a sanitizer build (SWERVE_BUILDDIR pointing at one), any report fails the run.
	if [ -f "$log" ] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		fail "sanitizer report:"
		sed -n '/Sanitizer\|runtime error/,$p' "$log" | head -40 | sed 's/^/    | /'
		: >"$log"
	fi
}
cleanup() {
	stop_swerved
	"$lab" down
	rm -rf "$tmp" "/var/run/dpdk/$SWERVE_LAB"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$tmp/example.test.zone" <<'EOF'
$ORIGIN example.test.
$TTL 300
@	IN SOA ns1 hostmaster 1 3600 600 86400 60
	IN NS ns1
ns1	IN A 198.18.0.53
www	IN A 192.0.2.80
EOF

# config RRL_RATE: the daemon's configuration, rrl off when RRL_RATE is 0.
config() {
	cat >"$tmp/swerve.yaml" <<EOF
service:
  addresses: [198.18.0.53/24, 2001:2::53/64]
zones:
  - name: example.test
    file: example.test.zone
dataplane:
  idle-backoff-us: 50
exception:
  interface: $EXC
metrics:
  listen: 127.0.0.1:$port
control:
  socket: $tmp/control.sock
rrl:
  responses-per-second: $1
  slip: 2
cookies:
  enabled: true
  secret: 00112233445566778899aabbccddeeff
EOF
}

start() {
	"$lab" up 1 >/dev/null || { fail "lab up"; return 1; }
	ip -n "$SWERVE_NS" addr add "$OTHER4/32" dev "$SWERVE_CL" || { fail "second source"; return 1; }
	"$lab" srv "$build/control/swerved" --lcores 0@0,1@1 --no-pci --no-huge -m 512 \
		--file-prefix "$SWERVE_LAB" --vdev "net_af_packet0,iface=$SWERVE_DP" \
		-- -c "$tmp/swerve.yaml" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		if [ "$(ip netns exec "$SWERVE_NS" dig +short +time=1 +tries=1 -b "$OTHER4" \
			@198.18.0.53 www.example.test A 2>/dev/null)" = 192.0.2.80 ]; then
			pass "swerved answers"
			return 0
		fi
		sleep 0.5
	done
	fail "swerved did not answer; its log:"
	sed 's/^/    | /' "$log"
	return 1
}

# metric NAME_WITH_LABELS: the value summed over workers (0 when absent).
metric() {
	ip netns exec "$SWERVE_SRV" curl -s "http://127.0.0.1:$port/metrics" |
		awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { print s + 0 }'
}
# field KEY LINE: KEY's value in a "k=v k=v" line (0 when absent).
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
flood() { ip netns exec "$SWERVE_NS" python3 "$client" flood 198.18.0.53 "$@"; }

# ---- rrl on ----
config 20
if start; then
	grep -q 'rrl: on, 20 responses/s' "$log" && pass "rrl announced in the log" ||
		fail "no rrl line in the log"
	# 1500 queries in 1.5 s from one source: burst 20, then 20/s.
	out=$(flood 198.18.0.1 1500 1000)
	echo "    flood: $out"
	full=$(field full "$out")
	tc=$(field tc "$out")
	lost=$(field lost "$out")
	[ "$full" -ge 20 ] && [ "$full" -le 80 ] && pass "flood: $full full answers (20 + 20/s)" ||
		fail "flood: $full full answers, expected 20 to 80"
	[ "$tc" -ge 600 ] && [ "$tc" -le 800 ] && pass "flood: $tc TC=1 slips (every 2nd limited)" ||
		fail "flood: $tc slips, expected about half of the limited ones"
	[ "$lost" -ge 600 ] && pass "flood: $lost dropped" || fail "flood: only $lost dropped"
	# Right after the flood its source is still limited; another /24 is not.
	out=$(flood "$OTHER4" 10 100)
	[ "$(field full "$out")" -eq 10 ] && pass "another /24 answered in full ($out)" ||
		fail "another /24: $out"
	limited=$(metric 'swerve_rrl_limited_total{worker="0",class="answer"}')
	slipped=$(metric 'swerve_rrl_slipped_total')
	dropped=$(metric 'swerve_drops_total{worker="0",reason="rate_limit"}')
	[ "$limited" -ge 1400 ] && pass "metrics: $limited limited answers" ||
		fail "metrics: swerve_rrl_limited_total $limited"
	[ "$slipped" -eq "$tc" ] && pass "metrics: $slipped slipped, as seen by the client" ||
		fail "metrics: slipped $slipped, client saw $tc"
	[ "$((slipped + dropped))" -eq "$limited" ] && pass "metrics: dropped $dropped + slipped = limited" ||
		fail "metrics: dropped $dropped + slipped $slipped != limited $limited"

	# A valid server cookie exempts the flooding source: learn one, then flood with it.
	c=$(ip netns exec "$SWERVE_NS" python3 "$client" cookie 198.18.0.53 198.18.0.1 0102030405060708)
	cookie=$(field cookie "$c")
	if [ "${#cookie}" -eq 48 ]; then
		pass "cookie learned ($cookie)"
		out=$(flood 198.18.0.1 500 500 www.example.test "$cookie")
		echo "    flood with cookie: $out"
		# Not limited: no slip at all, and (allowing for a frame or two lost on a
		# loaded machine's af_packet path) nearly all answered, where the same
		# flood without a cookie gets 20 + 20/s.
		[ "$(field tc "$out")" -eq 0 ] && [ "$(field full "$out")" -ge 475 ] &&
			pass "valid cookie: not limited" || fail "valid cookie: limited ($out)"
		valid=$(metric 'swerve_cookie_queries_total{worker="0",result="valid"}')
		[ "$valid" -ge 500 ] && pass "metrics: $valid valid cookies" ||
			fail "metrics: valid cookies $valid"
		# The same cookie from another address proves nothing: BADCOOKIE (an error
		# answer, Knot's default), and those are limited like the rest.
		out=$(flood "$OTHER4" 300 1000 www.example.test "$cookie")
		[ "$(field full "$out")" -eq 0 ] && [ "$(field rcode_BADCOOKIE "$out")" -ge 20 ] &&
			[ "$(field lost "$out")" -ge 100 ] && pass "stolen cookie: BADCOOKIE, limited ($out)" ||
			fail "stolen cookie: $out"
	else
		fail "no server cookie: $c"
	fi
	stop_swerved
	grep -qE 'rate_limit=[1-9]' "$log" && pass "stats line counts rate_limit drops" ||
		fail "no rate_limit in the stats line"
	"$lab" down
fi

# ---- rrl off (the default): the same flood is answered in full ----
config 0
if start; then
	grep -q 'rrl: on' "$log" && fail "rrl on without responses-per-second" || pass "rrl off"
	out=$(flood 198.18.0.1 1500 1000)
	echo "    flood: $out"
	[ "$(field full "$out")" -ge 1490 ] && pass "rrl off: flood answered in full" ||
		fail "rrl off: $out"
	limited=$(metric 'swerve_rrl_limited_total')
	[ "$limited" -eq 0 ] && pass "rrl off: nothing limited" || fail "rrl off: $limited limited"
	stop_swerved
	"$lab" down
fi

[ "$failures" -eq 0 ] && { echo "rrl: all passed"; exit 0; }
echo "rrl: $failures failure(s)"
exit 1
