"""Sums of money → ``Amount`` records.

Rules (``rules/amounts.yaml``) find mentions on the shadow text; this module
turns each match into a typed record: value (Decimal, base units), currency,
bound, kind (from the words around it) and subject (the project it belongs
to, when the clause says 投资X亿元的…项目).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import regex

from .articles import Document
from .models import Amount
from .numbers import parse_digit_pair, parse_number
from .rules import GroupReader, Match, RuleSet, invert_lexicon, load_ruleset, resolve_overlaps

CLAUSE_END = ",，。；;！？!?、\n"
SENTENCE_END = "。；;！？!?\n"
BEFORE_WINDOW = 20   # characters of the clause before an amount searched for a kind word
AFTER_WINDOW = 14    # characters after it (600亿红旗基金, 100亿元的新能源汽车产业基金)
SENTENCE_WINDOW = 40  # fall back to the sentence before the clause, this far back


@dataclass(frozen=True)
class AmountLexicons:
    currency: dict[str, str]
    bound_before: dict[str, str]
    bound_after: dict[str, str]
    bound_inside: dict[str, str]
    kind_before: dict[str, str]
    kind_after: dict[str, str]
    money_context: frozenset[str]
    subject_rx: object
    not_bound_words: tuple[str, ...] = ()
    # The rule set these lexicons come from, which find matches with: asked
    # of load_ruleset once per process, as the lexicons are (a call costs
    # about 2% of the stage: it reads the environment for EXTRACT_RULES).
    rules: RuleSet | None = field(default=None, compare=False)
    # The keyword searches as compiled alternations, longest word first (see
    # _nearest_kind_before/_nearest_kind_after): kind words before the amount
    # reversed, so the first hit in the reversed window is the one ending
    # nearest its end; kind words after it; money-context words.
    kind_before_rev_rx: object = field(default=None, compare=False)
    kind_after_rx: object = field(default=None, compare=False)
    money_context_rx: object = field(default=None, compare=False)
    # The same kind-word searches with the clause stops as a first
    # alternative (see _kind_in_clause, _kind_right_after): a search of the
    # reach finds the nearest stop or kind word, where _clause_start and
    # _clause_end took a search of their own first. None when a kind word
    # holds a stop character (a stop then would not mark the clause's edge).
    kind_before_or_stop_rev_rx: object = field(default=None, compare=False)
    kind_after_or_stop_rx: object = field(default=None, compare=False)


def _longest_first(words, reverse: bool = False):
    """A stdlib re alternation of *words* (reversed if asked), longest first,
    so that at one position the longest word matches; None for no words."""
    words = [w[::-1] if reverse else w for w in words]
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))))


def _stop_or_word(stops: str, words, reverse: bool = False):
    """A search for a character of *stops* (group 'stop') or one of *words*
    (reversed if asked), longest word first; None when there are no words
    or a word holds a stop character."""
    words_rx = _longest_first(words, reverse)
    if words_rx is None or any(c in w for w in words for c in stops):
        return None
    return re.compile("(?P<stop>[" + re.escape(stops) + "])|" + words_rx.pattern)


@lru_cache(maxsize=None)
def lexicons(rs: RuleSet | None = None) -> AmountLexicons:
    rs = rs or load_ruleset("amounts")
    lx = rs.lexicons
    suffixes = sorted(lx.get("subject_suffixes", []), key=len, reverse=True)
    subject_rx = regex.compile(
        r"的(?P<subject>[^,，。；;、\s“”\"]{2,30}?(?:" + "|".join(map(regex.escape, suffixes)) + ")(?:项目|工程)?)"
    ) if suffixes else None
    kind_before = invert_lexicon(lx["kind_before"])
    kind_after = invert_lexicon(lx["kind_after"])
    money_context = frozenset(lx.get("money_context", []))
    return AmountLexicons(
        currency=invert_lexicon(lx["currencies"]),
        bound_before=invert_lexicon(lx["bound_before"]),
        bound_after=invert_lexicon(lx["bound_after"]),
        bound_inside=invert_lexicon(lx.get("bound_inside", {})),
        kind_before=kind_before,
        kind_after=kind_after,
        money_context=money_context,
        subject_rx=subject_rx,
        not_bound_words=tuple(lx.get("not_bound_words", [])),
        kind_before_rev_rx=_longest_first(kind_before, reverse=True),
        kind_after_rx=_longest_first(kind_after),
        money_context_rx=_longest_first(money_context),
        kind_before_or_stop_rev_rx=_stop_or_word(CLAUSE_END, kind_before, reverse=True),
        kind_after_or_stop_rx=_stop_or_word(CLAUSE_END, kind_after),
        rules=rs,
    )


# The stop characters as compiled searches: one call in place of
# boundary_before's and boundary_after's walk of up to 40 characters in Python.
_CLAUSE_END_BACK = regex.compile("(?r)[" + regex.escape(CLAUSE_END, special_only=False) + "]")
_CLAUSE_END_RX = re.compile("[" + re.escape(CLAUSE_END) + "]")
_SENTENCE_END_BACK = regex.compile("(?r)[" + regex.escape(SENTENCE_END, special_only=False) + "]")


def _stop_before(back, text: str, pos: int, floor: int) -> int:
    """boundary_before(text, pos, stops, floor) with *back* the reverse
    search for those stops: just after the last stop in [floor, pos)."""
    floor = max(0, floor)
    if pos <= floor:
        return pos
    m = back.search(text, floor, pos)
    return m.end() if m is not None else floor


def _clause_start(text: str, pos: int, floor: int = 0) -> int:
    return _stop_before(_CLAUSE_END_BACK, text, pos, floor)


def _clause_end(text: str, pos: int, ceil: int | None = None) -> int:
    """boundary_after(text, pos, CLAUSE_END, ceil): the first stop in [pos, ceil)."""
    ceil = len(text) if ceil is None else min(ceil, len(text))
    if pos >= ceil:
        return pos
    m = _CLAUSE_END_RX.search(text, pos, ceil)
    return m.start() if m is not None else ceil


def _sentence_start(text: str, pos: int, floor: int = 0) -> int:
    return _stop_before(_SENTENCE_END_BACK, text, pos, floor)


def _nearest_before(window: str, words: dict[str, str]) -> tuple[str, int] | None:
    """(label, distance from the window's end) of the keyword ending nearest the end."""
    best = None
    for w, label in words.items():
        i = window.rfind(w)
        if i >= 0:
            dist = len(window) - (i + len(w))
            key = (dist, -len(w))
            if best is None or key < best[0]:
                best = (key, label)
    return (best[1], best[0][0]) if best else None


def _nearest_after(window: str, words: dict[str, str]) -> str | None:
    best = None
    for w, label in words.items():
        i = window.find(w)
        if i >= 0 and (best is None or (i, -len(w)) < best[0]):
            best = ((i, -len(w)), label)
    return best[1] if best else None


def _nearest_kind_before(window: str, lx: AmountLexicons) -> tuple[str, int] | None:
    """_nearest_before(window, lx.kind_before) in one search of the reversed
    window: its first hit is the word ending nearest the end, longest first."""
    rx = lx.kind_before_rev_rx
    if rx is None:
        return _nearest_before(window, lx.kind_before)
    m = rx.search(window[::-1])
    return (lx.kind_before[m.group()[::-1]], m.start()) if m else None


def _nearest_kind_after(window: str, lx: AmountLexicons) -> str | None:
    """_nearest_after(window, lx.kind_after) in one search: leftmost, longest first."""
    rx = lx.kind_after_rx
    if rx is None:
        return _nearest_after(window, lx.kind_after)
    m = rx.search(window)
    return lx.kind_after[m.group()] if m else None


def money_kind(shadow: str, start: int, end: int, lx: AmountLexicons | None = None) -> tuple[str, str]:
    """Kind of the money at shadow[start:end] and where it was found.

    Returns (kind, source) with source one of 'clause', 'after', 'sentence',
    'none'. The clause-level sources are what make a bare 亿/万 number money.
    """
    lx = lx or lexicons()
    if lx.kind_before_or_stop_rev_rx is None or lx.kind_after_or_stop_rx is None:
        return _money_kind_reference(shadow, start, end, lx)
    kind, cstart = _kind_in_clause(shadow, start, lx)
    if kind is not None:
        return kind, "clause"
    after = _kind_right_after(shadow, end, lx)
    if after is not None:
        return after, "after"
    return _kind_in_sentence(shadow, start, cstart, lx)


def _kind_in_clause(shadow: str, start: int, lx: AmountLexicons) -> tuple[str | None, int | None]:
    """(the kind of the word ending nearest *start* in its clause, None; or
    None and where the clause starts, as _clause_start gives it), from one
    search of the reversed reach: its first hit is the nearest stop or kind
    word, and as no kind word holds a stop, a word found first lies inside
    the clause."""
    floor = max(0, start - BEFORE_WINDOW)
    m = lx.kind_before_or_stop_rev_rx.search(shadow[floor:start][::-1])
    if m is None:
        return None, floor
    if m.lastgroup == "stop":
        return None, start - m.start()
    return lx.kind_before[m.group()[::-1]], None


def _kind_right_after(shadow: str, end: int, lx: AmountLexicons) -> str | None:
    """_nearest_kind_after in the clause after *end* (at most AFTER_WINDOW
    on), from one search for a stop or a kind word (see _kind_in_clause)."""
    m = lx.kind_after_or_stop_rx.search(shadow, end, min(len(shadow), end + AFTER_WINDOW))
    return None if m is None or m.lastgroup == "stop" else lx.kind_after[m.group()]


def _money_kind_reference(shadow: str, start: int, end: int, lx: AmountLexicons) -> tuple[str, str]:
    """money_kind from the clause bounds and a search in each part (what
    money_kind computes with fewer searches; the tests compare the two)."""
    cstart = _clause_start(shadow, start, start - BEFORE_WINDOW)
    hit = _nearest_kind_before(shadow[cstart:start], lx)
    if hit:
        return hit[0], "clause"
    cend = _clause_end(shadow, end, end + AFTER_WINDOW)
    after = _nearest_kind_after(shadow[end:cend], lx)
    if after:
        return after, "after"
    return _kind_in_sentence(shadow, start, cstart, lx)


def _kind_in_sentence(shadow: str, start: int, cstart: int, lx: AmountLexicons) -> tuple[str, str]:
    """The fallback: the kind word nearest the clause in the sentence before it."""
    sstart = _sentence_start(shadow, start, start - SENTENCE_WINDOW)
    if sstart < cstart:
        hit = _nearest_kind_before(shadow[sstart:cstart], lx)
        if hit:
            return hit[0], "sentence"
    return "other", "none"


def _has_money_context(shadow: str, start: int, end: int, lx: AmountLexicons,
                       kind: tuple[str, str] | None = None) -> bool:
    """Money context around shadow[start:end]; *kind* is money_kind's answer there, if known."""
    kind, source = kind or money_kind(shadow, start, end, lx)
    if source in ("clause", "after"):
        return True
    clause = shadow[_clause_start(shadow, start, start - BEFORE_WINDOW):_clause_end(shadow, end, end + AFTER_WINDOW)]
    if lx.money_context_rx is None:
        return any(w in clause for w in lx.money_context)
    return lx.money_context_rx.search(clause) is not None


def range_low(num: str, num2: str, high: Decimal) -> Decimal | None:
    """The low end of a range, which may borrow the high end's unit.

    5至8亿 → 5亿; 一百二十到一百五十万 → 一百二十万; 两到三千 → 两千; but
    从8500到3万 → 8500, since 8500万 would exceed the high end.
    """
    plain = parse_number(num)
    if num and num[-1] in "万亿兆":
        return plain
    i = len(num2)
    while i > 0 and num2[i - 1] in "万亿兆":
        i -= 1
    unit = num2[i:]
    if not unit and len(num) == 1 and num2 and num2[-1] in "十百千拾佰仟":
        unit = num2[-1]  # 两到三千: a bare digit borrows a small unit too
    borrowed = parse_number(num + unit) if unit else None
    if borrowed is not None and borrowed <= high:
        return borrowed
    if plain is not None and plain <= high:
        return plain
    return None


def _pre_is_bound(m: Match, shadow: str, lx: AmountLexicons) -> bool:
    """False when the bound word before the number ends another word (签约, 通过)."""
    s, e = m.span("pre")
    # shadow[max(0, e - len(w)):e] == w is shadow.endswith(w, 0, e): one
    # endswith over the words longer than the bound word does the loop.
    longer = _words_longer_than(lx.not_bound_words, e - s)
    return not (longer and shadow.endswith(longer, 0, e))


@lru_cache(maxsize=64)
def _words_longer_than(words: tuple[str, ...], n: int) -> tuple[str, ...]:
    return tuple(w for w in words if len(w) > n)


# The groups interpret reads.
_read_groups = GroupReader("mult", "num2", "num", "vague", "sub", "cur", "cur_pre", "pre", "post", "more")


def _bound(m: Match, lx: AmountLexicons, shadow: str = "", groups: tuple | None = None) -> str:
    """The bound of a match; *groups*: its _read_groups, if read already."""
    _, num2, _, _, _, _, _, pre, post, more = groups or _read_groups(m)
    if num2:
        return "range"
    if pre and (not shadow or _pre_is_bound(m, shadow, lx)):
        return lx.bound_before.get(pre, "exact")
    if post:
        return lx.bound_after.get(post, "exact")
    if more:
        return lx.bound_inside.get(more, "min")
    return "exact"


_SUBUNIT = regex.compile(r"(\d|[一二两三四五六七八九])([角毛分])")


def _subunits(sub: str) -> Decimal:
    """角 and 分 after 元 (the sub group): 123元1角1分 → 0.11."""
    extra = Decimal(0)
    for digit, unit in _SUBUNIT.findall(sub):
        v = parse_number(digit)
        if v is not None:
            extra += v * (Decimal("0.01") if unit == "分" else Decimal("0.1"))
    return extra


@dataclass
class AmountValue:
    value: Decimal
    high: Decimal | None
    currency: str
    bound: str


def interpret(m: Match, lx: AmountLexicons | None = None, shadow: str = "") -> AmountValue | None:
    """Value, high end, currency and bound of one match; None if it does not parse."""
    lx = lx or lexicons()
    groups = _read_groups(m)
    mult, num2, num, vague, sub, cur, pre = groups[:7]
    mult = mult or ""
    num = num or ""
    pair = None if num2 else parse_digit_pair(num + mult)
    if num2:
        high = parse_number(num2 + mult)
        value = range_low(num, num2 + mult, high) if high is not None else None
        if high is None or value is None:
            return None
    elif pair:
        value, high = pair
    elif vague:
        value = parse_number(num + mult)
        if value is None:
            return None
        high = value * 10
    else:
        value, high = parse_number(num + mult), None
        if value is None:
            return None
    if sub:  # else value + 0, which is value: parse_number's values have no positive exponent
        value += _subunits(sub)
    currency = "CNY"
    if pre and (cur is None or lx.currency.get(cur) == "CNY"):
        currency = lx.currency.get(pre, "CNY")
    elif cur:
        currency = lx.currency.get(cur, "CNY")
    bound = "range" if pair else _bound(m, lx, shadow, groups)
    if vague:
        bound = "range"
    return AmountValue(value, high, currency, bound)


def find(doc: Document) -> tuple[list[Match], list[Match]]:
    """(kept, all) matches of the amount rules in the document's scope."""
    rs = lexicons().rules
    found = []
    for s, e in doc.scopes():
        found += [m for m in rs.find_fast(doc.shadow, s, e) if doc.in_scope(m.start, m.end)]
    return resolve_overlaps(found), found


def subject_after(shadow: str, end: int, lx: AmountLexicons | None = None) -> tuple[int, int] | None:
    """Span of 'X项目' in '…亿元的X项目', the project the sum belongs to."""
    lx = lx or lexicons()
    if lx.subject_rx is None or not shadow.startswith("的", end):  # the pattern opens with 的
        return None
    m = lx.subject_rx.match(shadow, end, min(len(shadow), end + 40))
    return m.span("subject") if m else None


def extract_amounts(doc: Document) -> list[Amount]:
    lx = lexicons()
    shadow = doc.shadow
    validate = Amount.__pydantic_validator__.validate_python
    out: list[Amount] = []
    for m in find(doc)[0]:
        kind = None
        if m.rule.attrs.get("require_money_context"):
            kind = money_kind(shadow, m.start, m.end, lx)  # computed once, used twice
            if not _has_money_context(shadow, m.start, m.end, lx, kind):
                continue
        val = interpret(m, lx, shadow)
        if val is None:
            continue
        if kind is None:
            kind = money_kind(shadow, m.start, m.end, lx)
        subj_span = subject_after(shadow, m.end, lx)
        cny = val.currency == "CNY"
        # What Amount(**fields) does (BaseModel.__init__ is this validation
        # with the instance made first), without the keyword call: 3.55
        # instead of 4.19 µs a record.
        out.append(validate({
            "article_id": doc.article_id, "text": doc.raw[m.start:m.end], "char_start": m.start,
            "char_end": m.end, "sentence": doc.sentence_at(m.start), "rule_id": m.rule.id,
            "value_cny": val.value if cny else None, "high_cny": val.high if cny else None,
            "value": val.value, "high": val.high, "currency": val.currency, "bound": val.bound,
            "kind": kind[0], "subject": shadow[subj_span[0]:subj_span[1]] if subj_span else None,
        }))
    return out
