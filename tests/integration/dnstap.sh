#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: dnstap (docs/dnstap.md) over a real DPDK port in the lab.
#
# 1. dnstap.sample 1 with a file sink: a handful of distinct queries with dig
#    over UDP (IPv4 and IPv6: an answer, a CNAME, NODATA, NXDOMAIN, REFUSED)
#    and one with dig +tcp; swerved stopped (the file is flushed and closed);
#    dnstap-ldns reads the file, and every query dig sent has an AUTH_QUERY
#    and an AUTH_RESPONSE with dig's id, name and type, the client's address
#    and port, the rcode and answer dig got, UDP or TCP as sent; the
#    identity and version are the configured ones; the metrics agree.
# 2. dnstap.sample 1000: a few thousand queries from dnsperf; about one in a
#    thousand is written (a few frames other than those queries count too).
# 3. dnstap.sink unix:PATH: fstrm_capture (Debian's fstrm-bin) listens there and writes
#    what it gets to a file; dnstap-ldns reads that file: the queries and responses of a
#    dig over UDP and one over TCP are there.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test dt$(($$ % 100000)) dig dnstap-ldns dnsperf curl /usr/bin/python3 fstrm_capture
port=$((21000 + $$ % 1000))
LAB_SAN_RE='ERROR: (Address|Leak)Sanitizer|runtime error:'
here=$(dirname "$0")

lab_zone 'www	IN AAAA 2001:db8::80' 'alias	IN CNAME www' 'mail	IN MX 10 www' \
	'txt	IN TXT "dnstap over tcp"' >"$tmp/example.test.zone"

# config SAMPLE [SINK]: swerve.yaml with the exception path (TCP), metrics and dnstap to SINK
# (default the file $tmp/dt.fstrm).
config() {
	lab_yaml -m "127.0.0.1:$port" "exception:
  interface: $EXC" "dnstap:
  sink: ${2:-dt.fstrm}
  sample: $1
  ring: 1024
  identity: dt-node-7
  version: swerve under test"
}

# ---- 1. every query: dig's queries and answers against the file ----
LAB_TAG="sample 1"
config 1
lab_up >/dev/null || { fail "lab up"; lab_verdict dnstap; }
lab_swerved_up -O "swerved answers with dnstap on" || lab_verdict dnstap
grep -q 'dnstap: 1 in 1 answered queries' "$log" && pass "dnstap announced in the log" ||
	fail "no dnstap line in the log"

# ask NAME TYPE SERVER [DIG OPTION...]: one dig, its output kept as $tmp/dig.N for the checker.
n=0
ask() {
	local name=$1 type=$2 srv=$3
	shift 3
	n=$((n + 1))
	if lab_cl dig +norec +time=2 +tries=1 -b "$( [ "${srv#*:}" != "$srv" ] && echo "$CLIENT6" || echo "$CLIENT4")" \
		@"$srv" "$name" "$type" "$@" >"$tmp/dig.$n" 2>&1; then
		echo "$srv $name $type ${*:-udp}" >"$tmp/dig.$n.what"
	else
		fail "dig $name $type @$srv $*: $(head -3 "$tmp/dig.$n")"
		rm -f "$tmp/dig.$n"
	fi
}
ask www.example.test A "$SERVICE4"
ask alias.example.test A "$SERVICE4"
ask www.example.test MX "$SERVICE4" +edns=0
ask nothere.example.test A "$SERVICE4"
ask www.example.org A "$SERVICE4"
ask www.example.test AAAA "$SERVICE6"
ask txt.example.test TXT "$SERVICE4" +tcp
ask mail.example.test MX "$SERVICE6" +tcp

before_stop=$(lab_metric "$port" 'swerve_dnstap_written_total{source="worker0"}')
if lab_stop_pid "$pid" 15 INT && [ "$LAB_RC" -eq 0 ]; then
	pass "swerved stopped (exit 0)"
else
	fail "swerved did not stop cleanly (exit ${LAB_RC:-?})"
fi
pid=
lab_sanitizer_check
grep -q 'dnstap: [0-9]* messages written, 0 dropped' "$log" && pass "nothing dropped at stop" ||
	fail "dnstap's stop line: $(grep 'dnstap:' "$log" | tail -1)"
[ "${before_stop:-0}" -ge 1 ] && pass "swerve_dnstap_written_total moved ($before_stop)" ||
	fail "swerve_dnstap_written_total is ${before_stop:-0}"

if dnstap-ldns -y -r "$tmp/dt.fstrm" >"$tmp/dt.yaml" 2>"$tmp/dt.err"; then
	pass "dnstap-ldns reads the file"
else
	fail "dnstap-ldns -r: $(head -3 "$tmp/dt.err")"
fi
/usr/bin/python3 "$here/dnstap_check.py" "$tmp/dt.yaml" "$tmp" "$CLIENT4" "$CLIENT6" \
	"$SERVICE4" "$SERVICE6" 'dt-node-7' 'swerve under test' >"$tmp/check" 2>&1
while read -r line; do
	case "$line" in
	ok:*) pass "${line#ok: }" ;;
	FAIL:*) fail "${line#FAIL: }" ;;
	*) echo "    $line" ;;
	esac
