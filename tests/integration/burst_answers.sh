#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: answers through the worker's staged burst path (docs/design.md, "Answering a
# burst"). A zone of 30,000 names (perf/gen_zone.py) makes a table of about 3.6 MB, past what
# rrt_cache_resident() calls small, so every burst is staged: `swervectl status` must say so.
# From the client namespace a checker sends queries 32 at a time back to back, so that they
# arrive in one receive burst, for names drawn at random from the zone file: names with A
# records, CNAMEs (the answer is the CNAME and its target's A), wildcard matches, names that do
# not exist (NXDOMAIN with the SOA), AAAA at names with only an A (NODATA), and names of other
# zones (REFUSED). Every answer is checked against the zone file. Then the same with the small
# example zone, which must not be staged, as the control for the checker itself.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test bu$(($$ % 100000)) python3 dig

NAMES=${BURST_NAMES:-30000}
QUERIES=${BURST_QUERIES:-4000}

# gen_zone.py ZONE NAMES: a generated zone, plus the www name the lab waits for.
gen_zone() {
	python3 "$top/perf/gen_zone.py" "$2" "$1" --origin example.test. --seed 7 >/dev/null &&
		echo 'www A 192.0.2.80' >>"$1"
}
gen_zone "$tmp/example.test.zone" "$NAMES" || { echo "FAIL: gen_zone.py"; exit 1; }
lab_start "exception:
  interface: $EXC"

status() { timeout 10 "$swervectl" -s "$tmp/control.sock" --json status; }
st=$(status | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["staged_lookups"], r["table_bytes"])')
read -r staged bytes <<<"$st"
[ "$staged" = True ] && pass "a table of $bytes octets is staged (swervectl status)" ||
	fail "status: staged_lookups=$staged table_bytes=$bytes"

cat >"$tmp/check.py" <<'PY'
import random, socket, struct, sys

zone, nq, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
origin = "example.test."
a, aaaa, cname, other = {}, set(), {}, set()  # other: delegation points
for line in open(zone):
    f = line.split()
    if not f or f[0].startswith((";", "$")) or f[0] == "@":
        continue
    name = f[0].lower() + "." + origin
    if f[1] == "A":
        a.setdefault(name, set()).add(f[2])
    elif f[1] == "AAAA":
        aaaa.add(name)
    elif f[1] == "CNAME":
        cname[name] = f[2].lower() + "." + origin
    elif f[1] == "NS":
        other.add(name)
# Names at or below a delegation are answered with a referral: not asked here.
below = lambda n: any(n == c or n.endswith("." + c) for c in other)
a = {n: v for n, v in a.items() if not below(n)}
cname = {n: v for n, v in cname.items() if not below(n) and not below(v)}

def qname(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.rstrip(".").split(".")) + b"\0"

def query(qid, n, t):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname(n) + struct.pack("!HH", t, 1)

def name_at(m, o):
    labels = []
    while True:
        l = m[o]
        if l >= 0xC0:
            n, _ = name_at(m, (l & 0x3F) << 8 | m[o + 1])
            return ".".join(labels + ([n.rstrip(".")] if n != "." else [])) + ".", o + 2
        if l == 0:
            return (".".join(labels) + ".") if labels else ".", o + 1
        labels.append(m[o + 1:o + 1 + l].decode().lower())
        o += 1 + l

def parse(m):
    qid, fl, qd, an, ns, ar = struct.unpack("!HHHHHH", m[:12])
    o = 12
    for _ in range(qd):
        _, o = name_at(m, o)
        o += 4
    recs = []
    for _ in range(an + ns):
        n, o = name_at(m, o)
        t, c, ttl, rl = struct.unpack("!HHIH", m[o:o + 10])
        o += 10
        rd = m[o:o + rl]
        if t == 1:
            v = socket.inet_ntoa(rd)
        elif t == 5:
            v, _ = name_at(m, o)
        else:
            v = None
        recs.append((n, t, v))
        o += rl
    return qid, fl & 0xF, an, recs

