"""The pipeline: articles in, validated tables out.

``process_text`` runs every extractor over one article; ``run_all`` does a
folder and writes the tables atomically. Extractors register in EXTRACTORS
in the order they run; each gets the Document and the records already
found (targets and projects reuse the amounts).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from .amounts import extract_amounts
from .articles import Document
from .models import RECORD_MODELS, TABLES, Article, Record
from .output import atomic_directory, write_table
from .textio import ArticleError, RawArticle, article_from_bytes, read_article

Extractor = Callable[[Document, dict[str, list[Record]]], list[Record]]

EXTRACTORS: list[tuple[str, Extractor]] = [
    ("amounts", lambda doc, found: extract_amounts(doc)),
]


def _register_optional() -> None:
    """Extractors for later tables plug in here when their module exists."""
    import importlib

    for table, module, func in (("projects", "projects", "extract_projects"),
                                ("targets", "targets", "extract_targets"),
                                ("dates", "dates", "extract_dates")):
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
# that run after the tables, inside the same atomic output folder:
# fn(out_dir: Path, tables: dict[str, list]) -> None.
POST_WRITERS: list[Callable[[Path, dict[str, list]], None]] = []


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
    document: Document


def process_document(doc: Document, raw: RawArticle | None = None) -> ArticleResult:
    found: dict[str, list[Record]] = {t: [] for t in RECORD_MODELS}
    for table, fn in EXTRACTORS:
        found[table] = list(fn(doc, found))
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
    return ArticleResult(art, found, doc)


def process_raw(raw: RawArticle) -> ArticleResult:
    return process_document(Document.from_text(raw.text, raw.article_id, raw), raw)


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

    @property
    def ok(self) -> bool:
        return not self.problems


def list_articles(raw_dir: str | Path) -> list[Path]:
    d = Path(raw_dir)
    if not d.is_dir():
        raise ArticleError(f"{d}: no such folder")
    return sorted(p for p in d.rglob("*.txt") if p.is_file())


def run_all(raw_dir: str | Path, out_dir: str | Path,
            progress: Callable[[int, int, Path], None] | None = None) -> RunSummary:
    """Every article under *raw_dir* to the tables in *out_dir*, atomically."""
    t0 = time.perf_counter()
    paths = list_articles(raw_dir)
    summary = RunSummary(out_dir=str(out_dir))
    tables: dict[str, list] = {t: [] for t in TABLES}
    for i, path in enumerate(paths, 1):
        if progress:
            progress(i, len(paths), path)
        try:
            res = process_file(path)
        except ArticleError as e:
            summary.problems.append(Problem(str(path), str(e)))
            continue
        except ValidationError as e:  # a record failed its model: report, never write it
            summary.problems.append(Problem(str(path), f"invalid record: {e.errors()[0]['msg']}"))
            continue
        except RecursionError:
            summary.problems.append(Problem(str(path), "text too deeply nested to process"))
            continue
        summary.articles += 1
        tables["articles"].append(res.article)
        for t, recs in res.records.items():
            tables[t].extend(recs)
    with atomic_directory(Path(out_dir)) as tmp:
        write_table(tmp, "articles", Article, tables["articles"])
        for t, model in RECORD_MODELS.items():
            write_table(tmp, t, model, tables[t])
        for writer in POST_WRITERS:
            writer(tmp, tables)
    summary.counts = {t: len(v) for t, v in tables.items()}
    summary.seconds = time.perf_counter() - t0
    return summary