done <"$tmp/check"
grep -q '^ok: ' "$tmp/check" || fail "dnstap_check.py said nothing"

# ---- 2. 1 in 1000 ----
LAB_TAG="sample 1000"
config 1000
lab_swerved_up -O "" || lab_verdict dnstap
queries=5000
for i in $(seq "$queries"); do echo "n$((i % 50)).example.test A"; done >"$tmp/dnsperf.in"
lab_cl timeout 60 dnsperf -s "$SERVICE4" -d "$tmp/dnsperf.in" -n 1 -Q 2500 -t 2 -l 30 \
	>"$tmp/dnsperf.out" 2>&1
sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
done_q=$(awk '/Queries completed:/ { print $3 }' "$tmp/dnsperf.out")
echo "    dnsperf: ${sent:-?} sent, ${done_q:-?} completed"
[ "${done_q:-0}" -ge $((queries * 9 / 10)) ] && pass "dnsperf got answers to $done_q queries" ||
	fail "dnsperf: only ${done_q:-0} of $queries answered"
lab_stop_pid "$pid" 15 INT || fail "swerved did not stop on SIGINT"
pid=
lab_sanitizer_check
got=$(dnstap-ldns -q -r "$tmp/dt.fstrm" 2>/dev/null | grep -c ' AQ ')
# The answered queries (dnsperf's and the start-up check's) and any other frames the worker
# took (neighbour discovery) all count towards the 1000: expect done/1000, give or take one.
want=$(((${done_q:-0} + 500) / 1000))
if [ "$got" -ge $((want - 1)) ] && [ "$got" -le $((want + 1)) ]; then
	pass "$got queries of about ${done_q:-0} written (1 in 1000: $want expected)"
else
	fail "$got queries written of ${done_q:-0} at 1 in 1000 (expected $want, give or take one)"
fi

# ---- 3. a Unix socket sink, read by fstrm_capture (the Frame Streams library's own reader) ----
LAB_TAG="unix socket"
rm -f "$tmp/dt.sock" "$tmp/cap.fstrm"
fstrm_capture -t protobuf:dnstap.Dnstap -u "$tmp/dt.sock" -w "$tmp/cap.fstrm" \
	>"$tmp/capture.log" 2>&1 &
cap=$!
lab_track "$cap"
sock_up() { [ -S "$tmp/dt.sock" ]; }
lab_until 10 sock_up || fail "fstrm_capture did not open $tmp/dt.sock: $(head -3 "$tmp/capture.log")"
config 1 "unix:$tmp/dt.sock"
lab_swerved_up -O "" || lab_verdict dnstap
grep -q "dnstap: 1 in 1 answered queries.*unix:$tmp/dt.sock" "$log" &&
	pass "dnstap to the Unix socket announced" || fail "dnstap line: $(grep 'dnstap:' "$log" | head -1)"
ask www.example.test A "$SERVICE4"
ask txt.example.test TXT "$SERVICE4" +tcp
lab_stop_pid "$pid" 15 INT || fail "swerved did not stop on SIGINT"
pid=
lab_sanitizer_check
# fstrm_capture closes its file when told to stop.
lab_stop_pid "$cap" 10 TERM || fail "fstrm_capture did not stop"
lab_untrack "$cap"
if dnstap-ldns -q -r "$tmp/cap.fstrm" >"$tmp/cap.txt" 2>"$tmp/cap.err"; then
	sed 's/^/    /' "$tmp/cap.txt" | head -8
	aq=$(grep -c ' AQ ' "$tmp/cap.txt")
	ar=$(grep -c ' AR ' "$tmp/cap.txt")
	if [ "$aq" -ge 3 ] && [ "$ar" -ge 3 ] && grep ' AQ ' "$tmp/cap.txt" | grep -q 'www.example.test' &&
		grep ' AR ' "$tmp/cap.txt" | grep 'txt.example.test' | grep -q 'TCP'; then
		pass "fstrm_capture got $aq queries and $ar responses over the socket, the TCP one as TCP"
	else
		fail "over the socket: $aq AQ, $ar AR: $(head -5 "$tmp/cap.txt")"
	fi
else
	fail "dnstap-ldns cannot read fstrm_capture's file: $(head -3 "$tmp/cap.err"); $(head -3 "$tmp/capture.log")"
fi

LAB_TAG=all
lab_verdict dnstap
