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

import csv
import hashlib
import operator
import pickle
import tempfile
from array import array
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import ClassVar, Iterable, Iterator, NamedTuple, Optional

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
    return _targets().lexicons().alias.get(subject, subject)


@lru_cache(maxsize=1)
def _targets():
    """extract.targets, imported on first use (an import statement in
    canonical_subject ran the import machinery's Python code per target)."""
    from . import targets

    return targets


def _enum(v):
    return v.value if isinstance(v, Enum) else v


GroupKey = tuple  # (canonical subject, metric, year)


def _key(subject, metric, year, stated_date, article_id, char_start, aliases: dict | None = None) -> tuple:
    """(group key or None, stated_date, article_id, char_start) of one target.
    *aliases* (canonical_subject's table, looked up once by a caller with
    many targets) spares a lookup of the table per target."""
    subject = canonical_subject(subject) if aliases is None else aliases.get(subject, subject) if subject else None
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


def revision_row(group: GroupKey, n: int, n_statements: int, prev: Target | Statement,
                 new: Target | Statement) -> tuple:
    """One restatement as the row of its TargetRevision: the validated field
    values in column order (what output.row_of gives of the model), enums as
    their values, as targets (use_enum_values) and statements hold them. The
    writer takes these rows as they are; ``revision`` validates one into the
    model."""
    subject, metric, year = group
    change = new.value - prev.value
    direction = Direction.raised if change > 0 else Direction.lowered if change < 0 else Direction.unchanged
    return (hashlib.sha1(f"{prev.record_id}\x1f{new.record_id}".encode()).hexdigest()[:16],
            subject, metric, year, new.unit, n, n_statements,
            prev.value, new.value, change,
            None if prev.value == 0 else round(float(change / prev.value * 100), 2), direction.value,
            prev.bound, new.bound, prev.stated_date, new.stated_date,
            prev.article_id, new.article_id, prev.record_id, new.record_id,
            prev.text, new.text, prev.sentence, new.sentence)


def revision(group: GroupKey, n: int, n_statements: int, prev: Target | Statement, new: Target | Statement) -> TargetRevision:
    return TargetRevision.model_validate(dict(zip(TargetRevision.model_fields, revision_row(group, n, n_statements, prev, new))))


def target_revisions(targets: Iterable[Target]) -> list[TargetRevision]:
    """Every restatement of a goal stated in more than one article."""
    ts = list(targets)
    keys = [_key(t.subject, t.metric, t.year, t.stated_date, t.article_id, t.char_start) for t in ts]
    return [revision(g, n, k, ts[p], ts[q]) for g, n, k, p, q in statement_pairs(keys)]


class Statement(NamedTuple):
    """What ``revision`` reads of a target."""
    value: Decimal
    unit: str
    bound: str
    stated_date: date
    article_id: str
    record_id: str
    text: str
    sentence: str


_NO_KEY = (None, None, None, None)


def revisions_from_csv(path) -> Iterator[TargetRevision]:
    """The rows of ``target_revisions`` for a targets.csv file (as the
    pipeline writes it), in the order ``target_revisions`` gives them, in
    memory that does not grow with the text of the table (see revision_rows_from_csv)."""
    fields = list(TargetRevision.model_fields)
    for row in revision_rows_from_csv(path):
        yield TargetRevision.model_validate(dict(zip(fields, row)))


def revision_rows_from_csv(path) -> Iterator[tuple]:
    """``revisions_from_csv`` as rows (``revision_row``), what the table
    writer takes: the model's validation cost as much as the rest of the
    derivation, and the rows are equal (tested).

    One pass reads the file row by row: each target's key (see ``_key``)
    stays in memory, while the fields a revision reports (its sentence
    above all) go to a temporary spill file, found again by offset when the
    restatements are paired. (Reading targets.parquet instead took 30-50 MB
    more at 20,000 targets, most of it Arrow's read buffers, growing with
    the number of row groups.)
    """
    path = Path(path)
    keys: list[tuple] = []
    shared = {}.setdefault
    aliases = _targets().lexicons().alias
    offsets = array("q")  # spill offset of each target (-1: no key, not spilled)
    lengths = array("q")  # and the length of its pickled fields
    with open(path, encoding="utf-8", newline="") as f, tempfile.TemporaryFile(dir=path.parent) as spill:
        rows = csv.reader(f)
        col = {name: i for i, name in enumerate(next(rows, []))}
        placed = operator.itemgetter(*(col[c] for c in ("subject", "metric", "year", "stated_date",
                                                          "article_id", "char_start")))
        reported = operator.itemgetter(*(col[c] for c in Statement._fields))
        for row in rows:
            subject, metric, year, stated, article_id, char_start = placed(row)
            key = _key(subject or None, metric, int(year) if year else None,
                       date.fromisoformat(stated) if stated else None, article_id, int(char_start), aliases)
            if key[0] is None:  # in no series: never read again
                keys.append(_NO_KEY)
                offsets.append(-1)
                lengths.append(0)
                continue
            # One object per distinct goal, date and article: the keys of a
            # large corpus share them instead of holding copies.
            keys.append((shared(key[0], key[0]), shared(key[1], key[1]), shared(key[2], key[2]), key[3]))
            offsets.append(spill.tell())
            lengths.append(spill.write(pickle.dumps(reported(row), pickle.HIGHEST_PROTOCOL)))
        last = (-1, None)  # (offset, statement): a group's restatements are pairs (s0, s1), (s1, s2), …
        for g, n, k, p, q in statement_pairs(keys):
            prev = last[1] if last[0] == offsets[p] else _read_statement(spill, offsets[p], lengths[p])
            new = _read_statement(spill, offsets[q], lengths[q])
            last = (offsets[q], new)
            yield revision_row(g, n, k, prev, new)


def _read_statement(spill, offset: int, length: int) -> Statement:
    spill.seek(offset)
    # One read of the pickle's bytes: pickle.load on the file took twice as
    # long, reading it in pieces through the file's methods.
    value, unit, bound, stated, *rest = pickle.loads(spill.read(length))
    return Statement(Decimal(value), unit, bound, date.fromisoformat(stated), *rest)


def filter_revisions(rows: Iterable[dict], subject: str | None = None, metric: str | None = None) -> list[dict]:
    """Rows of target_revisions.csv for one subject (any alias) and/or metric."""
    want = canonical_subject(subject) if subject else None
    return [r for r in rows
            if (want is None or r["subject"] == want)
            and (metric is None or r["metric"] == metric)]
