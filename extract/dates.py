"""Calendar references → ``DateRef`` records.

Rules (``rules/dates.yaml``) find mentions on the shadow text; this module
reads the named groups of each match and resolves them to an inclusive ISO
``start``/``end`` at the grain the text gives:

- a year → Jan 1 – Dec 31; 年初 → the first quarter, 年底/年末 → the fourth;
  上半年/下半年 and quarters as written;
- a month → its first to last day; 上旬/中旬/下旬 → days 1–10 / 11–20 / 21–end;
- a day → that day; ranges (1至8月, 2021—2025年, 3月29日至31日) → both ends;
- a five-year plan → its five years (“十四五” → 2021–2025).

What the text leaves out comes from the *reference date*: the publication
date of the date line, or Jan 1 of the year the body points to when there is
no date line (then only the year is known, and 今天 or a bare 28日 cannot be
resolved and is not emitted). A month without a year takes the reference
year; a bare day takes the reference month. Two readings follow the meaning
rather than the calendar (ANNOTATION.md, Scope), both tuned in the lexicon:

- a *year-end review* — published in January or February, naming the
  previous year more often than the publication year — means the reviewed
  year by 今年 (and counts 去年/明年/年初 from it), unless the clause looks
  forward (今年将…);
- 今天 in a report published a day or two after the event it describes
  (the only explicit days are just before publication) means the event day.
"""
from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

import regex

from .articles import Document
from .models import DateRef, Record
from .numbers import parse_number
from .pattern_analysis import holds_occurrence, literal_alternatives, one_char_of, parsed
from .rules import (LOOKAHEAD_MARGIN, Match, RuleError, RuleSet, _windows,
                    keep_window_match, load_ruleset, merge_windows, window_matches, resolve_overlaps)
from .shadow import shadow

PUBLISHED_RULE = "date.published"
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_DIGITS = regex.compile(r"\d+")


@dataclass(frozen=True)
class DateLexicons:
    relative_years: dict[str, int]
    relative_days: dict[str, int]
    relative_months: dict[str, int]
    month_parts: dict[str, tuple[int, int]]
    year_parts: dict[str, tuple[int, int]]
    plan_first_years: dict[int, int]
    plan_from_third: tuple[int, int, int]  # (ordinal, first year, step)
    plan_ordinals: dict[str, int]
    review_months: frozenset[int]
    review_min_mentions: int
    future_words: tuple[str, ...]
    future_window: int
    event_day_window: int
    # The rule set these lexicons come from, which find matches with: asked
    # of load_ruleset once per process, as the lexicons are (a call reads
    # the environment for EXTRACT_RULES on every article).
    rules: RuleSet | None = field(default=None, compare=False)


@lru_cache(maxsize=None)
def lexicons(rs: RuleSet | None = None) -> DateLexicons:
    rs = rs or load_ruleset("dates")
    lx = rs.lexicons
    plans = lx["five_year_plans"]
    third = plans["from_third"]
    review = lx["year_end_review"]
    return DateLexicons(
        relative_years={str(k): int(v) for k, v in lx["relative_years"].items()},
        relative_days={str(k): int(v) for k, v in lx["relative_days"].items()},
        relative_months={str(k): int(v) for k, v in lx["relative_months"].items()},
        month_parts={str(k): (int(v[0]), int(v[1])) for k, v in lx["month_parts"].items()},
        year_parts={str(k): (int(v[0]), int(v[1])) for k, v in lx["year_parts"].items()},
        plan_first_years={int(k): int(v) for k, v in plans["first_years"].items()},
        plan_from_third=(int(third["ordinal"]), int(third["first_year"]), int(third["step"])),
        plan_ordinals={str(k): int(v) for k, v in plans["ordinals"].items()},
        review_months=frozenset(int(x) for x in review["months"]),
        review_min_mentions=int(review["min_mentions"]),
        future_words=tuple(review["future_words"]),
        future_window=int(review["window"]),
        event_day_window=int(lx["event_day_window"]),
        rules=rs,
    )


# ---------------------------------------------------------------- small parsers

def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _day(y: int, m: int, d: int) -> date | None:
    if not (1 <= y <= 9999 and 1 <= m <= 12 and 1 <= d <= 31):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_span(y: int, m1: int, m2: int | None = None) -> tuple[date, date] | None:
    m2 = m1 if m2 is None else m2
    if not (1 <= m1 <= m2 <= 12 and 1 <= y <= 9999):
        return None
    return date(y, m1, 1), date(y, m2, _last_day(y, m2))


def _int(text: str | None) -> int | None:
    """1–31 written in Arabic or Chinese digits (十二, 二十九, 09)."""
    if not text:
        return None
    v = parse_number(text.strip())
    if v is None or v != v.to_integral_value():
        return None
    return int(v)


def _year(text: str, ref: date | None) -> int | None:
    """A year: 2022, 二〇二二, or two digits (98 → 1998, 15 → 2015)."""
    t = text.strip()
    # (No Chinese digit is a str digit, so a digit string skips the all().)
    if not t.isdigit() and all(c in _CN_DIGITS for c in t):
        t = "".join(str(_CN_DIGITS[c]) for c in t)
    if not t.isdigit():
        return None
    y = int(t)
    if len(t) == 2:  # a two-digit year belongs to the century that keeps it near the reference
        pivot = (ref.year if ref else date.today().year) % 100 + 10
        y += 2000 if y <= pivot else 1900
    return y if 1000 <= y <= 9999 else None


