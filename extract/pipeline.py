"""The pipeline: articles in, validated tables out.

``process_text`` runs every extractor over one article; ``run_all`` does a
folder and writes the tables atomically. Extractors register in EXTRACTORS
in the order they run; each gets the Document and the records already
found (targets and projects reuse the amounts).
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

from pydantic import ValidationError

from .amounts import extract_amounts
from .articles import Document
from .models import RECORD_MODELS, TABLES, Article, Record
from .cache import Cache
from .output import TableWriter, atomic_directory, row_of, write_table  # noqa: F401 (write_table: used by tests)
from .sources import Source, iter_sources
from .textio import ArticleError, RawArticle, article_from_bytes, read_article

Extractor = Callable[[Document, dict[str, list[Record]]], list[Record]]

# Seconds spent per stage in this process (read, document, each extractor,
# write): read by benchmarks/bench.py. Cheap enough to keep always on.
STAGE_SECONDS: dict[str, float] = {}


def _add_time(stage: str, t0: float) -> None:
    STAGE_SECONDS[stage] = STAGE_SECONDS.get(stage, 0.0) + time.perf_counter() - t0

EXTRACTORS: list[tuple[str, Extractor]] = [
    ("amounts", lambda doc, found: extract_amounts(doc)),
]


def _register_optional() -> None:
    """Extractors for later tables plug in here when their module exists."""
    import importlib

    # Order matters: targets read the dates of their sentence and the projects.
    for table, module, func in (("projects", "projects", "extract_projects"),
                                ("dates", "dates", "extract_dates"),
                                ("targets", "targets", "extract_targets")):
        if any(t == table for t, _ in EXTRACTORS):
            continue
        try:
            mod = importlib.import_module(f"extract.{module}")
        except ModuleNotFoundError as e:
            if e.name != f"extract.{module}":
                raise
            continue
        EXTRACTORS.append((table, getattr(mod, func)))


_register_optional()

# Writers of derived outputs (target revisions, data package, Excel copies…)
# that run after the tables, inside the same atomic output folder, reading
# the tables back from it (nothing is held in memory): fn(out_dir) -> None.
POST_WRITERS: list[Callable[[Path], None]] = []


def _register_post_writers() -> None:
    try:
        from .publish import write_derived_outputs
    except ModuleNotFoundError as e:
        if e.name != "extract.publish":
            raise
        return
    if write_derived_outputs not in POST_WRITERS:
        POST_WRITERS.append(write_derived_outputs)


_register_post_writers()


@dataclass
class ArticleResult:
    article: Article
    records: dict[str, list[Record]]
    document: Document | None
    errors: list[str] = field(default_factory=list)


def process_document(doc: Document, raw: RawArticle | None = None) -> ArticleResult:
    """Run every extractor over one document. An extractor that raises is
    reported in ``errors`` (its table stays empty); the others still run."""
    found: dict[str, list[Record]] = {t: [] for t in RECORD_MODELS}
    errors: list[str] = []
    for table, fn in EXTRACTORS:
        t0 = time.perf_counter()
        try:
            found[table] = list(fn(doc, found))
            _add_time(table, t0)
        except Exception as e:  # noqa: BLE001 - reported, never swallowed: the run lists it and exits 1
            errors.append(f"{table} extractor failed: {e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            found[table] = []
    lay = doc.layout
    art = Article(
        article_id=doc.article_id,
        path=raw.path if raw else "-",
        sha256=raw.sha256 if raw else "",
        encoding=raw.encoding if raw else "utf-8",
        script=doc.script,
        title=lay.title,
        published_date=lay.published,
        date_source=lay.date_source,
        outlet=lay.outlet,
        n_chars=len(doc.raw),
        body_start=lay.body_start,
        body_end=lay.body_end,
        **{f"n_{t}": len(found[t]) for t in RECORD_MODELS},
    )
    return ArticleResult(art, found, doc, errors)


def _document(raw: RawArticle, published: date | None = None) -> Document:
    t0 = time.perf_counter()
    doc = Document.from_text(raw.text, raw.article_id, raw)
    _add_time("document", t0)
    if published is not None:  # a corpus that states the date beats any guess
        doc.layout.published, doc.layout.date_source = published, "header"
    return doc


def process_raw(raw: RawArticle, published: date | None = None) -> ArticleResult:
    return process_document(_document(raw, published), raw)


def process_file(path: str | Path) -> ArticleResult:
    return process_raw(read_article(path))


def process_bytes(data: bytes, article_id: str = "stdin") -> ArticleResult:
    return process_raw(article_from_bytes(data, article_id))


def process_text(text: str, article_id: str = "text") -> ArticleResult:
    return process_document(Document.from_text(text, article_id))


def process_snippet(text: str, article_id: str = "snippet", published=None) -> ArticleResult:
    """Run every extractor over a bare piece of text (no page layout)."""
    return process_document(Document.from_snippet(text, article_id, published))


@dataclass
class Problem:
    path: str
    message: str


@dataclass
class RunSummary:
    articles: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TABLES})
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    out_dir: str = ""
    cached: int = 0
    jobs: int = 1

    @property
    def ok(self) -> bool:
        return not self.problems


def list_articles(raw_dir: str | Path) -> list[Path]:
    d = Path(raw_dir)
    if not d.is_dir():
        raise ArticleError(f"{d}: no such folder")
    return sorted(p for p in d.rglob("*.txt") if p.is_file())


# What one article gives: (where, article, records, problems, from_cache).
Outcome = tuple[str, Article | None, dict[str, list[Record]], list[str], bool]

_CACHE: Cache | None = None  # set in each worker process by _init_worker


def _init_worker(cache_dir: str | None) -> None:
    global _CACHE
    _CACHE = Cache(cache_dir) if cache_dir else None


def process_source(source: Source, cache: Cache | None = None) -> Outcome:
    """One article, from its source to records; never raises on bad input."""
    cache = cache if cache is not None else _CACHE
    t0 = time.perf_counter()
    try:
        raw = source.load()
    except ArticleError as e:
        return source.path, None, {}, [str(e)], False
    finally:
        _add_time("read", t0)
    key = cache.key(raw.article_id, raw.sha256, source.published) if cache else None
    if cache and key:
        hit = cache.get(key)
        if hit:
            article, records = hit
            article = article.model_copy(update={"path": raw.path})
            return source.path, article, records, [], True
    try:
        res = process_raw(raw, source.published)
    except Exception as e:  # noqa: BLE001 - one bad article is reported; the others go on
        return source.path, None, {}, [f"could not process: {e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''}"], False
    if cache and key and not res.errors:
        cache.put(key, res.article, res.records)
    return source.path, res.article, res.records, res.errors, False


# What the writing parent receives for one article: an Outcome with the
# article and records as plain tuples (output.row_of), cheap to send between
# processes: (where, article row, {table: [rows]}, problems, from_cache).
RowOutcome = tuple[str, tuple | None, dict[str, list[tuple]], list[str], bool]


def _failed(where: str, message: str) -> RowOutcome:
    return where, None, {}, [message], False


def process_source_rows(source: Source, cache: Cache | None = None) -> RowOutcome:
    """``process_source`` with the article and records as rows (see RowOutcome)."""
    where, article, records, problems, cached = process_source(source, cache)
    return (where, row_of(article) if article is not None else None,
            {t: [row_of(r) for r in rs] for t, rs in records.items()}, problems, cached)


def _outcomes(sources: Iterator, jobs: int, cache_dir: str | None) -> Iterator[RowOutcome]:
    """Outcomes in source order, computed in *jobs* worker processes."""
    def items():
        for s in sources:
            yield s

    if jobs <= 1:
        cache = Cache(cache_dir) if cache_dir else None
        for s in items():
            yield _failed(*s) if isinstance(s, tuple) else process_source_rows(s, cache)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(cache_dir,)) as pool:
        it = items()

        def submit() -> tuple[list, Iterator] | None:
            window = list(islice(it, jobs * 64))
            if not window:
                return None
            good = [s for s in window if not isinstance(s, tuple)]
            return window, iter(pool.map(process_source_rows, good, chunksize=8))  # map submits at once

        # Bounded windows keep memory flat and order deterministic. The next
        # window is submitted before the current one is drained, so the
        # workers are not left idle while the parent writes a window's end.
        ahead = submit()
        while ahead is not None:
            (window, results), ahead = ahead, submit()
            for s in window:
                yield _failed(*s) if isinstance(s, tuple) else next(results)


def run_all(raw_dir: str | Path, out_dir: str | Path,
            progress: Callable[[int, int, str], None] | None = None,
            jobs: int = 1, cache_dir: str | Path | None = None, engine: str = "local",
            scheduler: str | None = None) -> RunSummary:
    """Every article under *raw_dir* (a folder, a .jsonl corpus or ``-``) to
    the tables in *out_dir*, written atomically.

    ``jobs`` worker processes extract in parallel; with ``cache_dir`` an
    unchanged article is not extracted again. ``engine="dask"`` runs the same
    per-article function on a Dask cluster (``scheduler`` address, or a
    local one). Output is identical whatever the jobs, cache or engine.
    """
    t0 = time.perf_counter()
    gc_threshold = gc.get_threshold()
    # An article's objects die young (by reference count) and few cycles
    # are made, yet at the default threshold (700 net new containers) the
    # collector ran ~400 times per 10 MB, 2% of the run, scanning the long-
    # lived rule sets and lexicons on its full passes. A higher first
    # threshold for the run (workers forked in it inherit it) leaves it
    # little to do; the caller's setting is restored at the end.
    if gc_threshold[0]:  # 0: the caller turned automatic collection off
        gc.set_threshold(max(gc_threshold[0], GC_THRESHOLD), *gc_threshold[1:])
    try:
        return _run_all(raw_dir, out_dir, progress, jobs, cache_dir, engine, scheduler, t0)
    finally:
        gc.set_threshold(*gc_threshold)


GC_THRESHOLD = 10_000


def _run_all(raw_dir, out_dir, progress, jobs, cache_dir, engine, scheduler, t0: float) -> RunSummary:
    sources = iter_sources(raw_dir)
    if str(raw_dir) != "-" and Path(raw_dir).is_dir():
        sources = list(sources)  # a folder's listing is small; it gives progress a total
    total = len(sources) if isinstance(sources, list) else 0
    summary = RunSummary(out_dir=str(out_dir), jobs=jobs)
    if engine == "dask":
        from .distributed import dask_outcomes
        outcomes = dask_outcomes(iter(sources), scheduler=scheduler, cache_dir=str(cache_dir) if cache_dir else None)
    elif engine == "local":
        outcomes = _outcomes(iter(sources), max(1, jobs), str(cache_dir) if cache_dir else None)
    else:
        raise ArticleError(f"unknown engine {engine!r}: use local or dask")
    with atomic_directory(Path(out_dir)) as tmp:
        writers = {"articles": TableWriter(tmp, "articles", Article, excel=True)}
        writers.update({t: TableWriter(tmp, t, m, excel=True) for t, m in RECORD_MODELS.items()})
        try:
            for i, (where, article, records, problems, cached) in enumerate(outcomes, 1):
                if progress:
                    progress(i, total, where)
                summary.problems += [Problem(where, p) for p in problems]
                if article is None:
                    continue
                summary.articles += 1
                summary.cached += cached
                tw = time.perf_counter()
                writers["articles"].write_rows([article])
                for t in RECORD_MODELS:
                    writers[t].write_rows(records.get(t, []))
                _add_time("write", tw)
        finally:
            for w in writers.values():
                w.close()
        summary.counts = {t: w.count for t, w in writers.items()}
        for writer in POST_WRITERS:
            tw = time.perf_counter()
            writer(tmp)
            _add_time("derived", tw)
    summary.seconds = time.perf_counter() - t0
    return summary
