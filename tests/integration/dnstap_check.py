#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""dnstap.sh's checker: dnstap-ldns -y output against what dig sent and got.

usage: dnstap_check.py YAML DIR CLIENT4 CLIENT6 SERVICE4 SERVICE6 IDENTITY VERSION

DIR holds dig.N (dig's output) and dig.N.what ("SERVER NAME TYPE udp|+tcp ...").
For each, the file must hold an AUTH_QUERY and an AUTH_RESPONSE with dig's
id, question, the client and service addresses of the right family, the
protocol dig used, and the response's rcode and answer section as dig
printed them. Prints "ok: ..." or "FAIL: ..." lines.
"""
import glob
import os
import re
import sys

RR_RE = re.compile(r"^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$")


def records(text):
    """One dict per YAML document: type, protocol, addresses, ports, id, rcode, question, answer."""
    out = []
    for doc in re.split(r"^---\s*$", text, flags=re.M):
        if "message:" not in doc:
            continue
        r = {"answer": [], "question": None, "raw": doc}
        section = None
        for line in doc.splitlines():
            s = line.strip()
            m = re.match(r"^(identity|version): (.*)$", s)
            if m and line.startswith(m.group(1)):
                r[m.group(1)] = m.group(2).strip('"')
            for key in ("socket_family", "socket_protocol", "query_address",
                        "response_address", "query_port", "response_port"):
                if s.startswith(key + ": "):
                    r[key] = s.split(": ", 1)[1].strip('"')
            if s.startswith("type: ") and line.startswith("  "):
                r["type"] = s.split(": ", 1)[1]
            # ldns writes "rcode:" where dig writes "status:".
            m = re.search(r"(?:rcode|status): (\w+), id: (\d+)", s)
            if m:
                r["rcode"], r["id"] = m.group(1), int(m.group(2))
            if s.startswith(";; QUESTION SECTION"):
                section = "q"
                continue
            if s.startswith(";; ANSWER SECTION"):
                section = "a"
                continue
            if s.startswith(";;") or s == "":
                if s.startswith(";; AUTHORITY") or s.startswith(";; ADDITIONAL"):
                    section = None
                continue
            if section == "q" and s.startswith(";"):
                f = s[1:].split()
                r["question"] = (f[0].lower(), f[-1].upper())
            elif section == "a":
                m = RR_RE.match(s)
                if m:
                    r["answer"].append(norm_rr(m))
        out.append(r)
    return out


def norm_rr(m):
    return (m.group(1).lower(), m.group(3).upper(), " ".join(m.group(4).split()).lower())


def dig_parse(text):
    d = {"answer": []}
    m = re.search(r"status: (\w+), id: (\d+)", text)
    if m:
        d["rcode"], d["id"] = m.group(1), int(m.group(2))
    section = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(";; ANSWER SECTION"):
            section = "a"
            continue
        if s == "" or s.startswith(";;"):
            section = None
            continue
        if section == "a":
            m = RR_RE.match(s)
            if m:
                d["answer"].append(norm_rr(m))
    d["tcp"] = "(TCP)" in text
    return d


def main():
    yml, tdir, c4, c6, s4, s6, ident, version = sys.argv[1:9]
    recs = records(open(yml).read())
    print("note: %d dnstap messages in the file" % len(recs))
    bad = 0

    def fail(msg):
        nonlocal bad
        bad += 1
        print("FAIL: " + msg)

    for r in recs:
        if r.get("identity") != ident or r.get("version") != version:
            fail("identity/version %r/%r" % (r.get("identity"), r.get("version")))
            break
    else:
        print("ok: every message carries identity %r and version %r" % (ident, version))

    whats = sorted(glob.glob(os.path.join(tdir, "dig.*.what")),
                   key=lambda p: int(p.split(".")[-2]))
    if not whats:
        fail("no dig output to compare")
    for w in whats:
        srv, name, qtype, how = open(w).read().split(" ", 3)
        how = how.strip()
        d = dig_parse(open(w[:-5]).read())
        label = "%s %s over %s @%s" % (name, qtype, "TCP" if "+tcp" in how else "UDP", srv)
        if "id" not in d:
            fail("%s: dig printed no header" % label)
            continue
        v6 = ":" in srv
        proto = "TCP" if "+tcp" in how else "UDP"
        if d["tcp"] != (proto == "TCP"):
            fail("%s: dig did not use %s" % (label, proto))
        q = name.lower().rstrip(".") + "."
        mine = [r for r in recs if r.get("id") == d["id"] and r.get("question") == (q, qtype)]
        aq = [r for r in mine if r.get("type") == "AUTH_QUERY"]
        ar = [r for r in mine if r.get("type") == "AUTH_RESPONSE"]
        if len(aq) != 1 or len(ar) != 1:
            fail("%s: id %d: %d AUTH_QUERY and %d AUTH_RESPONSE messages (want 1 and 1)"
                 % (label, d["id"], len(aq), len(ar)))
            continue
        ok = True
        for r in (aq[0], ar[0]):
            want = {"socket_family": "INET6" if v6 else "INET", "socket_protocol": proto,
                    "query_address": c6 if v6 else c4, "response_address": srv,
                    "response_port": "53"}
            for k, v in want.items():
                if r.get(k) != v:
                    fail("%s: %s %s is %r, want %r" % (label, r["type"], k, r.get(k), v))
                    ok = False
            if not r.get("query_port", "0").isdigit() or int(r.get("query_port", "0")) == 0:
                fail("%s: %s query_port %r" % (label, r["type"], r.get("query_port")))
                ok = False
        if aq[0].get("query_port") != ar[0].get("query_port"):
            fail("%s: query and response disagree on the client port" % label)
            ok = False
        if aq[0].get("rcode") != "NOERROR" or aq[0]["answer"]:
            fail("%s: the AUTH_QUERY message is not the query: %r" % (label, aq[0].get("rcode")))
            ok = False
        if "query_message" not in aq[0]["raw"] or "response_message" not in ar[0]["raw"]:
            fail("%s: messages in the wrong fields" % label)
            ok = False
        if ar[0].get("rcode") != d["rcode"]:
            fail("%s: response rcode %s, dig got %s" % (label, ar[0].get("rcode"), d["rcode"]))
            ok = False
        if sorted(ar[0]["answer"]) != sorted(d["answer"]):
            fail("%s: response answer %r, dig got %r" % (label, ar[0]["answer"], d["answer"]))
            ok = False
        if ok:
            print("ok: %s: id %d, %s, %d answer record(s), %s from %s as dig saw it"
                  % (label, d["id"], d["rcode"], len(d["answer"]), proto,
                     c6 if v6 else c4))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
