#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: restarting from the table image (docs/table-image.md). swerved in the lab, with
# two zones and a failover record, is restarted again and again:
#   - the first start parses and writes the image; a restart serves from it without parsing
#     (the log says so), answers the zone data and the failover record, parses the zones in
#     the background, and a zone reload after that works;
#   - a zone file changed, an $INCLUDEd file changed, a zone added to the config, a failover
#     record added: each makes the image stale, and the restart parses and serves the new data,
#     never the old;
#   - a damaged image (a flipped octet, a truncated file) is never served: the log says why,
#     the zones are parsed, and a whole image is written again;
#   - swerved --check, and a config with table.image: ~, write nothing.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test ti$(($$ % 100000)) ping dig python3

[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }
ctl() { timeout 20 "$swervectl" -s "$tmp/control.sock" "$@"; }
img=$tmp/table.img

second_zone() { # second_zone SERIAL TXT: second.test, which $INCLUDEs its TXT record
	{
		echo '$ORIGIN second.test.'
		echo '$TTL 300'
		echo "@	IN SOA ns1 hostmaster $1 3600 600 86400 60"
		echo '	IN NS ns1'
		echo 'ns1	IN A 198.18.0.53'
		echo '$INCLUDE second.inc'
	} >"$tmp/second.test.zone"
	echo "txt	IN TXT \"$2\"" >"$tmp/second.inc"
}

# write_yaml [EXTRA_ZONE_ARGS...]: both zones (plus any -z given), one failover record, or two
# with FO2=1.
write_yaml() {
	local rec2=''
	[ "${FO2:-0}" = 1 ] && rec2="
    - name: api2.example.test
      type: A
      check: {kind: manual}
      pools:
        - {name: only, endpoints: [{address: 198.18.9.2, name: f2}]}"
	lab_yaml -z example.test=example.test.zone -z second.test=second.test.zone "$@" "failover:
  state-file: ~
  records:
    - name: api.example.test
      type: A
      check: {kind: manual}
      pools:
        - {name: primary, endpoints: [{address: 198.18.9.1, name: f1}]}
        - {name: backup, endpoints: [{address: 198.18.9.11, name: f1b}]}$rec2"
}

# restart: stop swerved and start it again on the same config, appending to the log; waits for
# www.example.test to answer.
restart() {
	lab_swerved_stop
	echo "---- restart" >>"$log"
	lab_swerved_start -a
	lab_wait_answer www.example.test A "${1:-192.0.2.80}"
}