rng = random.Random(seed)
names_a = sorted(a)
kinds = []
for i in range(nq):
    k = rng.randrange(10)
    if k < 5:
        kinds.append(("a", rng.choice(names_a), 1))
    elif k < 6 and cname:
        kinds.append(("cname", rng.choice(sorted(cname)), 1))
    elif k < 7:
        kinds.append(("wild", "w%d.wild.%s" % (rng.randrange(10**6), origin), 1))
    elif k < 8:
        kinds.append(("nx", "nx-%d.%s" % (rng.randrange(10**9), origin), 1))
    elif k < 9:
        n = rng.choice([x for x in names_a[:2000] if x not in aaaa])
        kinds.append(("nodata", n, 28))
    else:
        kinds.append(("refused", "host-%d.example.net." % rng.randrange(1000), 1))

def expect(kind, n, rcode, an, recs):
    ans = [r for r in recs[:an]]
    if kind == "a":
        return rcode == 0 and {v for (o, t, v) in ans if t == 1 and o == n} == a[n]
    if kind == "cname":
        tgt = cname[n]
        return (rcode == 0 and (n, 5, tgt) in ans and
                (tgt not in a or {v for (o, t, v) in ans if t == 1 and o == tgt} == a[tgt]))
    if kind == "wild":
        return rcode == 0 and [(o, t, v) for (o, t, v) in ans if t == 1] == [(n, 1, "198.18.0.3")]
    if kind == "nx":
        return rcode == 3 and an == 0 and any(t == 6 for (_, t, _) in recs)
    if kind == "nodata":
        return rcode == 0 and an == 0 and any(t == 6 for (_, t, _) in recs)
    return rcode == 5

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("198.18.0.53", 53))
bad = lost = 0
per = {}
for base in range(0, nq, 32):
    batch = kinds[base:base + 32]
    for j, (k, n, t) in enumerate(batch):
        s.send(query(base + j, n, t))
    got = {}
    try:
        while len(got) < len(batch):
            m = s.recv(4096)
            qid, rcode, an, recs = parse(m)
            got[qid] = (rcode, an, recs)
    except socket.timeout:
        pass
    for j, (k, n, t) in enumerate(batch):
        r = got.get(base + j)
        per.setdefault(k, [0, 0])[0] += 1
        if r is None:
            lost += 1
            continue
        if not expect(k, n, *r):
            bad += 1
            per[k][1] += 1
            if bad <= 5:
                print("note: %s %s type %d: rcode %d, %d answers %s" % (k, n, t, r[0], r[1], r[2][:4]))
print("note: " + ", ".join("%s %d (%d wrong)" % (k, v[0], v[1]) for k, v in sorted(per.items())))
print("%d %d" % (bad, lost))
PY

# check_answers LABEL: the checker against what swerved serves now.
check_answers() {
	local out bad lost
	out=$(ip netns exec "$SWERVE_NS" python3 "$tmp/check.py" "$tmp/example.test.zone" "$QUERIES" 11 2>&1)
	grep '^note:' <<<"$out" | sed 's/^note: /    /'
	read -r bad lost <<<"$(tail -n 1 <<<"$out")"
	if [ "${bad:-x}" = 0 ] && [ "${lost:-x}" = 0 ]; then
		pass "$1: $QUERIES queries in bursts of 32, every answer as the zone file says"
	else
		fail "$1: ${bad:-?} wrong, ${lost:-?} unanswered of $QUERIES: $(tail -n 3 <<<"$out")"
	fi
}
check_answers "staged"
grep -E 'stats: worker' "$log" | tail -n 1 | sed 's/^/    /'

# The control: the same checker against a zone small enough not to be staged.
lab_shutdown
gen_zone "$tmp/example.test.zone" 2000
lab_start "exception:
  interface: $EXC"
st=$(status | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["staged_lookups"], r["table_bytes"])')
read -r staged bytes <<<"$st"
[ "$staged" = False ] && pass "a table of $bytes octets is not staged" ||
	fail "status (small zone): staged_lookups=$staged table_bytes=$bytes"
check_answers "frame by frame"

lab_shutdown
lab_verdict
