"""Target revisions: the same goal restated by later articles, old value → new.

A goal is identified by (subject, metric, year): 汽开区's 2025 vehicle
output, say. When more than one article states it, the statements are put
in order of the article's publication date (``stated_date``) and each
restatement becomes one ``TargetRevision`` row: previous value, new value,
the change, and both articles, sentences and record ids, so that every
revision can be checked against its two sources.

Rules, written down:

* Subjects are grouped through the alias lexicon of ``rules/targets.yaml``
  (``subject_aliases``: 一汽 = 中国一汽), the same table the targets
  extractor uses.
* A target without a subject, a due year or a stated date cannot be
  placed in a series and is left out.
* One statement per article: when an article states the same goal twice
  (“力争突破1350亿元,向1500亿元目标奋进”), its first mention is the
  article's statement.
* Values are compared on ``value`` (the low end of a range goal).
"""
from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from enum import Enum
from itertools import groupby
from typing import ClassVar, Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field

from .models import Bound, Metric, Target, Unit


class Direction(str, Enum):
    raised = "raised"
    lowered = "lowered"
    unchanged = "unchanged"


class TargetRevision(BaseModel):
    """One restatement of a goal, compared with the statement before it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    TABLE: ClassVar[str] = "target_revisions"

    revision_id: str = Field(description="stable id from the two target record ids")
    subject: str = Field(description="who the goal belongs to, Simplified, aliases resolved (一汽 = 中国一汽)")
    metric: Metric = Field(description="what is measured, as in targets.metric")
    year: int = Field(description="the year the goal is due")
    unit: Unit = Field(description="vehicle or CNY (unit of the new statement)")
    revision: int = Field(ge=1, description="1 for the first restatement of the goal, 2 for the next, …")
    n_statements: int = Field(ge=2, description="how many articles state this goal")
    prev_value: Decimal = Field(description="the goal as previously stated, in base units")
    new_value: Decimal = Field(description="the goal as restated, in base units")
    change: Decimal = Field(description="new_value - prev_value")
    change_pct: Optional[float] = Field(None, description="change as a percentage of prev_value (null when prev_value is 0)")
    direction: Direction = Field(description="raised, lowered or unchanged")
    prev_bound: Bound = Field(description="bound of the previous statement (exact, approx, min, max, range)")
    new_bound: Bound = Field(description="bound of the new statement")
    prev_stated_date: date = Field(description="publication date of the article with the previous statement")
    new_stated_date: date = Field(description="publication date of the article with the new statement")
    prev_article_id: str = Field(description="article of the previous statement")
    new_article_id: str = Field(description="article of the new statement")
    prev_record_id: str = Field(description="targets.record_id of the previous statement")
    new_record_id: str = Field(description="targets.record_id of the new statement")
    prev_text: str = Field(description="the previous statement as written")
    new_text: str = Field(description="the new statement as written")
    prev_sentence: str = Field(description="the sentence of the previous statement")
    new_sentence: str = Field(description="the sentence of the new statement")


def canonical_subject(subject: str | None) -> str | None:
    """The subject under the alias rules of rules/targets.yaml (一汽 → 中国一汽)."""
    if not subject:
        return None
    from .targets import lexicons

    return lexicons().alias.get(subject, subject)


def _enum(v):
    return v.value if isinstance(v, Enum) else v


GroupKey = tuple  # (canonical subject, metric, year)


def _key(subject, metric, year, stated_date, article_id, char_start) -> tuple:
    """(group key or None, stated_date, article_id, char_start) of one target."""
    subject = canonical_subject(subject)
    if subject is None or year is None or stated_date is None:
        return (None, None, article_id, char_start)
    return ((subject, _enum(metric), int(year)), stated_date, article_id, char_start)


def statement_pairs(keys: list[tuple]) -> Iterable[tuple[GroupKey, int, int, int, int]]:
    """(group, revision number, statements in group, index of previous, index
    of new) for every restatement, from light per-target keys (see _key).

    Only the keys are sorted, so the full targets need not sit in memory.
    """
    order = sorted((i for i, k in enumerate(keys) if k[0] is not None), key=lambda i: keys[i])
    for group, members in groupby(order, key=lambda i: keys[i][0]):
        statements: list[int] = []
        seen: set[str] = set()
        for i in members:
            if keys[i][2] not in seen:  # the article's first mention is its statement
                seen.add(keys[i][2])
                statements.append(i)
        if len(statements) < 2:
            continue
        for n, (prev, new) in enumerate(zip(statements, statements[1:]), 1):
            yield group, n, len(statements), prev, new


def revision(group: GroupKey, n: int, n_statements: int, prev: Target, new: Target) -> TargetRevision:
    subject, metric, year = group
    change = new.value - prev.value
    return TargetRevision(
        revision_id=hashlib.sha1(f"{prev.record_id}\x1f{new.record_id}".encode()).hexdigest()[:16],
        subject=subject, metric=metric, year=year, unit=new.unit,
        revision=n, n_statements=n_statements,
        prev_value=prev.value, new_value=new.value, change=change,
        change_pct=None if prev.value == 0 else round(float(change / prev.value * 100), 2),
        direction=Direction.raised if change > 0 else Direction.lowered if change < 0 else Direction.unchanged,
        prev_bound=prev.bound, new_bound=new.bound,
        prev_stated_date=prev.stated_date, new_stated_date=new.stated_date,
        prev_article_id=prev.article_id, new_article_id=new.article_id,
        prev_record_id=prev.record_id, new_record_id=new.record_id,
        prev_text=prev.text, new_text=new.text,
        prev_sentence=prev.sentence, new_sentence=new.sentence,
    )


def target_revisions(targets: Iterable[Target]) -> list[TargetRevision]:
    """Every restatement of a goal stated in more than one article."""
    ts = list(targets)
    keys = [_key(t.subject, t.metric, t.year, t.stated_date, t.article_id, t.char_start) for t in ts]
    return [revision(g, n, k, ts[p], ts[q]) for g, n, k, p, q in statement_pairs(keys)]


def revisions_from_parquet(path, chunk: int = 2000) -> Iterable[TargetRevision]:
    """The same rows from a targets.parquet file, in chunks: only the keys and
    the rows of one chunk of restatements are in memory at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .output import _arrow_array  # no pa.array: its first call imports pandas

    # ParquetFile.read, not read_table: the latter loads pyarrow.dataset and with
    # it pandas (about 0.3 s) for nothing.
    table = pq.ParquetFile(path).read()
    cols = {c: table.column(c).to_pylist() for c in ("subject", "metric", "year", "stated_date", "article_id", "char_start")}
    keys = [_key(*row) for row in zip(cols["subject"], cols["metric"], cols["year"], cols["stated_date"],
                                      cols["article_id"], cols["char_start"])]
    del cols
    pairs = list(statement_pairs(keys))
    del keys
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo:lo + chunk]
        wanted = sorted({i for _, _, _, p, q in part for i in (p, q)})
        rows = dict(zip(wanted, (Target.model_validate(r) for r in table.take(_arrow_array(wanted, pa.int64())).to_pylist())))
        for g, n, k, p, q in part:
            yield revision(g, n, k, rows[p], rows[q])


def filter_revisions(rows: Iterable[dict], subject: str | None = None, metric: str | None = None) -> list[dict]:
    """Rows of target_revisions.csv for one subject (any alias) and/or metric."""
    want = canonical_subject(subject) if subject else None
    return [r for r in rows
            if (want is None or r["subject"] == want)
            and (metric is None or r["metric"] == metric)]
