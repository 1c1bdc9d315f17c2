r"""What a rule's pattern shows about its matches, read off the parsed pattern:
where they can start (behind ``RuleSet.find_fast``) and what they must hold
(behind the dates finder's ``attrs.holds_chars`` check).

Where a match can start:

A rule with a trigger scans each window position by position; most
positions cannot start a match at all. When the pattern shows where a match
can start relative to the trigger hits, only those positions are tried
(``window_matches(..., starts=…)``), which gives the very matches the full
window scan gives: finditer tries every position in order and a position
that cannot start a match adds nothing. Two shapes are recognised, both read
off the parsed pattern (the standard library's parser, after the pieces are
expanded), and anything the analysis cannot read keeps the full scan:

- the match *starts with* the trigger (target.money: a metric word first):
  it starts where a trigger word starts, inside some trigger hit;
- every match *holds* a trigger occurrence and consumes only characters of
  a finite set (plus \d and \s) — its *alphabet* (amount.currency: digits,
  numerals, units, currency and bound words): it starts in the run of
  alphabet characters that ends at some trigger hit, or inside the hit.

A trigger occurrence inside a match is found by the trigger's own scan: the
trigger has no lookaround and the scan reports every position where it
matches except those inside an earlier hit. So the positions tried are, for
each hit (s, e), [run start before s, e - 1].

The analysis reads patterns with the standard library's regular-expression
parser (``re._parser``, Python 3.11+); a pattern it cannot read keeps the
full window scan.
"""
from __future__ import annotations

import re as _stdlib_re
from dataclasses import dataclass
from re import _constants as _sre
from re import _parser as _sre_parse
from typing import Any

import regex

from .rules import _REGEX_ONLY, CompiledRule



_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT)
_NAMED_GROUP = regex.compile(r"(?<!\\)((?:\\\\)*)\(\?P<\w+>")
_PROPERTY = regex.compile(r"(?<!\\)((?:\\\\)*)\\[pP]\{[^}]*\}")


def parsed(source: str) -> tuple | None:
    """*source* (pieces expanded) parsed by the standard library, with named
    groups made plain (regex allows a name twice, re does not; the analysis
    never needs the names) and \\p{…} read as \\W — an unknown class, so the
    analysis gives up wherever one consumes a character. None when it cannot
    be parsed or uses syntax re reads differently."""
    src = _PROPERTY.sub(r"\1\\W", _NAMED_GROUP.sub(r"\1(?:", source))
    if _REGEX_ONLY.search(src):
        return None
    try:
        tree = _sre_parse.parse(src, _stdlib_re.VERBOSE)
    except Exception:
        return None
    if tree.state.flags & (_stdlib_re.IGNORECASE | _stdlib_re.DOTALL):
        return None
    return _flat(tree.data)


def _flat(items) -> tuple:
    """Parsed items as nested tuples, groups spliced into their sequence (a
    group consumes what its items consume)."""
    out: list = []
    for op, av in items:
        if op is _sre.SUBPATTERN:
            out.extend(_flat(av[3].data))
        elif op is _sre.BRANCH:
            out.append((op, tuple(_flat(b.data) for b in av[1])))
        elif op in _REPEATS:
            out.append((op, (av[0], av[1], _flat(av[2].data))))
        elif op is _sre.ATOMIC_GROUP:
            out.append((op, _flat(av.data)))
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            out.append((op, (av[0], _flat(av[1].data))))
        elif op is _sre.IN:
            out.append((op, tuple(av)))
        elif op is _sre.GROUPREF_EXISTS:
            return ((None, None),)  # unreadable: no fast path
        else:
            out.append((op, av))
    return tuple(out)


def _alphabet(items, chars: set, cats: set) -> bool:
    """Add every character *items* can consume to chars (\\d, \\s to cats);
    False when that set is not finite (a negated class, ., \\w…)."""
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))
        elif op is _sre.IN:
            for iop, iav in av:
                if iop is _sre.LITERAL:
                    chars.add(chr(iav))
                elif iop is _sre.RANGE and iav[1] - iav[0] < 4096:
                    chars.update(map(chr, range(iav[0], iav[1] + 1)))
                elif iop is _sre.CATEGORY and iav in (_sre.CATEGORY_DIGIT, _sre.CATEGORY_SPACE):
                    cats.add(iav)
                else:
                    return False
        elif op is _sre.BRANCH:
            if not all(_alphabet(b, chars, cats) for b in av):
                return False
        elif op in _REPEATS:
            if not _alphabet(av[2], chars, cats):
                return False
        elif op is _sre.ATOMIC_GROUP:
            if not _alphabet(av, chars, cats):
                return False
        elif op in _ZERO_WIDTH or op is _sre.GROUPREF:  # a back-reference repeats consumed characters
            continue
        else:
            return False
    return True


def _alternatives(trig: tuple) -> list[tuple] | None:
    """The trigger as the item sequences any one of which is an occurrence:
    its branches, or each character of a class. None when it looks around."""
    def looks_around(items) -> bool:
        for op, av in items:
            if op in _ZERO_WIDTH or op is _sre.GROUPREF or op is None:
                return True
            if op is _sre.BRANCH and any(looks_around(b) for b in av):
                return True
            if op in _REPEATS and looks_around(av[2]):
                return True
            if op is _sre.ATOMIC_GROUP and looks_around(av):
                return True
        return False
    if not trig or looks_around(trig):
        return None
    if len(trig) == 1 and trig[0][0] is _sre.BRANCH:
        return list(trig[0][1])
    if len(trig) == 1 and trig[0][0] is _sre.IN and all(op is _sre.LITERAL for op, _ in trig[0][1]):
        return [((_sre.LITERAL, c),) for _, c in trig[0][1]]
    return [trig]