# since_restart: the log from the last restart on.
since_restart() { awk '/^---- restart/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$log"; }
logged() { since_restart | grep -q -- "$1"; }
written() { logged "table image $img written"; }

lab_zone 'www	IN AAAA 2001:db8::80' >"$tmp/example.test.zone"
second_zone 1 one
write_yaml
lab_up >/dev/null || { echo "FAIL: lab up"; exit 1; }
lab_swerved_up || exit 1

# 1. The first start parses and writes the image.
lab_until 10 test -s "$img" && grep -q "table image $img written" "$log" &&
	pass "the first start writes the image" || fail "no image written: $(grep -i image "$log")"
grep -q "table image $img: none yet" "$log" &&
	pass "with no image the first start parses, and says so" || fail "log: $(grep -i image "$log")"

# 2. A restart serves the image without parsing, all of it, then parses in the background.
if restart && logged "served without parsing"; then
	pass "a restart serves the image without parsing the zones"
else
	fail "restart did not use the image: $(since_restart | grep -i image)"
fi
[ "$(lab_dig @"$SERVICE4" txt.second.test TXT)" = '"one"' ] &&
	[ "$(lab_dig @"$SERVICE4" api.example.test A)" = 198.18.9.1 ] &&
	[ "$(lab_dig @"$SERVICE4" www.example.test AAAA)" = 2001:db8::80 ] &&
	pass "from the image: both zones and the failover record answer" ||
	fail "from the image: txt=$(lab_dig @"$SERVICE4" txt.second.test TXT)" \
		"api=$(lab_dig @"$SERVICE4" api.example.test A)"
lab_until 20 logged "zones parsed in" &&
	pass "the zones are parsed in the background after it" || fail "no background parse logged"
ctl endpoint-set api.example.test f1 down >/dev/null
lab_until 5 test "$(lab_dig @"$SERVICE4" api.example.test A)" = 198.18.9.11 &&
	pass "the failover record bound from the image follows its endpoint" ||
	fail "api after f1 down: $(lab_dig @"$SERVICE4" api.example.test A)"
ctl endpoint-set api.example.test f1 up >/dev/null
echo "txt	IN TXT \"reloaded\"" >"$tmp/second.inc"
out=$(ctl zone-reload second.test 2>&1)
[ "$(lab_dig @"$SERVICE4" txt.second.test TXT)" = '"reloaded"' ] &&
	[ "$(lab_dig @"$SERVICE4" www.example.test A)" = 192.0.2.80 ] &&
	pass "a zone reload after a start from the image serves the new file and keeps the rest" ||
	fail "zone-reload after the image: $out; txt=$(lab_dig @"$SERVICE4" txt.second.test TXT)"
# The image is saved after the reload is served, on the loader thread: the restart finds it.
if restart && logged "served without parsing" &&
	[ "$(lab_dig @"$SERVICE4" txt.second.test TXT)" = '"reloaded"' ]; then
	pass "a restart right after a reload serves that reload from the image"
else
	fail "restart right after the reload: $(since_restart | grep -i image | head -3);" \
		"txt=$(lab_dig @"$SERVICE4" txt.second.test TXT)"
fi

# 3. Stale images are parsed over: a zone file, an included file, the zones, the failover records.
stale_case() { # stale_case WHAT WANT_REASON NAME TYPE ANSWER
	if restart 192.0.2.81 && logged "is stale, parsing the zones: .*$2" &&
		[ "$(lab_dig @"$SERVICE4" "$3" "$4")" = "$5" ]; then
		pass "$1: the image is stale, the zones are parsed and the new data served"
	else
		fail "$1: $(since_restart | grep -i 'image' | head -3); $3 $4 = $(lab_dig @"$SERVICE4" "$3" "$4")"
	fi
}
sed -i 's/192.0.2.80/192.0.2.81/' "$tmp/example.test.zone"
stale_case "zone file changed" "example.test.zone changed" www.example.test A 192.0.2.81
restart 192.0.2.81 && logged "served without parsing" &&
	pass "the image written after that parse serves the next restart" ||
	fail "no image use after the stale case: $(since_restart | grep -i image)"
echo "txt	IN TXT \"included\"" >"$tmp/second.inc"
stale_case "included file changed" "second.inc changed" txt.second.test TXT '"included"'
printf '$ORIGIN third.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n  IN NS ns1\nns1 IN A 198.18.0.53\n' \
	>"$tmp/third.test.zone"
write_yaml -z third.test=third.test.zone
stale_case "zone added" "zones configured" ns1.third.test A 198.18.0.53
FO2=1 write_yaml -z third.test=third.test.zone
stale_case "failover record added" "failover records" api2.example.test A 198.18.9.2

# 4. Damaged images are not served; a whole one replaces them.
damage() { # damage OFFSET_FRACTION: flip one octet that far into the image
	python3 - "$img" "$1" <<'EOF'
import sys
p, frac = sys.argv[1], float(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[int(len(b) * frac)] ^= 0x40
open(p, 'wb').write(b)
EOF
}
lab_until 10 written
damage 0.7
if restart 192.0.2.81 && logged "not used, parsing the zones: checksum mismatch" &&
	! logged "served without parsing"; then
	pass "a flipped octet: the image is refused for its checksum and the zones parsed"
else
	fail "flipped octet: $(since_restart | grep -i image)"
fi
lab_until 10 written
truncate -s $(($(stat -c %s "$img") / 2)) "$img"
if restart 192.0.2.81 && logged "not used, parsing the zones" && ! logged "served without parsing"; then
	pass "a truncated image is refused and the zones parsed"
else
	fail "truncated: $(since_restart | grep -i image)"
fi
lab_until 10 written && restart 192.0.2.81 && logged "served without parsing" &&
	pass "after a refused image a whole one is written and serves the next restart" ||
	fail "no whole image after the damage: $(since_restart | grep -i image)"

# 5. swerved --check parses and writes no image; table.image: ~ writes nothing.
lab_swerved_stop
rm -f "$img"
out=$("$swerved" --check -c "$tmp/swerve.yaml" 2>&1)
[ $? -eq 0 ] && [ ! -e "$img" ] && pass "swerved --check parses the zones and writes no image" ||
	fail "--check: $out; image: $(ls -l "$img" 2>&1)"
lab_yaml -i '~' -z example.test=example.test.zone -z second.test=second.test.zone
echo "---- restart" >>"$log"
lab_swerved_start -a
lab_wait_answer www.example.test A 192.0.2.81 && sleep 1 && [ ! -e "$img" ] &&
	! ls "$tmp" | grep -q 'table.img' &&
	pass "with table.image: ~ no image is written" || fail "image with ~: $(ls "$tmp")"

lab_shutdown
lab_verdict
