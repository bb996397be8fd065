#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark: the time from a change committed on a hidden primary to the change being served,
# for 1, 1,000 and 100,000 changed records, by swerved and by a Knot secondary in the same lab.
#
#   sudo perf/bench_xfr.sh [BUILD_DIR]        (default build; root, a few minutes)
#
# The lab: the primary (knotd) in the client namespace at 198.18.0.1, a zone of 100,000 names
# (perf/gen_zone.py, origin bench.test.; 114,900 records); swerved behind the DPDK port
# (net_af_packet, one worker, lcores 0@0,1@1) at 198.18.0.53; a Knot secondary in a namespace of
# its own behind a second veth pair at 198.18.2.2. TSO/GSO is off on the primary's side of both
# links (docs/lab.md). Both secondaries get the primary's NOTIFY and then an IXFR.
#
# One round per size N: the primary's zone file gets N records changed (A, then AAAA, then TXT
# records, in file order; each a deletion and an addition in the IXFR) and a new serial, and
# `knotc zone-reload` commits it (Knot computes the difference, journals it and notifies). The
# clock starts just before that command; a poller in the client namespace asks both
# secondaries for the SOA every 5 ms and stops each clock when it sees the new serial (that is
# after the whole zone is swapped in: both serve a version atomically). Results go to stdout
# and to perf/results/xfr-<date>.txt.
set -u

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
export build
# shellcheck source=tests/common/lab.sh
. "$src/tests/common/lab.sh"
lab_test bx$$ python3 knotd knotc dig
[ -x "$swervectl" ] || { echo "bench: $swervectl not built"; exit 1; }
LAB_KILL_NS=1

K=$tmp/knot
NS2=bx$$-k2
PRIMARY=198.18.0.1
KNOT2=198.18.2.2
NAMES=100000
out=$src/perf/results/xfr-$(date +%Y%m%d-%H%M%S).txt

lab_on_exit() {
	ip netns del "$NS2" 2>/dev/null || true
}

kc() { timeout 120 knotc -s "$1" "${@:2}" >/dev/null; }

python3 "$src/perf/gen_zone.py" "$NAMES" "$tmp/v1" --origin bench.test. >/dev/null
# mkver N SERIAL IN OUT: OUT is IN with the first N A/AAAA/TXT records changed and SERIAL.
mkver() {
	awk -v n="$1" -v serial="$2" '
	/^@ IN SOA / && !s { $6 = serial; s = 1; print; next }
	c < n && $2 == "A" { $3 = sprintf("198.19.%d.%d", int(c / 256) % 256, c % 256); c++ }
	c < n && $2 == "AAAA" { $3 = sprintf("2001:2:1:%x::%x", int(c / 65536), c % 65536); c++ }
	c < n && $2 == "TXT" { print $1, "TXT", "\"changed-" c "\""; c++; next }
	{ print }
	END { if (c < n) exit 1 }' "$3" >"$4"
}

primary_conf() {
	lab_knot_head "$K/p" "$PRIMARY" "$K/p.sock" "$K/p.log" notice
	cat <<EOF
remote:
  - id: swerve
    address: 198.18.0.53@53
  - id: knot2
    address: $KNOT2@53
acl:
  - id: xfr
    address: [198.18.0.53, $KNOT2]
    action: transfer
template:
  - id: default
    storage: "$K/p"
    file: "%s.zone"
    notify: [swerve, knot2]
    acl: xfr
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    semantic-checks: off
zone:
  - domain: bench.test
EOF
}

secondary_conf() {
	lab_knot_head "$K/s" "$KNOT2" "$K/s.sock" "$K/s.log" notice
	cat <<EOF
remote:
  - id: primary
    address: $PRIMARY@53
acl:
  - id: notify
    address: [$PRIMARY, 198.18.2.1]
    action: notify
template:
  - id: default
    storage: "$K/s"
    master: primary
    acl: notify
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: off
zone:
  - domain: bench.test
EOF
}

