"""Running the examples that rule files carry (the rule corpus).

Each positive example must produce a record of the rule's table with the
example's exact mention text, the rule's id and the expected fields; each
negative example must produce no record of that table at all. Rule files
that do not produce records (articles.yaml) are checked on their regex:
the ``text`` group (or the whole match) must equal the mention.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import RECORD_MODELS
from .rules import CompiledRule, PositiveExample, RuleSet

DEFAULT_REFERENCE = date(2022, 1, 30)  # publication date examples resolve against


def _same(expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual in (None, "")
    if isinstance(expected, (int, float, Decimal)) and not isinstance(expected, bool):
        try:
            return actual is not None and Decimal(str(expected)) == Decimal(str(actual))
        except InvalidOperation:
            return False
    if hasattr(actual, "value"):  # enum
        actual = actual.value
    return str(expected) == str(actual)


def _reference(expect: dict) -> date:
    ref = expect.get("reference")
    return date.fromisoformat(str(ref)) if ref else DEFAULT_REFERENCE


def check_positive(table: str, rule: CompiledRule, ex: PositiveExample) -> list[str]:
    """Problems with one positive example; an empty list means it passes."""
    from .pipeline import process_snippet

    expect = {k: v for k, v in ex.expect.items() if k != "reference"}
    res = process_snippet(ex.text, published=_reference(ex.expect))
    records = res.records.get(table, [])
    hits = [r for r in records if r.text == ex.match and r.rule_id == rule.id]
    if not hits:
        got = ", ".join(f"{r.text!r}({r.rule_id})" for r in records) or "nothing"
        return [f"{rule.id}: {ex.text!r}: expected {ex.match!r}, got {got}"]
    best: list[str] = []
    for r in hits:
        d = r.model_dump()
        wrong = [f"{k}: expected {v!r}, got {d.get(k)!r}" for k, v in expect.items() if not _same(v, d.get(k))]
        if not wrong:
            return []
        best = best or wrong
    return [f"{rule.id}: {ex.text!r} → {ex.match!r}: " + "; ".join(best)]


def check_negative(table: str, rule: CompiledRule, text: str) -> list[str]:
    from .pipeline import process_snippet

    records = process_snippet(text, published=DEFAULT_REFERENCE).records.get(table, [])
    if records:
        return [f"{rule.id}: negative {text!r} gave " + ", ".join(f"{r.text!r}({r.rule_id})" for r in records)]
    return []


def check_regex_positive(rule: CompiledRule, ex: PositiveExample) -> list[str]:
    for m in rule.regex.finditer(ex.text):
        got = m.group("text") if "text" in m.groupdict() and m.group("text") is not None else m.group()
        if got == ex.match:
            return []
    return [f"{rule.id}: {ex.text!r}: pattern does not match {ex.match!r}"]


def check_regex_negative(rule: CompiledRule, text: str) -> list[str]:
    m = rule.regex.search(text)
    return [f"{rule.id}: negative {text!r} matched {m.group()!r}"] if m else []


def check_rule(ruleset: RuleSet, rule: CompiledRule) -> list[str]:
    """Every problem with every example of one rule."""
    table = ruleset.name
    problems: list[str] = []
    for ex in rule.rule.examples.positive:
        problems += check_positive(table, rule, ex) if table in RECORD_MODELS else check_regex_positive(rule, ex)
    for text in rule.rule.examples.negative:
        problems += check_negative(table, rule, text) if table in RECORD_MODELS else check_regex_negative(rule, text)
    return problems
