"""The rule author's debugger: which rule fired where, and what it captured."""
from __future__ import annotations

from typing import Iterator

from .rules import Match, load_ruleset, resolve_overlaps

# table → (rule file, pattern-group names not worth printing)
EXPLAINED = ("amounts", "targets", "projects", "dates")


def _describe(m: Match, raw: str) -> str:
    groups = "  ".join(f"{k}={raw[s:e]!r}" for k, (s, e, _) in sorted(m.groups.items(), key=lambda kv: kv[1][0])
                       if k != "text" and e > s)
    return f"[{m.start}:{m.end}] {raw[m.start:m.end]!r}  rule={m.rule.id}  {groups}"


def explain_document(result, only: str | None = None) -> Iterator[str]:
    doc = result.document
    yield f"article {doc.article_id}: published {doc.published}, body [{doc.layout.body_start}:{doc.layout.body_end}], script {doc.script}"
    for table in EXPLAINED:
        if only and table != only:
            continue
        try:
            rs = load_ruleset(table)
        except Exception as e:  # a table whose rules are not written yet
            yield f"== {table}: no rules ({e.__class__.__name__})"
            continue
        found = []
        for s, e in doc.scopes():
            found += [m for m in rs.find(doc.shadow, s, e) if doc.in_scope(m.start, m.end)]
        kept = resolve_overlaps(found)
        kept_ids = {id(m) for m in kept}
        produced = {(r.char_start, r.char_end, r.rule_id) for r in result.records.get(table, [])}
        yield f"== {table}: {len(found)} match(es), {len(kept)} after overlaps, {len(result.records.get(table, []))} record(s)"
        for m in sorted(found, key=lambda m: (m.start, -m.end)):
            if id(m) not in kept_ids:
                mark = "  lost-overlap"
            elif (m.start, m.end, m.rule.id) in produced:
                mark = "  -> record"
            else:
                mark = "  dropped"
            yield "  " + _describe(m, doc.raw) + mark
