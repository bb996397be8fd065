#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: DNS cookies (RFC 7873, RFC 9018 server cookies) over a real DPDK port in the lab.
#
# swerved with cookies on and a configured secret: kdig +cookie gets a
# 24-octet COOKIE (its 8-octet client cookie + a 16-octet server cookie) and
# the server cookie verifies when sent back (metrics: result="valid"), over
# UDP and over TCP; malformed COOKIE lengths get FORMERR; a server cookie
# from another address gets BADCOOKIE with a fresh cookie over UDP and a
# normal answer over TCP. Then, as another node of a fleet would: a second
# swerved process with the same secret accepts the first one's cookie; one
# with another secret does not (BADCOOKIE); one rolled over to a new secret
# with the old one as previous-secret accepts it and hands out a new cookie.
# Last, cookies off: no COOKIE option in answers, no FORMERR for a
# well-formed one.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test ab$(($$ % 100000)) kdig curl python3
client=$top/tests/integration/abuse_dns.py
OTHER4=198.18.0.2
port=$((20000 + $$ % 1000))
LAB_SAN_RE='ERROR: (Address|Leak)Sanitizer|runtime error:' # a sanitizer build's reports
SECRET1=00112233445566778899aabbccddeeff
SECRET2=ffeeddccbbaa99887766554433221100

lab_zone >"$tmp/example.test.zone"

# config COOKIES_YAML: the daemon's configuration with this cookies: section body.
config() {
	lab_yaml -m "127.0.0.1:$port" "exception:
  interface: $EXC" "cookies:
$1"
}

# start: lab (kept up between instances) and swerved; waits for an answer.
start() {
	if ! ip netns exec "$SWERVE_NS" true 2>/dev/null; then
		lab_up 1 >/dev/null || { fail "lab up"; return 1; }
		lab_client_addr "$OTHER4/24" || return 1
	fi
	lab_swerved_up -O "" -k
}

# ask SRC COOKIEHEX [tcp]
ask() { ip netns exec "$SWERVE_NS" python3 "$client" cookie 198.18.0.53 "$@" 2>&1; }
# kcookie ARGS: kdig for www.example.test A into $kdig_out, its COOKIE (hex, lowercase) into $kc.
kdig_out=
kc=
kcookie() {
	kdig_out=$(ip netns exec "$SWERVE_NS" kdig +timeout=2 +retry=1 @198.18.0.53 \
		www.example.test A "$@" 2>&1)
	kc=$(grep -i 'COOKIE:' <<<"$kdig_out" | head -1 | awk '{ print tolower($3) }')
}

CC=0102030405060708

# ---- one node, cookies on with a configured secret ----
config "  enabled: true
  secret: $SECRET1"
