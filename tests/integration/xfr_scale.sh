#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration (issues 15 and 19): swerved as the secondary of a Knot primary at real zone sizes.
# knotd runs in the client namespace, so every transfer crosses the DPDK port (af_packet).
#   - AXFR of a 100,000-name zone (perf/gen_zone.py), then an IXFR of 10,000 changed names
#     under dnsperf load: 0 queries lost and every changed name answered with its new address;
#   - segmentation offload left on on the peer: what swerved does (counts the frames it cannot
#     take as drops rx_truncated/rx_oversize and logs a warning), and that turning it off again
#     lets the next transfer through;
#   - names that ldns_rr2str() does not escape ('\$odd', a label with '"'): transferred,
#     written, and served again after a restart;
#   - disk full while writing the local copy (a 64 KiB tmpfs inside the test's directory): the
#     new serial is served from memory, zone-list and the metrics show the stale copy, the old
#     copy survives a restart, and once there is room the copy is written.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test xs$(($$ % 100000)) python3 knotd knotc dnsperf curl mount umount

K=$tmp/knot
PRIMARY=198.18.0.1
NAMES=${XFR_SCALE_NAMES:-100000}
CHANGES=${XFR_SCALE_CHANGES:-10000}
MPORT=$((19000 + $$ % 1000))
DF=$tmp/df
knotpid=
dfmounted=0

lab_on_exit() {
	if [ "$dfmounted" = 1 ]; then umount "$DF" 2>/dev/null || umount -l "$DF"; fi
	if [ "$failures" -ne 0 ] && [ -f "$K/knotd.log" ]; then
		echo "--- knotd log (last 30 lines)"
		tail -n 30 "$K/knotd.log"
		echo "--- swerved log (last 30 lines)"
		tail -n 30 "$log"
	fi
}

kc() { timeout 60 knotc -s "$K/knot.sock" "$@" >/dev/null; }
ctl() { timeout 10 "$swervectl" -s "$tmp/control.sock" "$@"; }
a_of() { lab_cl dig +time=1 +tries=2 +short @198.18.0.53 "$1" A 2>/dev/null | head -1; }
a_is() { [ "$(a_of "$1")" = "$2" ]; }
metric() { lab_metric "$MPORT" "$1"; }

# The big zone, and its next version with CHANGES names' addresses changed (their list in
# $tmp/changed: "name new-address").
python3 "$top/perf/gen_zone.py" "$NAMES" "$tmp/big.v1" --origin big.test. >/dev/null
awk -v n="$CHANGES" -v out="$tmp/changed" '
	/^@ IN SOA / && !s { sub(/ 1 7200 /, " 2 7200 "); s = 1 }
	$2 == "A" && $1 ~ /^host-/ && c < n {
		split($1, p, "-"); i = p[2]
		a = sprintf("198.19.%d.%d", int(i / 256) % 256, i % 256)
		print $1 ".big.test. " a > out
		$3 = a; c++
	}
	{ print }' "$tmp/big.v1" >"$tmp/big.v2"
[ "$(wc -l <"$tmp/changed")" -eq "$CHANGES" ] || { echo "FAIL: $CHANGES changes not made"; exit 1; }

knot_conf() {
	mkdir -p "$K"
	cp "$tmp/big.v1" "$K/big.test.zone"
	printf '$ORIGIN odd.test.\n$TTL 300\n@ SOA ns1 h 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.1\n\\$odd A 192.0.2.36\na\\"b A 192.0.2.34\nx CNAME \\$odd\n' \
		>"$K/odd.test.zone"
	{
		printf '$ORIGIN df.test.\n$TTL 300\n@ SOA ns1 h 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.1\n'
	} >"$K/df.test.zone"
	{
		lab_knot_head "$K" "$PRIMARY" "$K/knot.sock" "$K/knotd.log" info 1
		cat <<EOF
remote:
  - id: swerve
    address: 198.18.0.53@53
acl:
  - id: xfr
    address: 198.18.0.53
    action: transfer
template:
  - id: default
    storage: "$K"
    file: "%s.zone"
    notify: swerve
    acl: xfr
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
zone:
  - domain: big.test
  - domain: odd.test
  - domain: df.test
EOF
	} >"$K/knot.conf"
}

knot_start() {
	ip netns exec "$SWERVE_NS" knotd -c "$K/knot.conf" >"$K/knotd.out" 2>&1 &
	knotpid=$!
	lab_track $knotpid
	lab_until 20 kc zone-status big.test || { echo "FAIL: knotd did not start"; cat "$K/knotd.out"; exit 1; }
}
knot_stop() { lab_stop_pid "$knotpid"; lab_untrack "$knotpid"; knotpid=; }

# The disk-full zone's copy lives on a small tmpfs inside the test's own directory.
mkdir -p "$DF"
mount -t tmpfs -o size=64k tmpfs "$DF" || { echo "FAIL: cannot mount a tmpfs on $DF"; exit 1; }
dfmounted=1

