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
import heapq
import operator
import pickle
import tempfile
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from itertools import groupby, islice
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
    return _restatements(order, keys.__getitem__)


def _restatements(ordered: Iterable, key_of) -> Iterator[tuple]:
    """(group, revision number, statements in group, previous, new) for every
    restatement, from the targets *ordered* by their keys (``key_of(item)``
    is an item's ``_key``): one group at a time, its first mention per
    article being the article's statement."""
    for group, members in groupby(ordered, key=lambda x: key_of(x)[0]):
        statements: list = []
        seen: set[str] = set()
        for x in members:
            article = key_of(x)[2]
            if article not in seen:  # the article's first mention is its statement
                seen.add(article)
                statements.append(x)
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



def revisions_from_csv(path) -> Iterator[TargetRevision]:
    """The rows of ``target_revisions`` for a targets.csv file (as the
    pipeline writes it), in the order ``target_revisions`` gives them, in
    memory that does not grow with the text of the table (see revision_rows_from_csv)."""
    fields = list(TargetRevision.model_fields)
    for row in revision_rows_from_csv(path):
        yield TargetRevision.model_validate(dict(zip(fields, row)))


def revision_rows_from_csv(path, sort_run: int | None = None) -> Iterator[tuple]:
    """``revisions_from_csv`` as rows (``revision_row``), what the table
    writer takes: the model's validation cost as much as the rest of the
    derivation, and the rows are equal (tested).

    One pass reads the file row by row. The fields a revision reports (its
    sentence above all) go to a temporary spill file, found again by offset
    when the restatements are paired; each target's key (see ``_key``) with
    that offset is put in key order by ``_sorted_entries``, which holds at
    most *sort_run* of them in memory (default ``SORT_RUN``). So the pass's
    memory does not grow with the table. (Reading targets.parquet instead
    took 30-50 MB more at 20,000 targets, most of it Arrow's read buffers;
    the keys alone, all held and sorted, about 9 MB.)
    """
    path = Path(path)
    aliases = _targets().lexicons().alias
    with open(path, encoding="utf-8", newline="") as f, tempfile.TemporaryFile(dir=path.parent) as spill:
        rows = csv.reader(f)
        col = {name: i for i, name in enumerate(next(rows, []))}
        placed = operator.itemgetter(*(col[c] for c in ("subject", "metric", "year", "stated_date",
                                                          "article_id", "char_start")))
        reported = operator.itemgetter(*(col[c] for c in Statement._fields))

        def entries() -> Iterator[tuple]:
            """(group, stated_date, article_id, char_start, row number, spill
            offset, length) of each target that is in a series."""
            for i, row in enumerate(rows):
                subject, metric, year, stated, article_id, char_start = placed(row)
                key = _key(subject or None, metric, int(year) if year else None,
                           date.fromisoformat(stated) if stated else None, article_id, int(char_start), aliases)
                if key[0] is not None:  # else in no series: never read again
                    offset = spill.tell()
                    yield key + (i, offset, spill.write(pickle.dumps(reported(row), pickle.HIGHEST_PROTOCOL)))

        last = (-1, None)  # (offset, statement): a group's restatements are pairs (s0, s1), (s1, s2), …
        ordered = _sorted_entries(entries(), sort_run or SORT_RUN, path.parent)
        for g, n, k, p, q in _restatements(ordered, lambda e: e):
            prev = last[1] if last[0] == p[5] else _read_statement(spill, p[5], p[6])
            new = _read_statement(spill, q[5], q[6])
            last = (q[5], new)
            yield revision_row(g, n, k, prev, new)


# The most target keys revision_rows_from_csv sorts in memory at once (about
# 4 MB of them); a larger table is sorted in runs of this many, spilled to
# disk and merged.
SORT_RUN = 10_000
_BLOCK = 100  # entries pickled together: a merge holds one block per run
_FAN_IN = 64  # runs merged at once; more are merged into one first, so few files stay open


def _sorted_entries(entries: Iterator[tuple], run: int, spill_dir: Path) -> Iterator[tuple]:
    """*entries* in order, holding at most *run* of them in memory: each full
    run is sorted and spilled to a temporary file, and the runs are merged
    (``heapq.merge``), _FAN_IN at most at a time. An entry's row number
    comes before anything that is not a key, so the order is that of a
    stable sort by key."""
    batch = list(islice(entries, run))
    if len(batch) < run:  # the whole table at once: no file
        batch.sort()
        yield from batch
        return
    runs: list = []  # temporary files, one sorted run each
    try:
        while batch:
            batch.sort()
            runs.append(_spill(batch, spill_dir))
            del batch  # (before the next run is read: one run in memory at a time)
            if len(runs) == _FAN_IN:
                merged = _spill(heapq.merge(*map(_read_run, runs)), spill_dir)
                for f in runs:
                    f.close()
                runs = [merged]
            batch = list(islice(entries, run))
        yield from heapq.merge(*map(_read_run, runs))
    finally:
        for f in runs:
            f.close()


def _spill(ordered: Iterable[tuple], spill_dir: Path):
    """A temporary file holding *ordered*, in blocks of pickled lists, ready to read."""
    f = tempfile.TemporaryFile(dir=spill_dir)
    it = iter(ordered)
    while block := list(islice(it, _BLOCK)):
        pickle.dump(block, f, pickle.HIGHEST_PROTOCOL)
    f.seek(0)
    return f


def _read_run(f) -> Iterator[tuple]:
    """The entries of a run _spill wrote to *f*."""
    while True:
        try:
            block = pickle.load(f)
        except EOFError:
            return
        yield from block


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
