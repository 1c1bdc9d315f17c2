"""Article layout and metadata: date line, title, outlet, body span, script.

The *scope* of an article is its headline plus its body (captions included),
minus furniture lines inside the body (image placeholders such as
``…_fororder_1``, repeated headlines). Extractors report only records whose
span lies in scope, so figures in navigation menus or a junk tail never
become records.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

import regex

from .rules import load_ruleset
from .sentences import Sentences
from .shadow import is_traditional, scan, shadow
from .textio import RawArticle

HEADER_LINES = 40  # the date line is looked for in the first lines only
TAIL_OUTLET_LINES = 10  # lines after the body searched for a closing 来源 line
_PLACEHOLDER = regex.compile(r"_fororder_\w*\s*$")
# Navigation: "> >", a breadcrumb of short segments (网站 > 新闻 > 正文), a
# "you are here" line, page tools, or a menu of three or more |-separated items.
_NAV_LEAD = r"^\s*(?:首页|当前位置|您当前的位置|您现在的位置|字体|【字体|字号|无障碍|登录|注册|打印|关闭)"
_NAV = regex.compile(
    r"(?:[>|/]\s*){2,}"
    r"|^\s*(?:[^>»›\n]{1,16}[>»›]){2,}[^>»›\n]{0,16}$"
    r"|" + _NAV_LEAD +
    r"|(?:[|｜]\s*\S+\s*){3,}")
# Every alternative of _NAV but the lead words holds one of these characters.
_NAV_MARKS = re.compile(r"[>|/»›｜]")
_NAV_LEAD_RX = regex.compile(_NAV_LEAD)


def _is_navigation(line: str) -> bool:
    """bool(_NAV.search(line)). _NAV tries its alternatives at every position
    (~80 ns a character: 23 us for the 280-character paragraph that opens a
    body), so a line holding none of _NAV_MARKS, where only the lead words
    can match, is asked just those at its start (re finds the marks at a few
    ns a character)."""
    if _NAV_MARKS.search(line) is None:
        return _NAV_LEAD_RX.match(line) is not None
    return _NAV.search(line) is not None


_DIGITS = regex.compile(r"\d+")


@dataclass
class Layout:
    title: str | None = None
    title_span: tuple[int, int] | None = None
    date_span: tuple[int, int] | None = None
    published: date | None = None
    date_source: str | None = None  # "header" (the date line), "body" (year inferred) or None
    date_grain: str | None = None   # "day" for a date line; "year" when only the year is inferred
    outlet: str | None = None
    body_start: int = 0
    body_end: int = 0
    excluded: list[tuple[int, int]] = field(default_factory=list)
    # (rule set, spans, matches per span): the raw date-rule matches
    # infer_body_year found, which the dates extractor reuses for the same spans.
    date_matches: tuple | None = field(default=None, repr=False, compare=False)

    def __getstate__(self):  # a pickled or copied layout leaves the matches behind
        return {**self.__dict__, "date_matches": None}


_NEWLINE = re.compile("\n")


def _line_bounds(text: str, scanned=None) -> tuple[list[int], list[int]]:
    """(starts, ends) of every line, the newline excluded: text.split("\\n")'s
    spans. *scanned*, when given, is the Scan of *text* (or of a text with
    the same newlines, such as the raw text of a shadow): the newlines are
    read from it (numpy) instead of a scan of the text."""
    if scanned is not None:
        breaks = scanned.line_breaks()
        return [0] + (breaks + 1).tolist(), breaks.tolist() + [len(text)]
    breaks = [m.start() for m in _NEWLINE.finditer(text)]
    return [0] + [b + 1 for b in breaks], breaks + [len(text)]


def _lines(text: str, scanned=None) -> list[tuple[int, int]]:
    """(start, end) of every line (see _line_bounds)."""
    return list(zip(*_line_bounds(text, scanned)))


_TAIL_PARTS: dict[int, tuple] = {}


def _tail_parts(rules) -> tuple:
    """The patterns of the first tail line, for the standard library's re: a
    line opening with a tail prefix (来源:, 编辑:) after optional blanks, or a
    tail marker (版权所有, 责任编辑) anywhere. As (a prefix at the line start
    *pos*, a prefix after a newline, a marker, the longest marker's length).
    Blanks are spelled out as regex's \\s has them (re's \\s also takes
    \\x1c-\\x1f)."""
    parts = _TAIL_PARTS.get(id(rules))
    if parts is None:
        alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
        space = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and regex.match(r"[^\S\n]", c))
        words = rules.lexicons.get("tail_prefixes", [])
        # The lookahead on the words' first characters: after most of the
        # ~100 newlines of an article one class test fails instead of every
        # word being tried (-25% time for the newline search).
        firsts = "(?=[" + "".join(sorted({re.escape(w[0]) for w in words})) + "])" if words and all(words) else ""
        prefix = "[" + re.escape(space) + "]*" + firsts + "(?:" + alt(words) + ")"
        markers = rules.lexicons.get("tail_markers", [])
        parts = (re.compile(prefix), re.compile("\n" + prefix), re.compile(alt(markers)),
                 max(map(len, markers), default=0))
        _TAIL_PARTS.clear()
        _TAIL_PARTS[id(rules)] = parts
    return parts


def _tail_start(rules, text: str, pos: int) -> int | None:
    """Where the first tail line at or after *pos* starts, or None: the nearer
    of the first line opening with a prefix and the first marker (see _tail_parts)."""
    return _first_tail(_tail_parts(rules), text, pos)


def _first_tail(parts, text: str, pos: int) -> int | None:
    """_tail_start with the compiled *parts* given (a test gives other spellings)."""
    at_start, after_newline, marker, longest = parts
    hits = []
    if (pos == 0 or text[pos - 1] == "\n") and at_start.match(text, pos):
        hits.append(pos)
    else:
        m = after_newline.search(text, pos)
        if m:
            hits.append(m.start() + 1)
    m = marker.search(text, pos, hits[0] + longest if hits else len(text))  # a marker may run past hits[0]
    if m:
        hits.append(m.start())
    return min(hits) if hits else None


def _safe_date(y: str | None, m: str | None, d: str | None) -> date | None:
    try:
        return date(int(y), int(m), int(d))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_date_text(text: str) -> date | None:
    """The date a date-line text names: 2022-01-30, 2023 01/ 18, 2021年9月29日."""
    parts = _DIGITS.findall(text or "")
    return _safe_date(*parts) if len(parts) == 3 else None


def _find_date_line(rules, shadow_text: str, lines) -> tuple[int, tuple[int, int], date] | None:
    """(line index, span, date) of the first date line in the header.

    A hit needs a date text with three runs of digits (parse_date_text)
    inside its line, so only the lines holding a digit (_DIGITS' \\d, found
    by one search each) are scanned.
    """
    date_rule = rules.by_id("article.date_line").regex
    header = lines[:HEADER_LINES]
    if not header:
        return None
    digit, stop = _DIGITS.search, header[-1][1]
    d = digit(shadow_text, 0, stop)
    i = 0
    while d is not None:
        while header[i][1] < d.start():  # the line holding the digit (lines end ascending)
            i += 1
        s, e = header[i]
        for m in date_rule.finditer(shadow_text, s, e):
            pub = parse_date_text(m.group("text"))
            if pub:
                return i, m.span("text"), pub
        d = digit(shadow_text, e, stop)
    return None


def _find_outlet(rules, raw: str, shadow_text: str, ranges) -> str | None:
    outlet_rule = rules.by_id("article.outlet").regex
    for s, e in ranges:
        m = outlet_rule.search(shadow_text, s, e)
        if m:
            return raw[m.start("text"):m.end("text")]
    return None


@dataclass(frozen=True)
class _YearVoting:
    """rules/articles.yaml's body_year settings, read once per rule set: a
    vote is weighed for each of some thirty date matches per article."""

    headline_weight: float
    edition_rules: frozenset
    edition_weight: float
    near: re.Pattern | None  # any near word (str.find semantics: a match inside the window)
    near_window: int
    near_weight: float
    leads: tuple

    @classmethod
    def of(cls, rules) -> "_YearVoting":
        got = _YEAR_VOTING.get(id(rules))
        if got is None or got[0] is not rules:
            cfg = rules.lexicons.get("body_year", {})
            words = cfg.get("near_words", [])
            near = re.compile("|".join(re.escape(w) for w in words)) if words else None
            got = (rules, cls(float(cfg.get("headline_weight", 3)), frozenset(cfg.get("edition_rules", [])),
                              float(cfg.get("edition_weight", 2)), near, int(cfg.get("near_window", 30)),
                              float(cfg.get("near_weight", 2)), tuple(cfg.get("forward_leads", []))))
            _YEAR_VOTING.clear()
            _YEAR_VOTING[id(rules)] = got
        return got[1]


_YEAR_VOTING: dict[int, tuple] = {}


def infer_body_year(raw: str, shadow_text: str, spans: list[tuple[int, int]],
                    headline: tuple[int, int] | None, excluded=(), layout: Layout | None = None) -> int | None:
    """The year an article without a date line is most likely about.

    Every year the date rules find in the headline and body is a vote: one
    for each mention, more for a year in the headline, a year that names an
    edition or event (2020(第四届)中德汽车大会), or a year near 今年/年初. A
    year after 到/力争/预计 is a goal, not a vote. Weights are in
    rules/articles.yaml (body_year). Ties go to the latest year.
    The date rules' raw matches per span are kept on *layout* for the dates
    extractor, which scans the same spans.
    """
    from .dates import finder  # local: dates imports this module
    from .rules import resolve_overlaps  # local: keeps module import light

    cfg = _YearVoting.of(load_ruleset("articles"))
    dates = finder(load_ruleset("dates"))
    per_span = [dates.find(shadow_text, s, e) for s, e in spans]
    if layout is not None:
        layout.date_matches = (dates.rs, [tuple(sp) for sp in spans], per_span)
    found = []
    for ms in per_span:
        found += [m for m in ms if not any(a <= m.start and m.end <= b for a, b in excluded)] if excluded else ms
    votes: dict[int, float] = {}
    leads, window, near = cfg.leads, cfg.near_window, cfg.near
    for m in resolve_overlaps(found):
        y = m.group("y")
        if not y or len(y) != 4 or not y.isdigit():
            continue
        start = m.start
        if shadow_text.endswith(leads, max(0, start - 3), start):
            continue
        w = 1.0
        if headline and headline[0] <= start < headline[1]:
            w += cfg.headline_weight
        if m.rule.id in cfg.edition_rules:
            w += cfg.edition_weight
        if near is not None and near.search(shadow_text, max(0, start - window), m.end + window):
            w += cfg.near_weight
        votes[int(y)] = votes.get(int(y), 0.0) + w
    if not votes:
        return None
    return max(votes, key=lambda y: (votes[y], y))


def _lines_holding(text: str, starts: list[int], ends: list[int], first: int, stop: int, needles) -> list[int]:
    """The indexes, in order, of the lines first..stop-1 that hold one of
    *needles* (None or empty ones are left out): one str.find per hit
    instead of a look at every line."""
    found: set[int] = set()
    lo, hi = starts[first], ends[stop - 1]
    for needle in needles:
        if not needle:
            continue
        i = text.find(needle, lo, hi)
        while i >= 0:
            j = bisect.bisect_right(starts, i) - 1
            found.add(j)
            i = text.find(needle, ends[j], hi)  # the next line on: one hit per line is enough
    return sorted(found)


def find_layout(raw: str, shadow_text: str, scanned=None) -> Layout:
    """The layout of an article; *scanned* (optional) is raw's Scan
    (extract.shadow.scan), which holds the same newlines as the shadow."""
    rules = load_ruleset("articles")
    # Line i runs from starts[i] to ends[i]; (start, end) pairs are made only
    # for the lines looked at as ranges (header, outlet lines), not for all.
    starts, ends = _line_bounds(shadow_text, scanned)
    n_lines = len(starts)
    lay = Layout(body_end=len(raw))
    date_line = None
    hit = _find_date_line(rules, shadow_text, list(zip(starts[:HEADER_LINES], ends[:HEADER_LINES])))
    if hit:
        date_line, lay.date_span, lay.published = hit
        lay.date_source, lay.date_grain = "header", "day"

    # _PLACEHOLDER needs its literal _fororder_: most articles hold none.
    placeholders = "_fororder_" in shadow_text

    def furniture(idx: int) -> bool:
        line = shadow_text[starts[idx]:ends[idx]].strip()
        return (not line or _is_navigation(line) or (placeholders and _PLACEHOLDER.search(line) is not None)
                or line.startswith(("来源:", "来源：", "时间:", "时间：", "编辑:", "编辑：", "字体")))

    # Title: the line just before the date line (skipping furniture), else the
    # first substantive line after it, else the first line of the file.
    title_idx = None
    if date_line is not None:
        for j in range(date_line - 1, -1, -1):
            if not furniture(j) and len(shadow_text[starts[j]:ends[j]].strip()) >= 6:
                title_idx = j
                break
        if title_idx is None or title_idx < date_line - 3:
            for j in range(date_line + 1, min(n_lines, date_line + 6)):
                if not furniture(j) and len(shadow_text[starts[j]:ends[j]].strip()) >= 6:
                    title_idx = j
                    break
    else:
        title_idx = next((j for j in range(min(n_lines, HEADER_LINES)) if not furniture(j)), None)
    if title_idx is not None:
        s, e = starts[title_idx], ends[title_idx]
        while s < e and raw[s].isspace():
            s += 1
        while e > s and raw[e - 1].isspace():
            e -= 1
        lay.title, lay.title_span = raw[s:e], (s, e)

    # Body: from the first line after the header (date line, title) …
    first = max(x for x in (date_line, title_idx, -1) if x is not None) + 1
    while first < n_lines and furniture(first):
        first += 1
    lay.body_start = starts[first] if first < n_lines else len(raw)
    # … to the first tail line.
    end_idx = n_lines
    if first + 1 < n_lines:
        hit = _tail_start(rules, shadow_text, starts[first + 1])
        if hit is not None:
            end_idx = bisect.bisect_right(starts, hit) - 1
    lay.body_end = ends[end_idx - 1] if end_idx > first else lay.body_start
    if lay.body_end < lay.body_start:
        lay.body_end = lay.body_start
    while lay.body_end > lay.body_start and raw[lay.body_end - 1].isspace():
        lay.body_end -= 1
    # Furniture inside the body: image placeholder lines and repeated headlines.
    title_shadow = shadow_text[lay.title_span[0]:lay.title_span[1]] if lay.title_span else None
    # Only lines holding _PLACEHOLDER's literal _fororder_ or the headline can
    # be either, so only those are looked at, in line order.
    if first < end_idx:
        for j in _lines_holding(shadow_text, starts, ends, first, end_idx,
                                ("_fororder_" if placeholders else None, title_shadow)):
            s, e = starts[j], ends[j]
            line = shadow_text[s:e].strip()
            if (placeholders and _PLACEHOLDER.search(line)) or (title_shadow and line == title_shadow):
                lay.excluded.append((s, e))

    # Outlet: 来源 in the header, else on the lines that close the body, else at the very end.
    header_end, tail_end = min(first, HEADER_LINES), end_idx + TAIL_OUTLET_LINES
    last = max(0, n_lines - 15)  # lines[-15:]
    ranges = (list(zip(starts[:header_end], ends[:header_end])) + list(zip(starts[end_idx:tail_end], ends[end_idx:tail_end]))
              + list(zip(starts[last:], ends[last:])))
    lay.outlet = _find_outlet(rules, raw, shadow_text, ranges)

    # No date line: the year the body points to, at year grain (Jan 1 stands for the year).
    if lay.published is None:
        spans = ([lay.title_span] if lay.title_span and lay.title_span[1] <= lay.body_start else [])
        spans.append((lay.body_start, lay.body_end))
        year = infer_body_year(raw, shadow_text, spans, lay.title_span, lay.excluded, lay)
        if year is not None:
            lay.published = _safe_date(year, 1, 1)
            lay.date_source, lay.date_grain = "body", "year"
    return lay


@dataclass
class Document:
    """One article ready for the extractors: raw text, shadow, sentences, scope."""

    article_id: str
    raw: str
    shadow: str
    sentences: Sentences
    layout: Layout
    raw_article: RawArticle | None = None
    traditional: bool | None = None  # known from the shadow pass; computed on demand otherwise

    @classmethod
    def from_text(cls, raw: str, article_id: str = "-", raw_article: RawArticle | None = None) -> "Document":
        sc = scan(raw)
        return cls(article_id, raw, sc.shadow, Sentences(raw, sc), find_layout(raw, sc.shadow, sc), raw_article,
                   sc.traditional)

    @classmethod
    def from_snippet(cls, raw: str, article_id: str = "snippet", published: date | None = None) -> "Document":
        """A bare piece of text (a rule example, a test): all of it is body."""
        sh = shadow(raw)
        lay = Layout(body_start=0, body_end=len(raw), published=published,
                     date_source="header" if published else None, date_grain="day" if published else None)
        return cls(article_id, raw, sh, Sentences(raw), lay)

    @property
    def published(self) -> date | None:
        return self.layout.published

    def scopes(self) -> list[tuple[int, int]]:
        """Spans extractors look at: the headline and the body."""
        out = []
        if self.layout.title_span and self.layout.title_span[1] <= self.layout.body_start:
            out.append(self.layout.title_span)
        out.append((self.layout.body_start, self.layout.body_end))
        return out

    def in_scope(self, start: int, end: int) -> bool:
        for s, e in self.layout.excluded:
            if s <= start and end <= e:
                return False
        lay = self.layout
        if lay.body_start <= start and end <= lay.body_end:
            return True
        ts = lay.title_span
        return bool(ts and ts[1] <= lay.body_start and ts[0] <= start and end <= ts[1])

    def sentence_at(self, offset: int) -> str:
        return self.sentences.sentence_at(offset)

    @property
    def script(self) -> str:
        if self.traditional is None:
            self.traditional = is_traditional(self.raw)
        return "traditional" if self.traditional else "simplified"
