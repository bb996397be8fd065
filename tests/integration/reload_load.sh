#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: zone reloads under load. dnsperf sends a bounded, modest rate from the client
# namespace while the zone file is rewritten with increasing serials and reloaded 20 times through
# swervectl, with one broken version in the middle that must be refused (file:line) while the last
# good one keeps serving. Then: dnsperf lost no query, and every answer came from one whole zone
# version, never a mix.
#
# How "never a mix" is checked: every record a query can return names its zone version K.
#   ver      A     198.19.1.K, 198.19.2.K, 198.19.3.K   (a three-record RRset)
#   alias    CNAME t-K                                 (t-K exists only in version K)
#   t-K      A     198.19.4.K
#   nx, SOA  the SOA in authority / answer carries serial K
# tcpdump in the client namespace captures every response; tests/integration/reload_load.sh's
# python reads the capture and, for each response, collects K from every record of every section.
# A response passes when it carries exactly one K, that K is a version that was published (never
# the broken one's serial), and its shape is complete (three A records for ver, CNAME followed by
# the A of t-K for alias). A mix (an RRset from one version, a chain or SOA from another, or a
# CNAME whose target is missing) shows as two values of K or an incomplete answer. With one worker
# and one queue, responses leave in the order the versions were published, so K must also never
# go backwards in capture order.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test rl$(($$ % 100000)) ping dig python3 dnsperf tcpdump

[ -x "$swervectl" ] || { echo "FAIL: $swervectl not built"; exit 1; }

RELOADS=20      # good reloads; one broken file comes after the tenth
BROKEN_SERIAL=999
RATE=10000      # queries per second
DURATION=16     # seconds of dnsperf; the reloads take about 10
STEP=0.4        # seconds between reloads

# zone_version K [broken]: the zone file of version K (see the header).
zone_version() {
	local k=$1
	{
		echo '$ORIGIN example.test.'
		echo '$TTL 300'
		echo "@	IN SOA ns1 hostmaster $k 3600 600 86400 60"
		echo '	IN NS ns1'
		echo 'ns1	IN A 198.18.0.53'
		echo 'www	IN A 192.0.2.80'
		if [ "${2:-}" = broken ]; then
			echo "ver	IN A 198.19.1.$k.1" # line 7: not an address
		else
			echo "ver	IN A 198.19.1.$k"
		fi
		echo "ver	IN A 198.19.2.$k"
		echo "ver	IN A 198.19.3.$k"
		echo "alias	IN CNAME t-$k"
		echo "t-$k	IN A 198.19.4.$k"
	} >"$tmp/zone.new"
	# Atomic replacement: the loader never reads a half-written file.
	mv -f "$tmp/zone.new" "$tmp/example.test.zone"
}

lab_pre_start() { zone_version 1; }
lab_start "exception:
  interface: $EXC"

sock=$tmp/control.sock
ctl() { timeout 10 "$swervectl" -s "$sock" "$@"; }
served_serial() {
	ctl --json lookup example.test SOA |
		python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["answer"][0].split()[6])' 2>/dev/null
}

[ "$(served_serial)" = 1 ] && pass "version 1 served" || fail "version 1 not served: $(served_serial)"

printf 'ver.example.test A\nalias.example.test A\nnx.example.test A\nexample.test SOA\n' >"$tmp/queries"

# Capture every response in the client namespace.
ip netns exec "$SWERVE_NS" tcpdump -i "$SWERVE_CL" -n -s 512 -B 16384 -U -w "$tmp/cap.pcap" \
	'udp and src host 198.18.0.53 and src port 53' >"$tmp/tcpdump.log" 2>&1 &
tdpid=$!
for _ in $(seq 50); do grep -q 'listening on' "$tmp/tcpdump.log" && break; sleep 0.1; done

ip netns exec "$SWERVE_NS" timeout $((DURATION + 20)) dnsperf -s 198.18.0.53 -d "$tmp/queries" \
	-l "$DURATION" -Q "$RATE" -c 4 -t 3 >"$tmp/dnsperf.out" 2>&1 &
perfpid=$!
sleep 1

