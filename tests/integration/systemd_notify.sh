#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: swerved's systemd notifications (docs/running.md, "Running under systemd"),
# against a fake NOTIFY_SOCKET. A Python listener, in the client namespace, binds an AF_UNIX
# datagram socket in $tmp and records every message; swerved runs in the lab
# (tests/common/lab.sh) with NOTIFY_SOCKET and WATCHDOG_USEC=1000000 set, as systemd sets them
# for Type=notify and WatchdogSec=1s. Checks:
#   - READY=1 arrives once, after start-up: the listener copies swerved's log the moment
#     READY=1 arrives and that copy already holds the start-up summary ("swerved: serving");
#     one query sent right then, with a single try, is answered. Its STATUS= names the zones
#     and the workers.
#   - WATCHDOG=1 keeps coming while every worker runs (three pings, waited for with a bound).
#   - (builds with -Dtest_hooks=true only, as faults.sh) a frame stalls the only worker for
#     5 s: STATUS= reports it stuck, no WATCHDOG=1 arrives until STATUS= reports it running
#     again, and the pings resume after that. Judged on the order of the messages, not on time.
#   - `swervectl reload` adding a zone: RELOADING=1, then READY=1 whose STATUS= counts 2 zones.
#   - SIGTERM: STOPPING=1 after READY=1, and swerved exits 0.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test sdn$(($$ % 1000)) python3 dig

sock=$tmp/notify.sock
rec=$tmp/notify.jsonl

cat >"$tmp/listen.py" <<'PY'
import json, socket, struct, sys, time

path, out, log = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)


def ask():
    """One query for www.example.test A, one try: the rcode and answer count, or None."""
    q = struct.pack("!HHHHHH", 0x5EED, 0, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l for l in (b"www", b"example", b"test")) + b"\0"
    q += struct.pack("!HH", 1, 1)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    try:
        c.sendto(q, ("198.18.0.53", 53))
        r = c.recv(1500)
    except OSError:
        return None
    qid, flags, _, an = struct.unpack("!HHHH", r[:8])
    return {"id_ok": qid == 0x5EED, "rcode": flags & 15, "answers": an}


with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        r = {"t": time.monotonic(), "msg": msg}
        if "READY=1" in msg.split("\n"):
            with open(log, errors="replace") as l:
                r["log"] = l.read()
            r["answer"] = ask()
        f.write(json.dumps(r) + "\n")
PY

# notif EXPR: a Python expression on "m", the list of messages received so far, each a list of
# its lines, and "r", the records (the READY record has "log" and "answer").
notif()
{
	python3 - "$rec" "$1" <<'PY'
import json, os, sys
r = [json.loads(l) for l in open(sys.argv[1])] if os.path.exists(sys.argv[1]) else []
m = [x["msg"].split("\n") for x in r]
print(eval(sys.argv[2]))
PY
}
notif_true() { [ "$(notif "$1")" = True ]; }
pings() { notif 'sum("WATCHDOG=1" in x for x in m)'; }

lab_zone >"$tmp/example.test.zone"
lab_yaml "exception:
  interface: $EXC"
lab_up >/dev/null || { echo "FAIL: lab up"; exit 1; }

lab_cl_bg python3 "$tmp/listen.py" "$sock" "$rec" "$log"
lab_track $!
lab_until 10 test -S "$sock" || { fail "the listener did not bind $sock"; lab_verdict; }

lab_swerved_up -O "" -p "env NOTIFY_SOCKET=$sock WATCHDOG_USEC=1000000" || lab_verdict

# ---- READY=1 ----
lab_until 30 notif_true 'any("READY=1" in x for x in m)' || fail "no READY=1 within 30 s"
[ "$(notif 'sum("READY=1" in x for x in m)')" = 1 ] && pass "READY=1 sent once" ||
	fail "READY=1 sent $(notif 'sum("READY=1" in x for x in m)') times"
notif_true '"swerved: serving" in [x for x in r if "READY=1" in x["msg"].split("\n")][0]["log"]' &&
	pass "READY=1 came after the start-up summary was logged" ||
	fail "READY=1 came before the start-up summary was logged"
ans=$(notif '[x for x in r if "READY=1" in x["msg"].split("\n")][0]["answer"]')
notif_true '(lambda a: a is not None and a["id_ok"] and a["rcode"] == 0 and a["answers"] == 1)([x for x in r if "READY=1" in x["msg"].split("\n")][0]["answer"])' &&
	pass "a query sent the moment READY=1 arrived was answered ($ans)" ||
	fail "the query sent when READY=1 arrived: $ans"
