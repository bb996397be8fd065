#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every libFuzzer target for a bounded time on a copy of its seed corpus; non-zero exit on any crash.
#
#   tests/fuzz/run.sh [SECONDS]          (default 60 per target, one target at a time)
#
# Environment:
#   FUZZ_BUILDDIR   the -Dfuzz=true build (default: build-fuzz in or next to the source tree)
#   FUZZ_TARGETS    space-separated subset, e.g. "fuzz_dnsq fuzz_pkt"
#   FUZZ_ARTIFACTS  where crash/leak/timeout inputs are copied (default ./fuzz-artifacts)
#   FUZZ_KEEP       a directory: the grown corpora are kept there instead of deleted
#
# Before fuzzing, each target replays tests/fuzz/regressions/<target>/ (inputs
# of bugs found earlier) so a fixed bug that comes back fails at once.

set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$SRC/tests/fuzz
SECONDS_EACH=${1:-60}
ALL="fuzz_dnsq fuzz_pkt fuzz_zone fuzz_config fuzz_ctl fuzz_failover fuzz_image"
TARGETS=${FUZZ_TARGETS:-$ALL}
ARTIFACTS=${FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}

if [ -n "${FUZZ_BUILDDIR:-}" ]; then
	BUILD=$FUZZ_BUILDDIR
elif [ -d "$SRC/build-fuzz" ]; then
	BUILD=$SRC/build-fuzz
else
	BUILD=$(cd "$SRC/.." && pwd)/build-fuzz
fi
case $SECONDS_EACH in
'' | *[!0-9]*)
	echo "usage: $0 [SECONDS]" >&2
	exit 2
	;;
esac

# Largest input per target: a jumbo frame, a zone or config of a few pages.
max_len() {
	case $1 in
	fuzz_dnsq) echo 4096 ;;
	fuzz_pkt) echo 9100 ;;
	fuzz_zone) echo 16384 ;;
	fuzz_config) echo 8192 ;;
	fuzz_ctl) echo 8192 ;;
	fuzz_failover) echo 4096 ;;
	fuzz_image) echo 65536 ;;
	esac
}

# An undefined-behaviour report or a leak must end the run as a crash.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
# Leaks inside system libraries that swerve cannot fix (each one explained in the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$FUZZ/lsan.supp:print_suppressions=0}

WORK=$(mktemp -d /tmp/swerve-fuzzrun-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
TIMEFORMAT='%3R %3U %3S'
failed=0
printf '%-12s %8s %9s %12s %8s  %s\n' target "wall(s)" "cpu(s)" execs "new" result

for t in $TARGETS; do
	bin=$BUILD/tests/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "$t: $bin not built (meson setup with -Dfuzz=true, see tests/fuzz/meson.build)" >&2
		failed=1
		continue
	fi
	d=$WORK/$t
	mkdir -p "$d/corpus" "$d/artifacts"
	cp -r "$FUZZ/corpus/$t/." "$d/corpus/"
	args=(-artifact_prefix="$d/artifacts/" -print_final_stats=1 -timeout=25
		-rss_limit_mb=2560 -max_len="$(max_len "$t")")
	[ -f "$FUZZ/dict/$t.dict" ] && args+=(-dict="$FUZZ/dict/$t.dict")

	# Regression inputs first: each must run clean.
	result=ok
	if compgen -G "$FUZZ/regressions/$t/*" >/dev/null; then
		if ! TMPDIR=$d "$bin" "${args[@]}" -runs=1 "$FUZZ/regressions/$t/"* \
			>"$d/regress.log" 2>&1; then
			result="REGRESSION (see $ARTIFACTS/$t-regress.log)"
			mkdir -p "$ARTIFACTS"
			cp "$d/regress.log" "$ARTIFACTS/$t-regress.log"
			failed=1
		fi
	fi

	{ time TMPDIR=$d "$bin" "${args[@]}" -max_total_time="$SECONDS_EACH" "$d/corpus" \
		>"$d/log" 2>&1; } 2>"$d/time"
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
	added=$(sed -n 's/^stat::new_units_added: *//p' "$d/log" | tail -1)
	wall=$(awk '{ printf "%.0f", $1 }' "$d/time")
	cpu=$(awk '{ printf "%.1f", $2 + $3 }' "$d/time")
	found=$(find "$d/artifacts" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		mkdir -p "$ARTIFACTS"
		cp "$d/artifacts/"* "$ARTIFACTS/" 2>/dev/null
		cp "$d/log" "$ARTIFACTS/$t.log"
		result="FOUND $found input(s), exit $rc (see $ARTIFACTS/$t.log)"
		failed=1
	fi
	printf '%-12s %8s %9s %12s %8s  %s\n' "$t" "$wall" "$cpu" "${execs:-?}" "${added:-?}" \
		"$result"
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP/$t"
		cp -r "$d/corpus/." "$FUZZ_KEEP/$t/"
	fi
	rm -rf "$d"
done
exit $failed
