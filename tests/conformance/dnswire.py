# SPDX-License-Identifier: BSD-3-Clause
"""A small DNS wire encoder and decoder for the conformance tests (no dnspython here).

Queries are built from plain values; responses are decoded into a Msg with
names as lowercase text, so two servers' answers compare without caring about
compression or the case they chose. RDATA keeps its octets, except that the
names inside the RDATA of the RFC 1035 era types are decompressed and
lowercased (RFC 3597 section 4 allows compression in exactly those).
"""

import struct

TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15, "TXT": 16,
    "RP": 17, "AFSDB": 18, "AAAA": 28, "LOC": 29, "SRV": 33, "NAPTR": 35, "DNAME": 39,
    "OPT": 41, "DS": 43, "SSHFP": 44, "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "TLSA": 52,
    "SVCB": 64, "HTTPS": 65, "SPF": 99, "TSIG": 250, "IXFR": 251, "AXFR": 252, "ANY": 255, "CAA": 257,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 9: "NOTAUTH",
          16: "BADVERS", 23: "BADCOOKIE"}

# RDATA layout of types whose names may be compressed: a list of fields, "n" a name,
# an integer a fixed number of octets; anything after the listed fields is kept raw.
NAME_LAYOUT = {
    2: ["n"], 3: ["n"], 4: ["n"], 5: ["n"], 7: ["n"], 8: ["n"], 9: ["n"], 12: ["n"],
    6: ["n", "n"], 14: ["n", "n"], 17: ["n", "n"], 15: [2, "n"], 18: [2, "n"], 21: [2, "n"],
    33: [6, "n"], 36: [2, "n"], 39: ["n"], 26: [2, "n", "n"],
}


def type_code(t):
    if isinstance(t, int):
        return t
    t = t.upper()
    if t in TYPES:
        return TYPES[t]
    if t.startswith("TYPE"):
        return int(t[4:])
    raise ValueError("unknown type %s" % t)


def type_name(c):
    return TYPE_NAMES.get(c, "TYPE%d" % c)


def name_wire(name):
    """Text (absolute or not, case kept, "\\." not supported) to wire form."""
    out = b""
    for label in name.rstrip(".").split("."):
        if label == "":
            continue
        b = label.encode()
        out += bytes([len(b)]) + b
    return out + b"\0"


def tsig_rdata(alg="hmac-sha256.", time_signed=0, fudge=300, mac=b"", orig_id=0, error=0,
               other=b""):
    """The RDATA of a TSIG record (RFC 8945 4.2); the algorithm name is not compressed."""
    return (name_wire(alg) + struct.pack(">HIH", time_signed >> 32, time_signed & 0xFFFFFFFF, fudge)
            + struct.pack(">H", len(mac)) + mac + struct.pack(">HHH", orig_id, error, len(other))
            + other)


def make_query(qname, qtype, qclass=1, qid=0x1234, rd=False, cd=False, ad=False, z=False,
               opcode=0, edns=None, tc=False, aa=False, tsig=None):
    """edns: None, or a dict with version, payload, do, flags (other OPT flag bits),
    options ([(code, bytes)]), rcode_hi. tsig: None, or a dict with key (the owner name) and
    either rdata (raw octets) or the fields of tsig_rdata(); it goes last, after the OPT."""
    flags = (opcode & 15) << 11
    flags |= (0x0400 if aa else 0) | (0x0200 if tc else 0) | (0x0100 if rd else 0)
    flags |= (0x0040 if z else 0) | (0x0020 if ad else 0) | (0x0010 if cd else 0)
    ar = (1 if edns is not None else 0) + (1 if tsig is not None else 0)
    msg = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, ar)
    msg += name_wire(qname) + struct.pack(">HH", type_code(qtype), qclass)
    if edns is not None:
        rdata = b"".join(struct.pack(">HH", c, len(v)) + v for c, v in edns.get("options", []))
        eflags = edns.get("flags", 0) | (0x8000 if edns.get("do") else 0)
        msg += b"\0" + struct.pack(">HHBBHH", 41, edns.get("payload", 1232), edns.get("rcode_hi", 0),
                                   edns.get("version", 0), eflags, len(rdata)) + rdata
    if tsig is not None:
        t = dict(tsig)
        key = t.pop("key")
        rdata = t.pop("rdata", None)
        if rdata is None:
            rdata = tsig_rdata(**t)
        msg += name_wire(key) + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata
    return msg