status=$(notif '[l for x in m if "READY=1" in x for l in x if l.startswith("STATUS=")]')
notif_true '[l for x in m if "READY=1" in x for l in x if l.startswith("STATUS=serving 1 zone(s)") and "1 worker(s)" in l] != []' &&
	pass "READY=1 carries $status" || fail "READY=1's STATUS=: $status"

# ---- WATCHDOG=1 while healthy ----
lab_until 30 notif_true 'sum("WATCHDOG=1" in x for x in m) >= 3' &&
	pass "WATCHDOG=1 pings while every worker runs ($(pings) so far)" ||
	fail "WATCHDOG=1: $(pings) ping(s) within 30 s, 3 expected"
grep -q 'systemd: watchdog of 1000 ms' "$log" && pass "swerved logged systemd's watchdog interval" ||
	fail "no log line about systemd's watchdog"

# ---- a stuck worker (test hooks only) ----
if grep -q 'TEST HOOKS compiled in' "$log"; then
	lab_cl python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"swerve-test-stall:5000", ("198.18.0.53", 9))'
	stuck='[i for i, x in enumerate(m) if any(l.startswith("STATUS=") and "stuck" in l for l in x)]'
	lab_until 30 notif_true "$stuck != []" && pass "STATUS= reports the stalled worker stuck" ||
		fail "no STATUS= about a stuck worker within 30 s"
	# The STATUS= that clears it, then a ping after that.
	back="[i for i, x in enumerate(m) if i > ($stuck or [len(m)])[0] and any(l.startswith('STATUS=') and 'stuck' not in l for l in x)]"
	lab_until 30 notif_true "$back != []" && pass "STATUS= reports every worker running again" ||
		fail "STATUS= never reported the worker running again"
	between="[x for x in m[($stuck or [0])[0]:($back or [len(m)])[0]] if 'WATCHDOG=1' in x]"
	[ "$(notif "len($between)")" = 0 ] && pass "no WATCHDOG=1 while the worker was stuck" ||
		fail "$(notif "len($between)") WATCHDOG=1 ping(s) while the worker was stuck"
	lab_until 30 notif_true "[x for x in m[($back or [len(m)])[0]:] if 'WATCHDOG=1' in x] != []" &&
		pass "WATCHDOG=1 resumed after the recovery" || fail "no WATCHDOG=1 after the recovery"
	grep -q 'systemd: 1 worker(s) stuck: WATCHDOG=1 withheld' "$log" &&
		grep -q 'systemd: every worker runs again: WATCHDOG=1 resumed' "$log" &&
		pass "withheld and resumed logged" || fail "the withheld/resumed log lines are missing"
else
	echo "note: swerved built without -Dtest_hooks=true: the stuck-worker part is skipped"
fi

# ---- a configuration reload: RELOADING=1, then READY=1 with the new status ----
sed -i 's/^zones:$/zones:\n  - name: second.test\n    file: second.test.zone/' "$tmp/swerve.yaml"
printf '$ORIGIN second.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n  IN NS ns1\nns1 IN A 198.18.0.53\n' \
	>"$tmp/second.test.zone"
out=$(timeout 20 "$swervectl" -s "$tmp/control.sock" reload 2>&1) || fail "swervectl reload: $out"
reloading='[i for i, x in enumerate(m) if "RELOADING=1" in x]'
lab_until 10 notif_true "$reloading != []" &&
	notif_true "[x for x in m[$reloading[0]:] if 'READY=1' in x and any(l.startswith('STATUS=serving 2 zone(s)') for l in x)] != []" &&
	pass "reload: RELOADING=1, then READY=1 with STATUS=serving 2 zone(s)" ||
	fail "reload notifications: $(notif "[x for x in m if 'RELOADING=1' in x or 'READY=1' in x]")"

# ---- STOPPING=1 ----
if lab_stop_pid "$pid" 10 TERM; then
	[ "$LAB_RC" = 0 ] && pass "swerved exited 0 on SIGTERM" || fail "swerved exited $LAB_RC"
else
	fail "swerved did not stop within 10 s of SIGTERM"
fi
pid=
lab_until 5 notif_true 'any("STOPPING=1" in x for x in m)' &&
	notif_true '[i for i, x in enumerate(m) if "READY=1" in x][0] < [i for i, x in enumerate(m) if "STOPPING=1" in x][0]' &&
	pass "STOPPING=1 after READY=1" || fail "no STOPPING=1 after READY=1"
lab_sanitizer_check
echo "    messages: $(notif 'len(m)'), WATCHDOG=1: $(pings)"
lab_verdict
