#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: swerved's DNSSEC answers validate in a real validating resolver.
#
# swerved serves the lab set of tests/common/zones/signed (nsec.example: NSEC,
# nsec3.example: NSEC3, optout.example: NSEC3 with opt-out; one template signed
# three times by ldns-signzone). Unbound runs in the client namespace on
# 127.0.0.1:53 as a validating resolver: the zones' KSKs as trust anchors (their
# DS records, trust-anchors.txt), one stub zone per zone pointing at swerved's
# service address, no aggressive NSEC use, so every answer below is validated
# from what swerved sent. Each kind of answer is asked through Unbound with
# dig +dnssec and must come back secure (AD=1; for a negative answer AD=1 with
# NXDOMAIN or an empty NOERROR), or insecure where RFC 5155 says an opt-out
# proof proves no more than that (NOERROR/NXDOMAIN with AD=0, never SERVFAIL).
#
# Phase 1: the fixture files as they are.
# Phase 2 (the test can fail): one RRSIG corrupted in a copy (www A in
#   nsec.example; the NSEC3 of the apex in nsec3.example), zone-reload, a fresh
#   Unbound: those answers must be SERVFAIL (bogus), the rest still secure.
# Phase 3: the zones re-signed here (new serial, new inception, new ECDSA
#   signatures), zone-reload, a fresh Unbound: every check of phase 1 again.
# Exit 0 when all passed, 77 when it cannot run here, 1 otherwise.
set -u

# shellcheck source=tests/common/lab.sh
. "$(dirname "$0")/../common/lab.sh"
lab_test ub$(($$ % 100000)) dig unbound unbound-checkconf ldns-signzone ldns-nsec3-hash knotd
signed=$top/tests/common/zones/signed
zones=(nsec.example nsec3.example optout.example optout-knot.example)
ub=

# template ORIGIN [SERIAL]: the unsigned template (tests/common/zones/example.com.zone) as ORIGIN.
template() {
	grep -v '^;' "$top/tests/common/zones/example.com.zone" | sed "s/example\.com\./$1./g" |
		sed "s/ 2024010101 / ${2:-2024010101} /"
}

# The zone files swerved loads live in $tmp (phases 2 and 3 rewrite them). optout-knot.example
# is signed here by Knot (NSEC3 opt-out with the unsigned delegations left out of the chain,
# which ldns-signzone -p does not do), its KSK's DNSKEY the trust anchor.
for z in "${zones[@]:0:3}"; do cp "$signed/$z.zone" "$tmp/$z.zone"; done
mkdir -p "$tmp/kasp"
template optout-knot.example >"$tmp/knot-optout.unsigned"
KNOT_SIGN_KASP=$tmp/kasp "$signed/knot-sign.sh" optout-knot.example "$tmp/knot-optout.unsigned" \
	"$tmp/optout-knot.example.zone" optout "$tmp/knot-anchor.txt" || { fail "knot-sign"; lab_verdict; }
zargs=()
for z in "${zones[@]}"; do zargs+=(-z "$z=$tmp/$z.zone"); done
# A failover record in two of the signed zones, signed online with the zone's ZSK (docs/
# dnssec.md): mail, whose A RRset in the zone is the placeholder that keeps the type in the
# NSEC/NSEC3 chain. Manual endpoints: phase "failover" forces the backup pool and back.
fo_zones=(nsec.example nsec3.example)
zsk() { # the key that signs the zone's RRsets: flags 256, not the SEP key
	local k
	for k in "$signed/K$1.+"*.key; do
		grep -qE 'DNSKEY[[:space:]]+256' "$k" && echo "${k%.key}.private"
	done
}
fo_records=""
for z in "${fo_zones[@]}"; do
	fo_records+="
    - name: mail.$z
      type: A
      ttl: 30
      degraded-ttl: 10
      check:
        kind: manual
      pools:
        - name: primary
          endpoints:
            - address: 198.18.7.1
              name: p-$z
        - name: backup
          endpoints:
            - address: 198.18.7.2
              name: b-$z"
