#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite: installs what it needs, builds the release and the
# sanitizer trees, runs unit, golden, stress and integration tests in the
# release tree and unit, golden and stress again under address+undefined,
# then prints one line "N passed, N failed" and exits non-zero on any failure.
# Must run as root (the integration tests build network namespaces and run DPDK).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "test.sh: run as root (network namespaces, DPDK)" >&2
	exit 2
fi

"$top/scripts/setup.sh" --asan || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0

# Count one meson test run from its JSON log.
tally() {
	local log=$1/meson-logs/testlog.json
	local counts
	[ -f "$log" ] || { failed=$((failed + 1)); return; }
	counts=$(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
	read -r p f s <<<"$counts"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

run() {
	local dir=$1
	shift
	echo "== meson test -C $dir $*"
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"
	tally "$dir"
}

run build --suite unit --suite golden --suite stress
run build --suite integration
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	run build-asan --suite unit --suite golden --suite stress

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