lab_pre_start() {
	knot_conf
	knot_start
	python3 - "$tmp/swerve.yaml" <<EOF
import sys
p = sys.argv[1]
s = open(p).read()
zones = """    file: example.test.zone
  - name: big.test
    file: $tmp/big.test.zone
    primaries: [{address: $PRIMARY}]
    retry: 2
  - name: odd.test
    file: $tmp/odd.test.zone
    primaries: [{address: $PRIMARY}]
    retry: 2
  - name: df.test
    file: $DF/df.test.zone
    primaries: [{address: $PRIMARY}]
    retry: 2
"""
s = s.replace("    file: example.test.zone\n", zones, 1)
s += """exception:
  interface: $EXC
xfr:
  timeout-ms: 15000
"""
open(p, "w").write(s)
EOF
}
t0=$(date +%s.%N)
lab_start -m "127.0.0.1:$MPORT"

# ---- AXFR of the big zone ----
if lab_until 60 lab_zone_true big.test 't["serial"] == 1 and z["served"]'; then
	t1=$(date +%s.%N)
	pass "AXFR of $NAMES names served ($(lab_zone_get big.test 'z["names"]') names in the table, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s from start)"
else
	fail "big.test not served: $(lab_zone_get big.test 't')"
fi
a_is host-1.big.test 198.18.0.1 && pass "host-1.big.test answered" || fail "host-1.big.test: '$(a_of host-1.big.test)'"

# ---- names ldns does not escape ----
if lab_until 20 lab_zone_true odd.test 'z["served"]' && a_is '\$odd.odd.test' 192.0.2.36 &&
	a_is 'a\"b.odd.test' 192.0.2.34; then
	pass "odd.test: '\\\$odd' and 'a\\\"b' transferred and served"
else
	fail "odd.test: \$odd '$(a_of '\$odd.odd.test')' a\"b '$(a_of 'a\"b.odd.test')' $(lab_zone_get odd.test 't')"
fi
grep -q '^\\036odd\.odd\.test\.' "$tmp/odd.test.zone" && pass "local copy writes '\$' as \\036" ||
	fail "odd.test local copy: $(head -c 600 "$tmp/odd.test.zone")"

# ---- IXFR of CHANGES names under dnsperf load ----
awk 'NR % 3 == 0 { print $1, "A" }' "$tmp/changed" >"$tmp/queries"
echo "www.example.test A" >>"$tmp/queries"
lab_cl timeout 90 dnsperf -s 198.18.0.53 -d "$tmp/queries" -l 20 -Q 3000 -c 4 -t 3 \
	>"$tmp/dnsperf.out" 2>&1 &
perfpid=$!
lab_track $perfpid
sleep 2
ixfr0=$(lab_zone_get big.test 't["ixfr"]')
cp "$tmp/big.v2" "$K/big.test.zone"
tc=$(date +%s.%N)
kc zone-reload big.test || fail "knotc zone-reload big.test"
ctl zone-refresh big.test >/dev/null
if lab_until 60 lab_zone_true big.test 't["serial"] == 2'; then
	ts=$(date +%s.%N)
	pass "IXFR of $CHANGES changes served $(awk -v a="$tc" -v b="$ts" 'BEGIN { printf "%.2f", b - a }') s after the primary's reload (kind $(lab_zone_get big.test 't["last_kind"]'), ixfr $ixfr0 -> $(lab_zone_get big.test 't["ixfr"]'))"
else
	fail "serial 2 not served: $(lab_zone_get big.test 't')"
fi
wait "$perfpid"
lab_untrack "$perfpid"
sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.out")
if [ -n "$lost" ] && [ "$lost" -eq 0 ] && [ "${sent:-0}" -ge 30000 ]; then
	pass "dnsperf during the IXFR: $sent sent, 0 lost"
else
	fail "dnsperf: sent ${sent:-?}, lost ${lost:-?}"
	sed 's/^/    | /' "$tmp/dnsperf.out"
fi
chk=$(lab_cl python3 "$top/tests/integration/xfr_check_names.py" 198.18.0.53 "$tmp/changed")
[ "$chk" = "checked $CHANGES wrong 0 unanswered 0" ] && pass "every change served: $chk" ||
	fail "changes not served: $chk"

# ---- segmentation offload left on ----
lab_offload on
d0=$(($(metric 'swerve_drops_total{worker="0",reason="rx_truncated"}') + $(metric 'swerve_drops_total{worker="0",reason="rx_oversize"}')))
f0=$(lab_zone_get big.test 't["failures"]')
sed -e 's/^@ IN SOA ns1 hostmaster 2 /@ IN SOA ns1 hostmaster 3 /' -e 's/ 198\.19\./ 198.17./' "$tmp/big.v2" \
	>"$K/big.test.zone"
