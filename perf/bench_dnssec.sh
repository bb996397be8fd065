#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The answer engine on a signed zone, next to the same zone unsigned, in one run
# (docs/dnssec.md). A zone of NAMES names from perf/gen_zone.py is signed with
# ldns-signzone twice (NSEC, and NSEC3 with no salt and 0 iterations, RFC 9276)
# with a fresh ECDSA P-256 KSK and ZSK; bench_answer then answers every mix with
# every query asking EDNS+DO (-D) on the three zones, one after the other on the
# same core, and a summary prints each signed mix as a ratio of the unsigned one.
#
# usage: perf/bench_dnssec.sh [-b BUILDDIR] [-n NAMES] [-s SECONDS] [-c CPU] [-o JSON]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
names=10000
secs=2
cpu=1
json=
while getopts "b:n:s:c:o:" o; do
	case $o in
	b) build=$OPTARG ;;
	n) names=$OPTARG ;;
	s) secs=$OPTARG ;;
	c) cpu=$OPTARG ;;
	o) json=$OPTARG ;;
	*) sed -n 2,11p "$0" >&2; exit 2 ;;
	esac
done
bench=$build/perf/bench_answer
[ -x "$bench" ] || { echo "bench_dnssec: build $bench first (ninja -C $build)" >&2; exit 2; }

[ -z "$json" ] || json=$(realpath -m "$json")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
python3 "$top/perf/gen_zone.py" --origin bench.test. "$names" bench.test.zone
ldns-keygen -a ECDSAP256SHA256 -k bench.test >/dev/null
ldns-keygen -a ECDSAP256SHA256 bench.test >/dev/null
keys=$(ls Kbench.test.*.key | sed 's/\.key$//' | tr '\n' ' ')
# shellcheck disable=SC2086
ldns-signzone -f nsec.zone bench.test.zone $keys
# shellcheck disable=SC2086
ldns-signzone -n -t 0 -f nsec3.zone bench.test.zone $keys

run() {
	echo "== $1"
	"$bench" -s "$secs" -c "$cpu" -D "$2" bench.test. | tee "$1.out"
}
run unsigned bench.test.zone
run nsec nsec.zone
run nsec3 nsec3.zone

# The per-mix ns/query of each run, side by side, and the ratio to unsigned.
python3 - "$json" <<'PY'
import json, re, sys
def rows(name):
    out = {}
    for line in open(name + ".out"):
        # "mix  answered  ns/query  Mqps  check%"
        m = re.match(r"^(\S.*?)\s{2,}(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)%$", line.strip())
        if m:
            out[m.group(1).strip()] = float(m.group(3))
    return out
u, n, n3 = rows("unsigned"), rows("nsec"), rows("nsec3")
print("\n%-16s %12s %12s %12s %10s %10s" % ("mix (all DO=1)", "unsigned", "NSEC", "NSEC3",
                                           "NSEC/u", "NSEC3/u"))
res = []
for mix in u:
    if mix in n and mix in n3:
        print("%-16s %9.1f ns %9.1f ns %9.1f ns %9.2fx %9.2fx" % (mix, u[mix], n[mix], n3[mix],
              n[mix] / u[mix], n3[mix] / u[mix]))
        res.append({"mix": mix, "unsigned_ns": u[mix], "nsec_ns": n[mix], "nsec3_ns": n3[mix]})
if sys.argv[1]:
    json.dump(res, open(sys.argv[1], "w"), indent=1)
PY
