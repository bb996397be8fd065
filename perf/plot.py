#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Draw PNGs of swerve against its peers from the benchmarks' result files.

    perf/plot.py [--results perf/results] [--out perf/plots]

(/usr/bin/python3: the Debian package python3-matplotlib, not a pyenv python.)

Reads what the benchmark scripts write (each is optional; a missing file
means no plot for that scenario):
  dataplane.json  perf/bench_dataplane.sh: swerved vs the testpmd macswap ceiling
  lab.json        perf/bench_lab.sh: dnsperf qps at saturation, p50/p99 at a fixed load
  flood.json      perf/bench_flood.sh: kxdpgun answers per second against the offered rate
  scale.json      perf/bench_scale.sh: load time, memory per name, reload and restart time
  goals.json      the figures of a round's goals, before and after, each with the
                  result file it was read from
  failover.txt    the standard output of build/perf/bench_failover: answers per
                  second in the phases without and with 100 flips per second
and writes dataplane.png, lab.png, flood.png, scale.png, goals.png and failover.png.
Every plot carries the run's date, load average and CPU in its title, so a
figure never travels without the conditions it was measured in.
"""

import argparse
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# One colour per server, the same in every plot.
COLOURS = {"swerved": "#1f77b4", "knot": "#d62728", "nsd": "#2ca02c", "testpmd": "#7f7f7f",
           "reflect": "#bcbd22", "gen": "#c7c7c7"}


def colour(peer):
    for k, v in COLOURS.items():
        if peer.startswith(k):
            return v
    return "#9467bd"


def subtitle(d):
    return "%s; load %s -> %s; %s CPUs (%s)" % (d.get("started", "?"), d.get("load_before", "?"),
                                               d.get("load_after", "?"), d.get("nproc", "?"),
                                               d.get("cpu_model", "?"))


def finish(fig, d, title, path):
    fig.suptitle(title + "\n" + subtitle(d), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print("wrote %s" % path)


def label_bars(ax, bars, fmt):
    for b in bars:
        h = b.get_height()
        if h:
            ax.annotate(fmt % h, (b.get_x() + b.get_width() / 2, h), ha="center", va="bottom",
                        fontsize=7, xytext=(0, 2), textcoords="offset points")


def plot_dataplane(d, path):
    rows = d["rows"]
    workers = sorted({r["workers"] for r in rows})
    fig, axes = plt.subplots(1, len(workers), figsize=(5 * len(workers), 4), squeeze=False)
    for ax, w in zip(axes[0], workers):
        rs = [r for r in rows if r["workers"] == w]
        x = range(len(rs))
        sw = [r["swerved_mqps"] or 0 for r in rs]
        tp = [r["testpmd_mpps"] or 0 for r in rs]
        b1 = ax.bar([i - 0.2 for i in x], sw, 0.4, label="swerved (answers)", color=colour("swerved"))
        b2 = ax.bar([i + 0.2 for i in x], tp, 0.4, label="testpmd macswap (ceiling)",
                    color=colour("testpmd"))
        for b, r in zip(b1, rs):
            # The workers' CPU share: below 97 % another tenant took part of the core.
            ax.annotate("%.1f\n(cpu %s %%)" % (b.get_height(), "%.0f" % r["swerved_cpu"]
                        if r["swerved_cpu"] is not None else "?"),
                        (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                        va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
        label_bars(ax, b2, "%.1f")
        for i, (s, t) in enumerate(zip(sw, tp)):
            if s and t:
                ax.annotate("%.0f %%" % (100 * s / t), (i, max(s, t) * 1.08), ha="center",
                            fontsize=8)
        ax.set_xticks(list(x))
        ax.set_xticklabels([r["mix"] for r in rs])
        ax.set_ylabel("million packets per second")
        ax.set_ylim(0, max(tp + sw) * 1.45 or 1)
        ax.set_title("%d worker(s), net_pcap -> drop, %d names" % (w, d.get("zone_names", 0)),
                     fontsize=9)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
    finish(fig, d, "Engine: swerved vs the I/O ceiling (percent = share of the ceiling)", path)


def plot_lab(d, path):
    s = d["summary"]
    loads = []
    for e in s:
        if e["load"] not in loads:
            loads.append(e["load"])
    fixed = [x for x in loads if x != "max"]
    fig, axes = plt.subplots(1, 1 + len(fixed), figsize=(6 + 6 * len(fixed), 4.5), squeeze=False)
    ax = axes[0][0]
    es = [e for e in s if e["load"] == "max"]
    x = range(len(es))
    bars = ax.bar(x, [e["qps"] or 0 for e in es], color=[colour(e["peer"]) for e in es],
                  yerr=[[max(0, (e["qps"] or 0) - e["qps_min"]) for e in es],
                        [max(0, e["qps_max"] - (e["qps"] or 0)) for e in es]], capsize=3)
    label_bars(ax, bars, "%.0f")
    ax.set_xticks(list(x))
    ax.set_xticklabels([e["peer"] for e in es], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("answered queries per second")
    ax.set_title("dnsperf as fast as answered (median, min-max)", fontsize=9)
    for ax, load in zip(axes[0][1:], fixed):
        es = [e for e in s if e["load"] == load]
        x = range(len(es))
        p50 = [e["p50_us"] or 0 for e in es]
        p99 = [e["p99_us"] or 0 for e in es]
        ax.bar([i - 0.2 for i in x], p50, 0.4, color=[colour(e["peer"]) for e in es], alpha=0.45,
               label="p50")
        b = ax.bar([i + 0.2 for i in x], p99, 0.4, color=[colour(e["peer"]) for e in es],
                   yerr=[[max(0, p - (e["p99_min"] or p)) for p, e in zip(p99, es)],
                         [max(0, (e["p99_max"] or p) - p) for p, e in zip(p99, es)]],
                   capsize=3, label="p99 (min-max)")
        label_bars(ax, b, "%.0f")
        ax.set_xticks(list(x))
        ax.set_xticklabels([e["peer"] for e in es], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("latency, microseconds (log)")
        ax.set_yscale("log")
        ax.set_title("latency at %s qps offered (light: p50, dark: p99)" % load, fontsize=9)
    finish(fig, d, "Lab: dnsperf over the veth, servers on CPU 1, dnsperf on CPU 0", path)


def plot_flood(d, path):
    s = d["summary"]
    peers = []
    for e in s:
        if e["peer"] not in peers:
            peers.append(e["peer"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    ax = axes[0]
    for p in peers:
        es = sorted((e for e in s if e["peer"] == p), key=lambda e: e["rate"])
        if p == "gen":
            ax.plot([e["rate"] / 1e3 for e in es], [e["sent_pps"] / 1e3 for e in es], "--",
                    color="k", label="sent by kxdpgun (no server)")
            continue
        ax.errorbar([e["rate"] / 1e3 for e in es], [e["answers_pps"] / 1e3 for e in es],
                    yerr=[[e["answers_pps"] / 1e3 - e["answers_min"] / 1e3 for e in es],
                          [e["answers_max"] / 1e3 - e["answers_pps"] / 1e3 for e in es]],
                    marker="o", capsize=3, color=colour(p),
                    linestyle=":" if p.endswith("idle") or p.endswith("udp") else "-", label=p)
    ax.set_xlabel("offered queries per second (thousands)")
    ax.set_ylabel("answers per second (thousands)")
    ax.set_title("kxdpgun on CPU 0, server on CPU 1 (median, min-max)", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax = axes[1]
    best = {}
    for e in s:
        if e["peer"] != "gen" and (e["peer"] not in best or
                                   e["answers_pps"] > best[e["peer"]]["answers_pps"]):
            best[e["peer"]] = e
    ps = [p for p in peers if p in best]
    ref = best.get("knot-xdp")
    bars = ax.bar(range(len(ps)), [best[p]["answers_pps"] / 1e3 for p in ps],
                  color=[colour(p) for p in ps])
    for b, p in zip(bars, ps):
        txt = "%.0fk" % (best[p]["answers_pps"] / 1e3)
        if ref:
            txt += "\n%.2fx" % (best[p]["answers_pps"] / ref["answers_pps"])
        ax.annotate(txt, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                    va="bottom", fontsize=7)
    if ref:
        ax.axhline(3 * ref["answers_pps"] / 1e3, color=colour("knot"), linestyle="--", linewidth=1)
        ax.annotate("goal: 3x Knot XDP", (len(ps) - 1, 3 * ref["answers_pps"] / 1e3), ha="right",
                    va="bottom", fontsize=7, color=colour("knot"))
    ax.set_xticks(range(len(ps)))
    ax.set_xticklabels(ps, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("answers per second (thousands), best offered rate")
    ax.set_title("best rate per peer, ratio to Knot XDP", fontsize=9)
    ax.set_ylim(0, max([b.get_height() for b in bars] + [3 * ref["answers_pps"] / 1e3 if ref else 0]) * 1.2)
    finish(fig, d, "Flood: XDP generator (kxdpgun) over the veth lab", path)


def plot_scale(d, path):
    rows = [r for r in d["rows"] if r.get("first_s") is not None]
    sizes = sorted({r["names"] for r in rows})
    servers = []
    for r in rows:
        if r["server"] not in servers:
            servers.append(r["server"])
    metrics = [("load_s", "load time, s"), ("pss_per_name", "PSS bytes per name"),
               ("reload_s", "reload time, s"), ("check_s", "offline check, s")]
    if any(r.get("restart_s") is not None for r in rows):
        metrics.append(("restart_s", "restart to first answer, s\n(swerved: table image)"))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 4))
    width = 0.8 / max(1, len(servers))
    for ax, (k, title) in zip(axes, metrics):
        for j, srv in enumerate(servers):
            xs, ys = [], []
            for i, n in enumerate(sizes):
                r = next((r for r in rows if r["names"] == n and r["server"] == srv), None)
                if r is not None and r.get(k) is not None:
                    xs.append(i + (j - (len(servers) - 1) / 2) * width)
                    ys.append(r[k])
            b = ax.bar(xs, ys, width, color=colour(srv), label=srv)
            label_bars(ax, b, "%.0f" if k == "pss_per_name" else "%.1f")
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels(["%gM names" % (n / 1e6) for n in sizes])
        ax.set_title(title, fontsize=9)
        if k != "pss_per_name":
            ax.set_yscale("log") if len(sizes) > 1 else None
        ax.legend(fontsize=7, loc="upper left")
    skipped = [r for r in d["rows"] if r.get("first_s") is None]
    note = "; ".join("%s %dM: %s" % (r["server"], r["names"] // 1000000, r["mode"]) for r in skipped)
    finish(fig, d, "Scale: same zone file for every server" + (" (" + note + ")" if note else ""),
           path)


def plot_goals(d, path):
    """One panel per goal: the figure before and after the work, and the goal line."""
    goals = d["goals"]
    fig, axes = plt.subplots(1, len(goals), figsize=(3.2 * len(goals), 4))
    for ax, g in zip(axes if len(goals) > 1 else [axes], goals):
        vals = [g["before"], g["after"]]
        b = ax.bar([0, 1], vals, 0.6, color=["#bbbbbb", colour("swerved")])
        label_bars(ax, b, "%.3g")
        ax.axhline(g["goal"], color="#d62728", linestyle="--", linewidth=1)
        ax.text(1.45, g["goal"], "goal %g" % g["goal"], color="#d62728", fontsize=7,
                va="bottom", ha="right")
        ax.set_xticks([0, 1])
        ax.set_xticklabels([g.get("before_label", "before"), g.get("after_label", "after")],
                           fontsize=7)
        ax.set_ylabel(g["unit"], fontsize=8)
        ax.set_title(g["name"] + ("\n(%s better)" % g["better"]), fontsize=8)
        ax.set_ylim(0, max(vals + [g["goal"]]) * 1.25)
    finish(fig, d, "Goals of a round: before and after, each pair from one run (perf/results/goals.json names it)", path)


def parse_failover(text):
    """Phases of bench_failover's throughput table, and its header lines."""
    phases = []
    for line in text.splitlines():
        m = re.match(r"^(\d+)\s+(yes|no)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+(\d+)", line)
        if m:
            phases.append({"phase": int(m.group(1)), "flips": m.group(2) == "yes",
                           "wall_rate": float(m.group(6)), "cpu_rate": float(m.group(8))})
    return phases


