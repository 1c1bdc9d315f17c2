"""Instructions one stage executes over the first N benchmark articles, counted
by valgrind's callgrind: an A/B measure for a change to one stage.

    .venv/bin/python benchmarks/instructions.py projects            # 100 articles
    .venv/bin/python benchmarks/instructions.py dates --articles 200

Wall-clock time on a shared host moves by 5-10% from run to run; this count
repeats to about 0.1%, because callgrind counts only inside the measured
call (``--collect-atstart=no --toggle-collect=functools_reduce``: the stage
runs once inside ``functools.reduce``), so imports, .pyc compiles, loading
and the warm-up stay out of it. Instructions are not time (numpy calls and
cold caches cost more time than their count says): confirm a gain with
``benchmarks/bench.py``. Needs valgrind (Debian's package) and the corpus
that bench.py builds (benchmarks/corpus/10MB).
"""
from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "corpus" / "10MB"
STAGES = ("document", "amounts", "dates", "projects", "targets")
EXTRACTOR_ORDER = ("amounts", "dates", "projects", "targets")  # each reads the tables before it


def stage_run(stage: str, n: int):
    """A function running *stage* once over the first *n* articles, with all
    it needs (documents, the earlier tables) made and warmed beforehand."""
    from extract.articles import Document
    from extract.pipeline import EXTRACTORS, _document
    from extract.textio import read_article

    raws = [read_article(p) for p in sorted(CORPUS.glob("*.txt"))[:n]]
    if stage == "document":
        for r in raws[:5]:
            Document.from_text(r.text, r.article_id, r)
        return lambda: [Document.from_text(r.text, r.article_id, r) for r in raws]
    fns = dict(EXTRACTORS)
    docs = [_document(r) for r in raws]
    found: list[dict] = [{} for _ in docs]
    for name in EXTRACTOR_ORDER[:EXTRACTOR_ORDER.index(stage)]:
        for d, f in zip(docs, found):
            f[name] = fns[name](d, f)
    for d, f in zip(docs[:5], found):
        fns[stage](d, f)
    docs = [_document(r) for r in raws]  # fresh documents: nothing cached on them
    return lambda: [fns[stage](d, f) for d, f in zip(docs, found)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stage", choices=STAGES)
    ap.add_argument("--articles", type=int, default=100, help="how many benchmark articles (default 100)")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # the run under valgrind
    args = ap.parse_args()
    if args.inside:
        import gc
        from extract.pipeline import GC_THRESHOLD
        gc.set_threshold(GC_THRESHOLD)  # as run_all sets it: the default's extra passes are not the pipeline's
        run = stage_run(args.stage, args.articles)
        functools.reduce(lambda _a, _b: run(), [0, 0])  # the one call callgrind counts
        return
    if shutil.which("valgrind") is None:
        sys.exit("error: valgrind is not installed (apt-get install valgrind)")
    if not any(CORPUS.glob("*.txt")):
        sys.exit(f"error: no corpus in {CORPUS}: run benchmarks/bench.py once to build it")
    env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict and set orders on every run
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--collect-atstart=no",
           "--toggle-collect=functools_reduce", sys.executable, __file__, args.stage,
           "--articles", str(args.articles), "--inside"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    m = re.search(r"refs:\s*([\d,]+)", done.stderr)
    if done.returncode or m is None:
        sys.exit(f"error: the run under valgrind failed:\n{done.stderr[-2000:]}")
    print(f"{args.stage}: {int(m.group(1).replace(',', '')) / 1e6:.1f} M instructions "
          f"over {args.articles} articles")


if __name__ == "__main__":
    main()