if start; then
	pass "swerved (cookies on) answers"
	grep -q 'cookies: on, configured secret' "$log" && pass "log: cookies on, configured secret" ||
		fail "no cookies line in the log"
	grep -q "$SECRET1" "$log" && fail "the secret is in the log" || pass "the secret is not logged"

	kcookie +cookie
	c=$kc
	if [ "${#c}" -eq 48 ]; then
		pass "kdig +cookie: 24-octet COOKIE ($c)"
	else
		fail "kdig +cookie: COOKIE '$c'"
		sed 's/^/    | /' <<<"$kdig_out"
	fi
	before=$(lab_metric "$port" 'swerve_cookie_queries_total{worker="0",result="valid"}')
	kcookie +cookie="$c"
	c2=$kc
	after=$(lab_metric "$port" 'swerve_cookie_queries_total{worker="0",result="valid"}')
	grep -q 'status: NOERROR' <<<"$kdig_out" && [ "$c2" = "$c" ] && [ "$after" -eq $((before + 1)) ] &&
		pass "kdig +cookie=<the server cookie>: valid, echoed unchanged" ||
		{
			fail "reused cookie: valid $before -> $after, echoed '$c2'"
			sed 's/^/    | /' <<<"$kdig_out"
		}

	out=$(ask 198.18.0.1 $CC)
	cookie=$(lab_field cookie "$out")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "${#cookie}" -eq 48 ] &&
		[ "${cookie:0:16}" = $CC ] && pass "client cookie alone: answer and a server cookie" ||
		fail "client cookie alone: $out"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field cookie "$out")" = "$cookie" ] &&
		pass "server cookie reused: NOERROR, same cookie" || fail "server cookie reused: $out"
	# Over TCP the listener passes the peer's address: the cookie verifies there too.
	out=$(ask 198.18.0.1 "$cookie" tcp)
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field an "$out")" -eq 1 ] &&
		[ "$(lab_field cookie "$out")" = "$cookie" ] && pass "over TCP: answer, the cookie echoed" ||
		fail "over TCP: $out"
	# From another address the cookie is not valid.
	out=$(ask "$OTHER4" "$cookie")
	new=$(lab_field cookie "$out")
	[ "$(lab_field rcode "$out")" = BADCOOKIE ] && [ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "cookie from another address: BADCOOKIE with a new cookie" ||
		fail "cookie from another address: $out"
	out=$(ask "$OTHER4" "$new")
	[ "$(lab_field rcode "$out")" = NOERROR ] && pass "the new cookie works there" ||
		fail "the new cookie: $out"
	out=$(ask "$OTHER4" "$cookie" tcp)
	new=$(lab_field cookie "$out")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field an "$out")" -eq 1 ] &&
		[ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "bad cookie over TCP: a normal answer with a new cookie" ||
		fail "bad cookie over TCP: $out"
	# RFC 7873 5.2.2: the option's length must be 8 or 16 to 40.
	for hex in 01020304050607 010203040506070809 "${CC}00000000000000" "$(printf '%082d' 0)"; do
		out=$(ask 198.18.0.1 "$hex")
		[ "$(lab_field rcode "$out")" = FORMERR ] && pass "COOKIE of $((${#hex} / 2)) octets: FORMERR" ||
			fail "COOKIE of $((${#hex} / 2)) octets: $out"
	done
	lab_swerved_stop

	# ---- another node of the fleet (a new process), same secret ----
	start && pass "second node, same secret"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field cookie "$out")" = "$cookie" ] &&
		pass "the same secret accepts the first node's cookie" || fail "same secret: $out"
	lab_swerved_stop

	# ---- a node with another secret ----
	config "  enabled: true
  secret: $SECRET2"
	start && pass "node with another secret"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(lab_field rcode "$out")" = BADCOOKIE ] && pass "another secret: BADCOOKIE" ||
		fail "another secret: $out"
	lab_swerved_stop

	# ---- rolled over: the new secret, the old one still accepted ----
	config "  enabled: true
  secret: $SECRET2
  previous-secret: $SECRET1"
	start && pass "node rolled over to a new secret"
	grep -q 'previous secret still accepted' "$log" && pass "log: previous secret accepted" ||
		fail "no previous-secret note in the log"
	out=$(ask 198.18.0.1 "$cookie")
	new=$(lab_field cookie "$out")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "rollover: old cookie valid, replaced by one of the new secret" ||
		fail "rollover: $out"
	out=$(ask 198.18.0.1 "$new")
	[ "$(lab_field cookie "$out")" = "$new" ] && pass "rollover: the new cookie is fresh" ||
		fail "rollover: new cookie $out"
	lab_swerved_stop

	# ---- a random secret when none is configured ----
	config "  enabled: true"
	start && grep -q 'cookies: on, random secret' "$log" && pass "no secret: a random one, logged so" ||
		fail "no secret: $(grep cookies "$log")"
	lab_swerved_stop
fi

# ---- cookies off ----
config "  enabled: false"
if start; then
	out=$(ask 198.18.0.1 $CC)
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field cookie "$out")" = none ] &&
		pass "cookies off: no COOKIE option" || fail "cookies off: $out"
	out=$(ask 198.18.0.1 "${CC}0100000012345678abcdefabcdefabcd")
	[ "$(lab_field rcode "$out")" = NOERROR ] && [ "$(lab_field cookie "$out")" = none ] &&
		pass "cookies off: a server cookie is no error" || fail "cookies off, server cookie: $out"
	[ "$(lab_metric "$port" swerve_cookie_queries_total)" -eq 0 ] && pass "cookies off: nothing counted" ||
		fail "cookies off: counted"
	lab_swerved_stop
fi

lab_verdict cookies
