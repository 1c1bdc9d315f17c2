"""`extract`: Chinese economic news articles in, typed and citable tables out.

A thin command line over the `extract` library: every command calls one
library function and formats its result. Errors print one line,
`Error: …`, and exit with code 1.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Turn Chinese economic and government news articles into typed, citable tables "
         "(amounts, targets, projects, dates, articles).\n\n"
         "Example: extract all --raw data/raw --out data/out",
)

RAW_OPT = typer.Option(Path("data/raw"), "--raw", help="Folder of article .txt files (searched recursively).")
OUT_OPT = typer.Option(Path("data/out"), "--out", help="Folder for the output tables (replaced atomically).")
FORMATS = ("table", "json", "csv")


def fail(msg: str) -> None:
    typer.echo(f"Error: {msg}", err=True)
    raise typer.Exit(1)


def _progress_printer():
    state = {"last": 0.0}

    def progress(i: int, n: int, where: str) -> None:
        now = time.perf_counter()
        if (n == 0 or n >= 20) and (i == n or now - state["last"] > 1.0):
            state["last"] = now
            typer.echo(f"  [{i}/{n or '?'}] {Path(where).name}", err=True)
    return progress


@app.command("all")
def all_(raw: Path = typer.Option(Path("data/raw"), "--raw",
                                  help="Folder of .txt articles (recursive), a .jsonl corpus (id, text, url, published), or - for JSON Lines on stdin."),
         out: Path = OUT_OPT,
         jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes (0 is not allowed; try the number of cores)."),
         force: bool = typer.Option(False, "--force", help="Re-extract every article, ignoring the cache."),
         cache: Optional[Path] = typer.Option(None, "--cache", help="Cache folder (default: .cache/ beside --out)."),
         engine: str = typer.Option("local", "--engine", help="local, or dask (needs the 'dask' extra)."),
         scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local cluster."),
         quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but problems.")) -> None:
    """Extract every article under --raw into the tables in --out.

    Writes <table>.csv and <table>.parquet for articles, amounts, targets,
    projects and dates, atomically. Unchanged articles come from the cache
    unless --force. Bad files are reported and skipped; the exit code is 1
    when any article could not be processed.

    Example: extract all --raw data/raw --out data/out --jobs 2
    """
    from extract.pipeline import run_all
    from extract.textio import ArticleError

    if engine not in ("local", "dask"):
        fail("--engine must be local or dask")
    cache_dir = None if force else (cache or out.parent / ".cache" / out.name)
    try:
        summary = run_all(str(raw) if str(raw) == "-" else raw, out, progress=None if quiet else _progress_printer(),
                          jobs=jobs, cache_dir=cache_dir, engine=engine, scheduler=scheduler)
    except ArticleError as e:
        fail(str(e))
    except ImportError as e:
        fail(f"{e.name or e}: not installed (pip install -e '.[dask]')")
    if not quiet:
        cached = f", {summary.cached} from cache" if summary.cached else ""
        typer.echo(f"Read {summary.articles} article(s) from {raw} in {summary.seconds:.1f}s "
                   f"({summary.jobs} job(s){cached}); wrote {out}/")
        for table, n in summary.counts.items():
            typer.echo(f"  {table:<9} {n:8d} rows   {out}/{table}.csv, .parquet")
    if summary.problems:
        typer.echo(f"Skipped or incomplete: {len(summary.problems)} problem(s):", err=True)
        for p in summary.problems[:50]:
            typer.echo(f"  {p.path}: {p.message}", err=True)
        if len(summary.problems) > 50:
            typer.echo(f"  … and {len(summary.problems) - 50} more", err=True)
        raise typer.Exit(1)


def _load_one(path: str):
    from extract.pipeline import process_bytes, process_file
    from extract.textio import ArticleError

    try:
        if path == "-":
            return process_bytes(sys.stdin.buffer.read(), "stdin")
        return process_file(path)
    except ArticleError as e:
        fail(f"{path}: {e}")


@app.command()
def article(path: str = typer.Argument(..., help="An article file, or - for standard input."),
            format: str = typer.Option("table", "--format", "-f", help="table, json or csv."),
            table: Optional[str] = typer.Option(None, "--table", "-t", help="Only this table (amounts, targets, …).")) -> None:
    """Show the records of one article.

    Example: extract article data/raw/000_699eb03364696f07.txt --table amounts
    """
    from extract.models import RECORD_MODELS
    from extract.output import csv_text

    if format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    if table and table not in RECORD_MODELS:
        fail(f"--table must be one of {', '.join(RECORD_MODELS)}")
    res = _load_one(path)
    tables = [table] if table else list(RECORD_MODELS)
    if format == "json":
        data = {"article": res.article.model_dump(mode="json"),
                **{t: [r.model_dump(mode="json") for r in res.records[t]] for t in tables}}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for t in tables:
        if format == "csv":
            typer.echo(f"# {t}")
            typer.echo(csv_text(RECORD_MODELS[t], res.records[t]), nl=False)
            continue
        typer.echo(f"== {t} ({len(res.records[t])})")
        for r in res.records[t]:
            d = r.model_dump(mode="json")
            keys = [k for k in d if k not in ("record_id", "article_id", "sentence", "text", "char_start", "char_end", "rule_id")
                    and d[k] not in (None, "")]
            fields = "  ".join(f"{k}={d[k]}" for k in keys)
            typer.echo(f"  [{r.char_start}:{r.char_end}] {r.text}  {fields}  ({r.rule_id})")


@app.command()
def explain(path: str = typer.Argument(..., help="An article file, or - for standard input."),
            table: Optional[str] = typer.Option(None, "--table", "-t", help="Only this table.")) -> None:
    """Show every rule match: the rule id that fired and what its named groups captured.

    Matches that lost to a longer overlapping match, or were dropped by a
    rule condition, are marked. The rule author's debugger.

    Example: extract explain data/raw/003_efb9b948de26f3ef.txt --table amounts
    """
    from extract.explain import explain_document

    res = _load_one(path)
    for line in explain_document(res, only=table):
        typer.echo(line)


@app.command("eval")
def eval_(gold: Path = typer.Option(Path("tests/gold"), "--gold", help="Folder of gold <article_id>.jsonl files."),
          raw: Path = RAW_OPT,
          out: Optional[Path] = typer.Option(None, "--out", help="Score this existing output folder instead of running."),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="List every miss and extra."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Precision, recall and F1 per table, and attribute accuracy, against gold.

    Runs the pipeline on --raw into a temporary folder (or scores --out) and
    compares with the gold JSONL files. Same numbers as shared/tools/score.py.

    Example: extract eval --gold tests/gold --raw data/raw
    """
    from extract.evaluate import macro_f1, score
    from extract.pipeline import run_all

    if not gold.is_dir():
        fail(f"{gold}: no such folder")
    with tempfile.TemporaryDirectory() as tmp:
        target = out
        if target is None:
            target = Path(tmp) / "out"
            run_all(raw, target)
        report = score(raw, gold, target)
    if as_json:
        typer.echo(json.dumps({k: {"gold": v.gold, "pred": v.predicted, "tp": v.matched, "precision": round(v.precision, 3),
                                   "recall": round(v.recall, 3), "f1": round(v.f1, 3), "provenance_ok": v.provenance_ok,
                                   "attr_accuracy": v.attributes} for k, v in report.items()}, ensure_ascii=False, indent=1))
        return
    for kind, ts in report.items():
        if ts.missing_table:
            typer.echo(f"{kind:8s} table missing")
            continue
        typer.echo(f"{kind:8s} gold {ts.gold:4d} pred {ts.predicted:4d} tp {ts.matched:4d}  P {ts.precision:.3f} "
                   f"R {ts.recall:.3f} F1 {ts.f1:.3f}  prov {ts.provenance_ok}  attrs {ts.attributes}")
        if verbose:
            for m in ts.misses:
                typer.echo(f"   MISS  {m[0]}  {m[1]!r}  in {m[2]!r}")
            for x in ts.extras:
                typer.echo(f"   EXTRA {x[0]}  {x[1]!r}")
    typer.echo(f"macro_f1 {macro_f1(report)}")


