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

top=${SWERVE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SWERVE_BUILDDIR:-$top/build}
lab=$top/scripts/lab.sh
client=$top/tests/integration/abuse_dns.py

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in ip kdig curl python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
[ -x "$build/control/swerved" ] || { echo "FAIL: $build/control/swerved not built"; exit 1; }

export SWERVE_LAB=ab$(($$ % 100000))
export SWERVE_SRV=$SWERVE_LAB-sv
eval "$("$lab" env)"
EXC=$SWERVE_LAB-x
OTHER4=198.18.0.2
tmp=$(mktemp -d)
log=$tmp/swerved.log
port=$((20000 + $$ % 1000))
pid=
failures=0
SECRET1=00112233445566778899aabbccddeeff
SECRET2=ffeeddccbbaa99887766554433221100

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

# config COOKIES_YAML: the daemon's configuration with this cookies: section body.
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
cookies:
$1
EOF
}

# start: lab (kept up between instances) and swerved; waits for an answer.
start() {
	if ! ip netns exec "$SWERVE_NS" true 2>/dev/null; then
		"$lab" up 1 >/dev/null || { fail "lab up"; return 1; }
		ip -n "$SWERVE_NS" addr add "$OTHER4/24" dev "$SWERVE_CL" || return 1
	fi
	"$lab" srv "$build/control/swerved" --lcores 0@0,1@1 --no-pci --no-huge -m 512 \
		--file-prefix "$SWERVE_LAB" --vdev "net_af_packet0,iface=$SWERVE_DP" \
		-- -c "$tmp/swerve.yaml" >"$log" 2>&1 &
	pid=$!
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		if [ "$(ip netns exec "$SWERVE_NS" kdig +short +timeout=1 +retry=0 @198.18.0.53 \
			www.example.test A 2>/dev/null)" = 192.0.2.80 ]; then
			return 0
		fi
		sleep 0.5
	done
	fail "swerved did not answer; its log:"
	sed 's/^/    | /' "$log"
	return 1
}

metric() {
	ip netns exec "$SWERVE_SRV" curl -s "http://127.0.0.1:$port/metrics" |
		awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { print s + 0 }'
}
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
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
	before=$(metric 'swerve_cookie_queries_total{worker="0",result="valid"}')
	kcookie +cookie="$c"
	c2=$kc
	after=$(metric 'swerve_cookie_queries_total{worker="0",result="valid"}')
	grep -q 'status: NOERROR' <<<"$kdig_out" && [ "$c2" = "$c" ] && [ "$after" -eq $((before + 1)) ] &&
		pass "kdig +cookie=<the server cookie>: valid, echoed unchanged" ||
		{
			fail "reused cookie: valid $before -> $after, echoed '$c2'"
			sed 's/^/    | /' <<<"$kdig_out"
		}

	out=$(ask 198.18.0.1 $CC)
	cookie=$(field cookie "$out")
	[ "$(field rcode "$out")" = NOERROR ] && [ "${#cookie}" -eq 48 ] &&
		[ "${cookie:0:16}" = $CC ] && pass "client cookie alone: answer and a server cookie" ||
		fail "client cookie alone: $out"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field cookie "$out")" = "$cookie" ] &&
		pass "server cookie reused: NOERROR, same cookie" || fail "server cookie reused: $out"
	# Over TCP the listener passes the peer's address: the cookie verifies there too.
	out=$(ask 198.18.0.1 "$cookie" tcp)
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field an "$out")" -eq 1 ] &&
		[ "$(field cookie "$out")" = "$cookie" ] && pass "over TCP: answer, the cookie echoed" ||
		fail "over TCP: $out"
	# From another address the cookie is not valid.
	out=$(ask "$OTHER4" "$cookie")
	new=$(field cookie "$out")
	[ "$(field rcode "$out")" = BADCOOKIE ] && [ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "cookie from another address: BADCOOKIE with a new cookie" ||
		fail "cookie from another address: $out"
	out=$(ask "$OTHER4" "$new")
	[ "$(field rcode "$out")" = NOERROR ] && pass "the new cookie works there" ||
		fail "the new cookie: $out"
	out=$(ask "$OTHER4" "$cookie" tcp)
	new=$(field cookie "$out")
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field an "$out")" -eq 1 ] &&
		[ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "bad cookie over TCP: a normal answer with a new cookie" ||
		fail "bad cookie over TCP: $out"
	# RFC 7873 5.2.2: the option's length must be 8 or 16 to 40.
	for hex in 01020304050607 010203040506070809 "${CC}00000000000000" "$(printf '%082d' 0)"; do
		out=$(ask 198.18.0.1 "$hex")
		[ "$(field rcode "$out")" = FORMERR ] && pass "COOKIE of $((${#hex} / 2)) octets: FORMERR" ||
			fail "COOKIE of $((${#hex} / 2)) octets: $out"
	done
	stop_swerved

	# ---- another node of the fleet (a new process), same secret ----
	start && pass "second node, same secret"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field cookie "$out")" = "$cookie" ] &&
		pass "the same secret accepts the first node's cookie" || fail "same secret: $out"
	stop_swerved

	# ---- a node with another secret ----
	config "  enabled: true
  secret: $SECRET2"
	start && pass "node with another secret"
	out=$(ask 198.18.0.1 "$cookie")
	[ "$(field rcode "$out")" = BADCOOKIE ] && pass "another secret: BADCOOKIE" ||
		fail "another secret: $out"
	stop_swerved

	# ---- rolled over: the new secret, the old one still accepted ----
	config "  enabled: true
  secret: $SECRET2
  previous-secret: $SECRET1"
	start && pass "node rolled over to a new secret"
	grep -q 'previous secret still accepted' "$log" && pass "log: previous secret accepted" ||
		fail "no previous-secret note in the log"
	out=$(ask 198.18.0.1 "$cookie")
	new=$(field cookie "$out")
	[ "$(field rcode "$out")" = NOERROR ] && [ "${#new}" -eq 48 ] && [ "$new" != "$cookie" ] &&
		pass "rollover: old cookie valid, replaced by one of the new secret" ||
		fail "rollover: $out"
	out=$(ask 198.18.0.1 "$new")
	[ "$(field cookie "$out")" = "$new" ] && pass "rollover: the new cookie is fresh" ||
		fail "rollover: new cookie $out"
	stop_swerved

	# ---- a random secret when none is configured ----
	config "  enabled: true"
	start && grep -q 'cookies: on, random secret' "$log" && pass "no secret: a random one, logged so" ||
		fail "no secret: $(grep cookies "$log")"
	stop_swerved
fi

# ---- cookies off ----
config "  enabled: false"
if start; then
	out=$(ask 198.18.0.1 $CC)
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field cookie "$out")" = none ] &&
		pass "cookies off: no COOKIE option" || fail "cookies off: $out"
	out=$(ask 198.18.0.1 "${CC}0100000012345678abcdefabcdefabcd")
	[ "$(field rcode "$out")" = NOERROR ] && [ "$(field cookie "$out")" = none ] &&
		pass "cookies off: a server cookie is no error" || fail "cookies off, server cookie: $out"
	[ "$(metric swerve_cookie_queries_total)" -eq 0 ] && pass "cookies off: nothing counted" ||
		fail "cookies off: counted"
	stop_swerved
fi

[ "$failures" -eq 0 ] && { echo "cookies: all passed"; exit 0; }
echo "cookies: $failures failure(s)"
exit 1