def holds_occurrence(items: tuple, alts: list[tuple]) -> bool:
    """Every match of *items* holds a stretch that one trigger alternative matches."""
    singles = {a[0][1] for a in alts if len(a) == 1 and a[0][0] is _sre.LITERAL}
    for i, (op, av) in enumerate(items):
        if any(items[i:i + len(a)] == a for a in alts):
            return True
        if op is _sre.IN and singles and all(iop is _sre.LITERAL and c in singles for iop, c in av):
            return True
        if op is _sre.BRANCH and all(holds_occurrence(b, alts) for b in av):
            return True
        if op in _REPEATS and av[0] >= 1 and holds_occurrence(av[2], alts):
            return True
        if op is _sre.ATOMIC_GROUP and holds_occurrence(av, alts):
            return True
    return False


def _starts_with(items: tuple, alts: list[tuple]) -> bool:
    """Every match of *items* opens with a trigger occurrence (only
    lookarounds before it)."""
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == len(items):
        return False
    if any(items[i:i + len(a)] == a for a in alts):
        return True
    op, av = items[i]
    if op is _sre.BRANCH:
        return all(_starts_with(b + items[i + 1:], alts) for b in av)
    return False


@dataclass
class StartRule:
    """Where a rule's matches can start, given its trigger's hits (see above):
    *run_back* finds the start of the run of alphabet characters ending at a
    position; without it, a match starts inside a hit."""

    run_back: Any = None

    def ranges(self, text: str, hits: list[tuple[int, int]], start: int) -> list[tuple[int, int]]:
        """Sorted, disjoint [a, b] (inclusive) position ranges holding every
        position where a match can start. A run stops at the previous hit's
        end (the ranges join there), so each character is read once."""
        out: list[tuple[int, int]] = []
        floor = start
        rb = self.run_back
        for s, e in hits:
            a = rb.match(text, floor if floor < s else s, s).start() if rb is not None else s
            if out and a <= out[-1][1] + 1:
                if e - 1 > out[-1][1]:
                    out[-1] = (out[-1][0], e - 1)
            else:
                out.append((a, e - 1))
            if e > floor:
                floor = e
        return out


def _opens_with_literal(items: tuple) -> bool:
    """The pattern opens, lookbehinds aside, with a literal or a set of
    literals: the engine then skips to the positions where it can start by
    itself, faster than trying them one by one from Python (measured on the
    targets rules)."""
    i = 0
    while i < len(items) and items[i][0] in (_sre.ASSERT, _sre.ASSERT_NOT) and items[i][1][0] < 0:
        i += 1
    if i == len(items):
        return False
    op, av = items[i]
    if op is _sre.BRANCH:
        return all(_opens_with_literal(b) for b in av)
    return op is _sre.LITERAL or (op is _sre.IN and all(iop is _sre.LITERAL for iop, _ in av))


def start_rule(cr: CompiledRule) -> StartRule | None:
    """The StartRule of a rule with a trigger, or None (full window scans).
    Computed once per compiled rule."""
    cached = getattr(cr, "_start_rule", False)
    if cached is not False:
        return cached
    found = None
    if cr.trigger is not None:
        pattern = parsed(cr.regex.pattern)
        if pattern is not None and not _opens_with_literal(pattern):
            trig = parsed(cr.trigger.pattern)
            alts = _alternatives(trig) if trig is not None else None
            if alts and _starts_with(pattern, alts):
                found = StartRule(None)
            elif (alts and holds_occurrence(pattern, alts)) or cr.rule.holds_trigger:
                # (holds_trigger: the rule file says what a trigger that
                # looks around keeps the analysis from showing; checked at load)
                found = _run_back_rule(pattern)
    cr._start_rule = found
    return found


def _run_back_rule(pattern: tuple) -> StartRule | None:
    """A match that holds a trigger hit starts in the run of its alphabet
    ending at the hit: the StartRule finding that run, or None when the
    alphabet is not finite."""
    chars: set[str] = set()
    cats: set = set()
    if not _alphabet(pattern, chars, cats):
        return None
    cls = "".join(regex.escape(c, special_only=False) for c in sorted(chars))
    cls += "\\d" if _sre.CATEGORY_DIGIT in cats else ""
    cls += "\\s" if _sre.CATEGORY_SPACE in cats else ""
    return StartRule(regex.compile("(?r)[" + cls + "]*", regex.V0))


def literal_alternatives(chars: str) -> list[tuple]:
    """Each of *chars* as a one-character alternative, for ``holds_occurrence``."""
    return [((_sre.LITERAL, ord(c)),) for c in chars]


def one_char_of(items: tuple) -> set[str] | None:
    """The characters a pattern of one literal or one class of literals
    matches; None for any other pattern."""
    if len(items) != 1:
        return None
    op, av = items[0]
    if op is _sre.LITERAL:
        return {chr(av)}
    if op is _sre.IN and all(iop is _sre.LITERAL for iop, _ in av):
        return {chr(c) for _, c in av}
    return None