# The lab, swerved, then the second link and the two Knots.
lab_yaml
python3 - "$tmp/swerve.yaml" "$tmp" "$EXC" <<'EOF'
import sys
p, tmp, exc = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(p).read()
s = s.replace("    file: example.test.zone\n", """    file: example.test.zone
  - name: bench.test
    file: %s/bench.test.zone
    primaries: [{address: 198.18.0.1}]
""" % tmp, 1)
s += "exception:\n  interface: %s\nxfr:\n  timeout-ms: 60000\n" % exc
open(p, "w").write(s)
EOF
{ lab_zone; } >"$tmp/example.test.zone"
lab_up >/dev/null || { echo "bench: lab up failed"; exit 1; }
ip netns add "$NS2"
ip link add bx$$-a type veth peer name bx$$-b
ip link set bx$$-a netns "$SWERVE_NS"
ip link set bx$$-b netns "$NS2"
ip -n "$SWERVE_NS" addr add 198.18.2.1/24 dev bx$$-a
ip -n "$NS2" addr add "$KNOT2/24" dev bx$$-b
ip -n "$SWERVE_NS" link set bx$$-a up
ip -n "$NS2" link set bx$$-b up
ip -n "$NS2" link set lo up
ip -n "$NS2" route add 198.18.0.0/24 via 198.18.2.1
SWERVE_CL=bx$$-a lab_offload off

mkdir -p "$K/p" "$K/s"
cp "$tmp/v1" "$K/p/bench.test.zone"
primary_conf >"$K/p.conf"
secondary_conf >"$K/s.conf"
lab_cl knotd -c "$K/p.conf" >"$K/p.out" 2>&1 &
lab_track $!
for _ in $(seq 100); do kc "$K/p.sock" zone-status bench.test 2>/dev/null && break; sleep 0.2; done
ip netns exec "$NS2" knotd -c "$K/s.conf" >"$K/s.out" 2>&1 &
lab_track $!
lab_swerved_up -O "" || exit 1

# poll T0 SERIAL: seconds from T0 until each secondary serves SERIAL ("swerve knot").
poll() {
	lab_cl python3 - "$1" "$2" "$KNOT2" <<'EOF'
import socket, struct, sys, time
t0, serial, knot2 = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
srv = {"swerve": "198.18.0.53", "knot": knot2}
q = struct.pack("!HHHHHH", 7, 0, 1, 0, 0, 0) + b"\x05bench\x04test\x00" + struct.pack("!HH", 6, 1)


def skip_name(m, i):
    while m[i] != 0:
        if m[i] & 0xC0 == 0xC0:
            return i + 2
        i += m[i] + 1
    return i + 1


def soa_serial(m):
    if len(m) < 12 or m[3] & 15 != 0 or struct.unpack("!H", m[6:8])[0] < 1:
        return None
    i = skip_name(m, 12) + 4
    i = skip_name(m, i)
    t = struct.unpack("!H", m[i:i + 2])[0]
    if t != 6:
        return None
    i = skip_name(m, i + 10)
    i = skip_name(m, i)
    return struct.unpack("!I", m[i:i + 4])[0]


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.005)
done = {}
while len(done) < 2 and time.time() - t0 < 60:
    for k, a in srv.items():
        if k in done:
            continue
        s.sendto(q, (a, 53))
        try:
            while True:
                m, frm = s.recvfrom(4096)
                who = [n for n, x in srv.items() if x == frm[0]]
                if who and who[0] not in done and soa_serial(m) == serial:
                    done[who[0]] = time.time() - t0
        except socket.timeout:
            pass
print("%.3f %.3f" % (done.get("swerve", -1), done.get("knot", -1)))
EOF
}

# The first transfer (AXFR) of both.
t0=$(date +%s.%N)
first=$(poll "$t0" 1)
echo "initial AXFR of $NAMES names, done this long after swerved first answered (swerve knot): $first" | tee "$tmp/result"

serial=1
for n in 1 1000 100000; do
	serial=$((serial + 1))
	mkver "$n" "$serial" "$tmp/v1" "$K/p/bench.test.zone" || { echo "bench: cannot change $n"; exit 1; }
	sleep 1
	t0=$(date +%s.%N)
	kc "$K/p.sock" zone-reload bench.test
	r=$(poll "$t0" "$serial")
	echo "changed $n records (serial $serial), seconds from commit to served (swerve knot): $r" |
		tee -a "$tmp/result"
	# The next round changes from v1 again: the primary's journal keeps every step.
done
grep -h "IXFR\|AXFR" "$K/s.log" | tail -n 4 | sed 's/^/  knot: /'
grep -h "secondary zone bench.test: \(ixfr\|axfr\)" "$log" | tail -n 4 | sed 's/^/  swerved: /'
mkdir -p "$(dirname "$out")"
{
	echo "# perf/bench_xfr.sh on $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
	cat "$tmp/result"
} >"$out"
echo "written: $out"
lab_shutdown >/dev/null
