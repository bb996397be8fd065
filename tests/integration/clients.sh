#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the common DNS clients accept swerved's answers: dig, kdig, drill and dnsperf,
# over UDP and TCP, IPv4 and IPv6.
#
# swerved runs in the lab (tests/common/lab.sh: net_af_packet, exception tap, TCP
# listener). For each client, transport and family: an A query, a NXDOMAIN, a
# NODATA and (over TCP, or UDP with the client's own TCP retry) the 30-record
# TXT answer; the client must report the expected status and records and no
# warning about the message (malformed, trailing garbage, ID mismatch, bad
# question). dnsperf runs a short burst of queries over UDP and TCP on both
# families: every query completed, none lost, all NOERROR or NXDOMAIN.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test cfc$(($$ % 10000)) ping dig python3 kdig drill dnsperf
start_s=$SECONDS

lab_start "exception:
  interface: $EXC
tcp:
  max-clients: 64"

incl() { ip netns exec "$SWERVE_NS" "$@"; }
# Anything a client says when a message looks wrong to it.
bad_words='WARNING|[Ww]arning|malformed|FORMERR|trailing|mismatch|[Ee]rror|garbage|bad packet|timed out'

# verify WHAT OUTPUT PATTERN...: every pattern present, no complaint.
verify() {
	local what=$1 out=$2 p
	shift 2
	for p in "$@"; do
		if ! grep -qE -- "$p" <<<"$out"; then
			fail "$what: no /$p/"
			sed 's/^/    | /' <<<"$out" | head -30
			return
		fi
	done
	if grep -qE -- "$bad_words" <<<"$out"; then
		fail "$what: the client complains:"
		grep -E -- "$bad_words" <<<"$out" | sed 's/^/    | /'
		return
	fi
	pass "$what"
}

s=$'[ \t]+'
for addr in 198.18.0.53 2001:2::53; do
	for proto in udp tcp; do
		dtcp=; ktcp=; drtcp=
		if [ "$proto" = tcp ]; then dtcp=+tcp; ktcp=+tcp; drtcp=-t; fi
		# dig (BIND 9)
		verify "dig $proto @$addr A" "$(incl dig $dtcp +norec +time=2 +tries=2 @"$addr" www.example.test A)" \
			"status: NOERROR" "flags: qr aa;" "^www\.example\.test\.${s}300${s}IN${s}A${s}192\.0\.2\.80"
		verify "dig $proto @$addr NXDOMAIN" \
			"$(incl dig $dtcp +norec +time=2 +tries=2 @"$addr" nope.example.test A)" \
			"status: NXDOMAIN" "IN${s}SOA${s}ns1\.example\.test\."
		verify "dig $proto @$addr NODATA" "$(incl dig $dtcp +norec +time=2 +tries=2 @"$addr" www.example.test MX)" \
			"status: NOERROR" "ANSWER: 0, AUTHORITY: 1"
		verify "dig $proto @$addr big TXT (UDP: truncated, retried over TCP)" \
			"$(incl dig $dtcp +norec +time=2 +tries=2 @"$addr" big.example.test TXT)" "status: NOERROR" "ANSWER: 30,"
		# kdig (Knot)
		verify "kdig $proto @$addr A" "$(incl kdig $ktcp +norec +timeout=2 @"$addr" www.example.test A)" \
			"status: NOERROR" "Flags: qr aa;" "www\.example\.test\.${s}300${s}IN${s}A${s}192\.0\.2\.80"
		verify "kdig $proto @$addr NXDOMAIN +edns" \
			"$(incl kdig $ktcp +norec +edns +timeout=2 @"$addr" nope.example.test A)" "status: NXDOMAIN" \
			"Version: 0; flags: ; UDP size: 1232 B"
		verify "kdig $proto @$addr big TXT" \
			"$(incl kdig +tcp +norec +timeout=2 @"$addr" big.example.test TXT)" "status: NOERROR" "ANSWER: 30;"
		# drill (ldns)
		verify "drill $proto @$addr A" "$(incl drill $drtcp @"$addr" www.example.test A 2>&1)" \
			"rcode: NOERROR" "flags: qr aa (rd )?;" "www\.example\.test\.${s}300${s}IN${s}A${s}192\.0\.2\.80"
		verify "drill $proto @$addr NXDOMAIN" "$(incl drill $drtcp @"$addr" nope.example.test A 2>&1)" \
			"rcode: NXDOMAIN" "IN${s}SOA"
		verify "drill $proto @$addr big TXT (TCP)" \
			"$(incl drill -t @"$addr" big.example.test TXT 2>&1)" "rcode: NOERROR" "ANSWER: 30,"
	done
	# dnsperf: a short burst over each transport; every query answered, none lost.
	printf 'www.example.test A\nnope.example.test A\nwww.example.test AAAA\nwww.example.test MX\n' \
		>"$tmp/dnsperf.in"
	for proto in udp tcp; do
		out=$(incl dnsperf -s "$addr" -m "$proto" -d "$tmp/dnsperf.in" -n 50 -c 2 -t 2 2>&1)
		sent=$(awk '/Queries sent:/ {print $3}' <<<"$out")
		done_=$(awk '/Queries completed:/ {print $3}' <<<"$out")
		lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
		other=$(grep -A4 'Response codes:' <<<"$out" | grep -oE '(SERVFAIL|FORMERR|REFUSED|NOTIMP)' | head -1)
		if [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$done_" ] && [ "$lost" = 0 ] &&
			[ -z "$other" ]; then
			pass "dnsperf $proto @$addr: $done_ of $sent completed, none lost"
		else
			fail "dnsperf $proto @$addr: sent '$sent' completed '$done_' lost '$lost' $other"
			sed 's/^/    | /' <<<"$out" | tail -20
		fi
	done
done

lab_shutdown
echo "clients: $((SECONDS - start_s)) s"
lab_verdict
