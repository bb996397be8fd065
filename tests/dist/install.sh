#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `meson install` of this build into a scratch DESTDIR (docs/running.md, "Running under
# systemd"): every file lands where the prefix and the options say (binaries, unit, sysusers.d,
# swerved.env and the example config in sysconfdir/swerve and under the documentation
# directory); the unit has no placeholder left and its paths are the installed binaries; the
# installed swerved --check accepts the installed example config (the unit's ExecStartPre); a
# second install keeps an edited swerve.yaml; `systemd-analyze verify` finds nothing to say about
# the installed unit, and every capability it names is one systemd knows. When scdoc is there (so
# the build made the man pages), the man pages are installed too and verify finds the ones the
# unit's Documentation= names among them (MANPATH is the DESTDIR's); without scdoc, verify runs
# with --man=no.
#
# systemd-analyze verify runs with --root=DESTDIR, so the unit's absolute paths (ExecStart=
# and the others) resolve to the binaries just installed there rather than to this machine's
# /usr/local. It then also looks for the units swerved.service depends on (sysinit.target,
# network-online.target ...) inside that root: the host's unit directory is copied in for
# that. verify only warns (exit 0) about unknown keys and values it cannot parse, so any
# output at all is a failure here.
set -u

build=${SWERVE_BUILDDIR:?SWERVE_BUILDDIR is set by meson test}
failures=0
pass() { echo "ok: $*"; }
fail()
{
	echo "FAIL: $*"
	failures=$((failures + 1))
}