def plot_failover(path_in, path):
    text = open(path_in).read()
    phases = parse_failover(text)
    if not phases:
        print("plot: %s: no phase table found" % path_in, file=sys.stderr)
        return
    meta = {}
    m = re.search(r"^# (.*)$", text, re.M)
    if m:
        try:
            meta = json.loads(m.group(1))
        except ValueError:
            meta = {}
    fig, ax = plt.subplots(figsize=(9.5, 4.2))
    x = [p["phase"] for p in phases]
    ax.bar([i - 0.2 for i in x], [p["wall_rate"] / 1e6 for p in phases], 0.4,
           color=["#ff7f0e" if p["flips"] else colour("swerved") for p in phases],
           alpha=0.5, label="per wall second")
    ax.bar([i + 0.2 for i in x], [p["cpu_rate"] / 1e6 for p in phases], 0.4,
           color=["#ff7f0e" if p["flips"] else colour("swerved") for p in phases],
           label="per reader CPU second")
    ax.set_xticks(x)
    ax.set_xticklabels(["%d\n%s" % (p["phase"], "100 flips/s" if p["flips"] else "no flips")
                        for p in phases], fontsize=7)
    ax.set_ylabel("million answers per second (one reader)")
    ax.set_title("orange: 100 flips/s, blue: none; light: per wall s, dark: per CPU s", fontsize=9)
    finish(fig, meta, "Failover under load: bench_failover, throughput per phase", path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(here, "results"))
    ap.add_argument("--out", default=os.path.join(here, "plots"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    done = 0
    for name, fn in (("dataplane", plot_dataplane), ("lab", plot_lab), ("flood", plot_flood),
                     ("scale", plot_scale), ("goals", plot_goals)):
        p = os.path.join(args.results, name + ".json")
        if os.path.exists(p):
            fn(json.load(open(p)), os.path.join(args.out, name + ".png"))
            done += 1
    p = os.path.join(args.results, "failover.txt")
    if os.path.exists(p):
        plot_failover(p, os.path.join(args.out, "failover.png"))
        done += 1
    if not done:
        print("plot: no result files in %s" % args.results, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
