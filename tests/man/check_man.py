#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The man pages under docs/man/ against the code: nothing missing, nothing stale.

usage: check_man.py SRCDIR SWERVED SWERVECTL      exit 0 when every check holds.

1. scdoc accepts every docs/man/*.scd, and each page's title line names its
   file (swerved.8.scd begins "swerved(8)").

2. swerve.yaml(5) against the config parser.
   A key is documented by a definition-list entry: a line that is only a bold
   key path at its start, "*failover.records[].check.kind* (...)", followed by
   a tab-indented description. The path is the key's full path from the top of
   the file; "[]" marks a sequence whose items are mappings. A documented path
   documents its prefixes too (failover.records[].check.kind documents
   failover.records[] and failover.records[].check).

   Which keys exist is read from the parser's schema tables, not from a list
   kept here: every "struct cfg_key NAME[] = { ... };" table in
   control/config/*.c gives its key names (the first string of each entry
   "{"key", CFG_..."), the "struct cfg_section" table gives the top-level
   sections, and the strcmp(key, "...") calls in config.c the top-level
   sequences (zones, keys). A key the parser accepts is therefore one line in
   such a table, which config_yaml.h asks of every key anyway.
   Where each table sits in the tree (cfg_fo_check_keys under
   failover.records[].check, say) is not read from the C: it would mean
   following the CFG_CUSTOM functions. Instead the built swerved is asked.
   `swerved --check -c FILE` needs no EAL, no root and no zone to report the
   first bad key, and it names an unknown one as "PATH: unknown key". So a
   probe writes a file holding just one path (sequences with one item) and
   counts the key as accepted when swerved does not call that very path
   unknown; a second probe of the same parent with a made-up key must be
   called unknown, which proves the parse reached that level (otherwise the
   probe is inconclusive and the test fails). A table's place is then any
   documented parent under which swerved accepts every key of the table;
   every key of the table must be documented there. A table with no such
   place (a new section nobody documented, or documented where the parser
   does not take it) fails too.
   Stale page: every documented path must be accepted by swerved.

3. swervectl(8) against swervectl and the daemon.
   A command is documented by a bold term line in the COMMANDS section,
   "*zone-reload* [_ZONE_]", followed by a tab-indented description.
   The commands that exist are those `swervectl --help` lists (its own
   table, read from the built binary) and those the daemon registers: every
   "struct ctl_cmd NAME[] = { {"name", handler, ...}, ... };" table under
   control/ (the daemon's "help" lists the same, but needs a running daemon).
   Each must be documented; each documented command must exist. A --FLAG a
   command takes in `swervectl --help` ("stats [--reset]") must appear on
   the command's term line. Every long option in `swervectl --help` and in
   swerved's usage (`swerved --check --help`) must appear as "*--option*" in
   the page's OPTIONS section.

PENDING names what is documented ahead of the code landing (issue 16: the
reload command). A pending name the code does not have
yet is reported and tolerated; once the code has it, it is checked like any
other, and the test says the entry can go.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PENDING_COMMANDS = set()
PENDING_KEYS = set()

BOGUS = "zz-not-a-key"

failures = []
notes = []


def fail(msg):
    failures.append(msg)


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- 1. scdoc ----

def check_scdoc(pages):
    scdoc = shutil.which("scdoc")
    if scdoc is None:
        fail("scdoc not found: install it (scripts/setup.sh lists it)")
        return
    for page in pages:
        with open(page, "rb") as f:
            r = subprocess.run([scdoc], stdin=f, capture_output=True)
        if r.returncode != 0:
            fail("%s: scdoc rejects it: %s" % (page, r.stderr.decode(errors="replace").strip()))
        base = os.path.basename(page)[:-len(".scd")]
        name, _, section = base.rpartition(".")
        first = read(page).split("\n", 1)[0]
        if not first.startswith("%s(%s)" % (name, section)):
            fail("%s: the title line should begin with %s(%s), not %r"
                 % (page, name, section, first))


# ---- the pages' definition lists ----

TERM_RE = re.compile(r"^\*([^*]+)\*(?:\s|$)")


def terms(text, section=None):
    """Bold terms that start a definition-list entry, in @section (a '# NAME') or anywhere."""
    lines = text.split("\n")
    inside = section is None
    out = []
    for i, line in enumerate(lines):
        if line.startswith("# "):
            inside = section is None or line[2:].strip() == section
            continue
        if not inside:
            continue
        m = TERM_RE.match(line)
        if m and i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            out.append((m.group(1), line))
    return out


def section_text(text, section):
    m = re.search(r"^# %s\n(.*?)(?=^# |\Z)" % re.escape(section), text, flags=re.S | re.M)
    return m.group(1) if m else ""


# ---- 2. swerve.yaml(5) ----

KEY_PATH_RE = re.compile(r"^[a-z][a-z0-9-]*(\[\])?(\.[a-z][a-z0-9-]*(\[\])?)*$")


def parse_path(text):
    """'a.b[].c' -> (('a', False), ('b', True), ('c', False))."""
    out = []
    for part in text.split("."):
        seq = part.endswith("[]")
        out.append((part[:-2] if seq else part, seq))
    return tuple(out)


def names(path):
    return tuple(n for n, _ in path)


def show(path):
    return ".".join(n + ("[]" if s else "") for n, s in path)


def parser_tables(srcdir):
    """{table: (file, [key names])} for every cfg_key table, and the top-level names."""
    tables = {}
    top = set()
    for path in sorted(glob.glob(os.path.join(srcdir, "control", "config", "*.c"))):
        rel = os.path.relpath(path, srcdir)
        text = strip_c_comments(read(path))
        for m in re.finditer(r"struct\s+cfg_key\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\s*\};",
                             text, flags=re.S):
            keys = re.findall(r"\{\s*\"([^\"]+)\"\s*,\s*CFG_[A-Z_]+", m.group(2))
            if keys:
                tables[m.group(1)] = (rel, keys)
        for m in re.finditer(r"struct\s+cfg_section\s+(\w+)\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\s*\};",
                             text, flags=re.S):
            top.update(re.findall(r"\{\s*\"([^\"]+)\"\s*,\s*\w+\s*,", m.group(2)))
        if os.path.basename(path) == "config.c":
            top.update(re.findall(r"strcmp\(\s*key\s*,\s*\"([^\"]+)\"\s*\)", text))
    return tables, top


class Prober:
    """Asks the built swerved whether it accepts a key path (see the header)."""

    def __init__(self, swerved):
        self.swerved = swerved
        self.cache = {}
        self.dir = tempfile.mkdtemp(prefix="check_man.")
        self.runs = 0

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def _message(self, path):
        """What swerved says about a file holding just @path (a parse_path() tuple)."""
        # Build from the leaf up: {"a": [{"b": {"c": 0}}]} for a[].b.c.
        node = 0
        for i in range(len(path) - 1, -1, -1):
            name, seq = path[i]
            inner = node
            if i < len(path) - 1 and seq:
                inner = [node]
            node = {name: inner}
        f = os.path.join(self.dir, "probe.yaml")
        with open(f, "w", encoding="utf-8") as out:
            json.dump(node, out)  # JSON is YAML's flow style.
        self.runs += 1
        r = subprocess.run([self.swerved, "--check", "-c", f], capture_output=True, text=True,
                           timeout=30)
        return r.stdout + r.stderr

    @staticmethod
    def _error_path(path):
        """The path as swerved's messages spell it: failover.records[0].check.kind."""
        out = ""
        for i, (name, seq) in enumerate(path):
            out = name if out == "" else out + "." + name
            if seq and i < len(path) - 1:
                out += "[0]"
        return out

    def _unknown(self, path):
        key = tuple(path)
        if key not in self.cache:
            msg = self._message(path)
            self.cache[key] = (self._error_path(path) + ": unknown key") in msg, msg
        return self.cache[key]

    def accepts(self, path):
        """True or False, or None when the probe cannot tell (the parse did not get there)."""
        unknown, _ = self._unknown(path)
        if unknown:
            return False
        control = tuple(path[:-1]) + ((BOGUS, False),)
        bogus_unknown, msg = self._unknown(control)
        if not bogus_unknown:
            return None
        return True


def check_config_page(srcdir, page, prober):
    text = read(page)
    documented = {}
    for term, line in terms(text):
        if not KEY_PATH_RE.match(term):
            continue
        p = parse_path(term)
        if names(p) in documented:
            fail("%s: %s documented twice" % (page, term))
        documented[names(p)] = p
    if not documented:
        fail("%s: no key entries found (a line \"*key.path* (...)\" then a tab-indented "
             "description)" % page)
        return
    # Prefixes are documented by their descendants; keep their sequence marks.
    known = dict(documented)
    for p in list(documented.values()):
        for i in range(1, len(p)):
            known.setdefault(names(p[:i]), p[:i])

    tables, top = parser_tables(srcdir)
    if not tables or not top:
        fail("no cfg_key tables or top-level sections found in control/config/*.c: "
             "has the schema changed shape? (see the header of %s)" % __file__)
        return

    # Parser -> page: the top level.
    for name in sorted(top):
        if (name,) not in known:
            if name in PENDING_KEYS:
                continue
            fail("%s: top-level key \"%s\" (control/config/config.c) is not documented"
                 % (page, name))

    # Parser -> page: each table at the places it sits.
    for table, (rel, keys) in sorted(tables.items()):
        candidates = {}
        for n, p in known.items():
            if len(n) >= 2 and n[-1] in keys:
                candidates[n[:-1]] = p[:-1]
        places = []
        for n, parent in sorted(candidates.items()):
            verdicts = [prober.accepts(parent + ((k, False),)) for k in keys]
            if all(v is True for v in verdicts):
                places.append(parent)
        if not places:
            fail("%s: table %s (keys: %s) has no documented place where swerved accepts "
                 "all of its keys: document them in %s by their full path"
                 % (rel, table, ", ".join(keys), os.path.basename(page)))
            continue
        for parent in places:
            for k in keys:
                if names(parent) + (k,) not in known:
                    fail("%s: %s.%s (table %s in %s) is not documented"
                         % (os.path.basename(page), show(parent), k, table, rel))

    # Page -> parser: every documented path is one swerved accepts.
    for n, p in sorted(documented.items()):
        v = prober.accepts(p)
        dotted = ".".join(n)
        if dotted in PENDING_KEYS:
            if v is True:
                notes.append("%s is in the parser now: it can leave PENDING_KEYS" % show(p))
            else:
                notes.append("%s: documented ahead of the parser (pending)" % show(p))
            continue
        if v is None:
            fail("%s: %s: cannot probe it (swerved never reached that level; is the path's "
                 "sequence marking right?)" % (os.path.basename(page), show(p)))
        elif v is False:
            fail("%s: %s is documented but swerved does not accept it (stale page?)"
                 % (os.path.basename(page), show(p)))


# ---- 3. swervectl(8) and the options of both programs ----

def daemon_commands(srcdir):
    out = {}
    for path in sorted(glob.glob(os.path.join(srcdir, "control", "**", "*.c"), recursive=True)):
        text = strip_c_comments(read(path))
        for m in re.finditer(r"struct\s+ctl_cmd\s+\w+\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\s*\};",
                             text, flags=re.S):
            for name in re.findall(r"\{\s*\"([a-z][a-z0-9-]*)\"\s*,\s*\w+\s*,", m.group(1)):
                out[name] = os.path.relpath(path, srcdir)
    return out


def help_text(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def client_commands(swervectl):
    """{command: its synopsis line} from `swervectl --help`."""
    text = help_text([swervectl, "--help"])
    m = re.search(r"^Commands:\n(.*?)(?:\n\n|\Z)", text, flags=re.S | re.M)
    if m is None:
        fail("`swervectl --help` has no \"Commands:\" block: cannot read its commands")
        return {}, text
    out = {}
    for line in m.group(1).split("\n"):
        parts = line.split()
        if parts:
            out[parts[0]] = line
    return out, text


def long_options(text, block=None):
    if block is not None:
        m = re.search(r"^%s\n(.*?)(?:\n\n|\Z)" % re.escape(block), text, flags=re.S | re.M)
        text = m.group(1) if m else ""
    return set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", text))


def check_options(page, opts, program):
    text = section_text(read(page), "OPTIONS")
    for o in sorted(opts):
        if "*--%s*" % o not in text:
            fail("%s: option --%s (from %s's usage) is not in OPTIONS"
                 % (os.path.basename(page), o, program))


def check_ctl_page(srcdir, page, swervectl, swerved_page, swerved):
    text = read(page)
    documented = {}
    for term, line in terms(text, "COMMANDS"):
        if re.match(r"^[a-z][a-z0-9-]*$", term):
            documented[term] = line
    if not documented:
        fail("%s: no command entries in COMMANDS" % page)
        return
    client, usage = client_commands(swervectl)
    daemon = daemon_commands(srcdir)
    exists = set(client) | set(daemon)
    for name in sorted(exists):
        if name not in documented:
            where = "swervectl's table" if name in client else daemon[name]
            fail("%s: command \"%s\" (%s) is not documented" % (os.path.basename(page), name,
                                                                 where))
    for name in sorted(documented):
        if name in PENDING_COMMANDS:
            if name in exists:
                notes.append("command %s exists now: it can leave PENDING_COMMANDS" % name)
            else:
                notes.append("command %s: documented ahead of the code (pending)" % name)
            continue
        if name not in exists:
            fail("%s: command \"%s\" is documented but neither swervectl nor the daemon has "
                 "it (stale page?)" % (os.path.basename(page), name))
    for name, syn in sorted(client.items()):
        for flag in long_options(syn):
            if name in documented and "*--%s*" % flag not in documented[name]:
                fail("%s: %s takes --%s (swervectl --help) but its entry does not show it"
                     % (os.path.basename(page), name, flag))
    check_options(page, long_options(usage, "Options:"), "swervectl")
    # swerved prints its usage for an option it does not know; --check skips the EAL.
    sw_usage = help_text([swerved, "--check", "--help"])
    sw_opts = long_options(sw_usage)
    if "config" not in sw_opts:
        fail("could not read swerved's usage (`swerved --check --help`): %r" % sw_usage[:200])
    check_options(swerved_page, sw_opts, "swerved")


def main():
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    srcdir, swerved, swervectl = sys.argv[1:4]
    mandir = os.path.join(srcdir, "docs", "man")
    pages = sorted(glob.glob(os.path.join(mandir, "*.scd")))
    check_scdoc(pages)
    for want in ("swerved.8.scd", "swervectl.8.scd", "swerve.yaml.5.scd"):
        if not os.path.exists(os.path.join(mandir, want)):
            fail("docs/man/%s is missing" % want)
    prober = Prober(swerved)
    try:
        if os.path.exists(os.path.join(mandir, "swerve.yaml.5.scd")):
            check_config_page(srcdir, os.path.join(mandir, "swerve.yaml.5.scd"), prober)
        if os.path.exists(os.path.join(mandir, "swervectl.8.scd")):
            check_ctl_page(srcdir, os.path.join(mandir, "swervectl.8.scd"), swervectl,
                           os.path.join(mandir, "swerved.8.scd"), swerved)
    finally:
        prober.close()
    for n in notes:
        print("note: " + n)
    for f in failures:
        print("FAIL: " + f)
    print("%d probe(s) of swerved --check; %d failure(s)" % (prober.runs, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
