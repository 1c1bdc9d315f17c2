"""Benchmark: the whole pipeline against JioNLP's money extraction alone.

    .venv/bin/pip install -e ".[bench]"       # JioNLP, optional
    .venv/bin/python benchmarks/bench.py      # 1, 10 and 100 MB; writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench.py --sizes 1 --no-write   # a quick look

For each size it builds a corpus from data/raw/ (copies with distinct ids,
half of them converted to the other script with OpenCC, so Simplified and
Traditional are mixed), then runs in fresh child processes, one core each:

- `extract.run_all` (every table, CSV, Parquet and derived outputs
  written, no cache), reporting characters per second, seconds per stage
  and peak memory;
- JioNLP's `extract_money` on the same texts (the tool a user would pick
  instead), timing only the extraction calls.

Both clocks start after a warm-up (ours: a run over data/raw/; JioNLP: one
call), and each side's start-up time is reported on its own.

It also times hostile inputs (a megabyte of digits, of 亿, of Chinese
numerals, one line with no punctuation) against normal text, per MB.
Nothing here runs in the test suite.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus"

CHILD_PIPELINE = r"""
import json, resource, sys, tempfile, time
t = time.perf_counter()
from extract.pipeline import STAGE_SECONDS, run_all
# Start-up (imports, rules, segmenter dictionary, first Parquet write) is timed
# on its own, as JioNLP's child warms up before its clock starts.
run_all("data/raw", tempfile.mkdtemp())
startup = time.perf_counter() - t
STAGE_SECONDS.clear()
raw, out = sys.argv[1], sys.argv[2]
chars = sum(len(p.read_text(encoding="utf-8")) for p in __import__("pathlib").Path(raw).glob("*.txt"))
t = time.perf_counter()
s = run_all(raw, out, jobs=int(sys.argv[3]))
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, "startup": startup, "chars": chars, "articles": s.articles, "counts": s.counts,
                  "stages": STAGE_SECONDS, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_SCALING = r"""
import json, shutil, sys, tempfile, time
from extract.pipeline import run_all
raw = sys.argv[1]
run_all("data/raw", tempfile.mkdtemp())  # load rules and the segmenter first
res = {}
for jobs in (1, 2):
    t = time.perf_counter(); run_all(raw, tempfile.mkdtemp(), jobs=jobs); res[f"jobs{jobs}"] = time.perf_counter() - t
cache = tempfile.mkdtemp()
t = time.perf_counter(); run_all(raw, tempfile.mkdtemp(), cache_dir=cache); res["cold_cached"] = time.perf_counter() - t
t = time.perf_counter(); s = run_all(raw, tempfile.mkdtemp(), cache_dir=cache); res["warm_cached"] = time.perf_counter() - t
res["warm_hits"] = s.cached
shutil.rmtree(cache)
print(json.dumps(res))
"""

CHILD_JIONLP = r"""
import json, pathlib, resource, sys, time, io, contextlib
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    import jionlp as jio
jio.ner.extract_money("预热5亿元")
startup = time.perf_counter() - t
texts = [p.read_text(encoding="utf-8") for p in sorted(pathlib.Path(sys.argv[1]).glob("*.txt"))]
t = time.perf_counter()
n = sum(len(jio.ner.extract_money(x, with_parsing=True)) for x in texts)
secs = time.perf_counter() - t
print(json.dumps({"seconds": secs, "startup": startup, "chars": sum(map(len, texts)), "mentions": n,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_HOSTILE = r"""
import json, time
from extract.pipeline import process_text
cases = {
    "normal text": open(__import__("sys").argv[1], encoding="utf-8").read(),
    "digits": "7" * 1_000_000,
    "亿 repeated": "亿" * 1_000_000,
    "Chinese numerals": "一二三四五六七八九十百千万亿" * 71_429,
    "no punctuation": ("长春汽开区力争整车产量突破220万辆产值超7700亿元总投资超过2000亿元的红旗繁荣基地项目加快建设" * 20_000)[:1_000_000],
    "digits and units": "5万亿元约超过" * 166_667,
}
process_text(cases["normal text"], "warm")  # every lazy build (finders, indexes) done before timing
res = {}
for name, text in cases.items():
    t = time.perf_counter()
    process_text(text, "h")
    secs = time.perf_counter() - t
    res[name] = {"chars": len(text), "seconds_per_mchar": secs / (len(text) / 1e6)}