done
lab_yaml "${zargs[@]}" "exception:
  interface: $EXC" "tcp:
  max-clients: 16" "failover:
  state-file: ~
  records:$fo_records"
for z in "${fo_zones[@]}"; do
	key=$(zsk "$z")
	[ -n "$key" ] || { fail "no ZSK for $z"; lab_verdict; }
	sed -i "s|^    file: $tmp/$z.zone\$|&\n    dnssec:\n      key-files: [$key]|" "$tmp/swerve.yaml"
done
[ "$(grep -c 'key-files' "$tmp/swerve.yaml")" -eq ${#fo_zones[@]} ] ||
	{ fail "dnssec.key-files not in the config"; lab_verdict; }
lab_up >/dev/null || { echo "FAIL: lab up"; exit 1; }
lab_swerved_start -C "$tmp"
if ! lab_wait_answer ns1.nsec.example A 198.18.0.53; then
	fail "swerved did not answer; its log:"
	sed 's/^/    | /' "$log"
	lab_verdict
fi
pass "swerved serves the three signed zones"

# Unbound's configuration: validator, stub zones, trust anchors, nothing outside the namespace.
cat "$signed/trust-anchors.txt" "$tmp/knot-anchor.txt" >"$tmp/anchors.txt"
{
	echo "server:"
	echo "    interface: 127.0.0.1"
	echo "    port: 53"
	echo "    do-daemonize: no"
	echo "    username: \"\""
	echo "    chroot: \"\""
	echo "    directory: \"$tmp\""
	echo "    pidfile: \"$tmp/unbound.pid\""
	echo "    logfile: \"\""
	echo "    use-syslog: no"
	echo "    verbosity: 1"
	echo "    val-log-level: 2"
	echo "    do-ip6: no"
	echo "    num-threads: 1"
	echo "    access-control: 127.0.0.0/8 allow"
	echo "    module-config: \"validator iterator\""
	echo "    trust-anchor-file: \"$tmp/anchors.txt\""
	echo "    qname-minimisation: no"
	echo "    aggressive-nsec: no"
	echo "    prefetch: no"
	echo "    serve-expired: no"
	echo "    val-permissive-mode: no"
	echo "    harden-dnssec-stripped: yes"
	echo "remote-control:"
	echo "    control-enable: no"
	for z in "${zones[@]}"; do
		echo "stub-zone:"
		echo "    name: \"$z\""
		echo "    stub-addr: $SERVICE4"
	done
} >"$tmp/unbound.conf"
unbound-checkconf "$tmp/unbound.conf" >/dev/null || { fail "unbound-checkconf"; lab_verdict; }

# unbound_start: a fresh Unbound (empty caches) for a phase; unbound_stop: by its PID.
n_ub=0
unbound_start() {
	n_ub=$((n_ub + 1))
	lab_cl_bg unbound -d -c "$tmp/unbound.conf" >"$tmp/unbound.$n_ub.log" 2>&1
	ub=$!
	lab_track "$ub"
	# The SOA of the NSEC zone through Unbound: up and validating.
	if ! lab_wait_answer -p "$ub" -n 40 -i 0.25 -s 127.0.0.1 nsec.example SOA >/dev/null; then
		fail "unbound did not answer; its log:"
		sed 's/^/    | /' "$tmp/unbound.$n_ub.log"
		lab_verdict
	fi
}
unbound_stop() {
	[ -n "$ub" ] || return 0
	lab_stop_pid "$ub" 5 TERM || true
	ub=
}

# ask NAME TYPE [SERVER [PORT]]: dig +dnssec; sets RCODE, AD (0/1), NAN (answer count), OUT.
ask() {
	OUT=$(lab_cl dig +dnssec +nosplit +time=3 +tries=2 -p "${4:-53}" @"${3:-127.0.0.1}" "$1" "$2" 2>&1)
	RCODE=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$OUT")
	AD=0
	grep -q '^;; flags:[a-z ]* ad[ ;]' <<<"$OUT" && AD=1
	NAN=$(sed -n 's/.*ANSWER: \([0-9]*\),.*/\1/p' <<<"$OUT")
	: "${RCODE:=none}" "${NAN:=0}"
}

# check WHAT NAME TYPE WANT: WANT is secure-answer, secure-nxdomain, secure-nodata,
# insecure-nxdomain, insecure-nodata (opt-out proofs) or bogus (SERVFAIL). RESULTS collects
# one row per check for the summary table.
declare -A RESULTS
check() {
	local what=$1 name=$2 type=$3 want=$4 got
	ask "$name" "$type"
	case "$RCODE/$AD/$NAN" in
	NOERROR/1/0) got=secure-nodata ;;
	NOERROR/1/*) got=secure-answer ;;
	NXDOMAIN/1/*) got=secure-nxdomain ;;
	NOERROR/0/0) got=insecure-nodata ;;
	NOERROR/0/*) got=insecure-answer ;;
	NXDOMAIN/0/*) got=insecure-nxdomain ;;
	SERVFAIL/*) got=bogus ;;
	*) got="$RCODE/ad=$AD/an=$NAN" ;;
	esac
	RESULTS["$PHASE|$what|${CZ:-}"]=$got
	if [ "$got" = "$want" ]; then
		pass "$PHASE: $what: $name $type: $got"
	else
		fail "$PHASE: $what: $name $type: want $want, got $got"
		sed 's/^/    | /' <<<"$OUT"
		grep 'validation failure' "$tmp/unbound.$n_ub.log" | grep -F "<$name" | sed 's/^/    | /'
		echo "    swerved's own answer:"
		ask "$name" "$type" "$SERVICE4"
		sed -n '/^;; ANSWER SECTION/,/^;; Query time/p' <<<"$OUT" | sed 's/^/    | /'
	fi
}

# One zone's answer kinds, and what each must be. In the opt-out zones every NSEC3 has the
# Opt-Out flag, so a proof that rests on an NSEC3 *covering* the next closer name (NXDOMAIN,
# wildcard answer, wildcard NODATA) shows only that no signed name exists there: RFC 5155 9.2
# (such a response is not authenticated, AD stays clear), which Unbound reports as insecure:
# NOERROR/NXDOMAIN without AD, never SERVFAIL. Answers proven by a matching NSEC3 stay secure.
# DS at an unsigned delegation: ldns-signzone -p keeps the delegation in the chain (a matching
# NSEC3 with NS only: secure); Knot leaves it out (RFC 5155 6), and the answer is the opt-out
# proof of RFC 5155 7.2.4 / 8.6: closest encloser, next closer covered by an Opt-Out NSEC3:
# insecure, as RFC 5155 8.6 and 9.2 say.
kinds() {
	local z=$1 o=secure oc=secure
	CZ=$z
	case $z in
	optout.example) o=insecure ;;
	optout-knot.example) o=insecure oc=insecure ;;
	esac
	check positive "www.$z" A secure-answer
	check cname-chain "alias2.$z" A secure-answer
	check apex-DNSKEY "$z" DNSKEY secure-answer
	check apex-SOA "$z" SOA secure-answer
	check apex-NS "$z" NS secure-answer
	check nxdomain "nx-$RANDOM.$z" A "$o-nxdomain"
	check nodata "www.$z" TXT secure-nodata
	check empty-non-terminal "ent.$z" A secure-nodata
	check wildcard-answer "x1.wild.$z" A "$o-answer"
	check wildcard-nodata "x2.wild.$z" MX "$o-nodata"
	check wildcard-cname "x3.wc.$z" A "$o-answer"
	check ds-at-signed-cut "signed.$z" DS secure-answer
	check ds-nodata-unsigned-cut "child.$z" DS "$oc-nodata"
	check ds-nodata-unsigned-cut-2 "ext.$z" DS "$oc-nodata"
}

PHASE=signed
unbound_start
pass "unbound validating through swerved"
for z in "${zones[@]}"; do kinds "$z"; done
unbound_stop

# Phase "failover": the failover record's answer, signed online, validates as it is served;
# after a flip (the backup pool forced) the new RRset and its new RRSIG validate too, and
# after the return to the primary. A fresh Unbound for each step: nothing from its cache.
# fo_step ZONE POOL ADDRESS: serve POOL, wait for swerved to answer ADDRESS, validate.
fo_step() {
	local z=$1 pool=$2 want=$3 out sig=''
	if [ "$pool" = auto ]; then
		out=$("$swervectl" -s "$tmp/control.sock" failover-auto "mail.$z" 2>&1)
	else
		out=$("$swervectl" -s "$tmp/control.sock" failover-force "mail.$z" "$pool" 2>&1)
	fi || fail "failover: swervectl ($pool) for mail.$z: $out"
	for _ in $(seq 40); do
		ask "mail.$z" A "$SERVICE4"
		grep -qE "^mail\.$z\.[[:space:]].*[[:space:]]A[[:space:]]+$want\$" <<<"$OUT" && break
		sleep 0.1
	done
	sig=$(awk '$4 == "RRSIG" && $5 == "A" { print $NF }' <<<"$OUT")
	if [ -n "$sig" ] && grep -qE "[[:space:]]A[[:space:]]+$want\$" <<<"$OUT"; then
		pass "failover: swerved serves mail.$z A $want with an RRSIG ($pool)"
	else
		fail "failover: swerved does not serve mail.$z A $want signed ($pool)"
		sed 's/^/    | /' <<<"$OUT"
	fi
	[ -n "${FO_LAST_SIG[$z]:-}" ] && [ "$sig" = "${FO_LAST_SIG[$z]}" ] &&
		fail "failover: mail.$z: the RRSIG did not change with the RRset ($pool)"
	FO_LAST_SIG[$z]=$sig
	unbound_start
	check "failover record ($pool)" "mail.$z" A secure-answer
	grep -qE "[[:space:]]A[[:space:]]+$want\$" <<<"$OUT" ||
		fail "failover: unbound did not get $want for mail.$z ($pool)"
	unbound_stop
}
PHASE=failover
declare -A FO_LAST_SIG
for z in "${fo_zones[@]}"; do
	CZ=$z
	fo_step "$z" primary 198.18.7.1
	fo_step "$z" backup 198.18.7.2
	fo_step "$z" auto 198.18.7.1
done
CZ=

# Phase 2: corrupt one signature octet (a base64 character swapped for another) in copies.
# corrupt FILE OWNER TYPE_COVERED: the RRSIG line of OWNER covering the type, its signature changed.
corrupt() {
	awk -v o="$2" -v t="$3" 'BEGIN { OFS = "\t" }
		$1 == o && $4 == "RRSIG" && $5 == t && !done {
			s = $NF; c = substr(s, 20, 1); r = (c == "A") ? "B" : "A"
			$NF = substr(s, 1, 19) r substr(s, 21); done = 1 }
		{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}
reload() {
	local z out
	for z in "$@"; do
		out=$("$swervectl" -s "$tmp/control.sock" zone-reload "$z" 2>&1) ||
			fail "zone-reload $z: $out"
	done
}
# The signature of SOA in a zone as swerved serves it (to see that a reload took).
soa_sig() { lab_cl dig +dnssec +short +time=1 +tries=3 @"$SERVICE4" "$1" SOA | awk '$1 == "SOA" { print $NF }'; }

PHASE=bogus
apex3=$(ldns-nsec3-hash -t 0 nsec3.example. | tr -d '\n')nsec3.example.
corrupt "$tmp/nsec.example.zone" www.nsec.example. A
corrupt "$tmp/nsec3.example.zone" "$apex3" NSEC3
if cmp -s "$tmp/nsec.example.zone" "$signed/nsec.example.zone" ||
	cmp -s "$tmp/nsec3.example.zone" "$signed/nsec3.example.zone"; then
	fail "corrupting a signature changed nothing"
fi
reload nsec.example nsec3.example
# swerved answers with the (now wrong) signature: the SERVFAIL below is the validator's.
badsig=$(awk '$1 == "www.nsec.example." && $4 == "RRSIG" && $5 == "A" { print $NF }' "$tmp/nsec.example.zone")
for _ in $(seq 20); do
	ask www.nsec.example A "$SERVICE4"
	grep -qF -- "$badsig" <<<"$OUT" && break
	sleep 0.25
done
if [ "$RCODE" = NOERROR ] && grep -qF -- "$badsig" <<<"$OUT"; then
	pass "bogus: swerved serves the corrupted RRSIG"
else
	fail "bogus: swerved does not serve the corrupted RRSIG"
fi
CZ=
unbound_start
check "corrupted RRSIG (www A)" www.nsec.example A bogus
check "unchanged RRSIG beside it" mail.nsec.example A secure-answer
check "corrupted RRSIG of the apex NSEC3 (closest encloser)" "nx-$RANDOM.nsec3.example" A bogus
check "NSEC3 proof without the apex NSEC3" www.nsec3.example TXT secure-nodata
grep -q 'validation failure' "$tmp/unbound.$n_ub.log" && pass "bogus: unbound logged the validation failure" ||
	fail "bogus: no validation failure in unbound's log"
unbound_stop

# Phase 3: re-signed (serial + 1; ldns: inception 2026-06-01; Knot: its own times), reloaded,
# a fresh Unbound, every check of phase 1 again.
PHASE=re-signed
for z in "${zones[@]}"; do
	opts=()
	case $z in
	nsec3.example) opts=(-n -t 0) ;;
	optout.example) opts=(-n -t 0 -p) ;;
	esac
	template "$z" 2024010102 >"$tmp/$z.unsigned"
	if [ "$z" = optout-knot.example ]; then
		# The same keys (Knot's key database kept in $tmp/kasp): a re-signing, not a rollover.
		KNOT_SIGN_KASP=$tmp/kasp "$signed/knot-sign.sh" "$z" "$tmp/$z.unsigned" "$tmp/$z.zone" \
			optout || fail "knot-sign $z"
	else
		keys=()
		for k in "$signed/K$z.+"*.key; do keys+=("${k%.key}"); done
		ldns-signzone -e 20361231000000 -i 20260601000000 -f "$tmp/$z.zone" "${opts[@]}" \
			"$tmp/$z.unsigned" "${keys[@]}" || fail "ldns-signzone $z"
	fi
	old=$(soa_sig "$z")
	reload "$z"
	for _ in $(seq 20); do
		new=$(soa_sig "$z")
		[ -n "$new" ] && [ "$new" != "$old" ] && break
		sleep 0.25
	done
	if [ -n "$new" ] && [ "$new" != "$old" ] &&
		lab_cl dig +short @"$SERVICE4" "$z" SOA | grep -q ' 2024010102 '; then
		pass "re-signed: $z reloaded (serial 2024010102, new signatures)"
	else
		fail "re-signed: $z still served with the old signatures"
	fi
done
unbound_start
for z in "${zones[@]}"; do kinds "$z"; done
unbound_stop
lab_swerved_stop

# The summary: answer kind x zone, phases 1 and 3.
printf '%-28s %-18s %-18s %-18s %-18s\n' "kind (signed / re-signed)" "${zones[@]}"
for k in positive cname-chain apex-DNSKEY apex-SOA apex-NS nxdomain nodata empty-non-terminal \
	wildcard-answer wildcard-nodata wildcard-cname ds-at-signed-cut ds-nodata-unsigned-cut \
	ds-nodata-unsigned-cut-2; do
	row=$(printf '%-28s' "$k")
	for z in "${zones[@]}"; do
		a=${RESULTS["signed|$k|$z"]:-?}
		b=${RESULTS["re-signed|$k|$z"]:-?}
		[ "$a" = "$b" ] && row+=$(printf ' %-18s' "$a") || row+=$(printf ' %-18s' "$a/$b")
	done
	echo "$row"
done
lab_verdict dnssec_unbound
