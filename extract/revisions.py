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


def target_revisions(targets: Iterable[Target]) -> list[TargetRevision]:
    """Every restatement of a goal stated in more than one article."""
    keyed = []
    for t in targets:
        subject = canonical_subject(t.subject)
        if subject is None or t.year is None or t.stated_date is None:
            continue
        keyed.append(((subject, _enum(t.metric), t.year), t))
    keyed.sort(key=lambda kt: (kt[0], kt[1].stated_date, kt[1].article_id, kt[1].char_start))
    out: list[TargetRevision] = []
    for (subject, metric, year), group in groupby(keyed, key=lambda kt: kt[0]):
        statements: list[Target] = []
        seen: set[str] = set()
        for _, t in group:
            if t.article_id not in seen:  # the article's first mention is its statement
                seen.add(t.article_id)
                statements.append(t)
        if len(statements) < 2:
            continue
        for i, (prev, new) in enumerate(zip(statements, statements[1:]), 1):
            change = new.value - prev.value
            out.append(TargetRevision(
                revision_id=hashlib.sha1(f"{prev.record_id}\x1f{new.record_id}".encode()).hexdigest()[:16],
                subject=subject, metric=metric, year=year, unit=new.unit,
                revision=i, n_statements=len(statements),
                prev_value=prev.value, new_value=new.value, change=change,
                change_pct=None if prev.value == 0 else round(float(change / prev.value * 100), 2),
                direction=Direction.raised if change > 0 else Direction.lowered if change < 0 else Direction.unchanged,
                prev_bound=prev.bound, new_bound=new.bound,
                prev_stated_date=prev.stated_date, new_stated_date=new.stated_date,
                prev_article_id=prev.article_id, new_article_id=new.article_id,
                prev_record_id=prev.record_id, new_record_id=new.record_id,
                prev_text=prev.text, new_text=new.text,
                prev_sentence=prev.sentence, new_sentence=new.sentence,
            ))
    return out


def filter_revisions(rows: Iterable[dict], subject: str | None = None, metric: str | None = None) -> list[dict]:
    """Rows of target_revisions.csv for one subject (any alias) and/or metric."""
    want = canonical_subject(subject) if subject else None
    return [r for r in rows
            if (want is None or r["subject"] == want)
            and (metric is None or r["metric"] == metric)]
