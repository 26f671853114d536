#!/usr/bin/env python3
"""Benchmark `dedup scan` against the hashing limit and against peers, and write BENCHMARKS.md.

One command reruns everything (plain Python 3, no packages needed for our own figures):

    python3 scripts/compare.py                      # 10k and 100k documents, peers at 10k
    python3 scripts/compare.py --docs 10000,100000,1000000

Steps:
1. `cargo build --release` of `dedup`, `dedup-synth` and `examples/hash_limit`.
2. Corpora from the seeded generator (`dedup-synth --docs N --seed S`) under bench-out/, written
   once and reused (a corpus is byte-identical for the same N and seed).
3. For each size, after one untimed pass that warms the page cache, `--repeat` runs each of:
   examples/hash_limit (read + xxh3 of every word 5-gram, 2 threads), `dedup scan DIR --format
   jsonl` at each `--jobs`, and (at `--peer-docs` only) the peers of scripts/peers.py in the
   venv bench-out/venv (datasketch and rensa, installed there with pip when missing).
   Wall time, user+system CPU time and peak RSS come from wait4() on each child.
4. Recall of the planted near-duplicate pairs with Jaccard >= 0.8 (truth.jsonl).
5. Results to bench-out/results.json and docs/benchmarks/results.json, the plot to
   docs/benchmarks/scaling.svg, and the generated tables into BENCHMARKS.md between the
   `compare.py` markers (the rest of that file is prose and is left alone).

Figures are medians over the repeats. Timings on a machine shared with other work are noisy: the
load average before and after each size is recorded next to the figures.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- compare.py:begin (generated; edit scripts/compare.py instead) -->"
END = "<!-- compare.py:end -->"
PEERS = ("datasketch", "rensa")


def main():
    args = parse_args()
    os.chdir(ROOT)
    if args.from_results:
        with open(args.from_results) as f:
            save(json.load(f), args)
        return 0
    out = args.out_dir
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    if not args.no_build:
        build()
    machine = machine_info()
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "versions": versions(args),
        "argv": " ".join(a for a in sys.argv[1:] if a not in ("--no-write", "--no-build")),
        "seed": args.seed,
        "repeat": args.repeat,
        "peer_repeat": args.peer_repeat,
        "jobs": args.jobs,
        "rss_from": "GNU time %M" if GNU_TIME else "wait4 ru_maxrss (includes Python's own)",
        "sizes": [],
    }
    python = peer_python(args) if args.peers else None
    for docs in args.docs:
        results["sizes"].append(measure_size(args, docs, python))
    results["versions"].update(peer_versions(python))
    save(results, args)
    if not args.no_write:
        print(f"wrote {args.markdown}, docs/benchmarks/results.json and docs/benchmarks/scaling.svg")
    return 0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ints = lambda s: [int(x) for x in s.split(",") if x]
    p.add_argument("--docs", type=ints, default=[10_000, 100_000], help="corpus sizes")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    p.add_argument("--jobs", type=ints, default=[1, 2], help="dedup --jobs values")
    p.add_argument("--limit-jobs", type=int, default=2, help="threads of hash_limit")
    p.add_argument("--peers", type=lambda s: [x for x in s.split(",") if x], default=list(PEERS))
    p.add_argument("--peer-docs", type=ints, default=[10_000], help="sizes the peers run at")
    p.add_argument("--peer-repeat", type=int, default=1)
    p.add_argument("--out-dir", default="bench-out")
    p.add_argument("--markdown", default="BENCHMARKS.md")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md / docs/")
    p.add_argument("--note", default="", help="a line to print under the tables")
    p.add_argument(
        "--from-results",
        metavar="JSON",
        help="rewrite BENCHMARKS.md and the plot from a saved results.json, without running",
    )
    return p.parse_args()


def build():
    run(["cargo", "build", "--release", "--bin", "dedup", "--bin", "dedup-synth"])
    run(["cargo", "build", "--release", "--example", "hash_limit"])


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def gnu_time():
    """GNU time, when installed: a child of Python inherits Python's peak RSS (Linux keeps the
    high-water mark across fork and exec), while a child of the small `time` program does not."""
    path = shutil.which("time") or "/usr/bin/time"
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True)
    except OSError:
        return None
    return path if "GNU" in out.stdout + out.stderr else None


GNU_TIME = gnu_time()


def measure(cmd, stdout_path):
    """Runs cmd with stdout to a file: wall time, CPU time and peak RSS of the command."""
    report = os.path.join(ROOT, "bench-out", "runs", ".time")
    wrapped = [GNU_TIME, "-f", "%U %S %M", "-o", report, *cmd] if GNU_TIME else cmd
    with open(stdout_path, "wb") as stdout:
        started = time.perf_counter()
        child = subprocess.Popen(wrapped, stdout=stdout)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    cpu, rss_kb = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    if GNU_TIME:
        with open(report) as f:
            last = f.read().split("\n")[-2].split()
        cpu, rss_kb = float(last[0]) + float(last[1]), int(last[2])
    return {"wall_s": wall, "cpu_s": cpu, "rss_mb": rss_kb / 1024, "exit": code}


def median_run(cmd, stdout_path, repeat, ok=(0,)):
    runs = []
    for i in range(repeat):
        print(f"+ [{i + 1}/{repeat}] {' '.join(cmd)}", file=sys.stderr)
        r = measure(cmd, stdout_path)
        if r["exit"] not in ok:
            sys.exit(f"compare.py: {' '.join(cmd)} exited with {r['exit']}")
        runs.append(r)
    return {
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "rss_mb": statistics.median(r["rss_mb"] for r in runs),
        "walls": [round(r["wall_s"], 3) for r in runs],
        "command": " ".join(cmd),
    }


def corpus(args, docs):
    root = os.path.join(args.out_dir, f"corpus-{docs}-seed{args.seed}")
    if not os.path.exists(os.path.join(root, "manifest.json")):
        shutil.rmtree(root, ignore_errors=True)
        run([bin_path("dedup-synth"), "--docs", str(docs), "--seed", str(args.seed), "--out", root])
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    return root, manifest


def bin_path(name):
    return os.path.join("target", "release", name)


def loadavg():
    return round(os.getloadavg()[0], 2)


def measure_size(args, docs, python):
    root, manifest = corpus(args, docs)
    docs_dir = os.path.join(root, "docs")
    total = manifest["summary"]["bytes"]
    truth = planted_pairs(root)
    runs_dir = os.path.join(args.out_dir, "runs")
    entry = {
        "docs": docs,
        "bytes": total,
        "corpus": f"dedup-synth --docs {docs} --seed {args.seed}",
        "planted_pairs": len(truth["all"]),
        "planted_pairs_08": len(truth["08"]),
        "load_before": loadavg(),
    }
    limit_cmd = [bin_path("examples/hash_limit"), docs_dir, "--jobs", str(args.limit_jobs)]
    measure(limit_cmd, os.devnull)  # warms the page cache; not timed
    entry["limit"] = median_run(limit_cmd, os.path.join(runs_dir, f"limit-{docs}.json"), args.repeat)
    entry["dedup"] = {}
    for jobs in args.jobs:
        out = os.path.join(runs_dir, f"dedup-{docs}-j{jobs}.jsonl")
        cmd = [bin_path("dedup"), "scan", docs_dir, "--no-overlap", "--format", "jsonl"]
        cmd += ["--jobs", str(jobs)]
        r = median_run(cmd, out, args.repeat, ok=(0, 1))
        found = dedup_pairs(out, root)
        r["pairs"] = len(found)
        r["recall_08"] = recall(found, truth["08"])
        r["unplanted"] = len(found - truth["all"])
        entry["dedup"][str(jobs)] = r
    best = str(max(args.jobs))
    entry["dedup"][best]["serial_share"] = serial_share(entry["dedup"][best]["command"].split())
    entry["peers"] = {}
    if python and docs in args.peer_docs:
        for tool in args.peers:
            out = os.path.join(runs_dir, f"{tool}-{docs}.jsonl")
            cmd = [python, os.path.join("scripts", "peers.py"), tool, docs_dir, "--out", out]
            r = median_run(cmd, os.devnull, args.peer_repeat)
            found, info = peer_pairs(out)
            r.update(info)
            r["pairs"] = len(found)
            r["recall_08"] = recall(found, truth["08"])
            r["unplanted"] = len(found - truth["all"])
            entry["peers"][tool] = r
    entry["load_after"] = loadavg()
    return entry


def serial_share(cmd):
    """The share of CPU samples taken on the main thread, which only runs the serial parts
    (rayon's workers are other threads; the main thread sleeps while they work), from one
    `perf record` run; None without a usable perf. Amdahl's law turns it into the speed-up
    two threads can reach, a figure that other work on the machine does not distort."""
    if not shutil.which("perf"):
        return None
    data = os.path.join(ROOT, "bench-out", "runs", "perf.data")
    try:
        with open(os.devnull, "wb") as null:
            subprocess.run(
                ["perf", "record", "-q", "-F", "999", "-o", data, "--", *cmd],
                stdout=null, stderr=null, check=False,
            )
        report = subprocess.run(
            ["perf", "report", "-i", data, "--sort", "pid", "--stdio", "-q"],
            capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    shares = {}
    for line in report.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("%") and ":" in parts[1]:
            shares[int(parts[1].split(":")[0])] = float(parts[0].rstrip("%")) / 100
    return shares[min(shares)] if len(shares) > 1 else None


def planted_pairs(root):
    every, high = set(), set()
    with open(os.path.join(root, "truth.jsonl")) as f:
        for line in f:
            t = json.loads(line)
            if t["type"] == "near_duplicate":
                every.add((t["a"], t["b"]))
                if t["jaccard"] >= 0.8:
                    high.add((t["a"], t["b"]))
    return {"all": every, "08": high}


def dedup_pairs(path, root):
    found = set()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "pair" and r.get("kind") in ("near_duplicate", "exact_duplicate"):
                a, b = (os.path.relpath(p, root) for p in (r["a"], r["b"]))
                found.add(tuple(sorted((a, b))))
    return found


def peer_pairs(path):
    found, info = set(), {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if isinstance(r, dict):
                info = {k: v for k, v in r.items() if k in ("tool", "version", "bands", "rows")}
            else:
                found.add(tuple(sorted("docs/" + p for p in r)))
    return found, info


def recall(found, wanted):
    return len(found & wanted) / len(wanted) if wanted else 1.0


def peer_python(args):
    venv = os.path.join(args.out_dir, "venv")
    python = os.path.join(venv, "bin", "python")
    try:
        if not os.path.exists(python):
            run([sys.executable, "-m", "venv", venv])
        missing = [
            t for t in args.peers
            if subprocess.run([python, "-c", f"import {t}"], capture_output=True).returncode
        ]
        if missing:
            run([python, "-m", "pip", "install", "--quiet", *missing])
        return python
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"compare.py: peers skipped, could not install them: {e}", file=sys.stderr)
        return None


def peer_versions(python):
    if not python:
        return {}
    code = (
        "import importlib.metadata as m, json, sys\n"
        "v = {'python (peers)': sys.version.split()[0]}\n"
        "for p in ('datasketch', 'rensa', 'numpy'):\n"
        "    try: v[p] = m.version(p)\n"
        "    except Exception: pass\n"
        "print(json.dumps(v))\n"
    )
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
    }


def versions(args):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "unknown"

    return {
        "dedup": out([bin_path("dedup"), "--version"]),
        "commit": out(["git", "rev-parse", "--short", "HEAD"]),
        "rustc": out(["rustc", "--version"]),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------------------------------------
# Output


def save(results, args):
    with open(os.path.join(args.out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.no_write:
        print(markdown(results, args))
        return
    os.makedirs(os.path.join("docs", "benchmarks"), exist_ok=True)
    with open(os.path.join("docs", "benchmarks", "results.json"), "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    with open(os.path.join("docs", "benchmarks", "scaling.svg"), "w") as f:
        f.write(svg(results))
    block = markdown(results, args)
    try:
        with open(args.markdown) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + BEGIN + "\n" + block + END + tail
    else:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + block + END + "\n"
    with open(args.markdown, "w") as f:
        f.write(text)


def fmt(x, digits=2):
    return f"{x:,.{digits}f}"


def markdown(results, args):
    m, v = results["machine"], results["versions"]
    lines = [
        "Generated by `"
        + " ".join(["python3 scripts/compare.py", results.get("argv", "")]).strip()
        + "`"
        + f" on {results['date']}.",
        "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, {m['os']}.",
        f"- Versions: {v.get('dedup', '?')} (commit {v.get('commit', '?')}), {v.get('rustc', '?')}"
        + "".join(f", {k} {v[k]}" for k in ("datasketch", "rensa", "numpy") if k in v)
        + f", Python {v.get('python (peers)', v.get('python'))}.",
        f"- Peak RSS from {results['rss_from']}. Medians of {results['repeat']} runs "
        f"(peers: {results.get('peer_repeat', 1)}); page cache warm; "
        "load average (1 min) before/after each size in the last column: a load near or above "
        f"{m['nproc']} means other work shared the CPUs and wall times are inflated.",
        "",
        "### dedup scan against the hashing limit",
        "",
        "| docs | corpus MB | limit MB/s | "
        + " | ".join(f"dedup --jobs {j} s" for j in results["jobs"])
        + " | speed-up | serial share | Amdahl bound | MB/s | docs/s | of limit | CPU s | of limit (CPU) "
        "| peak RSS MB | recall J≥0.8 | load |",
        "|" + "---:|" * (14 + len(results["jobs"])),
    ]
    best = str(max(results["jobs"]))
    one = str(min(results["jobs"]))
    for s in results["sizes"]:
        mb = s["bytes"] / 1e6
        limit = s["limit"]
        d = s["dedup"][best]
        limit_mbs = mb / limit["wall_s"]
        mbs = mb / d["wall_s"]
        speedup = s["dedup"][one]["wall_s"] / d["wall_s"]
        lines.append(
            f"| {s['docs']:,} | {fmt(mb, 0)} | {fmt(limit_mbs, 0)} | "
            + " | ".join(fmt(s["dedup"][str(j)]["wall_s"]) for j in results["jobs"])
            + f" | {fmt(speedup)}x | {serial_cells(d.get('serial_share'), int(best))} | "
            f"{fmt(mbs, 0)} | {fmt(s['docs'] / d['wall_s'], 0)} | "
            f"{fmt(mbs / limit_mbs)} | {fmt(d['cpu_s'])} | {fmt(limit['cpu_s'] / d['cpu_s'])} | "
            f"{fmt(d['rss_mb'], 0)} | {fmt(d['recall_08'], 4)} ({d['pairs'] - d['unplanted']} of {s['planted_pairs_08']}) | "
            f"{s['load_before']}/{s['load_after']} |"
        )
    sizes = results["sizes"]
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        per_doc = (b["dedup"][best]["rss_mb"] - a["dedup"][best]["rss_mb"]) * 1024 * 1024 / (
            b["docs"] - a["docs"]
        )
        lines += [
            "",
            f"Peak RSS grows by {fmt(per_doc, 0)} bytes per document between {a['docs']:,} and "
            f"{b['docs']:,} documents (`--jobs {best}`).",
        ]
    lines += [
        "",
        "\"of limit\": dedup's MB/s over the limit's MB/s (wall, 2 threads each when "
        f"`--jobs {best}`); \"of limit (CPU)\": the limit's CPU seconds over dedup's, which is "
        "less sensitive to other work on the machine. \"speed-up\": wall time at "
        f"`--jobs {one}` over `--jobs {best}`. \"serial share\": the share of CPU samples "
        f"(`perf record`, `--jobs {best}`) on the main thread, which runs only the serial parts "
        "(walking folders, grouping, output); \"Amdahl bound\": the speed-up that share allows "
        f"at {best} threads, which other work on the machine does not distort.",
        "",
    ]
    peer_sizes = [s for s in sizes if s["peers"]]
    for s in peer_sizes:
        mb = s["bytes"] / 1e6
        lines += [
            f"### Peers on {s['docs']:,} documents ({fmt(mb, 0)} MB)",
            "",
            "| tool | LSH bands x rows | wall s | CPU s | MB/s | docs/s | peak RSS MB | pairs | verified | recall J≥0.8 |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
        ]
        d = s["dedup"][best]
        lines.append(
            f"| dedup scan --jobs {best} | 21 x 6 | {fmt(d['wall_s'])} | {fmt(d['cpu_s'])} | "
            f"{fmt(mb / d['wall_s'], 1)} | {fmt(s['docs'] / d['wall_s'], 0)} | {fmt(d['rss_mb'], 0)} | "
            f"{d['pairs']} | exact Jaccard | {fmt(d['recall_08'], 3)} |"
        )
        for tool, r in s["peers"].items():
            lines.append(
                f"| {tool} {r.get('version', '')} | {r.get('bands')} x {r.get('rows')} | "
                f"{fmt(r['wall_s'])} | {fmt(r['cpu_s'])} | {fmt(mb / r['wall_s'], 1)} | "
                f"{fmt(s['docs'] / r['wall_s'], 0)} | {fmt(r['rss_mb'], 0)} | {r['pairs']} | "
                f"no (candidates) | {fmt(r['recall_08'], 3)} |"
            )
        lines += [
            "",
            f"Planted near-duplicate pairs: {s['planted_pairs']}, of which {s['planted_pairs_08']} "
            "have an exact 5-gram Jaccard >= 0.8 (the recall denominator). dedup reports pairs "
            "whose exact Jaccard reaches 0.8 (precision 1 by construction); the peers report LSH "
            "candidates, unverified, so their pairs include planted pairs below 0.8.",
            "",
        ]
    lines += ["### Commands", ""]
    for s in sizes:
        lines.append(f"- {s['docs']:,} docs: corpus `{s['corpus']}`")
        lines.append(f"  - limit: `{s['limit']['command']}`")
        for j, r in s["dedup"].items():
            lines.append(f"  - dedup: `{r['command']}`")
        for tool, r in s["peers"].items():
            lines.append(f"  - {tool}: `{r['command']}`")
    lines += ["", "![time and memory against corpus size](docs/benchmarks/scaling.svg)", ""]
    if args.note:
        lines += [args.note, ""]
    return "\n".join(lines)


def serial_cells(share, threads):
    if share is None:
        return "n/a | n/a"
    bound = 1 / (share + (1 - share) / threads)
    return f"{share * 100:.1f}% | {bound:.2f}x"


def svg(results):
    """Two log-x charts, time and peak memory against documents, written by hand."""
    sizes = results["sizes"]
    best = str(max(results["jobs"]))
    one = str(min(results["jobs"]))
    xs = [s["docs"] for s in sizes]
    time_series = [
        (f"dedup --jobs {best}", "#1f77b4", [s["dedup"][best]["wall_s"] for s in sizes]),
        (f"dedup --jobs {one}", "#aec7e8", [s["dedup"][one]["wall_s"] for s in sizes]),
        ("hash limit (2 threads)", "#2ca02c", [s["limit"]["wall_s"] for s in sizes]),
    ]
    memory_series = [
        (f"dedup --jobs {best}", "#1f77b4", [s["dedup"][best]["rss_mb"] for s in sizes]),
        (f"dedup --jobs {one}", "#aec7e8", [s["dedup"][one]["rss_mb"] for s in sizes]),
    ]
    width, height = 900, 380
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    parts += chart(20, "wall time (s)", xs, time_series)
    parts += chart(470, "peak RSS (MB)", xs, memory_series)
    parts.append(
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle" fill="#555">'
        f"dedup-synth corpora, seed {results['seed']}; {results['machine']['nproc']} CPUs; "
        f"{results['date']}</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def log_ticks(lo, hi):
    """1-2-5 ticks covering [lo, hi]."""
    import math

    ticks = []
    for decade in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            t = m * 10.0**decade
            if lo <= t <= hi:
                ticks.append(t)
    return ticks


def chart(left, title, xs, series):
    """A log-log chart: linear scaling is a straight line of slope 1."""
    import math

    w, h, top = 400, 260, 40
    x0, y0 = left + 50, top + h
    values = [v for _, _, vs in series for v in vs if v > 0]
    ylo, yhi = min(values) / 1.5, max(values) * 1.5
    xlo, xhi = math.log10(min(xs)), math.log10(max(xs))
    xspan = (xhi - xlo) or 1
    yspan = math.log10(yhi) - math.log10(ylo)

    def px(x):
        return x0 + 10 + (math.log10(x) - xlo) / xspan * (w - 80)

    def py(y):
        return y0 - (math.log10(y) - math.log10(ylo)) / yspan * h

    out = [
        f'<text x="{left + w / 2}" y="{top - 18}" text-anchor="middle" font-weight="bold">{title}</text>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0 + w - 50}" y2="{y0}" stroke="black"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{top}" stroke="black"/>',
    ]
    for y in log_ticks(ylo, yhi):
        out.append(f'<line x1="{x0 - 4}" y1="{py(y):.1f}" x2="{x0 + w - 50}" y2="{py(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    for x in xs:
        out.append(f'<line x1="{px(x):.1f}" y1="{y0}" x2="{px(x):.1f}" y2="{y0 + 4}" stroke="black"/>')
        out.append(f'<text x="{px(x):.1f}" y="{y0 + 18}" text-anchor="middle">{x:,}</text>')
    out.append(f'<text x="{x0 + (w - 50) / 2}" y="{y0 + 34}" text-anchor="middle">documents (log-log)</text>')
    for k, (name, color, vs) in enumerate(series):
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, vs) if y > 0)
        out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in zip(xs, vs):
            if y > 0:
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
                out.append(f'<text x="{px(x) + 5:.1f}" y="{py(y) - 5:.1f}" fill="{color}" font-size="10">{y:.3g}</text>')
        ly = top + 6 + 16 * k
        out.append(f'<rect x="{x0 + 10}" y="{ly - 9}" width="12" height="3" fill="{color}"/>')
        out.append(f'<text x="{x0 + 28}" y="{ly - 4}">{name}</text>')
    return out


if __name__ == "__main__":
    sys.exit(main())
