#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The layering rules of docs/design.md ("Layers"), checked on the built objects.

A module is one object file; module A depends on module B when A uses a
symbol that B defines (nm). Two rules:
  1. each library depends only on its own layer and the layers below it:
       base < answer < {dataplane, table} < control < swerved
     (the dataplane and the zone compiler are side by side: neither may use
     the other);
  2. no cycle between modules, in any library or across them.
The include-directory rule (dataplane code cannot include control headers)
is enforced by the build itself; this catches calls that go up a layer and
files that call each other.

usage: check_layers.py BUILDDIR      exit 0 when both rules hold.
"""
import collections
import glob
import os
import subprocess
import sys

LAYERS = [  # name, archive or object glob under the build dir, what it may use
    ("base", "dataplane/base/libswerve_base.a", {"base"}),
    ("answer", "dataplane/libswerve_answer.a", {"base", "answer"}),
    ("dataplane", "dataplane/libswerve_dataplane.a", {"base", "answer", "dataplane"}),
    ("table", "control/libswerve_table.a", {"base", "answer", "table"}),
    ("control", "control/libswerve_control.a", {"base", "answer", "table", "control"}),
    ("swerved", "control/swerved.p/*.o",
     {"base", "answer", "dataplane", "table", "control", "swerved"}),
]


def nm(path):
    """(member, kind, symbol) for every defined or undefined symbol in @path."""
    out = subprocess.run(["nm", "-A", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        # "lib.a:member.o:0000 T sym" for an archive, "file.o:0000 T sym" for an object.
        if path.endswith(".a"):
            _, member, rest = line.split(":", 2)
        else:
            member, rest = path, line.split(":", 1)[1]
        f = rest.split()
        if len(f) == 3:
            yield os.path.basename(member), f[1], f[2]
        elif len(f) == 2 and f[0] == "U":
            yield os.path.basename(member), "U", f[1]


def main():
    build = sys.argv[1]
    layer_of, defs, uses = {}, {}, collections.defaultdict(set)
    for layer, pattern, _ in LAYERS:
        paths = glob.glob(os.path.join(build, pattern))
        if not paths:
            print(f"FAIL: {pattern}: not built")
            return 1
        for path in paths:
            for member, kind, sym in nm(path):
                mod = f"{layer}:{member.replace('.c.o', '').replace('.o', '')}"
                layer_of[mod] = layer
                if kind in "TDBRCV":
                    defs.setdefault(sym, mod)
                elif kind == "U":
                    uses[mod].add(sym)
    allowed = {name: ok for name, _, ok in LAYERS}
    graph = collections.defaultdict(set)
    bad = 0
    for mod, syms in uses.items():
        for sym in sorted(syms):
            dep = defs.get(sym)
            if dep is None or dep == mod:
                continue
            graph[mod].add(dep)
            if layer_of[dep] not in allowed[layer_of[mod]]:
                print(f"FAIL: {mod} uses {sym} from {dep}: {layer_of[mod]} may not use "
                      f"{layer_of[dep]}")
                bad += 1

    # Tarjan's strongly connected components: any of more than one module is a cycle.
    index, low, stack, on, counter, cycles = {}, {}, [], set(), [0], []

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(layer_of):
        if v not in index:
            visit(v)
    for comp in cycles:
        print("FAIL: modules call each other: " + " <-> ".join(comp))
        bad += 1
    print(f"{len(layer_of)} modules, {sum(len(d) for d in graph.values())} dependencies, "
          f"{len(cycles)} cycles, {bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