def _quarter(text: str) -> tuple[int, int] | None:
    """Months of a quarter phrase: 一季度 → (1, 3), 前三季度 → (1, 9), Q2 → (4, 6),
    一季度末 → (3, 3), 四季度初 → (10, 10)."""
    t = text.strip()
    edge = t[-1] if t[-1:] in ("初", "末") else ""
    t = t.rstrip("初末").replace("个", "").replace("季度", "").replace("第", "")
    first = t.startswith("前")
    t = t.lstrip("前Q")
    n = 1 if t == "首" else _int(t)
    if n is None or not 1 <= n <= 4:
        return None
    if first:
        return 1, 3 * n
    if edge == "初":
        return 3 * n - 2, 3 * n - 2
    if edge == "末":
        return 3 * n, 3 * n
    return 3 * n - 2, 3 * n


def _year_part(part: str, lx: DateLexicons) -> tuple[int, int] | None:
    part = part.lstrip("年")
    return lx.year_parts.get(part) or _quarter(part)


def _plan_years(k: int, lx: DateLexicons) -> tuple[int, int] | None:
    if k in lx.plan_first_years:
        start = lx.plan_first_years[k]
    else:
        k0, first, step = lx.plan_from_third
        if k < k0:
            return None
        start = first + step * (k - k0)
    return start, start + 4


def _plan_ordinal(name: str, lx: DateLexicons) -> int | None:
    """十四五 → 14 (the name is the ordinal followed by 五)."""
    return lx.plan_ordinals.get(name[:-1]) if name.endswith("五") else None


@lru_cache(maxsize=1)
def _plan_finder():
    rs = load_ruleset("dates")
    return rs.compile(r"第(?P<ord>[一二三四五六七八九十]{1,3})个五年|(?P<name>(?&plan_name)|(?&plan_name_ambiguous))")


def five_year_plan(text: str) -> tuple[int, int] | None:
    """First and last year of the five-year plan *text* names, or None.

    >>> five_year_plan("“十四五”")
    (2021, 2025)
    >>> five_year_plan("第十三个五年规划")
    (2016, 2020)
    """
    if not text:
        return None
    lx = lexicons()
    m = _plan_finder().search(shadow(str(text)))
    if not m:
        return None
    k = lx.plan_ordinals.get(m.group("ord")) if m.group("ord") else _plan_ordinal(m.group("name"), lx)
    return _plan_years(k, lx) if k else None


def reference_date(doc: Document) -> date | None:
    """The date relative expressions resolve against: the publication date of
    the date line, else Jan 1 of the year the body points to (date_source
    "body"), else None."""
    return doc.layout.published


# ---------------------------------------------------------------- resolution

@dataclass
class Context:
    """What a match is resolved against."""

    ref: date | None            # reference date (publication or body year)
    day_grain: bool             # is ref known to the day (a date line)?
    review: bool = False        # a year-end review: relative years count from the previous year
    event_day: date | None = None
    shadow: str = ""


@dataclass
class Resolved:
    kind: str
    start: date
    end: date
    reference: date | None


def _looks_forward(ctx: Context, end: int, lx: DateLexicons) -> bool:
    window = ctx.shadow[end:end + lx.future_window]
    return any(w in window for w in lx.future_words)


def _ref_year(ctx: Context, m: Match, lx: DateLexicons) -> int | None:
    """The year a relative year word counts from (shifted in a year-end review)."""
    if ctx.ref is None:
        return None
    if ctx.review and not _looks_forward(ctx, m.end, lx):
        return ctx.ref.year - 1
    return ctx.ref.year


def _numeric_date(text: str) -> date | None:
    parts = _DIGITS.findall(text)
    return _day(*map(int, parts)) if len(parts) == 3 else None


def _groupdict(m: Match) -> dict[str, str | None]:
    """Every named group of a match at once (one call instead of one per group)."""
    rm = m._m
    if rm is not None and m._groups is None:
        names = _group_names(rm.re)
        return dict(zip(names, rm.groups())) if names is not None else rm.groupdict()
    return {k: v[2] for k, v in m.groups.items()}


_GROUP_NAMES: dict = {}


def _group_names(rx) -> tuple[str, ...] | None:
    """The group names of pattern *rx* in group-number order, when every
    group has one name (the date rules' patterns): then
    dict(zip(names, m.groups())) is m.groupdict(), at a third of the cost
    (the regex module looks a group up by name slowly). None otherwise.
    One entry per compiled rule pattern."""
    names = _GROUP_NAMES.get(rx, 0)
    if names == 0:
        by_number = sorted((i, n) for n, i in rx.groupindex.items())
        names = tuple(n for _, n in by_number) if [i for i, _ in by_number] == list(range(1, rx.groups + 1)) else None
        _GROUP_NAMES[rx] = names
    return names