@app.command("rules")
def rules_check() -> None:
    """Load and compile every rule file; print one line per file.

    Example: extract rules
    """
    from extract.rules import RuleError, all_rule_files, check_unique_ids, load_ruleset

    try:
        for p in all_rule_files():
            rs = load_ruleset(p.stem)
            typer.echo(f"{p}: {len(rs.rules)} rule(s), {len(rs.lexicons)} lexicon(s)")
        check_unique_ids()
    except RuleError as e:
        fail(str(e))


# --- diff, export, report: publishing the tables (extract/diff.py, sqlite_export.py, report.py) ---

from typer.core import TyperGroup  # noqa: E402


class _DiffGroup(TyperGroup):
    """`extract diff OLD NEW` and `extract diff targets`: two folders default to `diff tables`."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "tables", self.commands["tables"], args
        return super().resolve_command(ctx, args)


diff_app = typer.Typer(
    cls=_DiffGroup, no_args_is_help=True,
    help="Compare two output folders (extract diff OLD NEW), or show target revisions (extract diff targets).\n\n"
         "A folder named like a subcommand needs a path prefix (./targets).\n\n"
         "Example: extract diff data/out.old data/out --format json",
)
export_app = typer.Typer(no_args_is_help=True,
                         help="Export the tables to other formats.\n\nExample: extract export sqlite data/out/extract.sqlite")
app.add_typer(diff_app, name="diff")
app.add_typer(export_app, name="export")

OUT_READ_OPT = typer.Option(Path("data/out"), "--out", help="Output folder of extract all to read.")


@diff_app.command("tables")
def diff_tables(old: Path = typer.Argument(..., help="The earlier output folder."),
                new: Path = typer.Argument(..., help="The later output folder."),
                format: str = typer.Option("table", "--format", "-f", help="table (readable) or json (csv-diff's shape)."),
                table: Optional[list[str]] = typer.Option(None, "--table", "-t", help="Only this table (repeatable)."),
                ignore: Optional[list[str]] = typer.Option(None, "--ignore", help="Leave this column out (repeatable), e.g. path."),
                limit: int = typer.Option(50, "--limit", help="At most this many detail lines per table (table format).")) -> None:
    """Records added, removed and changed per table between two output folders.

    Records are matched by (article_id, char_start, char_end), articles by
    article_id; a changed record lists each changed column as old → new.
    Exit code 0 when the folders hold the same data, 1 when they differ.
    `extract diff OLD NEW` is short for `extract diff tables OLD NEW`.

    Example: extract diff data/out.old data/out --table targets
    """
    from extract.diff import DiffError, diff_folders, human_lines, is_different

    if format not in ("table", "json"):
        fail("--format must be table or json")
    try:
        result = diff_folders(old, new, tables=table or None, ignore=ignore or ())
    except (DiffError, OSError) as e:
        fail(str(e))
    if format == "json":
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for line in human_lines(result, limit=limit):
            typer.echo(line)
    if any(is_different(r) for r in result.values()):
        raise typer.Exit(1)


@diff_app.command("targets")
def diff_targets(subject: Optional[str] = typer.Option(None, "--subject", "-s", help="Only this subject (any alias: 一汽 = 中国一汽)."),
                 metric: Optional[str] = typer.Option(None, "--metric", "-m", help="Only this metric (vehicle_output, gdp, …)."),
                 out: Path = OUT_READ_OPT,
                 format: str = typer.Option("table", "--format", "-f", help="table, json or csv.")) -> None:
    """Target revisions: goals restated by later articles, previous value → new value.

    Reads target_revisions.csv of --out (written by extract all): for each
    (subject, metric, due year) stated in more than one article, one row per
    restatement in order of publication date, with both sentences.

    Example: extract diff targets --subject 一汽 --metric output_value
    """
    from extract.diff import revision_table_lines
    from extract.models import Metric
    from extract.publish import read_rows
    from extract.revisions import filter_revisions

    if format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    if metric and metric not in {m.value for m in Metric}:
        fail(f"--metric must be one of {', '.join(m.value for m in Metric)}")
    path = out / "target_revisions.csv"
    if not path.exists():
        fail(f"{path}: not found; run `extract all` first")
    header, rows = read_rows(out, "target_revisions")
    rows = filter_revisions(rows, subject, metric)
    if format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif format == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        for line in revision_table_lines(rows):
            typer.echo(line)


@export_app.command("sqlite")
def export_sqlite_cmd(path: Path = typer.Argument(Path("data/out/extract.sqlite"), help="The database to write (replaced)."),
                      out: Path = OUT_READ_OPT) -> None:
    """Every table in one SQLite database, indexed, with full-text search, for datasette.

    Indexes on article_id, spans and filter columns; FTS5 (trigram tokenizer,
    so Chinese substrings of 3+ characters match) on text and sentence, plus
    a Simplified copy of each sentence. Open it with `datasette PATH`.

    Example: extract export sqlite data/out/extract.sqlite --out data/out
    """
    import sqlite3

    from extract.sqlite_export import ExportError, export_sqlite

    try:
        counts = export_sqlite(out, path)
    except (ExportError, OSError, sqlite3.Error) as e:
        fail(str(e))
    typer.echo(f"Wrote {path}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))


@app.command()
def report(out: Path = OUT_READ_OPT,
           path: Optional[Path] = typer.Option(None, "--path", help="Write here instead of <out>/report.html.")) -> None:
    """Write report.html: run summary, target revisions chart, largest investments, per-article counts.

    One self-contained page (inline CSS and SVG, no network); every figure
    links to the sentence it comes from.

    Example: extract report --out data/out
    """
    from extract.report import write_report

    try:
        written = write_report(out, path)
    except OSError as e:
        fail(str(e))
    typer.echo(f"Wrote {written}")


def main() -> None:
    from extract.rules import RuleError

    try:
        app()
    except RuleError as e:  # a broken rule file: one line, file and position
        typer.echo(f"Error: {e}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