good=1
k=1
for i in $(seq 1 $((RELOADS + 1))); do
	if [ "$i" -eq $((RELOADS / 2 + 1)) ]; then
		zone_version "$BROKEN_SERIAL" broken
		out=$(ctl --json zone-reload example.test 2>&1)
		rc=$?
		if [ "$rc" -ne 0 ] && grep -q 'example\.test\.zone:7:' <<<"$out"; then
			pass "broken version refused with file:line ($(grep -o 'zone:7:[^"]*' <<<"$out" | head -c 80))"
		else
			fail "broken version: exit $rc: $out"
		fi
		s=$(served_serial)
		[ "$s" = "$k" ] && pass "serial $k still served after the refused reload" ||
			fail "after the refused reload the served serial is '$s', expected $k"
		sleep "$STEP"
		continue
	fi
	k=$((k + 1))
	zone_version "$k"
	out=$(ctl --json zone-reload example.test 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && grep -qE "\"serial\": ?$k[,}]" <<<"$out"; then
		good="$good $k"
	else
		fail "reload to serial $k: exit $rc: $out"
	fi
	sleep "$STEP"
done
n=$(wc -w <<<"$good")
[ "$n" -eq $((RELOADS + 1)) ] && pass "$RELOADS reloads published (serials: $good)" ||
	fail "only $n versions published: $good"

wait "$perfpid"
sleep 0.5
lab_stop_pid "$tdpid" 10 INT

sed -n '/Statistics:/,/Average Latency/p' "$tmp/dnsperf.out" | sed 's/^/    /'
sent=$(awk '/Queries sent:/ { print $3 }' "$tmp/dnsperf.out")
completed=$(awk '/Queries completed:/ { print $3 }' "$tmp/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$tmp/dnsperf.out")
if [ -z "$lost" ]; then
	fail "no dnsperf statistics:"
	sed 's/^/    | /' "$tmp/dnsperf.out"
elif [ "$lost" -eq 0 ] && [ "${sent:-0}" -ge $((RATE * DURATION / 2)) ]; then
	pass "dnsperf: $sent sent, $completed completed, 0 lost"
else
	fail "dnsperf: $sent sent, $completed completed, $lost lost"
fi
grep -E 'packets (captured|received by filter|dropped by kernel)' "$tmp/tcpdump.log" | sed 's/^/    tcpdump: /'

python3 - "$tmp/cap.pcap" "$good" "$BROKEN_SERIAL" "${completed:-0}" >"$tmp/verify.out" 2>&1 <<'PY'
import struct, sys

path, good, broken, completed = sys.argv[1], set(map(int, sys.argv[2].split())), int(sys.argv[3]), int(sys.argv[4])

def name(msg, off):
    """The name at off as a list of labels, and the offset after it (pointers followed)."""
    labels, end, hops = [], None, 0
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = (n & 0x3F) << 8 | msg[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError("pointer loop")
            continue
        if n == 0:
            return labels, (end if end is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode().lower())
        off += 1 + n

def versions(msg):
    """(rcode, qname, set of versions, counts) for one DNS response."""
    qd, an, ns, ar = struct.unpack("!HHHH", msg[4:12])
    rcode = msg[3] & 0x0F
    q, off = name(msg, 12)
    off += 4
    ks, count = set(), {"A": 0, "CNAME": 0, "SOA": 0}
    for _ in range(an + ns + ar):
        _, off = name(msg, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        if rtype == 1 and rd[0] == 198 and rd[1] == 19:
            ks.add(rd[3]); count["A"] += 1
        elif rtype == 5:
            t, _ = name(msg, off)
            ks.add(int(t[0][2:])); count["CNAME"] += 1
        elif rtype == 6:
            _, o = name(msg, off)
            _, o = name(msg, o)
            ks.add(struct.unpack("!I", msg[o:o + 4])[0]); count["SOA"] += 1
        off += rdlen
    return rcode, ".".join(q), ks, count

data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
linktype = struct.unpack(endian + "I", data[20:24])[0]
off, total, bad, mixed, backwards, last = 24, 0, 0, 0, 0, 0
seen = {}
examples = []
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if linktype != 1 or len(frame) < 14 + 20 + 8:
        continue
    ihl = (frame[14] & 0x0F) * 4
    msg = frame[14 + ihl + 8:]
    total += 1
    try:
        rcode, q, ks, c = versions(msg)
    except Exception as e:
        bad += 1
        examples.append("unparsable response: %s" % e)
        continue
    shape = {
        "ver.example.test": rcode == 0 and c["A"] == 3,
        "alias.example.test": rcode == 0 and c["CNAME"] == 1 and c["A"] == 1,
        "nx.example.test": rcode == 3 and c["SOA"] == 1,
        "example.test": rcode == 0 and c["SOA"] == 1,
    }.get(q, False)
    if len(ks) != 1 or not shape:
        mixed += 1
        if len(examples) < 5:
            examples.append("%s rcode %d versions %s records %s" % (q, rcode, sorted(ks), c))
        continue
    k = ks.pop()
    if k not in good or k == broken:
        bad += 1
        if len(examples) < 5:
            examples.append("%s from version %d, never published" % (q, k))
        continue
    if k < last:
        backwards += 1
    last = max(last, k)
    seen[k] = seen.get(k, 0) + 1

print("note: %d responses captured (dnsperf completed %d); versions seen: %s" %
      (total, completed, " ".join("%d:%d" % kv for kv in sorted(seen.items()))))
for e in examples:
    print("note: " + e)
ok = lambda c, m: print(("ok: " if c else "FAIL: ") + m)
ok(total >= completed * 0.95 and total > 0, "capture holds %d of %d responses" % (total, completed))
ok(mixed == 0, "no response mixes versions or is incomplete (%d did)" % mixed)
ok(bad == 0, "every response from a published version (%d were not)" % bad)
ok(backwards == 0, "versions never go backwards in answer order (%d did)" % backwards)
ok(len(seen) >= len(good) - 1 and max(good) in seen,
   "%d of %d versions answered, the last one included" % (len(seen), len(good)))
PY
while read -r line; do
	case "$line" in
	ok:*) pass "${line#ok: }" ;;
	FAIL:*) fail "${line#FAIL: }" ;;
	note:*) echo "    ${line#note: }" ;;
	*) fail "verifier: $line" ;;
	esac
done <"$tmp/verify.out"

last=${good##* }
[ "$(served_serial)" = "$last" ] && pass "serial $last served at the end" || fail "served serial $(served_serial), expected $last"
js=$(ctl --json zone-list)
python3 -c 'import json,sys; z=json.loads(sys.argv[1])["zones"][0]; sys.exit(0 if z["failures"] == 1 and z["last_error"] is None else 1)' "$js" &&
	pass "zone-list: one refused reload, no error since" || fail "zone-list: $js"

lab_shutdown
lab_verdict