kc zone-reload big.test
ctl zone-refresh big.test >/dev/null
if lab_until 40 lab_zone_true big.test "t['serial'] == 3 or t['failures'] > $f0"; then
	d1=$(($(metric 'swerve_drops_total{worker="0",reason="rx_truncated"}') + $(metric 'swerve_drops_total{worker="0",reason="rx_oversize"}')))
	warned=$(grep -c 'segmentation offload on the peer' "$log")
	if [ "$(lab_zone_get big.test 't["serial"]')" = 3 ]; then
		pass "offload on: the IXFR completed anyway ($((d1 - d0)) frames past the MTU dropped, $warned warnings)"
	elif [ "$d1" -gt "$d0" ] && [ "$warned" -ge 1 ]; then
		pass "offload on: the transfer fails; $((d1 - d0)) frames past the MTU counted as drops, warning logged; error: $(lab_zone_get big.test 't["last_error"]' | head -c 100)"
	else
		fail "offload on: failed without counting (drops $d0 -> $d1, $warned warnings)"
	fi
	[ "$(a_of host-1.big.test)" = 198.19.0.1 ] || [ "$(lab_zone_get big.test 't["serial"]')" = 3 ] &&
		pass "offload on: serial 2 still served while it failed" ||
		fail "offload on: host-1.big.test '$(a_of host-1.big.test)'"
else
	fail "offload on: neither served nor failed within 40 s: $(lab_zone_get big.test 't')"
fi
lab_offload off
ctl zone-refresh big.test >/dev/null
lab_until 40 lab_zone_true big.test 't["serial"] == 3' && a_is host-1.big.test 198.17.0.1 &&
	pass "offload off again: serial 3 served" || fail "offload off: $(lab_zone_get big.test 't')"

# ---- disk full while writing the local copy ----
lab_until 10 lab_zone_true df.test 't["serial"] == 1 and not t["copy_stale"]' ||
	fail "df.test first copy: $(lab_zone_get df.test 't')"
old=$(cat "$DF/df.test.zone")
{
	printf '$ORIGIN df.test.\n$TTL 300\n@ SOA ns1 h 2 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.2\n'
	for i in $(seq 1 3000); do printf 'filler-%05d TXT "%s"\n' "$i" "room-taken-on-the-disk-$i"; done
} >"$K/df.test.zone"
kc zone-reload df.test
ctl zone-refresh df.test >/dev/null
if lab_until 20 lab_zone_true df.test 't["serial"] == 2 and t["copy_stale"] and t["write_failures"] >= 1'; then
	pass "disk full: serial 2 served from memory; zone-list: copy_stale, copy_serial $(lab_zone_get df.test 't["copy_serial"]'), $(lab_zone_get df.test 't["copy_error"]' | head -c 90)"
else
	fail "disk full: $(lab_zone_get df.test 't')"
fi
a_is www.df.test 192.0.2.2 && pass "disk full: www.df.test answers the new 192.0.2.2" ||
	fail "disk full: www.df.test '$(a_of www.df.test)'"
[ "$(metric 'swerve_xfr_local_copy_stale{zone="df.test"}')" = 1 ] &&
	[ "$(metric 'swerve_xfr_write_failures_total{zone="df.test"}')" -ge 1 ] &&
	pass "metrics: swerve_xfr_local_copy_stale 1, write failures $(metric 'swerve_xfr_write_failures_total{zone="df.test"}')" ||
	fail "metrics: stale $(metric 'swerve_xfr_local_copy_stale{zone="df.test"}')"
[ "$(cat "$DF/df.test.zone")" = "$old" ] && pass "disk full: the old copy is intact" ||
	fail "disk full: the old copy changed"
ls "$DF" | grep -q tmp && fail "temporary files left in $DF: $(ls "$DF")" || true

# ---- restart with the primary down: every copy serves ----
knot_stop
lab_stop_pid "$pid" 10 INT
lab_swerved_start -a
lab_until 30 a_is host-1.big.test 198.17.0.1 && pass "restart: big.test served from its copy (serial 3)" ||
	fail "restart: host-1.big.test '$(a_of host-1.big.test)'"
a_is '\$odd.odd.test' 192.0.2.36 && a_is 'a\"b.odd.test' 192.0.2.34 &&
	pass "restart: '\\\$odd' and 'a\\\"b' served from odd.test's copy" ||
	fail "restart: odd.test \$odd '$(a_of '\$odd.odd.test')': $(lab_zone_get odd.test 'z')"
a_is www.df.test 192.0.2.1 && pass "restart: df.test serves the old copy (serial 1)" ||
	fail "restart: www.df.test '$(a_of www.df.test)'"
grep -q "local copy not served" "$log" && fail "a local copy did not load: $(grep 'local copy not served' "$log" | head -2)" || true

# ---- the primary back, then room on the disk: the copy is written ----
knot_start
ctl zone-refresh df.test >/dev/null
lab_until 20 a_is www.df.test 192.0.2.2 && pass "primary back: serial 2 served again, copy still stale: $(lab_zone_get df.test 't["copy_stale"]')" ||
	fail "primary back: www.df.test '$(a_of www.df.test)'"
mount -o remount,size=4m "$DF"
lab_until 15 lab_zone_true df.test 'not t["copy_stale"] and t["copy_serial"] == 2' &&
	grep -q 'SOA.* 2 3600 ' "$DF/df.test.zone" &&
	pass "room on the disk: the copy is written (retried every RETRY)" ||
	fail "after the remount: $(lab_zone_get df.test 't')"

lab_shutdown
lab_verdict
