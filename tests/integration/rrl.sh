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

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test ab$(($$ % 100000)) dig curl python3
client=$top/tests/integration/abuse_dns.py
OTHER4=198.18.1.1 # Another /24 than the client's 198.18.0.1.
port=$((19000 + $$ % 1000))
LAB_SAN_RE='ERROR: (Address|Leak)Sanitizer|runtime error:' # a sanitizer build's reports

lab_zone >"$tmp/example.test.zone"

# config RRL_RATE: the daemon's configuration, rrl off when RRL_RATE is 0.
config() {
	lab_yaml -m "127.0.0.1:$port" "exception:
  interface: $EXC" "rrl:
  responses-per-second: $1
  slip: 2
cookies:
  enabled: true
  secret: 00112233445566778899aabbccddeeff"
}

# start: a fresh lab with a second source address and swerved, asked from that address (the
# client's own stays out of the rate limiter until the flood).
start() {
	lab_up 1 >/dev/null || { fail "lab up"; return 1; }
	lab_client_addr "$OTHER4/32" || { fail "second source"; return 1; }
	lab_swerved_up -O "swerved answers" -b "$OTHER4"
}

flood() { ip netns exec "$SWERVE_NS" python3 "$client" flood 198.18.0.53 "$@"; }

# ---- rrl on ----
config 20
if start; then
	grep -q 'rrl: on, 20 responses/s' "$log" && pass "rrl announced in the log" ||
		fail "no rrl line in the log"
	# 1500 queries in 1.5 s from one source: burst 20, then 20/s.
	out=$(flood 198.18.0.1 1500 1000)
	echo "    flood: $out"
	full=$(lab_field full "$out")
	tc=$(lab_field tc "$out")
	lost=$(lab_field lost "$out")
	[ "$full" -ge 20 ] && [ "$full" -le 80 ] && pass "flood: $full full answers (20 + 20/s)" ||
		fail "flood: $full full answers, expected 20 to 80"
	[ "$tc" -ge 600 ] && [ "$tc" -le 800 ] && pass "flood: $tc TC=1 slips (every 2nd limited)" ||
		fail "flood: $tc slips, expected about half of the limited ones"
	[ "$lost" -ge 600 ] && pass "flood: $lost dropped" || fail "flood: only $lost dropped"
	# Right after the flood its source is still limited; another /24 is not.
	out=$(flood "$OTHER4" 10 100)
	[ "$(lab_field full "$out")" -eq 10 ] && pass "another /24 answered in full ($out)" ||
		fail "another /24: $out"
	limited=$(lab_metric "$port" 'swerve_rrl_limited_total{worker="0",class="answer"}')
	slipped=$(lab_metric "$port" 'swerve_rrl_slipped_total')
	dropped=$(lab_metric "$port" 'swerve_drops_total{worker="0",reason="rate_limit"}')
	[ "$limited" -ge 1400 ] && pass "metrics: $limited limited answers" ||
		fail "metrics: swerve_rrl_limited_total $limited"
	[ "$slipped" -eq "$tc" ] && pass "metrics: $slipped slipped, as seen by the client" ||
		fail "metrics: slipped $slipped, client saw $tc"
	[ "$((slipped + dropped))" -eq "$limited" ] && pass "metrics: dropped $dropped + slipped = limited" ||
		fail "metrics: dropped $dropped + slipped $slipped != limited $limited"

	# A valid server cookie exempts the flooding source: learn one, then flood with it.
	c=$(ip netns exec "$SWERVE_NS" python3 "$client" cookie 198.18.0.53 198.18.0.1 0102030405060708)
	cookie=$(lab_field cookie "$c")
	if [ "${#cookie}" -eq 48 ]; then
		pass "cookie learned ($cookie)"
		out=$(flood 198.18.0.1 500 500 www.example.test "$cookie")
		echo "    flood with cookie: $out"
		# Not limited: no slip at all, and (allowing for a frame or two lost on a
		# loaded machine's af_packet path) nearly all answered, where the same
		# flood without a cookie gets 20 + 20/s.
		[ "$(lab_field tc "$out")" -eq 0 ] && [ "$(lab_field full "$out")" -ge 475 ] &&
			pass "valid cookie: not limited" || fail "valid cookie: limited ($out)"
		valid=$(lab_metric "$port" 'swerve_cookie_queries_total{worker="0",result="valid"}')
		[ "$valid" -ge 500 ] && pass "metrics: $valid valid cookies" ||
			fail "metrics: valid cookies $valid"
		# The same cookie from another address proves nothing: BADCOOKIE (an error
		# answer, Knot's default), and those are limited like the rest.
		out=$(flood "$OTHER4" 300 1000 www.example.test "$cookie")
		[ "$(lab_field full "$out")" -eq 0 ] && [ "$(lab_field rcode_BADCOOKIE "$out")" -ge 20 ] &&
			[ "$(lab_field lost "$out")" -ge 100 ] && pass "stolen cookie: BADCOOKIE, limited ($out)" ||
			fail "stolen cookie: $out"
	else
		fail "no server cookie: $c"
	fi
	lab_swerved_stop
	grep -qE 'rate_limit=[1-9]' "$log" && pass "stats line counts rate_limit drops" ||
		fail "no rate_limit in the stats line"
	lab_down
fi

# ---- rrl off (the default): the same flood is answered in full ----
config 0
if start; then
	grep -q 'rrl: on' "$log" && fail "rrl on without responses-per-second" || pass "rrl off"
	out=$(flood 198.18.0.1 1500 1000)
	echo "    flood: $out"
	[ "$(lab_field full "$out")" -ge 1490 ] && pass "rrl off: flood answered in full" ||
		fail "rrl off: $out"
	limited=$(lab_metric "$port" 'swerve_rrl_limited_total')
	[ "$limited" -eq 0 ] && pass "rrl off: nothing limited" || fail "rrl off: $limited limited"
	lab_swerved_stop
	lab_down
fi

lab_verdict rrl
