#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite: installs what it needs, builds the release, the sanitizer and the fuzzing
# trees, then runs
#   1. unit, golden, stress and integration tests in the release tree (build/);
#   2. unit, golden and stress again under address+undefined (build-asan/, built with
#      -Dtest_hooks=true so the stuck-worker check in faults.sh can stall a worker);
#   3. a part of the integration suite against the address+undefined swerved, leak detection on
#      (SWERVE_ASAN_INTEGRATION lists it; see the hardening notes for why this part);
#   4. every libFuzzer target for SWERVE_FUZZ_SECONDS (default 30) under address+undefined
#      (build-fuzz/, clang), two at a time, each one counted as a test;
# then prints one line "N passed, N failed" and exits non-zero on any failure.
# Must run as root (the integration tests build network namespaces and run DPDK).
#
# Environment: SWERVE_FUZZ_SECONDS (0 skips fuzzing), SWERVE_ASAN_INTEGRATION (test names),
# SOAK_SECONDS (the release soak, default 120).
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
t_start=$(date +%s)

# Count one meson test run from its JSON log.
tally() {
	local log=$1/meson-logs/testlog.json
	local counts
	[ -f "$log" ] || { failed=$((failed + 1)); return; }
	# A skip (exit 77: an integration test that cannot run here, a unit test whose TU_SKIP
	# fired) is counted as a skip and named; under CI (CI=true) it is a failure, since CI
	# runs as root on a machine set up for the whole suite.
	counts=$(python3 - "$log" <<'PY'
import json, os, sys
ci = os.environ.get("CI", "") in ("true", "1")
p = f = s = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP" and not ci:
        s += 1
        print("SKIP: %s" % t["name"], file=sys.stderr)
    else:
        f += 1
        if r == "SKIP":
            print("FAIL: %s skipped under CI" % t["name"], file=sys.stderr)
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

# Seconds since the start, for the timing lines CI budgets are read from.
stamp() { echo "== $(($(date +%s) - t_start)) s: $*"; }

run build --suite unit --suite golden --suite stress
stamp "release unit, golden, stress done"
run build --suite integration
stamp "release integration done"

# The sanitizer tree also carries the test hooks (a frame that stalls a worker, for the watchdog
# check); the release tree never does.
meson configure build-asan -Dtest_hooks=true >/dev/null || failed=$((failed + 1))
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run build-asan --suite unit --suite golden --suite stress
stamp "sanitizer unit, golden, stress done"

# Integration under the sanitizer swerved: every test whose swerved lifecycle differs (serving
# and bad frames, exception path and faults with the stuck worker, zone and config reloads under
# load, failover checks, TCP, the control socket, systemd notifications (with the stuck worker
# only the sanitizer tree's test hooks can make), dnstap's rings and writer, starts from the table
# image with the loader thread's parse behind them) and the soak,
# shortened, which takes one swerved
# through start, serve, reloads, failover flips and stop with leak detection on at exit.
asan_integration=${SWERVE_ASAN_INTEGRATION:-exception_path faults reload_load config_reload burst_answers failover tcp_dns control_socket systemd_notify dnstap table_image soak}
SOAK_SECONDS=30 SOAK_QPS=5000 run build-asan --suite integration $asan_integration
stamp "sanitizer integration done"
unset ASAN_OPTIONS UBSAN_OPTIONS

# Fuzzing: a bounded run of every target, replaying its regression inputs first (tests/fuzz/run.sh).
fuzz_seconds=${SWERVE_FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
	fuzz_targets=$(sed -n 's/^ALL="\(.*\)"$/\1/p' tests/fuzz/run.sh)
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbuildtype=debugoptimized \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	fi
	# shellcheck disable=SC2086
	if ! ninja -C build-fuzz $(printf 'tests/fuzz/%s ' $fuzz_targets) >build-fuzz/ninja.log 2>&1; then
		tail -30 build-fuzz/ninja.log
		echo "FAIL: the fuzz targets do not build"
		failed=$((failed + 1))
	else
		fuzz_out=$(mktemp -d)
		set -- $fuzz_targets
		while [ $# -gt 0 ]; do
			# Two at a time: one per core.
			for t in "$1" "${2:-}"; do
				[ -n "$t" ] || continue
				FUZZ_BUILDDIR=$top/build-fuzz FUZZ_TARGETS=$t FUZZ_ARTIFACTS=$top/fuzz-artifacts \
					tests/fuzz/run.sh "$fuzz_seconds" >"$fuzz_out/$t" 2>&1 &
			done
			wait
			for t in "$1" "${2:-}"; do
				[ -n "$t" ] || continue
				if tail -1 "$fuzz_out/$t" | grep -q ' ok$'; then
					passed=$((passed + 1))
					echo "fuzz: $(tail -1 "$fuzz_out/$t")"
				else
					failed=$((failed + 1))
					echo "FAIL: fuzz $t:"
					sed 's/^/    /' "$fuzz_out/$t"
				fi
			done
			shift
			[ $# -gt 0 ] && shift
		done
		rm -rf "$fuzz_out"
	fi
	stamp "fuzzing done ($fuzz_seconds s per target)"
fi

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