def resolve(m: Match, ctx: Context, lx: DateLexicons | None = None,
            groups: dict[str, str | None] | None = None) -> Resolved | None:
    """Start, end, kind and reference of one match; None when it cannot be resolved.
    *groups* is the match's groupdict when the caller already has it."""
    lx = lx or lexicons()
    g = (groups if groups is not None else _groupdict(m)).get
    kind = m.rule.attrs.get("kind", "absolute")
    ref_used: date | None = None

    if g("plan") or g("plan_ord"):
        k = lx.plan_ordinals.get(g("plan_ord")) if g("plan_ord") else _plan_ordinal(g("plan"), lx)
        years = _plan_years(k, lx) if k else None
        if not years:
            return None
        if g("part"):  # 十四五末: the plan's last year
            years = (years[1], years[1])
        return Resolved(kind, date(years[0], 1, 1), date(years[1], 12, 31), None)

    if kind == "published" or g("ymd"):
        d = _numeric_date(g("text") or "")
        return Resolved(kind, d, d, None) if d else None

    if g("rd"):  # 今天, 昨天…
        if ctx.ref is None or not ctx.day_grain:
            return None
        word = g("rd")
        if lx.relative_days.get(word) == 0 and ctx.event_day:
            return Resolved(kind, ctx.event_day, ctx.event_day, ctx.event_day)
        d = ctx.ref + timedelta(days=lx.relative_days.get(word, 0))
        return Resolved(kind, d, d, ctx.ref)

    if g("rm"):  # 本月, 上个月…
        if ctx.ref is None or not ctx.day_grain:
            return None
        n = ctx.ref.year * 12 + ctx.ref.month - 1 + lx.relative_months.get(g("rm"), 0)
        y, mo = divmod(n, 12)
        mo += 1
        if g("d"):
            d = _day(y, mo, _int(g("d")) or 0)
            return Resolved(kind, d, d, ctx.ref) if d else None
        lo, hi = lx.month_parts.get(g("part") or "", (1, 31))
        last = _last_day(y, mo)
        return Resolved(kind, date(y, mo, min(lo, last)), date(y, mo, min(hi, last)), ctx.ref)

    # The year: written, counted from the reference (今年, 去年…), or implied.
    year: int | None = None
    if g("y"):
        year = _year(g("y"), ctx.ref)
    elif g("ry"):
        base = _ref_year(ctx, m, lx)
        if base is None or g("ry") not in lx.relative_years:
            return None
        year, ref_used = base + lx.relative_years[g("ry")], ctx.ref
    if year is None and g("y"):
        return None

    def implied_year(shift_like_relative: bool) -> int | None:
        nonlocal ref_used
        if year is not None:
            return year
        if ctx.ref is None:
            return None
        ref_used = ctx.ref
        return _ref_year(ctx, m, lx) if shift_like_relative else ctx.ref.year

    if g("y2"):  # 2021—2025年
        y2 = _year(g("y2"), ctx.ref)
        if year is None or y2 is None or not 0 < y2 - year <= 50:
            return None
        return Resolved(kind, date(year, 1, 1), date(y2, 12, 31), None)

    if g("nmon"):  # 前5个月
        y = implied_year(False)
        n = _int(g("nmon"))
        span = _month_span(y, 1, n) if y and n else None
        return Resolved(kind, span[0], span[1], ref_used) if span else None

    if g("m2") and not g("d2"):  # 1至8月
        y = implied_year(False)
        m1, m2 = _int(g("m")), _int(g("m2"))
        if not (y and m1 and m2 and m1 < m2):
            return None
        span = _month_span(y, m1, m2)
        return Resolved(kind, span[0], span[1], ref_used) if span else None

    if g("d2"):  # 3月29日至31日
        y = implied_year(False)
        m1 = _int(g("m"))
        m2 = _int(g("m2")) if g("m2") else m1
        if not (y and m1 and m2):
            return None
        a, b = _day(y, m1, _int(g("d")) or 0), _day(y, m2, _int(g("d2")) or 0)
        if not (a and b and a < b):
            return None
        return Resolved(kind, a, b, ref_used)

    if g("m"):
        y = implied_year(False)
        mo = _int(g("m"))
        if not (y and mo and 1 <= mo <= 12):
            return None
        if g("d"):
            d = _day(y, mo, _int(g("d")) or 0)
            return Resolved(kind, d, d, ref_used) if d else None
        part = g("mpart") or g("part")
        if part:
            lo, hi = lx.month_parts.get(part, (1, 31))
            last = _last_day(y, mo)
            return Resolved(kind, date(y, mo, min(lo, last)), date(y, mo, min(hi, last)), ref_used)
        span = _month_span(y, mo)
        return Resolved(kind, span[0], span[1], ref_used) if span else None

    if g("d"):  # a bare 28日 takes the reference month
        if ctx.ref is None or not ctx.day_grain:
            return None
        d = _day(ctx.ref.year, ctx.ref.month, _int(g("d")) or 0)
        return Resolved(kind, d, d, ctx.ref) if d else None

    if g("part"):  # 年初, 2022年末, 今年上半年
        y = implied_year(True)
        months = _year_part(g("part"), lx)
        if not (y and months):
            return None
        span = _month_span(y, *months)
        return Resolved(kind, span[0], span[1], ref_used) if span else None

    if year is not None:
        return Resolved(kind, date(year, 1, 1), date(year, 12, 31), ref_used)
    return None


# ---------------------------------------------------------------- extraction

