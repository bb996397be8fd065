#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seed corpora and dictionaries of the libFuzzer targets from real queries, zones and configs.
"""Generate tests/fuzz/corpus/<target>/ and tests/fuzz/dict/<target>.dict.

Usage: tests/fuzz/make_corpus.py [--out DIR]   (default: the directory of this script)

Deterministic: the same files every run, so regenerating shows no diff unless
this script changed. Standard library only. The names a seed is about are the
names of the fixed table in fuzz_util.c, that is tests/common/zones and the
fuzz-only records (fuzz_dnsq, fuzz_pkt), the zone files of the repository
(fuzz_zone) and the example configuration (fuzz_config).
"""

import argparse
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

T = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15, 'TXT': 16, 'AAAA': 28,
     'SRV': 33, 'OPT': 41, 'DS': 43, 'RRSIG': 46, 'TSIG': 250, 'IXFR': 251, 'AXFR': 252,
     'MAILB': 253, 'MAILA': 254, 'ANY': 255, 'TYPE0': 0, 'TYPE666': 666}


# ---- DNS messages ----

def wire_name(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def opt_rr(payload=1232, version=0, do=False, flags=0, options=b'', ercode=0):
    ttl = (ercode << 24) | (version << 16) | (0x8000 if do else 0) | flags
    return b'\0' + struct.pack('>HHIH', 41, payload, ttl, len(options)) + options


def edns_option(code, data):
    return struct.pack('>HH', code, len(data)) + data


def query(name, qtype='A', qclass=1, qid=0x1234, opcode=0, rd=True, cd=False, qr=False,
          counts=None, edns=None, extra=b'', raw_name=None):
    """A query; edns is None or a dict of opt_rr() arguments."""
    f1 = (0x80 if qr else 0) | (opcode & 0xf) << 3 | (1 if rd else 0)
    f2 = 0x10 if cd else 0
    qt = T[qtype] if isinstance(qtype, str) else qtype
    body = (raw_name if raw_name is not None else wire_name(name)) + struct.pack('>HH', qt, qclass)
    ar = b''
    if edns is not None:
        ar = opt_rr(**edns)
    qd, an, ns, arc = counts if counts is not None else (1, 0, 0, 1 if edns is not None else 0)
    return struct.pack('>HBBHHHH', qid, f1, f2, qd, an, ns, arc) + body + ar + extra


LONG = '.'.join(['a' * 63] * 3 + ['b' * 48]) + '.example.com'

POSITIVE = [
    ('www.example.com', 'A'), ('www.example.com', 'AAAA'), ('www.example.com', 'TXT'),
    ('www.example.com', 'ANY'), ('WwW.ExAmPlE.CoM', 'A'), ('www.mixed.example.com', 'A'),
    ('example.com', 'SOA'), ('example.com', 'NS'), ('example.com', 'MX'), ('example.com', 'ANY'),
    ('alias.example.com', 'A'), ('alias.example.com', 'CNAME'), ('chain1.example.com', 'A'),
    ('loop1.example.com', 'A'), ('self.example.com', 'A'), ('dangling.example.com', 'A'),
    ('external.example.com', 'A'), ('cross.example.com', 'A'), ('crossnx.example.com', 'A'),
    ('toinner.example.com', 'A'), ('todeleg.example.com', 'A'), ('tofo.example.com', 'A'),
    ('todead.example.com', 'A'), ('long1.example.com', 'A'), ('a.b.c.example.com', 'A'),
    ('b.c.example.com', 'A'), ('x.wild.example.com', 'A'), ('x.y.wild.example.com', 'TXT'),
    ('exists.wild.example.com', 'TXT'), ('*.wild.example.com', 'A'), ('q.cwild.example.com', 'A'),
    ('mid.ent.example.com', 'A'), ('other.ent.example.com', 'A'), ('deep.mid.ent.example.com', 'A'),
    ('sub.example.com', 'NS'), ('sub.example.com', 'DS'), ('host.sub.example.com', 'A'),
    ('ns.sub.example.com', 'AAAA'), ('nods.example.com', 'DS'), ('x.nods.example.com', 'A'),
    ('srv._tcp.example.com', 'SRV'), ('unk.example.com', 'TYPE666'), ('unk.example.com', 'ANY'),
    ('big.example.com', 'TXT'), ('huge.example.com', 'TXT'), ('big1460.example.com', 'TXT'),
    ('jumbo.example.com', 'TXT'), ('tosub.example.com', 'A'), ('fat.example.com', 'A'),
    ('x.fat.example.com', 'A'), (LONG, 'A'), ('tolong.example.com', 'A'),
    ('x.' + LONG.split('.', 1)[1], 'TXT'), ('fo.example.com', 'A'), ('fo.example.com', 'AAAA'),
    ('fo.example.com', 'ANY'), ('dead.example.com', 'A'), ('dead.example.com', 'ANY'),
    ('www.inner.example.com', 'A'), ('www.inner.example.com', 'AAAA'),
    ('inner.example.com', 'SOA'), ('a.w.inner.example.com', 'MX'), ('www.example.net', 'A'),
    ('back.example.net', 'A'), ('nothere.example.com', 'A'), ('nothere.example.net', 'AAAA'),
    ('www.example.org', 'A'), ('.', 'NS'), ('com', 'SOA'), ('www.example.com', 'TYPE0'),
    ('www.example.com', 'AXFR'), ('www.example.com', 'IXFR'), ('www.example.com', 'MAILA'),
    ('www.example.com', 'RRSIG'), ('www.example.com', 'OPT'),
]


def dns_seeds():
    """(name, octets) pairs of DNS messages: good, EDNS and bad input of docs/conformance.md."""
    s = []
    for name, qt in POSITIVE:
        tag = name.split('.')[0][:12].replace('*', 'star') or 'root'
        s.append(('%s-%s' % (tag, qt), query(name, qt)))
    s.append(('www-A-edns', query('www.example.com', 'A', edns={})))
    s.append(('big-TXT-edns4096', query('big.example.com', 'TXT', edns={'payload': 4096})))
    s.append(('fat-A-edns512', query('x.fat.example.com', 'A', edns={'payload': 512})))
    s.append(('huge-TXT-edns100', query('huge.example.com', 'TXT', edns={'payload': 100})))
    s.append(('www-A-do', query('www.example.com', 'A', edns={'do': True})))
    s.append(('www-A-ednsv1', query('www.example.com', 'A', edns={'version': 1})))
    s.append(('www-A-ednsflags', query('www.example.com', 'A', edns={'flags': 0x4001})))
    opts = (edns_option(3, b'') + edns_option(8, b'\0\1\x18\0\xc6\x12\0') +
            edns_option(9, b'') + edns_option(10, b'12345678') + edns_option(65001, b'xyz'))
    s.append(('www-A-options', query('www.example.com', 'A', edns={'options': opts})))
    s.append(('www-A-cookie16', query('www.example.com', 'A',
                                      edns={'options': edns_option(10, b'c' * 16)})))
    s.append(('bad-cookie5', query('www.example.com', 'A',
                                   edns={'options': edns_option(10, b'c' * 5)})))
    s.append(('bad-optlen', query('www.example.com', 'A', edns={'options': b'\0\x0a\0\x20abc'})))
    s.append(('ch-version.bind', query('version.bind', 'TXT', qclass=3)))
    s.append(('ch-version.server', query('version.server', 'TXT', qclass=3)))
    s.append(('ch-id.server', query('id.server', 'TXT', qclass=3)))
    s.append(('ch-hostname.bind', query('hostname.bind', 'ANY', qclass=3)))
    s.append(('ch-version.bind-A', query('version.bind', 'A', qclass=3)))
    s.append(('ch-other', query('www.example.com', 'TXT', qclass=3)))
    s.append(('class-hs', query('www.example.com', 'A', qclass=4)))
    s.append(('class-any', query('www.example.com', 'A', qclass=255)))
    s.append(('cd-set', query('www.example.com', 'A', cd=True, rd=False)))
    # Bad input.
    good = query('www.example.com', 'A')
    for n in (0, 1, 11, 12):
        s.append(('short-%d' % n, good[:n]))
    s.append(('qr-set', query('www.example.com', 'A', qr=True)))
    s.append(('notify', query('example.com', 'SOA', opcode=4)))
    s.append(('update', query('example.com', 'SOA', opcode=5)))
    s.append(('qd0', query('www.example.com', 'A', counts=(0, 0, 0, 0))))
    s.append(('qd0-cookie', struct.pack('>HBBHHHH', 7, 0, 0, 0, 0, 0, 1) +
              opt_rr(options=edns_option(10, b'c' * 8))))
    s.append(('qd2', query('www.example.com', 'A', counts=(2, 0, 0, 0)) +
              wire_name('example.com') + b'\0\1\0\1'))
    s.append(('an1', query('www.example.com', 'A', counts=(1, 1, 0, 0)) +
              b'\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\1'))
    s.append(('ns1', query('www.example.com', 'A', counts=(1, 0, 1, 0)) +
              b'\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\1'))
    s.append(('qname-ptr', query('', 'A', raw_name=b'\3www\xc0\x0c')))
    s.append(('qname-0x40', query('', 'A', raw_name=b'\x41' + b'x' * 10 + b'\0')))
    s.append(('qname-0x80', query('', 'A', raw_name=b'\x81x\0')))
    s.append(('qname-label64', query('', 'A', raw_name=b'\x40' + b'x' * 64 + b'\0')))
    s.append(('qname-256', query('', 'A', raw_name=(b'\x3f' + b'y' * 63) * 4 + b'\0')))
    s.append(('question-cut', good[:-3]))
    s.append(('trailing', good + b'\0\0'))
    s.append(('counts-huge', query('www.example.com', 'A', counts=(1, 0, 0, 0xffff))))
    s.append(('two-opt', query('www.example.com', 'A', counts=(1, 0, 0, 2)) + opt_rr() + opt_rr()))
    s.append(('opt-not-root', query('www.example.com', 'A', counts=(1, 0, 0, 1)) +
              b'\1x\0' + opt_rr()[1:]))
    s.append(('opt-in-answer', query('www.example.com', 'A', counts=(1, 1, 0, 0)) + opt_rr()))
    s.append(('opt-rdlen-past', query('www.example.com', 'A', counts=(1, 0, 0, 1)) +
              b'\0\0\x29\4\xd0\0\0\0\0\0\x40'))
    s.append(('ar-ptr-loop', query('www.example.com', 'A', counts=(1, 0, 0, 1)) +
              b'\xc0\x21\0\1\0\1\0\0\0\0\0\0'))
    s.append(('ar-ptr-chain', query('www.example.com', 'A', counts=(1, 0, 0, 2)) +
              b'\1a\xc0\x0c\0\1\0\1\0\0\0\0\0\0' + b'\xc0\x21\0\1\0\1\0\0\0\0\0\0'))
    s.append(('tsig', query('www.example.com', 'A', counts=(1, 0, 0, 1)) +
              wire_name('key.example') + struct.pack('>HHIH', 250, 255, 0, 3) + b'abc'))
    return s


# ---- Ethernet frames ----

OUR_MAC = bytes([2, 0, 0, 0, 0, 0x53])
CLI_MAC = bytes([2, 0, 0, 0, 0, 1])
SVC4 = bytes([198, 18, 0, 53])
CLI4 = bytes([198, 18, 0, 1])
SVC6 = bytes.fromhex('20010002000000000000000000000053')
CLI6 = bytes.fromhex('20010002000000000000000000000001')


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('>%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def frame(payload, v6=False, vlan=False, sport=40000, dport=53, proto=17, src=None, dst=None,
          ipopts=b'', frag=0x4000, dst_mac=OUR_MAC, src_mac=CLI_MAC, pad=b'', udp_csum=True):
    udp = struct.pack('>HHHH', sport, dport, 8 + len(payload), 0) + payload
    eth = dst_mac + src_mac
    if vlan:
        eth += struct.pack('>HH', 0x8100, 100)
    if not v6:
        src = src or CLI4
        dst = dst or SVC4
        ihl = 20 + len(ipopts)
        hdr = struct.pack('>BBHHHBBH4s4s', 0x40 | ihl // 4, 0, ihl + len(udp), 0x1234, frag, 17,
                          proto, 0, src, dst) + ipopts
        hdr = hdr[:10] + struct.pack('>H', 0xffff - csum(hdr)) + hdr[12:]
        if proto == 17 and udp_csum:
            ph = src + dst + struct.pack('>BBH', 0, 17, len(udp))
            c = 0xffff - csum(ph + udp)
            udp = udp[:6] + struct.pack('>H', c or 0xffff) + udp[8:]
        return eth + b'\x08\x00' + hdr + udp + pad
    src = src or CLI6
    dst = dst or SVC6
    hdr = struct.pack('>IHBB16s16s', 0x60012345, len(udp), proto, 64, src, dst)
    if proto == 17 and udp_csum:
        ph = src + dst + struct.pack('>IxxxB', len(udp), 17)
        c = 0xffff - csum(ph + udp)
        udp = udp[:6] + struct.pack('>H', c or 0xffff) + udp[8:]
    return eth + b'\x86\xdd' + hdr + udp + pad


def pkt_seeds():
    """(name, option octet + frame) pairs."""
    www = query('www.example.com', 'A')
    big = query('big.example.com', 'TXT', edns={'payload': 4096})
    s = []
    # Option octet: 0 = nothing fixed, software checksums, MTU 1500, exact buffer.
    for opt, tag in ((0x00, ''), (0x40, '-room'), (0x0c, '-offload'), (0x10, '-mtu1280'),
                     (0x30, '-mtu576'), (0x20, '-mtu9000'), (0x80, '-notable')):
        s.append(('v4-www' + tag, bytes([opt]) + frame(www)))
        s.append(('v6-www' + tag, bytes([opt]) + frame(www, v6=True)))
    for name, payload in dns_seeds()[::4]:
        s.append(('v4-dns-' + name, b'\x40' + frame(payload)))
    s.append(('v6-big', b'\x40' + frame(big, v6=True)))
    s.append(('v4-big-mtu576', b'\x70' + frame(big)))
    s.append(('v4-vlan', b'\x00' + frame(www, vlan=True)))
    s.append(('v6-vlan', b'\x00' + frame(www, v6=True, vlan=True)))
    s.append(('v4-ipopts', b'\x40' + frame(www, ipopts=b'\1\1\1\1\1\1\1\0')))
    s.append(('v4-pad', b'\x00' + frame(query('a.example.com', 'A')[:14], pad=b'\0' * 20)))
    s.append(('v4-formerr', b'\x00' + frame(query('www.example.com', 'A') + b'\0')))
    s.append(('v4-qr', b'\x00' + frame(query('www.example.com', 'A', qr=True))))
    s.append(('v4-short-dns', b'\x00' + frame(b'\0\1\2')))
    s.append(('v4-frag', b'\x00' + frame(www, frag=0x2000)))
    s.append(('v4-frag-off', b'\x00' + frame(www, frag=0x0010)))
    s.append(('v4-tcp53', b'\x00' + frame(b'\0' * 20, proto=6)))
    s.append(('v4-udp5353', b'\x00' + frame(www, dport=5353)))
    s.append(('v4-other-dst', b'\x00' + frame(www, dst=bytes([198, 18, 0, 99]))))
    s.append(('v4-second-svc', b'\x00' + frame(www, dst=bytes([198, 18, 0, 54]))))
    s.append(('v4-src-loopback', b'\x00' + frame(www, src=bytes([127, 0, 0, 1]))))
    s.append(('v4-src-mcast', b'\x00' + frame(www, src=bytes([224, 0, 0, 1]))))
    s.append(('v4-sport0', b'\x00' + frame(www, sport=0)))
    s.append(('v4-bcast-dst', b'\x00' + frame(www, dst_mac=b'\xff' * 6)))
    s.append(('v4-mcast-src', b'\x00' + frame(www, src_mac=b'\x01\0\x5e\0\0\1')))
    s.append(('v4-other-host', b'\x00' + frame(www, dst_mac=bytes([2, 0, 0, 0, 0, 0x99]))))
    s.append(('v4-partial-csum', b'\x00' + frame(b'\0' * 20, proto=6, udp_csum=False)))
    s.append(('v6-hopopts', b'\x00' + frame(www, v6=True, proto=0)))
    s.append(('v6-frag', b'\x00' + frame(www, v6=True, proto=44)))
    s.append(('v6-tcp', b'\x00' + frame(b'\0' * 20, v6=True, proto=6)))
    s.append(('v6-src-mcast', b'\x00' + frame(www, v6=True, src=b'\xff' + b'\0' * 15)))
    s.append(('v6-other-dst', b'\x00' + frame(www, v6=True, dst=CLI6)))
    f = frame(www)
    for cut in (10, 14, 20, 34, 40):
        s.append(('v4-cut%d' % cut, b'\x00' + f[:cut]))
    s.append(('v4-iplen-long', b'\x00' + f[:16] + b'\x05\xdc' + f[18:]))
    s.append(('v4-bad-ipsum', b'\x00' + f[:24] + b'\0\0' + f[26:]))
    s.append(('v6-cut50', b'\x00' + frame(www, v6=True)[:50]))
    s.append(('arp', b'\x00' + b'\xff' * 6 + CLI_MAC + b'\x08\x06' + bytes(28)))
    s.append(('qinq', b'\x00' + OUR_MAC + CLI_MAC + b'\x88\xa8\0\x64\x81\0\0\x64\x08\0' + bytes(40)))
    return s


# ---- zone files ----

ZONE_HEAD = ('$ORIGIN example.com.\n$TTL 3600\n'
             '@ IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300\n'
             '@ NS ns1\nns1 A 192.0.2.1\n')

ZONE_SEEDS = {
    'minimal': ZONE_HEAD,
    'multiline-soa': ('$TTL 60\n@ IN SOA ns1 hm (\n  2024 ; serial\n  7200 3600\n'
                      '  1209600 300 )\n@ NS ns1\nns1 A 192.0.2.1\n'),
    'types': ZONE_HEAD + (
        'www A 192.0.2.10\nwww AAAA 2001:db8::10\nwww TXT "a" "b c" "\\"q\\""\n'
        'alias CNAME www\n@ MX 10 mail\nmail A 192.0.2.25\n_sip._udp SRV 0 5 5060 www\n'
        '4.3.2.1 PTR www\n@ CAA 0 issue "ca.example"\nn NAPTR 100 10 "U" "E2U+sip" "!^.*$!x!" .\n'
        'h HTTPS 1 . alpn=h2\nk SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n'
        'u TYPE666 \\# 3 abcdef\nu2 TYPE65000 \\# 0\n*.wild A 192.0.2.30\n'
        'sub NS ns.sub\nns.sub A 192.0.2.53\nsub DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118\n'
        'dn DNAME example.net.\nlong 60 IN TXT "' + 'x' * 255 + '"\n'),
    'include': ZONE_HEAD + '$INCLUDE inc.zone\n$INCLUDE inc.zone sub2\nx A 192.0.2.3\n',
    'include-self': ZONE_HEAD + '$INCLUDE self.zone\n',
    'include-missing': ZONE_HEAD + '$INCLUDE nope.zone\n',
    'origin-ttl': ZONE_HEAD + '$ORIGIN sub.example.com.\n$TTL 1h\nwww A 192.0.2.1\n$TTL 2147483648\n',
    'err-nosoa': '$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n',
    'err-twosoa': ZONE_HEAD + 'x SOA ns1 hm 1 2 3 4 5\n',
    'err-nons': '$TTL 60\n@ SOA ns1 hm 1 2 3 4 5\n',
    'err-cname-other': ZONE_HEAD + 'c CNAME www\nc A 192.0.2.1\n',
    'err-outofzone': ZONE_HEAD + 'www.example.org. A 192.0.2.1\n',
    'err-class': ZONE_HEAD + 'x CH TXT "chaos"\n',
    'err-class-before-ttl': ZONE_HEAD + 'x IN 300 A 192.0.2.1\n',
    'err-generate': ZONE_HEAD + '$GENERATE 1-10 h$ A 192.0.2.$\n',
    'err-syntax': ZONE_HEAD + 'x A 300.1.1.1\ny BOGUS foo\n',
    'err-paren': ZONE_HEAD + 'x TXT ( "open"\n',
    'err-nul': ZONE_HEAD + 'x A 192.0.2.1\0\n',
    'err-bigset': ZONE_HEAD + ''.join('big TXT "%03d%s"\n' % (i, 'y' * 250) for i in range(270)),
    'slot-clash': ZONE_HEAD + 'fo A 192.0.2.9\n',
    'err-type0': ZONE_HEAD + 'z TYPE0 \\# 0\n',
    'err-type-opt': ZONE_HEAD + 'o TYPE41 \\# 0\n',
    'escapes': ZONE_HEAD + 'a\\.b A 192.0.2.1\n\\065bc A 192.0.2.2\n"q" TXT "\\255\\000"\n',
}


def zone_seeds():
    s = sorted(ZONE_SEEDS.items())
    repo = [('data-example.com', 'tests/data/zones/example.com.zone'),
            ('golden-example.com', 'tests/common/zones/example.com.zone'),
            ('golden-example.net', 'tests/common/zones/example.net.zone'),
            ('example-conf', 'control/example/example.com.zone'),
            ('include-main', 'tests/data/zones/include/main.zone'),
            ('include-part', 'tests/data/zones/include/part.zone')]
    for tag, rel in repo:
        path = os.path.join(ROOT, rel)
        if not os.path.exists(path):
            continue
        text = open(path, encoding='utf-8', errors='replace').read()
        # The fuzzer loads every seed as example.com.
        text = re.sub(r'\b(example\.net|inc\.example|loop\.example)\b', 'example.com', text)
        s.append((tag, text))
    return [(n, t.encode() if isinstance(t, str) else t) for n, t in s]


# ---- configs ----

CFG_MIN = 'service:\n  addresses: [198.18.0.53]\nzones:\n  - name: example.com\n    file: example.com.zone\n'

FO = '''failover:
  state-file: ~
  records:
    - name: %(name)s
      type: %(type)s
      ttl: 30
      degraded-ttl: 10
      initial: %(initial)s
      all-down: %(alldown)s
      check:
        kind: %(kind)s
        interval-ms: 1000
        timeout-ms: %(timeout)s
%(checkextra)s      pools:
        - name: primary
          endpoints:
            - address: %(a1)s
              check-port: 8081
        - endpoints:
            - address: %(a2)s
              name: backup-1
              check-address: 127.0.0.1
              check-host: web.example.com
'''


def fo(**kw):
    d = {'name': 'app.example.com', 'type': 'A', 'initial': 'up', 'alldown': 'first-pool',
         'kind': 'http', 'timeout': 500, 'checkextra': '', 'a1': '198.18.1.10',
         'a2': '198.18.1.20'}
    d.update(kw)
    return FO % d


CONFIG_SEEDS = {
    'minimal': CFG_MIN,
    'two-zones': CFG_MIN + '  - name: example.net.\n    file: example.net.zone\n',
    'all-sections': CFG_MIN + (
        'dns:\n  edns-payload: 1400\n  version: "swerve"\n  identity: node-1\n'
        'dataplane:\n  idle-backoff-us: 10\n  rx-ring: 512\n  tx-ring: 2048\n'
        'exception:\n  interface: sw0\n  rate-limit-pps: 1000\n'
        'tcp:\n  max-clients: 10\n  idle-timeout-ms: 5000\n'
        'control:\n  socket: /tmp/x.sock\n  mode: 0600\n  max-clients: 2\n  idle-timeout-ms: 1000\n'
        'metrics:\n  listen: "[::1]:9153"\nlog:\n  level: debug\n  target: syslog\n'),
    'fo-http': CFG_MIN + fo(checkextra='        path: /health\n        expect-status: [200, 204]\n'
                                       '        body: ok\n        host: app.example.com\n'),
    'fo-https': CFG_MIN + fo(kind='https', checkextra='        min-cert-days: 3\n'
                                                      '        ca-file: ca.pem\n'),
    'fo-tcp-aaaa': CFG_MIN + fo(kind='tcp', type='AAAA', a1='2001:2::10', a2='2001:2::20',
                                checkextra='        port: 443\n        rise: 1\n        fall: 5\n'),
    'fo-manual-servfail': CFG_MIN + fo(kind='manual', alldown='servfail', initial='down'),
    'flow-style': '{service: {addresses: ["198.18.0.53/24", "2001:2::53/64"]}, '
                  'zones: [{name: example.com, file: example.com.zone}], metrics: {listen: ~}}\n',
    'anchors': CFG_MIN + 'dns:\n  version: &v "x"\n  identity: *v\n',
    'merge-key': CFG_MIN + 'tcp: &t {max-clients: 5}\ncontrol:\n  <<: *t\n',
    'err-unknown-key': CFG_MIN + 'dns:\n  edns-paylaod: 1232\n',
    'err-type': CFG_MIN + 'dns:\n  edns-payload: [1]\n',
    'err-range': CFG_MIN + 'dns:\n  edns-payload: 100000\n',
    'err-dup-zone': CFG_MIN + '  - name: EXAMPLE.com.\n    file: example.com.zone\n',
    'err-missing-file': CFG_MIN.replace('example.com.zone', 'missing.zone'),
    'err-no-zones': 'service:\n  addresses: [198.18.0.53]\n',
    'err-bad-addr': CFG_MIN.replace('198.18.0.53', '198.18.0.300/33'),
    'err-fo-outside': CFG_MIN + fo(name='app.example.org'),
    'err-fo-timeout': CFG_MIN + fo(timeout=1000),
    'err-fo-family': CFG_MIN + fo(a1='2001:2::10'),
    'err-two-docs': CFG_MIN + '---\nfoo: 1\n',
    'err-yaml': 'service: [\n',
    'err-tab': 'service:\n\taddresses: []\n',
}


def config_seeds():
    s = sorted((k, v.encode()) for k, v in CONFIG_SEEDS.items())
    path = os.path.join(ROOT, 'control/example/swerve.yaml')
    if os.path.exists(path):
        s.append(('example', open(path, 'rb').read()))
    return s


# ---- control protocol ----

CTL_SEEDS = {
    'help': (0, '{"cmd":"help"}\n'),
    'echo': (0, '{"cmd":"echo","value":"hello","flag":true}\n{"cmd":"echo","value":null}\n'),
    'need': (3, '{"cmd":"need","zone":"example.com","reset":false}\n{"cmd":"need"}\n'),
    'pipeline-defer': (0, '{"cmd":"defer"}\n{"cmd":"echo"}\n{"cmd":"sync"}\n{"cmd":"defer"}\n'),
    'byte-by-byte': (1, '{"cmd":"echo","value":"slow"}\r\n  \n{"cmd":"help"}\n'),
    'errors': (4, '{"cmd":1}\n{}\n[1,2]\n"str"\n{"cmd":"nope"}\n{"cmd":"echo","cmd":"x"}\n'
                  '{"cmd":"echo","flag":"yes"}\n{"cmd":"fail"}\nnot json\n{"cmd":"echo"\n'),
    'unicode': (5, '{"cmd":"echo","value":"\\u00e9\\ud83d\\ude00"}\n{"cmd":"\\u00ff\\u0101"}\n'),
    'partial-tail': (0, '{"cmd":"help"}\n{"cmd":"echo"'),
    'overlong': (8, '{"cmd":"echo"}\n{"cmd":"echo","value":"'),
    'blank-only': (2, '\n\n \t \n\r\n'),
}


def ctl_seeds():
    out = []
    for name, (mode, text) in sorted(CTL_SEEDS.items()):
        out.append((name, bytes([mode]) + text.encode()))
    out.append(('invalid-utf8', b'\x00{"cmd":"\xff\xfe"}\n{"cmd":"echo","value":"\xc3"}\n'))
    out.append(('nul', b'\x00{"cmd":"echo"\x00}\n'))
    return out


# ---- dictionaries ----

DICTS = {
    'fuzz_zone': ['$ORIGIN', '$TTL', '$INCLUDE', '$GENERATE', 'inc.zone', 'self.zone', 'IN', 'CH',
                  'SOA', 'NS', 'A', 'AAAA', 'CNAME', 'DNAME', 'MX', 'TXT', 'SRV', 'DS', 'PTR', 'CAA',
                  'NAPTR', 'HTTPS', 'SVCB', 'RRSIG', 'NSEC', 'TYPE0', 'TYPE41', 'TYPE65535', '\\#',
                  'CLASS1', '@', '*', '(', ')', ';', '"', '\\"', '\\.', '\\000', '1h', '1w',
                  '2147483647', '4294967295', 'example.com.', 'fo', '192.0.2.1', '2001:db8::1'],
    'fuzz_config': ['service:', 'addresses:', 'zones:', 'name:', 'file:', 'dns:', 'edns-payload:',
                    'version:', 'identity:', 'dataplane:', 'idle-backoff-us:', 'rx-ring:',
                    'tx-ring:', 'exception:', 'interface:', 'rate-limit-pps:', 'tcp:',
                    'max-clients:', 'idle-timeout-ms:', 'control:', 'socket:', 'mode:',
                    'metrics:', 'listen:', 'log:', 'level:', 'target:', 'failover:',
                    'state-file:', 'records:', 'type:', 'ttl:', 'degraded-ttl:', 'initial:',
                    'all-down:', 'check:', 'kind:', 'interval-ms:', 'timeout-ms:', 'rise:',
                    'fall:', 'port:', 'path:', 'host:', 'expect-status:', 'body:',
                    'min-cert-days:', 'ca-file:', 'pools:', 'endpoints:', 'address:',
                    'check-address:', 'check-port:', 'check-host:', 'example.com.zone',
                    'example.net.zone', 'ca.pem', 'http', 'https', 'tcp', 'manual', 'servfail',
                    'serve-all', 'first-pool', 'up', 'down', 'AAAA', '~', 'null', 'true', '&a',
                    '*a', '<<:', '!!str', '!!int', '---', '...', '- ', '[', ']', '{', '}',
                    '198.18.0.53/24', '2001:2::53/64', '[::1]:9153', '0o660', '0x10'],
    'fuzz_ctl': ['{"cmd":', '"cmd"', '"help"', '"echo"', '"fail"', '"need"', '"defer"', '"sync"',
                 '"value"', '"flag"', '"zone"', '"reset"', 'true', 'false', 'null', '\\u0000',
                 '\\ud800', '\\"', '\r\n', '\n', '}', '{', '[', ']', ':', ','],
}


def write_dict(path, words):
    with open(path, 'w') as f:
        f.write('# Generated by make_corpus.py: tokens libFuzzer splices into inputs.\n')
        for w in words:
            esc = ''.join('\\\\' if c == '\\' else '\\"' if c == '"' else
                          c if 0x20 <= ord(c) < 0x7f else '\\x%02x' % ord(c) for c in w)
            f.write('"%s"\n' % esc)


def write_corpus(base, target, seeds):
    d = os.path.join(base, 'corpus', target)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    seen = set()
    total = 0
    for name, data in seeds:
        fname = re.sub(r'[^A-Za-z0-9._-]', '_', name)
        while fname in seen:
            fname += '_'
        seen.add(fname)
        with open(os.path.join(d, fname), 'wb') as f:
            f.write(data)
        total += len(data)
    return len(seeds), total


def failover_seeds():
    """fuzz_failover: [state file JSON] 0x00 [operations of two octets: kind, argument]."""
    import json

    def seed(name, state, ops):
        data = (state.encode() + b'\0' if state is not None else b'') + bytes(ops)
        return (name, data)

    forced = {'version': 1, 'records': [
        {'name': 'web.example.test.', 'type': 'A', 'mode': 'forced', 'pool': 'backup',
         'endpoints': [{'name': 'a', 'drained': True}]},
        {'name': 'six.example.test.', 'type': 'AAAA', 'mode': 'auto',
         'endpoints': [{'name': 'a', 'state': 'down'},
                       {'name': 'b', 'drained': True, 'state': 'up'}]},
        {'name': 'sf.example.test.', 'type': 'A', 'mode': 'forced', 'pool': 'pool2'}]}
    unknown = {'version': 1, 'records': [
        {'name': 'nope.example.test', 'type': 'MX', 'mode': 'auto'}]}
    # Kinds: 0 ok / 1 fail (reason length in the high bits), 2 drain / 3 undrain,
    # 4 force (pool in the high bits), 5 endpoint-set (0x80: up), 6 cert date, 7 status.
    return [
        seed('fall-rise', None, [1, 0] * 3 + [0, 0] * 2 + [1 | (5 << 3), 1] + list(b'timeo')),
        seed('state-forced', json.dumps(forced), [2, 3, 3, 3, 4 | (1 << 3), 2, 4, 2,
                                                  5 | 0x80, 5, 5, 6]),
        seed('state-bad', '{"version": 1, "records": [{"name": 3}]}', [1, 9] * 3 + [1, 10]),
        seed('state-garbage', '{"version": 1, "records": [', [0, 0]),
        seed('state-unknown', json.dumps(unknown), [3, 0]),
        seed('cert-dates', None, [6, 24] + list(b'Jan  2 03:04:05 2030 GMT') + [6, 23] +
             list(b'2030-01-02 03:04:05 GMT') + [6, 10] + list(b'Feb 30 1:1')),
        seed('status', None, [7, 0, 0x04, 0x7c, 2, 50, 52, 0, 0, 7, 0, 0x04, 0xb0, 0, 0, 0, 0, 0]),
        seed('manual-flips', None, [5 | 0x80, 4, 5, 4, 5 | 0x80, 5, 5, 6, 5, 7, 2, 4, 3, 4,
                                    4 | (2 << 3), 3, 4, 3]),
        seed('drain-all-web', None, [2, 0, 2, 1, 2, 2, 2, 3, 3, 0] + [1, 1] * 3 + [1, 2] * 3),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=HERE, help='where corpus/ and dict/ go')
    args = ap.parse_args()

    dnsq = []
    for name, msg in dns_seeds():
        # Mode octet: big capacity UDP, 512, TCP, small capacity, other settings.
        for mode, tag in ((0x00, ''), (0x01, '-cap512'), (0x04, '-tcp'), (0x03, '-small'),
                          (0x09, '-conf1'), (0x12, '-conf2')):
            if tag in ('', '-tcp') or hash_pick(name, tag):
                dnsq.append((name + tag, bytes([mode]) + msg))
    sets = {
        'fuzz_dnsq': dnsq,
        'fuzz_pkt': pkt_seeds(),
        'fuzz_zone': zone_seeds(),
        'fuzz_config': config_seeds(),
        'fuzz_ctl': ctl_seeds(),
        'fuzz_failover': failover_seeds(),
    }
    for target, seeds in sets.items():
        n, size = write_corpus(args.out, target, seeds)
        print('%-12s %4d seeds %7d octets' % (target, n, size))
        if size > 200 * 1024:
            sys.exit('%s: corpus over 200 KiB' % target)
    os.makedirs(os.path.join(args.out, 'dict'), exist_ok=True)
    for target, words in DICTS.items():
        write_dict(os.path.join(args.out, 'dict', target + '.dict'), words)


def hash_pick(name, tag):
    """A stable one-in-three choice (Python's hash() is salted per run)."""
    h = 0
    for c in (name + tag).encode():
        h = (h * 31 + c) & 0xffffffff
    return h % 3 == 0


if __name__ == '__main__':
    main()