command -v meson >/dev/null || { echo "SKIP: meson missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The options this build was configured with.
opt()
{
	meson introspect "$build" --buildoptions | python3 -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]][0])' "$1"
}
# A directory option: absolute as given, else under the prefix.
dir_opt()
{
	local v
	v=$(opt "$1")
	case $v in /*) echo "$v" ;; *) echo "$prefix/$v" ;; esac
}
prefix=$(opt prefix)
bindir=$(dir_opt bindir)
sysconfdir=$(dir_opt sysconfdir)
docdir=$(dir_opt datadir)/doc/swerve
mandir=$(dir_opt mandir)
unitdir=$(opt systemdunitdir)
[ -n "$unitdir" ] || unitdir=$prefix/lib/systemd/system
sysusersdir=$(opt sysusersdir)
[ -n "$sysusersdir" ] || sysusersdir=$prefix/lib/sysusers.d

root=$tmp/root
if meson install -C "$build" --no-rebuild --destdir "$root" >"$tmp/install.log" 2>&1; then
	pass "meson install --destdir $root"
else
	fail "meson install failed:"
	sed 's/^/    | /' "$tmp/install.log"
	exit 1
fi

# Where each file must be, and its mode.
check_file()
{
	local path=$1 mode=$2
	if [ ! -f "$root$path" ]; then
		fail "missing: $path"
	elif [ "$mode" = x ] && [ ! -x "$root$path" ]; then
		fail "not executable: $path"
	else
		pass "installed: $path"
	fi
}
check_file "$bindir/swerved" x
check_file "$bindir/swervectl" x
check_file "$unitdir/swerved.service" r
check_file "$sysusersdir/swerve.conf" r
for f in swerve.yaml example.com.zone swerved.env; do
	check_file "$sysconfdir/swerve/$f" r
	check_file "$docdir/examples/$f" r
done
man=(--man=no)
if command -v scdoc >/dev/null; then
	check_file "$mandir/man8/swerved.8" r
	check_file "$mandir/man8/swervectl.8" r
	check_file "$mandir/man5/swerve.yaml.5" r
	man=(--man=yes)
else
	echo "note: no scdoc, so no man pages: they are neither checked nor looked up by verify"
fi

unit=$root$unitdir/swerved.service
if [ -f "$unit" ]; then
	grep -n '@[a-z_]*@' "$unit" && fail "placeholders left in the unit" ||
		pass "no placeholder left in the unit"
	grep -q "^ExecStart=$bindir/swerved .* -c $sysconfdir/swerve/swerve.yaml\$" "$unit" &&
		grep -q "^ExecStartPre=$bindir/swerved --check -c $sysconfdir/swerve/swerve.yaml\$" "$unit" &&
		grep -q "^ExecReload=$bindir/swervectl -s /run/swerve/control.sock reload\$" "$unit" &&
		pass "ExecStart=, ExecStartPre= and ExecReload= use $bindir and $sysconfdir" ||
		fail "the unit's commands do not point at $bindir and $sysconfdir/swerve"
fi
grep -Eq '^g[[:space:]]+swerve[[:space:]]' "$root$sysusersdir/swerve.conf" 2>/dev/null &&
	pass "sysusers.d creates group swerve" || fail "sysusers.d: no group swerve"

# The unit's ExecStartPre on the installed example: the config and its zone load.
# The installed config keeps failover overrides where the unit's StateDirectory= is.
grep -q '^ *state-file: /var/lib/swerve/failover.json$' "$root$sysconfdir/swerve/swerve.yaml" &&
	pass "the installed swerve.yaml keeps failover overrides in /var/lib/swerve" ||
	fail "installed swerve.yaml: $(grep 'state-file:' "$root$sysconfdir/swerve/swerve.yaml")"
grep -q '^ *image: /var/lib/swerve/table.img$' "$root$sysconfdir/swerve/swerve.yaml" &&
	pass "the installed swerve.yaml keeps the table image in /var/lib/swerve" ||
	fail "installed swerve.yaml: $(grep 'image:' "$root$sysconfdir/swerve/swerve.yaml")"
if "$root$bindir/swerved" --check -c "$root$sysconfdir/swerve/swerve.yaml" >"$tmp/check.log" 2>&1; then
	pass "installed swerved --check accepts the installed swerve.yaml"
else
	fail "swerved --check on the installed config:"
	sed 's/^/    | /' "$tmp/check.log"
fi

# An operator's edit survives a second install.
echo "# edited by the operator" >>"$root$sysconfdir/swerve/swerve.yaml"
if meson install -C "$build" --no-rebuild --destdir "$root" >"$tmp/install2.log" 2>&1 &&
	tail -n 1 "$root$sysconfdir/swerve/swerve.yaml" | grep -q 'edited by the operator'; then
	pass "a second install keeps the edited swerve.yaml"
else
	fail "a second install overwrote swerve.yaml (or failed)"
fi

# systemd-analyze verify, inside the DESTDIR (see the header).
if ! command -v systemd-analyze >/dev/null; then
	echo "note: systemd-analyze missing: the unit is not verified"
elif [ -f "$unit" ]; then
	hostunits=
	for d in /lib/systemd/system /usr/lib/systemd/system; do
		[ -f "$d/sysinit.target" ] && { hostunits=$d; break; }
	done
	if [ -z "$hostunits" ]; then
		fail "no systemd unit directory on this host to verify against"
	else
		mkdir -p "$root/lib/systemd/system"
		cp -an "$hostunits/." "$root/lib/systemd/system/"
		MANPATH=$root$mandir systemd-analyze verify "${man[@]}" --root="$root" "$unit" \
			>"$tmp/verify.log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.log" ]; then
			pass "systemd-analyze verify: no complaint"
		else
			fail "systemd-analyze verify (exit $rc):"
			sed 's/^/    | /' "$tmp/verify.log"
		fi
	fi
	# verify accepts an unknown capability name silently.
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
	# shellcheck disable=SC2086 # one name per word
	if [ -n "$caps" ] && systemd-analyze capability $caps >"$tmp/caps.log" 2>&1; then
		pass "capabilities known to systemd: $caps"
	else
		fail "CapabilityBoundingSet= '$caps':"
		sed 's/^/    | /' "$tmp/caps.log"
	fi
fi

if [ "$failures" -ne 0 ]; then
	echo "install: $failures failure(s)"
	exit 1
fi
echo "install: all passed"