class WireError(Exception):
    pass


def read_name(msg, off):
    """(lowercase text name, offset after the name in place)."""
    labels = []
    end = None
    hops = 0
    while True:
        if off >= len(msg):
            raise WireError("name runs past the end")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise WireError("cut pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 127:
                raise WireError("pointer loop")
            continue
        if n & 0xC0:
            raise WireError("bad label type")
        off += 1
        if n == 0:
            break
        if off + n > len(msg):
            raise WireError("label past the end")
        labels.append(msg[off:off + n].decode("latin-1").lower())
        off += n
    return ".".join(labels) + ".", (end if end is not None else off)


class RR:
    __slots__ = ("name", "type", "cls", "ttl", "rdata")

    def __init__(self, name, rtype, cls, ttl, rdata):
        self.name, self.type, self.cls, self.ttl, self.rdata = name, rtype, cls, ttl, rdata

    def text(self):
        return "%s %d %s %s %s" % (self.name, self.ttl, "IN" if self.cls == 1 else self.cls,
                                   type_name(self.type), self.rdata)


def read_rdata(msg, off, rdlen, rtype):
    end = off + rdlen
    layout = NAME_LAYOUT.get(rtype)
    if layout is None:
        return msg[off:end].hex()
    parts = []
    p = off
    for f in layout:
        if f == "n":
            name, p = read_name(msg, p)
            parts.append(name)
        else:
            parts.append(msg[p:p + f].hex())
            p += f
        if p > end:
            raise WireError("rdata field past rdlength")
    if p < end:
        parts.append(msg[p:end].hex())
    return " ".join(parts)


class Msg:
    """A decoded response."""

    def __init__(self, raw):
        self.raw = raw
        if len(raw) < 12:
            raise WireError("short message")
        (self.id, self.flags, qd, an, ns, ar) = struct.unpack(">HHHHHH", raw[:12])
        self.counts = (qd, an, ns, ar)
        off = 12
        self.question = []
        self.qraw = b""
        for _ in range(qd):
            start = off
            name, off = read_name(raw, off)
            if off + 4 > len(raw):
                raise WireError("question cut")
            qt, qc = struct.unpack(">HH", raw[off:off + 4])
            off += 4
            self.question.append((name, qt, qc))
            self.qraw += raw[start:off]
        self.sections = []
        self.opt = None
        self.nopt = 0
        for sect, cnt in enumerate((an, ns, ar)):
            rrs = []
            for _ in range(cnt):
                name, off = read_name(raw, off)
                if off + 10 > len(raw):
                    raise WireError("rr header cut")
                rtype, cls, ttl, rdlen = struct.unpack(">HHIH", raw[off:off + 10])
                off += 10
                if off + rdlen > len(raw):
                    raise WireError("rdata cut")
                if rtype == 41:
                    self.nopt += 1
                    self.opt = self._opt(name, cls, ttl, raw[off:off + rdlen], sect)
                else:
                    rrs.append(RR(name, rtype, cls, ttl, read_rdata(raw, off, rdlen, rtype)))
                off += rdlen
            self.sections.append(rrs)
        self.trailing = len(raw) - off

    @staticmethod
    def _opt(name, cls, ttl, rdata, sect):
        opts = []
        p = 0
        while p + 4 <= len(rdata):
            code, ln = struct.unpack(">HH", rdata[p:p + 4])
            opts.append((code, rdata[p + 4:p + 4 + ln]))
            p += 4 + ln
        return {"owner": name, "payload": cls, "rcode_hi": ttl >> 24, "version": (ttl >> 16) & 255,
                "do": bool(ttl & 0x8000), "flags": ttl & 0x7FFF, "options": opts,
                "section": sect, "optlen_ok": p == len(rdata)}

    @property
    def rcode(self):
        return (self.flags & 15) | ((self.opt["rcode_hi"] << 4) if self.opt else 0)

    @property
    def opcode(self):
        return (self.flags >> 11) & 15

    def flag(self, name):
        bit = {"qr": 0x8000, "aa": 0x0400, "tc": 0x0200, "rd": 0x0100, "ra": 0x0080, "z": 0x0040,
               "ad": 0x0020, "cd": 0x0010}[name]
        return bool(self.flags & bit)

    def rcode_name(self):
        return RCODES.get(self.rcode, str(self.rcode))