_YEAR_ATOM = r"(?:19|20)\d\d"
_ASCII_DIGITS = "0123456789"
_ANY_DIGIT = regex.compile(r"\d")  # regex's \d, as the year trigger reads it
# One alternative of a trigger that _Finder scans without the regex engine:
# the year pattern, a plain character, or a class of plain characters.
_ATOM = regex.compile(r"\(\?:19\|20\)\\d\\d|\[[^\]\[\\\s^\-#]+\]|[^|()\[\]\\\s.*+?{}^$#]")
_LEAD = " \t"


def _year_hits(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where regex's finditer of (?:19|20)\\d\\d hits in text[start:end]: every
    19 or 20 (found by str.find), left to right, followed by two digits and
    not inside the hit before."""
    cands: list[int] = []
    find = text.find
    for needle in ("19", "20"):
        i = find(needle, start, end)
        while i >= 0:
            cands.append(i)
            i = find(needle, i + 1, end)
    out: list[tuple[int, int]] = []
    if not cands:
        return out
    cands.sort()
    last, lim = start, end - 4
    for p in cands:
        if p < last or p > lim:
            continue
        a, b = text[p + 2], text[p + 3]
        if (a in _ASCII_DIGITS or _ANY_DIGIT.match(a)) and (b in _ASCII_DIGITS or _ANY_DIGIT.match(b)):
            out.append((p, p + 4))
            last = p + 4
    return out


_SHORT_SCAN = 256  # characters: below this, _Finder._scan's numpy set-up costs more than re's scan


def _code_table(chars: str):
    """A table over every code point, true at those of *chars*."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.bool_)
    table[[ord(c) for c in chars]] = True
    return table


def _char_hits(text: str, chars: str, start: int, end: int) -> list[tuple[int, int]]:
    """Every position of any of *chars* in text[start:end], in order."""
    out: list[tuple[int, int]] = []
    find = text.find
    for ch in chars:
        i = find(ch, start, end)
        while i >= 0:
            out.append((i, i + 1))
            i = find(ch, i + 1, end)
    if len(chars) > 1:
        out.sort()
    return out


def _atoms(trigger: str) -> tuple[str, ...] | None:
    """A trigger as the alternatives _Finder scans itself (characters, the
    year), or None when it is anything else. The alternatives never overlap
    one another (a character is no digit), so their hits together are the
    trigger's hits."""
    parts = trigger.split("|") if "(" not in trigger else None
    if parts is None:
        toks = _ATOM.findall(trigger)
        if "|".join(toks) != trigger:
            return None
        parts = toks
    out: list[str] = []
    for p in parts:
        if not _ATOM.fullmatch(p):
            return None
        if p == _YEAR_ATOM:
            out.append(p)
        elif p.startswith("["):
            out.extend(p[1:-1])
        else:
            out.append(p)
    chars = [a for a in out if a != _YEAR_ATOM]
    if len(set(chars)) != len(chars) or any(c in _ASCII_DIGITS for c in chars):
        return None
    return tuple(out)


class _Finder:
    """RuleSet.find for the dates rule set: the same matches (the same
    windows, scans and Match records), with less work around them:

    - trigger hits come from one str.find scan per character (and one for
      the year pattern) shared by every trigger that holds it, instead of
      one regex scan per trigger text (月|(?:19|20)\\d\\d is the 月 hits and
      the year hits together);
    - a window is scanned only when it holds the rule's ``attrs.holds`` (a
      window without it can hold no match, so skipping it changes nothing);
    - the joint rule (``attrs.joins_dates``, ``attrs.anchors``: a run of
      spaces or tabs, one range word and spaces or tabs) is matched only at
      its anchors: the next match after the last one starts at the run of
      spaces before the next anchor, exactly where a scan of the whole
      text finds it;
    - a rule whose ``attrs.holds_chars`` names characters every match of its
      holds pattern consumes (checked at load) is skipped in a scope that has
      none of them, and its holds is searched only in the windows that have
      one (found by one str.find scan per character, shared by every rule):
      a window without them holds no match of holds, so no match of the
      rule. When holds is just one of those characters, finding one in the
      window is the holds test itself, and holds is not searched again.
    - a rule with ``attrs.holds_lead`` N (every match has an occurrence of
      its holds pattern starting at most N characters after the match's
      start) is tried only at the N + 1 positions up to each occurrence of
      holds in its windows instead of at every position (_led_matches).
    """

    def __init__(self, rs: RuleSet):
        self.rs = rs
        widest = rs._widest_windows()
        self.plan = []
        self.triggers: dict[str, tuple] = {}
        self.joint = None
        for cr in rs.rules:
            holds = cr.attrs.get("holds")
            hs = None
            if holds:
                hrx = _compile_holds(holds)
                for ex in cr.rule.examples.positive:  # a cheap guard against a holds that is not held
                    if not hrx.search(shadow(ex.match)):
                        raise RuleError(f"{cr.source}: {cr.id}: attrs.holds {holds!r} is not in the example {ex.match!r}")
                hs = hrx.search
            chars, only = _holds_chars(cr)
            lead = _holds_lead(cr, hs)
            if only and lead is None:
                hs = None  # the character filter is the holds test
            key = cr.rule.trigger
            if key is not None and key not in self.triggers:
                self.triggers[key] = (_atoms(key), cr.trigger, widest[key])
            if key is None and cr.attrs.get("anchors") and self.joint is None:
                self.joint = (cr, str(cr.attrs["anchors"]))
                self._check_joint(cr)
                continue
            self.plan.append((cr, key, hs, chars, lead))
        self.scan_chars = self._scanned_chars()
        self.char_scan = re.compile("[" + re.escape(self.scan_chars) + "]").finditer
        # The character sets whose positions find asks for (holds_chars,
        # the joint's anchors), and for each character the sets that hold it.
        self.char_sets = tuple(dict.fromkeys([cs for _, _, _, cs, _ in self.plan if cs]
                                             + ([self.joint[1]] if self.joint is not None else [])))
        self.sets_of = {c: tuple(cs for cs in self.char_sets if c in cs) for c in self.scan_chars}
        self.scan_table = _code_table(self.scan_chars)
        self.all_triggered = all(key is not None and self.triggers[key][0] is not None for _, key, *_ in self.plan)

    def _scanned_chars(self) -> str:
        """Every character find looks up (trigger characters, holds_chars,
        the joint's anchors), each once."""
        chars = [a for atoms, _, _ in self.triggers.values() if atoms for a in atoms if a != _YEAR_ATOM]
        chars += [c for _, _, _, cs, _ in self.plan for c in cs]
        if self.joint is not None:
            chars += self.joint[1]
        return "".join(dict.fromkeys(chars))

    def char_hits(self, text: str, start: int, end: int) -> tuple[dict, dict]:
        """For every character find looks up, _char_hits(text, ch, start, end);
        for every set of them it asks about, _positions(text, chars, start,
        end, ...). Both from one scan of the text for all the characters
        instead of one str.find pass per character and a merge per set (an
        article body's twenty passes were a quarter of the dates stage's
        instructions). The scan goes left to right, so every list comes out
        in order. The year hits (_year_hits) are there too, so that find
        sees at once a span where no trigger hits."""
        hits: dict[str, list[tuple[int, int]]] = {c: [] for c in self.scan_chars}
        where: dict[str, list[int]] = {cs: [] for cs in self.char_sets}
        sets_of = self.sets_of
        for i, c in self._scan(text, start, end):
            hits[c].append((i, i + 1))
            for cs in sets_of[c]:
                where[cs].append(i)
        hits[_YEAR_ATOM] = _year_hits(text, start, end)
        return hits, where

    def _scan(self, text: str, start: int, end: int):
        """(position, character) of every character find looks up in
        text[start:end], in order. A short span (a headline) is scanned by
        re with a class of them; a longer one is looked up in a table of
        code points (numpy: a few passes in C over the span's code points,
        where re's class test costs some sixty instructions a character).
        (Years stay with _year_hits' two str.find passes: the same test on
        the code points measured 2 M instructions more over 100 articles.)"""
        if end - start < _SHORT_SCAN:
            return [(m.start(), m.group()) for m in self.char_scan(text, start, end)]
        import numpy as np

        codes = np.frombuffer(text[start:end].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        at = np.flatnonzero(self.scan_table.take(codes))
        return zip((at + start).tolist(), map(chr, codes.take(at).tolist()))

    def _check_joint(self, cr) -> None:
        texts = [ex.text for ex in cr.rule.examples.positive] + list(cr.rule.examples.negative)
        texts += ["1 至  2", "1至至2", " ——— ~ ", "\t-\t-\t", "3——4—5", "到", "a  -b- -c"]
        for t in map(shadow, texts):
            want = [m.span() for m in cr.regex.finditer(t)]
            got = [(m.start, m.end) for m in self._joints(t, 0, len(t)) or ()]
            if want != got:
                raise RuleError(f"{cr.source}: {cr.id}: attrs.anchors: the anchored scan finds {got} in {t!r}, a full scan {want}")

    def _joints(self, text: str, start: int, end: int, at: list[int] | None = None) -> list[Match] | None:
        """The joint rule's matches, tried at the anchors' positions *at*
        (found here when not given)."""
        cr, anchors = self.joint
        rx = cr.regex
        out: list[Match] = []
        q = start
        if at is None:
            at = _positions(text, anchors, start, end, {})
        for h in at:
            if h < q:
                continue
            k = h
            while k > q and text[k - 1] in _LEAD:
                k -= 1
            m = rx.match(text, k, end)
            if m is None or m.end() <= h:
                return None  # not the shape attrs.anchors promises: the caller scans it all
            out.append(Match(cr, k, m.end(), None, m))
            q = m.end()
        return out

    def find(self, text: str, start: int = 0, end: int | None = None, joints: bool = True) -> list[Match]:
        """What ``self.rs.find(text, start, end)`` returns (in another order);
        without the joint rule's matches when *joints* is false."""
        end = len(text) if end is None else end
        out: list[Match] = []
        hits, where = self.char_hits(text, start, end)  # characters → hits; character sets → positions
        windows: dict[str, list[tuple[int, int]]] = {}
        # Every rule has a trigger of characters and years: without a hit, no
        # rule has a window (most headlines).
        plan = self.plan if not self.all_triggered or any(hits.values()) else ()
        for cr, key, holds, chars, lead in plan:
            if chars:
                at = where[chars]
                if not at:
                    continue
            if key is None:
                spans = [(start, end)]
            else:
                spans = windows.get(key)
                if spans is None:
                    spans = windows[key] = self._windows(key, text, start, end, hits)
            if chars:
                spans = _windows_with(spans, at, end)
            if not spans:
                continue
            if lead is None:
                out += window_matches(cr, text, spans, end, holds)
            else:
                out += _led_matches(cr, text, spans, end, holds, lead)
        if joints and self.joint is not None:
            joints = self._joints(text, start, end, where[self.joint[1]])
            if joints is None:
                cr = self.joint[0]
                joints = [Match(cr, m.start(), m.end(), None, m)
                          for m in cr.regex.finditer(text, start, end) if m.end() > m.start()]
            out += joints
        return out

    def joints_between(self, text: str, dates: list[Match], scopes: list[tuple[int, int]]) -> list[Match]:
        """_joints_between(dates, joints) for the joints of a scan of each
        scope (self.find), found by matching the joint rule only where one
        of *dates* ends; *dates* are matches of self.find in those scopes.

        A joint is spaces, tabs and one range word, and a date match neither
        starts nor ends with any of them (tests/test_dates.py checks this):
        so no joint of the scan holds the last character of a date ending at
        e and runs past it, and the scan, which goes on from each joint's
        end, tries position e itself and finds there what
        rx.match(text, e, scope_end) finds (a match reads the text around
        it as the scan does). So the joints of the scan that start where a
        date ends are exactly these matches; those that end where a date
        starts are kept, in text order, as _joints_between keeps them.
        """
        cr = self.joint[0]
        rx_match = cr.regex.match
        starts = {m.start for m in dates}
        out: list[Match] = []
        for e in sorted({m.end for m in dates}):
            for s0, e0 in scopes:
                if s0 <= e < e0:
                    m = rx_match(text, e, e0)
                    if m is not None and m.end() in starts:
                        out.append(Match(cr, e, m.end(), None, m))
        return out

    def _windows(self, key: str, text: str, start: int, end: int, hits: dict) -> list[tuple[int, int]]:
        """The windows of RuleSet.find's _windows for trigger *key*."""
        atoms, trigger, (before, after) = self.triggers[key]
        if atoms is None:
            return _windows(trigger, text, start, end, (before, after))
        found: list[tuple[int, int]] = []
        for a in atoms:
            h = hits.get(a)
            if h is None:
                h = hits[a] = _year_hits(text, start, end) if a == _YEAR_ATOM else _char_hits(text, a, start, end)
            if len(atoms) == 1:
                found = h  # read, never changed
            else:
                found += h
        if not found:
            return []
        if len(atoms) > 1:
            found.sort()
        return merge_windows(found, start, end, (before, after))


_FINDERS: dict[int, tuple[RuleSet, _Finder]] = {}


def _holds_chars(cr) -> tuple[str, bool]:
    """The rule's ``attrs.holds_chars`` ("" when none), checked: every match
    of its holds pattern consumes one of them. The flag says holds is just
    one of those characters (so a window holding one passes holds)."""
    chars = str(cr.attrs.get("holds_chars") or "")
    if not chars:
        return "", False
    holds = cr.attrs.get("holds")
    items = parsed(holds) if holds else None
    if items is None or len(set(chars)) != len(chars) or not holds_occurrence(items, literal_alternatives(chars)):
        raise RuleError(f"{cr.source}: {cr.id}: attrs.holds_chars {chars!r}: not every match of holds {holds!r} holds one")
    return chars, one_char_of(items) == set(chars)


def _holds_lead(cr, holds) -> int | None:
    """The rule's ``attrs.holds_lead`` (None when it has none): every match
    of the rule has an occurrence of its holds pattern starting at most
    this many characters after the match's start. The rule's yaml says why
    for each rule; here it is checked on the rule's positive examples."""
    lead = cr.attrs.get("holds_lead")
    if lead is None:
        return None
    if holds is None or not isinstance(lead, int) or lead < 0:
        raise RuleError(f"{cr.source}: {cr.id}: attrs.holds_lead {lead!r} needs attrs.holds and a count of characters")
    for ex in cr.rule.examples.positive:
        t = shadow(ex.text)
        for m in cr.regex.finditer(t):
            h = holds(t, m.start())
            if m.end() > m.start() and (h is None or h.start() > m.start() + lead):
                raise RuleError(f"{cr.source}: {cr.id}: attrs.holds_lead {lead}: the match {m.group()!r} of "
                                f"{ex.text!r} has no occurrence of holds that close to its start")
    return lead


def _led_matches(cr, text: str, spans: list[tuple[int, int]], end: int, holds, lead: int) -> list[Match]:
    """window_matches(cr, text, spans, end, holds) for a rule with
    ``attrs.holds_lead`` *lead*, trying a match only near the occurrences
    of holds.

    window_matches runs finditer over each window up to scan_end: from a
    position p it reports the leftmost position s >= p where the rule
    matches (rx.match(text, s, scan_end), which reads the text around s,
    lookbehinds included, as finditer does), then goes on from the match's
    end. A match at s holds an occurrence of holds at some s + k, k <= lead,
    inside the match and so inside the scan; so holds.search(text, p,
    scan_end) finds an occurrence q <= s + k, and no match starts in
    [p, q - lead). Trying q - lead .. q (from p at the earliest) in order
    finds the leftmost match when it starts there; when none does, no match
    starts before q + 1 and the search goes on from there. So the matches
    come out as finditer gives them.

    What is then kept is what _keep_window_matches keeps: when the scan
    stops short of the text's end, a match starting at the window's end or
    later belongs to a later window and ends the window (no later match can
    start earlier, so the search stops once it is past the window's end);
    one running past the window's end is read again with the real text
    after it; empty or already seen matches are dropped. A zero-width
    match, which finditer steps over in its own way, sends the window to
    window_matches.
    """
    out: list[Match] = []
    seen: set[tuple[int, int]] = set()
    rx_match = cr.regex.match
    for ws, we in spans:
        scan_end = we + LOOKAHEAD_MARGIN if we + LOOKAHEAD_MARGIN < end else end
        stop = we if scan_end < end else scan_end
        found: list[Match] = []
        p = ws
        while True:
            h = holds(text, p, scan_end)
            if h is None:
                break
            q = h.start()
            s = q - lead if q - lead > p else p
            if s >= stop:
                break
            m = None
            last = q if q < stop else stop - 1
            while s <= last:
                m = rx_match(text, s, scan_end)
                if m is not None:
                    break
                s += 1
            if m is None:
                p = q + 1
                continue
            p = m.end()
            if p == s:
                for mm in found:  # undone: window_matches reads the window again
                    seen.discard(mm._m.span())
                found = None
                break
            # (s < stop: a match here never starts past the window's end.)
            keep_window_match(cr, text, m, we, scan_end, end, seen, found)
        if found is None:  # a zero-width match: let window_matches scan it
            for mm in window_matches(cr, text, [(ws, we)], end, holds):
                if mm._m.span() not in seen:
                    seen.add(mm._m.span())
                    out.append(mm)
            continue
        out += found
    return out


def _positions(text: str, chars: str, start: int, end: int, hits: dict) -> list[int]:
    """Every position of any of *chars* in text[start:end], in order (the
    per-character scans are shared through *hits*, as the triggers' are)."""
    out: list[int] = []
    for ch in chars:
        h = hits.get(ch)
        if h is None:
            h = hits[ch] = _char_hits(text, ch, start, end)
        if h:
            out += [p for p, _ in h]
    if len(chars) > 1 and out:
        out.sort()
    return out


def _windows_with(spans: list[tuple[int, int]], at: list[int], end: int) -> list[tuple[int, int]]:
    """The windows whose scan (to LOOKAHEAD_MARGIN past the window's end, as
    window_matches reads it) has one of the sorted positions *at*. Window
    starts only grow, so one pointer into *at* serves every window."""
    out: list[tuple[int, int]] = []
    k, n = 0, len(at)
    for ws, we in spans:
        while k < n and at[k] < ws:
            k += 1
        if k == n:
            break
        if at[k] < (we + LOOKAHEAD_MARGIN if we + LOOKAHEAD_MARGIN < end else end):
            out.append((ws, we))
    return out


def _compile_holds(pattern: str):
    """A holds pattern, compiled by the standard library's re (faster at
    these small searches) when it reads the pattern alike: no escapes but
    \\s and \\t (re's \\s takes \\x1c-\\x1f besides regex's, and a prefilter
    may only be looser, never stricter), and no warning from re. Anything
    else (\\d: the two disagree on recent digits) stays with regex."""
    import warnings

    if "\\" not in regex.sub(r"\\[st]", "", pattern):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                return re.compile(pattern)
            except (re.error, Warning):
                pass
    return regex.compile(pattern)


def finder(rs: RuleSet | None = None) -> _Finder:
    """The fast finder of a dates rule set (built once per loaded rule set)."""
    rs = rs or load_ruleset("dates")
    hit = _FINDERS.get(id(rs))
    if hit is not None and hit[0] is rs:
        return hit[1]
    f = _Finder(rs)
    _FINDERS[id(rs)] = (rs, f)
    return f


def find(doc: Document) -> list[Match]:
    """Kept matches of the date rules in the document's scope."""
    f = finder(lexicons().rules)
    scopes = doc.scopes()
    shared = getattr(doc.layout, "date_matches", None)
    if shared is not None and shared[0] is f.rs and shared[1] == scopes:
        per_scope = shared[2]  # the layout scanned the same spans (infer_body_year)
    else:
        shared = None
        per_scope = [f.find(doc.shadow, s, e, joints=False) for s, e in scopes]
    joint = f.joint[0] if f.joint is not None else None
    found: list[Match] = []
    joints: list[Match] = []
    in_scope = doc.in_scope
    for ms in per_scope:
        for m in ms:
            if m.rule is joint:
                joints.append(m)
            elif in_scope(m.start, m.end):
                found.append(m)
    if joint is not None and found:
        joints = _joints_between(found, joints) if shared is not None else f.joints_between(doc.shadow, found, scopes)
        found += [j for j in joints if in_scope(j.start, j.end)]
    return resolve_overlaps(found)


def _joints_between(dates: list[Match], joints: list[Match]) -> list[Match]:
    """The joints (period_span: spaces or tabs, a range word, spaces or
    tabs) that end where a date match ends and start where one starts, in
    order. Only these can join two dates (extract_dates joins records, made
    from kept date matches, that end right at a joint and start right after
    it), and leaving out the others changes no other match that
    resolve_overlaps keeps: a date match starts and ends with neither a
    space, a tab nor a range word (tests/test_dates.py checks this), so one
    that overlaps a joint holds all of it and more, outranks it by length
    and is placed before it; joints never overlap one another (one scan per
    scope, and the scopes, headline and body, are disjoint), so whether a
    joint is kept depends only on the date matches kept."""
    ends = {m.end for m in dates}
    starts = {m.start for m in dates}
    return [j for j in joints if j.start in ends and j.end in starts]


def _is_review(doc: Document, matches: list[Match], ref: date | None, lx: DateLexicons,
               groups: list[dict[str, str | None]] | None = None) -> bool:
    """A year-end review: published early in the year, about the year before."""
    if ref is None or ref.month not in lx.review_months:
        return False
    if groups is None:
        groups = [_groupdict(m) for m in matches]
    years = Counter(_year(g["y"], ref) for g in groups if g.get("y"))
    years.update(d.year for g in groups if g.get("ymd") and (d := _numeric_date(g["ymd"])))
    prev = years.get(ref.year - 1, 0)
    return prev >= lx.review_min_mentions and prev > years.get(ref.year, 0)


def _event_day(resolved: list[Resolved], ref: date, window: int) -> date | None:
    days = {r.start for r in resolved if r.start == r.end and r.kind != "published"}
    if ref in days:
        return None
    recent = [d for d in days if ref - timedelta(days=window) <= d < ref]
    return max(recent) if recent else None


_validate_dateref = DateRef.__pydantic_validator__.validate_python


def _record(doc: Document, start: int, end: int, rule_id: str, r: Resolved) -> DateRef:
    """One DateRef, through the model's own validator: the same validation
    (fields, constraints, the record id) as DateRef(**fields), without
    BaseModel.__init__'s keyword-argument call around it."""
    return _validate_dateref({
        "article_id": doc.article_id, "text": doc.raw[start:end], "char_start": start, "char_end": end,
        "sentence": doc.sentence_at(start), "rule_id": rule_id,
        "kind": r.kind, "start": r.start, "end": r.end, "reference_date": r.reference,
    })


def extract_dates(doc: Document, found: dict[str, list[Record]] | None = None) -> list[DateRef]:
    lx = lexicons()
    lay = doc.layout
    ref = reference_date(doc)
    day_grain = ref is not None and (lay.date_grain or "day") == "day"
    matches = find(doc)
    groups = [_groupdict(m) for m in matches]
    ctx = Context(ref, day_grain, shadow=doc.shadow)
    ctx.review = day_grain and _is_review(doc, matches, ref, lx, groups)

    out: list[tuple[int, int, str, Resolved]] = []
    if lay.date_span and lay.published and lay.date_span[1] > lay.date_span[0]:
        s, e = lay.date_span
        out.append((s, e, PUBLISHED_RULE, Resolved("published", lay.published, lay.published, None)))
    # In a bare snippet with a publication date, the date-line-shaped date is its date line.
    snippet_date_line = lay.date_span is None and lay.date_source == "header"

    pending: list[tuple[Match, dict]] = []
    joints = []
    date_span = tuple(lay.date_span) if lay.date_span else None
    for m, gd in zip(matches, groups):
        if m.rule.attrs.get("joins_dates"):
            joints.append(m)
            continue
        if date_span and (m.start, m.end) == date_span and m.rule.id == PUBLISHED_RULE:
            continue
        if gd.get("rd"):
            pending.append((m, gd))  # 今天 waits for the event day
            continue
        r = resolve(m, ctx, lx, gd)
        if r is None:
            continue
        if r.kind == "published" and not snippet_date_line:
            r.kind = "absolute"  # a date-line-shaped date in the body
        out.append((m.start, m.end, m.rule.id, r))
    if pending and day_grain and ref is not None:
        ctx.event_day = _event_day([r for *_, r in out], ref, lx.event_day_window)
        for m, gd in pending:
            r = resolve(m, ctx, lx, gd)
            if r is not None:
                out.append((m.start, m.end, m.rule.id, r))
    out.sort(key=lambda x: (x[0], x[1]))
    out = _join_ranges(out, joints)
    return [_record(doc, s, e, rid, r) for s, e, rid, r in out if e > s]


def _join_ranges(out: list[tuple[int, int, str, Resolved]], joints: list[Match]) -> list[tuple[int, int, str, Resolved]]:
    """Two dates around a range word (至, 到, -) become one period record."""
    if not joints:
        return out
    by_end = {x[1]: x for x in out}
    by_start = {x[0]: x for x in out}
    for j in joints:
        left, right = by_end.get(j.start), by_start.get(j.end)
        if not left or not right or left is right:
            continue
        a, b = left[3], right[3]
        if "published" in (a.kind, b.kind) or not (a.start <= b.start and a.end < b.end):
            continue
        joined = (left[0], right[1], j.rule.id,
                  Resolved(j.rule.attrs.get("kind", "period"), a.start, b.end, a.reference or b.reference))
        for x in (left, right):
            by_end.pop(x[1], None)
            by_start.pop(x[0], None)
        by_end[joined[1]] = by_start[joined[0]] = joined
    kept = {(x[0], x[1]): x for x in [*by_start.values(), *by_end.values()]}
    return [kept[k] for k in sorted(kept)]