print(json.dumps(res))
"""


def build_corpus(size_mb: int) -> Path:
    import opencc

    target = CORPUS / f"{size_mb}MB"
    marker = target / ".complete"
    if marker.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    seeds = sorted((ROOT / "data" / "raw").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    flipped = [t2s.convert(t) if "萬" in t or "億" in t else s2t.convert(t) for t in texts]
    total, i = 0, 0
    while total < size_mb * 1_000_000:
        k = i % len(texts)
        text = flipped[k] if (i // len(texts)) % 2 else texts[k]
        data = text.encode("utf-8")
        (target / f"{i:07d}_{seeds[k].stem}.txt").write_bytes(data)
        total += len(data)
        i += 1
    marker.write_text(str(i))
    return target


def child(code: str, *args: str) -> dict:
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "child failed")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100], help="corpus sizes in MB")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for the pipeline run")
    ap.add_argument("--no-jionlp", action="store_true", help="skip the JioNLP comparison")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write benchmarks/RESULTS.md")
    args = ap.parse_args()

    try:
        import jionlp  # noqa: F401
        have_jionlp = not args.no_jionlp
    except ImportError:
        have_jionlp = False
        print("JioNLP not installed (pip install -e '.[bench]'): comparison skipped", file=sys.stderr)

    rows = []
    for size in args.sizes:
        corpus = build_corpus(size)
        out = CORPUS / f"out-{size}MB"
        ours = child(CHILD_PIPELINE, str(corpus), str(out), str(args.jobs))
        ours_cps = ours["chars"] / ours["seconds"] / args.jobs
        row = {"size": size, "ours": ours, "ours_cps": ours_cps}
        if have_jionlp:
            jio = child(CHILD_JIONLP, str(corpus))
            row["jio"] = jio
            row["jio_cps"] = jio["chars"] / jio["seconds"]
        rows.append(row)
        msg = (f"{size:>4} MB: {ours['articles']} articles, {ours['chars'] / 1e6:.1f} M chars, pipeline {ours_cps / 1e6:.2f} M chars/s/core, "
               f"{ours['seconds'] / (ours['chars'] / 1e6):.2f} s per M chars, start-up {ours['startup']:.2f} s, peak {ours['maxrss_mb']:.0f} MB")
        if have_jionlp:
            msg += f"; JioNLP money {row['jio_cps'] / 1e6:.2f} M chars/s (ratio {ours_cps / row['jio_cps']:.2f})"
        print(msg, flush=True)
    scaling_size = 10 if 10 in args.sizes else args.sizes[0]
    scaling = child(CHILD_SCALING, str(build_corpus(scaling_size)))
    scaling["size"] = scaling_size
    print(f"  {scaling_size} MB: --jobs 2 speed-up {scaling['jobs1'] / scaling['jobs2']:.2f}x; "
          f"warm re-run from cache {scaling['warm_cached']:.1f}s vs cold {scaling['cold_cached']:.1f}s "
          f"({scaling['warm_cached'] / scaling['cold_cached']:.0%})", flush=True)
    hostile = child(CHILD_HOSTILE, str(next((ROOT / "data" / "raw").glob("002_*.txt"))))
    for name, h in hostile.items():
        print(f"  hostile {name:<18} {h['seconds_per_mchar']:.2f} s per M chars", flush=True)
    if not args.no_write:
        write_results(rows, hostile, args.jobs, scaling)


def write_results(rows: list[dict], hostile: dict, jobs: int, scaling: dict) -> None:
    lines = ["# Benchmark results", "",
             f"Measured by `benchmarks/bench.py` on {time.strftime('%Y-%m-%d')}, "
             f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
             f"{jobs} job(s) — one core per process. Corpora are copies of data/raw/ with distinct ids, "
             "Simplified and Traditional mixed. Each side's clock starts after its own start-up "
             "(imports, dictionaries, rules; a warm-up call), which is reported in its own column.", "",
             "| corpus | articles | M chars | pipeline M chars/s/core | s per M chars | start-up s | peak RSS MB "
             "| JioNLP money M chars/s | JioNLP start-up s | ratio (ours / JioNLP) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        o = r["ours"]
        jio = f"{r['jio_cps'] / 1e6:.2f}" if "jio" in r else "—"
        jio_start = f"{r['jio']['startup']:.2f}" if "jio" in r else "—"
        ratio = f"{r['ours_cps'] / r['jio_cps']:.2f}" if "jio" in r else "—"
        lines.append(f"| {r['size']} MB | {o['articles']} | {o['chars'] / 1e6:.1f} | {r['ours_cps'] / 1e6:.2f} | "
                     f"{o['seconds'] / (o['chars'] / 1e6):.2f} | {o['startup']:.2f} | {o['maxrss_mb']:.0f} | {jio} | "
                     f"{jio_start} | {ratio} |")
    lines += ["", "Seconds per stage (largest corpus):", "", "| stage | seconds | share |", "|---|---|---|"]
    big = rows[-1]["ours"]
    total = sum(big["stages"].values())
    for stage, secs in sorted(big["stages"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {stage} | {secs:.2f} | {secs / total:.0%} |")
    lines += ["", f"Scaling on the {scaling['size']} MB corpus (same machine, 2 cores):", "",
              "| run | seconds |", "|---|---|",
              f"| --jobs 1 | {scaling['jobs1']:.1f} |",
              f"| --jobs 2 | {scaling['jobs2']:.1f} (speed-up {scaling['jobs1'] / scaling['jobs2']:.2f}x) |",
              f"| cold run filling the cache | {scaling['cold_cached']:.1f} |",
              f"| re-run, unchanged corpus ({scaling['warm_hits']} cache hits) | {scaling['warm_cached']:.1f} "
              f"({scaling['warm_cached'] / scaling['cold_cached']:.0%} of cold) |"]
    lines += ["", "Hostile inputs, one article each (seconds per million characters):", "",
              "| input | s per M chars |", "|---|---|"]
    for name, h in hostile.items():
        lines.append(f"| {name} | {h['seconds_per_mchar']:.2f} |")
    (ROOT / "benchmarks" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
